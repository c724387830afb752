// Fuzzes the Dockerfile audit: arbitrary bytes through audit_dockerfile().
//
// Whatever the input (unterminated exec forms and heredocs, odd escape directives, endless
// continuations, deeply nested command substitutions), it must give findings or a
// bulkhead::Error naming the file and a place inside it; any other exception, a crash, a hang
// or a sanitizer report is a bug. Every finding names a Dockerfile check of the catalogue, with
// its severity, and points at a line and column that exist.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "audit/catalogue.h"
#include "audit/inputs.h"
#include "base/error.h"

namespace {

using namespace bulkhead;

const std::string kFile = "Dockerfile";

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_audit_dockerfile: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

// A location names an existing line, and a column at most one past its end.
void check_location(const SourceLocation& where, const std::vector<std::string_view>& lines,
                    std::string_view input) {
  if (where.file != kFile) fail("location without the file: " + where.str(), input);
  if (where.line < 1 || where.line > static_cast<int>(lines.size()) || where.column < 1)
    fail("location outside the input: " + where.str(), input);
  std::string_view line = lines[static_cast<std::size_t>(where.line - 1)];
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (static_cast<std::size_t>(where.column) > line.size() + 1)
    fail("column past the end of its line: " + where.str(), input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0;;) {
    std::size_t end = input.find('\n', pos);
    if (end == std::string_view::npos) {
      lines.push_back(input.substr(pos));
      break;
    }
    lines.push_back(input.substr(pos, end - pos));
    pos = end + 1;
  }
  try {
    for (const audit::Finding& finding : audit::audit_dockerfile(input, kFile)) {
      check_location(finding.where, lines, input);
      const audit::Check* check = audit::find_check(finding.check_id);
      if (!check || !audit::check_applies_to(*check, audit::InputFormat::Dockerfile))
        fail("a finding of a check that is not a Dockerfile check: " + finding.check_id, input);
      if (finding.severity != check->severity) fail("a finding with another severity", input);
      if (finding.format != audit::InputFormat::Dockerfile)
        fail("a finding of another format", input);
      if (!finding.object.starts_with("Dockerfile")) fail("object " + finding.object, input);
      if (finding.message.empty()) fail("a finding without a message", input);
    }
  } catch (const Error& e) {
    if (!e.where()) fail(std::string("error without a location: ") + e.what(), input);
    check_location(*e.where(), lines, input);
    if (e.message().empty()) fail("an error without a message", input);
  } catch (const std::exception& e) {
    fail(std::string("exception escaped: ") + e.what(), input);
  }
  return 0;
}
