// Fuzzes the compose reader of `bulkhead audit`: arbitrary bytes through read_compose(), then
// every workload through evaluate_checks().
//
// Whatever the input (malformed YAML, wrong types, merge-key cycles, deep nesting), reading must
// give workloads or a bulkhead::Error naming the file; any other exception (a yaml-cpp one
// escaping included), a crash, a hang or a sanitizer report is a bug. Locations must lie inside
// the input.
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

const std::string kFile = "compose.yaml";

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_audit_compose: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

// Line 0 is allowed: yaml-cpp reports some errors (and nodes it made up) without a position.
void check_location(const SourceLocation& where, int lines, std::string_view input) {
  if (where.file != kFile) fail("location without the file: " + where.str(), input);
  if (where.line < 0 || where.line > lines || where.column < 0)
    fail("location outside the input: " + where.str(), input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : input) lines += c == '\n';
  try {
    for (const audit::Workload& workload : audit::read_compose(input, kFile)) {
      check_location(workload.where, lines, input);
      if (workload.object.empty()) fail("a workload without an object", input);
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
