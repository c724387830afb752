// Fuzzes the Kubernetes reader of `bulkhead audit`: arbitrary bytes through read_kubernetes(),
// then every workload through evaluate_checks().
//
// Whatever the input (malformed YAML, many documents, wrong types, aliases and merge keys
// repeating big mappings, deep nesting), reading must give workloads or a bulkhead::Error that
// names the file and a place inside it; any other exception (a yaml-cpp one escaping included),
// a crash, a hang or a sanitizer report is a bug. Every setting's location lies inside the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "audit/checks.h"
#include "audit/inputs.h"
#include "base/error.h"

namespace {

using namespace bulkhead;

const std::string kFile = "manifest.yaml";

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_audit_kubernetes: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

// Line 0 is allowed for errors only: yaml-cpp reports some without a position.
void check_location(const SourceLocation& where, int lines, std::string_view input,
                    bool must_have_line) {
  if (where.file != kFile) fail("location without the file: " + where.str(), input);
  if (where.line < 0 || where.line > lines || where.column < 0)
    fail("location outside the input: " + where.str(), input);
  if (must_have_line && (where.line < 1 || where.column < 1))
    fail("a setting without its line: " + where.str(), input);
}

template <class T>
void check_setting(const std::optional<audit::Located<T>>& setting, int lines,
                   std::string_view input) {
  if (setting) check_location(setting->where, lines, input, true);
}

void check_workload(const audit::Workload& w, int lines, std::string_view input) {
  check_location(w.where, lines, input, true);
  if (w.format != audit::InputFormat::Kubernetes) fail("a workload of another format", input);
  if (w.object.find(" container ") == std::string::npos)
    fail("an object that names no container: " + w.object, input);
  check_setting(w.privileged, lines, input);
  check_setting(w.no_new_privileges, lines, input);
  check_setting(w.seccomp, lines, input);
  check_setting(w.apparmor, lines, input);
  check_setting(w.selinux, lines, input);
  check_setting(w.user, lines, input);
  check_setting(w.run_as_non_root, lines, input);
  check_setting(w.read_only_rootfs, lines, input);
  check_setting(w.memory_limit, lines, input);
  check_setting(w.proc_unmasked, lines, input);
  check_setting(w.host_namespaces.pid, lines, input);
  check_setting(w.host_namespaces.ipc, lines, input);
  check_setting(w.host_namespaces.network, lines, input);
  check_setting(w.host_namespaces.user, lines, input);
  if (w.pids_limit) fail("a pids limit from a Kubernetes manifest", input);
  if (w.host_namespaces.uts) fail("a host UTS namespace from a Kubernetes manifest", input);
  for (const auto& cap : w.capabilities.added) check_location(cap.where, lines, input, true);
  for (const auto& cap : w.capabilities.dropped) check_location(cap.where, lines, input, true);
  for (const auto& mount : w.host_mounts) {
    check_location(mount.where, lines, input, true);
    if (mount.source.empty() || mount.source[0] != '/' ||
        (mount.source.size() > 1 && mount.source.back() == '/') ||
        mount.source.find("/../") != std::string::npos ||
        mount.source.find("//") != std::string::npos)
      fail("a host path that is not normalised: " + mount.source, input);
  }
  for (const auto& volume : w.volumes) check_location(volume.where, lines, input, true);
  for (const auto& device : w.devices) check_location(device.where, lines, input, true);
  for (const auto& sysctl : w.sysctls) check_location(sysctl.where, lines, input, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : input) lines += c == '\n';
  try {
    for (const audit::Workload& workload : audit::read_kubernetes(input, kFile)) {
      check_workload(workload, lines, input);
      for (const audit::Finding& finding : audit::evaluate_checks(workload))
        check_location(finding.where, lines, input, true);
    }
  } catch (const Error& e) {
    if (!e.where()) fail(std::string("error without a location: ") + e.what(), input);
    check_location(*e.where(), lines, input, false);
    if (e.message().empty()) fail("an error without a message", input);
  } catch (const std::exception& e) {
    fail(std::string("exception escaped: ") + e.what(), input);
  }
  return 0;
}
