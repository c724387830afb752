// Fuzzes the Falco condition parser: arbitrary bytes through parse_condition().
//
// Bad input must come back as a ConditionSyntaxError (never an exception, a crash or a stack
// overflow, whatever the nesting), with a position inside the text. A condition that parses must
// survive a round trip: to_string() prints it, and the printed text must parse to a tree that
// prints the same, since `rules list` shows conditions in that form and the compiler's messages
// quote it. clone() must copy the tree exactly. The same bytes also go through parse_field().
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detect/ast.h"
#include "detect/condition_parser.h"

namespace {

using namespace bulkhead::detect;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_condition: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(), input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

void check_position(const ConditionSyntaxError& error, std::string_view text,
                    std::string_view input) {
  if (error.offset > text.size()) fail("error offset beyond the text: " + error.message, input);
  TextPositionMap lines(text);
  TextPosition expected = lines.at(error.offset);
  if (error.position.line != expected.line || error.position.column != expected.column)
    fail("error position does not match its offset: " + error.message, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    ParseResult parsed = parse_condition(input);
    if (parsed.error) {
      if (parsed.condition) fail("both a tree and an error", input);
      check_position(*parsed.error, input, input);
    } else {
      if (!parsed.condition) fail("neither a tree nor an error", input);
      std::string printed = to_string(*parsed.condition);
      ParseResult reparsed = parse_condition(printed);
      if (!reparsed.condition)
        fail("printed condition does not parse: " + reparsed.error->message +
                 "\nprinted: " + printed,
             input);
      std::string reprinted = to_string(*reparsed.condition);
      if (reprinted != printed)
        fail("round trip changed the condition:\nfirst:  " + printed + "\nsecond: " + reprinted,
             input);
      if (to_string(*clone(*parsed.condition)) != printed) fail("clone differs", input);
    }
    FieldParseResult field = parse_field(input);
    if (field.field.has_value() == field.error.has_value())
      fail("parse_field: both or neither", input);
    if (field.error) check_position(*field.error, input, input);
  } catch (const std::exception& e) {
    fail(std::string("exception escaped: ") + e.what(), input);
  }
  return 0;
}
