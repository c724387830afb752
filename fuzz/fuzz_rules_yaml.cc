// Fuzzes the Falco rules-file loader: arbitrary bytes through load_rules_text(), twice into the
// same RuleSet (the second load appends to and overrides what the first defined).
//
// Whatever the input, loading must not throw, crash or hang: malformed YAML, wrong shapes and
// bad conditions are Diagnostics. Every diagnostic names the file and lies within the input,
// every parsed condition survives a to_string() round trip, and every rule and macro whose
// condition parsed has the pieces that map its positions.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detect/ast.h"
#include "detect/condition_parser.h"
#include "detect/rules_file.h"

namespace {

using namespace bulkhead::detect;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "fuzz_rules_yaml: %s\ninput (%zu bytes):\n%.*s\n", what.c_str(),
               input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

void check_condition(const ConditionPtr& condition, const std::vector<ConditionPiece>& pieces,
                     const std::string& name, std::string_view input) {
  if (!condition) return;
  if (pieces.empty()) fail(name + ": a parsed condition without position pieces", input);
  std::string printed = to_string(*condition);
  ParseResult reparsed = parse_condition(printed);
  if (!reparsed.condition)
    fail(name + ": printed condition does not parse: " + reparsed.error->message +
             "\nprinted: " + printed,
         input);
  if (to_string(*reparsed.condition) != printed)
    fail(name + ": round trip changed the condition: " + printed, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : input) lines += c == '\n';
  RuleSet set;
  try {
    load_rules_text(set, input, "first.yaml");
    load_rules_text(set, input, "second.yaml");
  } catch (const std::exception& e) {
    fail(std::string("exception escaped: ") + e.what(), input);
  }
  for (const Diagnostic& diagnostic : set.diagnostics) {
    if (diagnostic.where.file != "first.yaml" && diagnostic.where.file != "second.yaml")
      fail("diagnostic without its file: " + diagnostic.str(), input);
    if (diagnostic.where.position.line < 0 || diagnostic.where.position.line > lines ||
        diagnostic.where.position.column < 0)
      fail("diagnostic outside the input: " + diagnostic.str(), input);
    if (diagnostic.message.empty()) fail("diagnostic without a message", input);
  }
  for (const MacroItem& macro : set.macros)
    check_condition(macro.condition, macro.condition_pieces, "macro " + macro.name, input);
  for (const RuleItem& rule : set.rules) {
    check_condition(rule.condition, rule.condition_pieces, "rule " + rule.name, input);
    if (rule.name.empty()) fail("a rule without a name", input);
  }
  return 0;
}
