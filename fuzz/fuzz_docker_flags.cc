// Fuzzes `bulkhead run`'s flags: a command line split from the input through the real CLI11 flag
// set (add_docker_run_flags) and then build_spec().
//
// The input is the arguments after `bulkhead run`, separated by NUL bytes. A command line CLI11
// refuses is not interesting here; one it accepts must give either bulkhead::Error or a spec.
// An even number of arguments builds it for a root host, an odd one for a rootless host with
// subordinate ids (not both: flattening the default seccomp profile is most of a run's time).
// Anything else (a crash, a sanitizer report, any other exception) is a bug. The spec must
// survive the round trip through spec_to_json() and parse_spec() unchanged, since that is how
// `--dry-run` prints it and the runtime stores it.
//
// Nothing may touch the filesystem: every file a flag names (--env-file, seccomp=FILE,
// landlock=FILE, including "-" for standard input) is replaced by a path that does not exist,
// so reading it must fail with Error; a spec built from flags that still read an --env-file
// is therefore a bug too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/error.h"
#include "cli/run_flags.h"
#include "spec/docker_flags.h"
#include "spec/spec.h"

namespace {

using namespace bulkhead;

constexpr const char* kMissingFile = "/nonexistent/bulkhead-fuzz/file";
// Longer command lines only repeat what shorter ones do, slower.
constexpr size_t kMaxArgs = 64;

[[noreturn]] void fail(const std::string& what, const std::vector<std::string>& args) {
  std::fprintf(stderr, "fuzz_docker_flags: %s\narguments (%zu):\n", what.c_str(), args.size());
  for (const auto& arg : args)
    std::fprintf(stderr, "  [%.*s]\n", static_cast<int>(arg.size()), arg.data());
  std::abort();
}

std::vector<std::string> split_arguments(std::string_view input) {
  std::vector<std::string> args;
  if (input.empty()) return args;
  size_t start = 0;
  while (true) {
    size_t nul = input.find('\0', start);
    args.emplace_back(input.substr(start, nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  return args;
}

// Points every file reference at kMissingFile. The key is found the way build_spec() finds it
// (the first "=", else the first ":"), so nothing that would be read slips through; the names
// that are not files (unconfined, the built-in seccomp profile) are kept.
void redirect_file_references(spec::RunFlags& flags) {
  for (auto& file : flags.env_files) file = kMissingFile;
  for (auto& opt : flags.security_opt) {
    auto sep = opt.find('=');
    if (sep == std::string::npos) sep = opt.find(':');
    if (sep == std::string::npos) continue;
    std::string key = opt.substr(0, sep);
    std::string value = opt.substr(sep + 1);
    if (value.empty() || value == "unconfined") continue;
    if (key == "seccomp" && (value == "default" || value == "builtin:default")) continue;
    if (key == "seccomp" || key == "landlock") opt = key + "=" + kMissingFile;
  }
}

spec::HostFacts root_host() {
  spec::HostFacts host;
  host.environment = {{"HOME", "/root"}, {"LANG", "C.UTF-8"}, {"EMPTY", ""}};
  host.kernel = seccomp::KernelVersion{6, 1};  // fixed, so the outcome does not depend on the host
  host.arch = seccomp::Arch::X86_64;
  return host;
}

spec::HostFacts rootless_host() {
  spec::HostFacts host = root_host();
  host.uid = 1000;
  host.gid = 1000;
  host.subuid = spec::IdRange{100000, 65536};
  host.subgid = spec::IdRange{100000, 65536};
  return host;
}

void check(const spec::RunFlags& flags, const spec::HostFacts& host,
           const std::vector<std::string>& args) {
  spec::BuiltSpec built;
  try {
    built = spec::build_spec(flags, host);
  } catch (const Error&) {
    return;
  }
  std::string who = host.uid == 0 ? "root" : "rootless";
  if (!flags.env_files.empty())
    fail("build_spec() (" + who + ") succeeded although --env-file names a missing file", args);

  // Every failure from here on is a bug; catching std::exception turns a library exception
  // (nlohmann's) into a report that shows the arguments.
  nlohmann::json written;
  std::string text;
  try {
    written = spec::spec_to_json(built.spec);
    text = written.dump(2);
  } catch (const std::exception& e) {
    fail("spec_to_json() failed on the spec build_spec() (" + who + ") made: " + e.what(), args);
  }
  spec::Spec reread;
  try {
    reread = spec::parse_spec(text, "round-trip");
  } catch (const std::exception& e) {
    fail("parse_spec() rejects the spec build_spec() (" + who + ") made: " + e.what() +
             "\nwritten:\n" + text,
         args);
  }
  nlohmann::json rewritten = spec::spec_to_json(reread);
  if (rewritten != written)
    fail("round trip changed the spec (" + who + "):\nfirst:\n" + text + "\nsecond:\n" +
             rewritten.dump(2),
         args);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args =
      split_arguments(std::string_view(reinterpret_cast<const char*>(data), size));
  if (args.size() > kMaxArgs) return 0;

  spec::RunFlags flags;
  CLI::App app("fuzz_docker_flags", "run");
  cli::add_docker_run_flags(app, flags);
  try {
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // CLI11 wants them reversed
  } catch (const CLI::ParseError&) {
    return 0;
  }
  redirect_file_references(flags);
  check(flags, args.size() % 2 == 1 ? rootless_host() : root_host(), args);
  return 0;
}
