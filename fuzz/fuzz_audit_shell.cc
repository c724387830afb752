// Fuzzes the shell-script scanner of `bulkhead audit`: arbitrary bytes through
// read_shell_script(), then every workload through evaluate_checks().
//
// Whatever the input, scanning must give workloads or a bulkhead::Error naming the file and a
// place inside the input; any other exception, a crash, a hang or a sanitizer report is a bug.
// Every setting a workload carries must point into the input too, since findings are printed
// with those lines and columns.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "audit/checks.h"
#include "audit/inputs.h"
#include "base/error.h"

namespace {

using namespace bulkhead;

const std::string kFile = "fuzz.sh";

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_audit_shell: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

void check_location(const SourceLocation& where, int lines, std::string_view input) {
  if (where.file != kFile) fail("location without the file: " + where.str(), input);
  if (where.line < 1 || where.line > lines || where.column < 1)
    fail("location outside the input: " + where.str(), input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : input) lines += c == '\n';
  try {
    for (const audit::Workload& workload : audit::read_shell_script(input, kFile)) {
      check_location(workload.where, lines, input);
      if (workload.object.empty()) fail("a workload without an object", input);
      for (const audit::HostMount& mount : workload.host_mounts)
        check_location(mount.where, lines, input);
      for (const auto& cap : workload.capabilities.added) check_location(cap.where, lines, input);
      for (const audit::Finding& finding : audit::evaluate_checks(workload))
        check_location(finding.where, lines, input);
    }
  } catch (const Error& e) {
    if (!e.where()) fail(std::string("error without a location: ") + e.what(), input);
    check_location(*e.where(), lines, input);
  } catch (const std::exception& e) {
    fail(std::string("exception escaped: ") + e.what(), input);
  }
  return 0;
}
