// Fuzzes the Falco rules-file loader and compiler: arbitrary bytes through load_rules_text(), twice
// into the same RuleSet (the second load appends to and overrides what the first defined).
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

#include "base/error.h"
#include "capture/synthetic.h"
#include "detect/ast.h"
#include "detect/condition_parser.h"
#include "detect/engine.h"
#include "detect/output.h"
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
  // The compiler too: whatever loaded must compile or yield located diagnostics, never throw;
  // when it compiles, a few events (open, connect, execve, close) go through the engine.
  std::size_t loaded_diagnostics = set.diagnostics.size();
  try {
    RuleSet copy_for_engine;
    load_rules_text(copy_for_engine, input, "first.yaml");
    compile_rules(set);
    bool errors = false;
    for (std::size_t i = 0; i < set.diagnostics.size(); ++i) {
      const Diagnostic& diagnostic = set.diagnostics[i];
      if (diagnostic.severity == Diagnostic::Severity::Error) errors = true;
      if (i >= loaded_diagnostics && diagnostic.message.empty())
        fail("compiler diagnostic without a message", input);
    }
    if (!errors) {
      bool copy_errors = false;
      for (const auto& d : copy_for_engine.diagnostics)
        copy_errors = copy_errors || d.severity == Diagnostic::Severity::Error;
      if (!copy_errors) {
        EngineOptions options;
        options.matching = RuleMatching::All;
        try {
          Engine engine(std::move(copy_for_engine), options);
          bulkhead::capture::SyntheticHost host([&](const bulkhead::capture::Event& event) {
            engine.process(event, [&](const Alert& alert) {
              (void)alert_to_json(alert, "fuzz");
              (void)alert_to_text(alert);
            });
          });
          bulkhead::capture::ContainerInfo container;
          container.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
          host.add_container(container);
          int64_t init = host.add_process(0, "/sbin/init", {});
          int64_t shell = host.add_process(init, "/bin/sh", {}, container.id);
          host.snapshot(engine.threads());
          int64_t cat = host.spawn(shell, "/bin/cat", {"/etc/shadow"});
          int64_t fd = host.open(cat, "/etc/shadow", 0);
          host.close(cat, fd);
          int64_t sock = host.socket(cat, 2, 1, 6);
          host.connect(cat, sock, "198.51.100.7", 443);
          host.exit(cat);
        } catch (const bulkhead::Error&) {
          // Only a compile error refuses an engine, and the check above ruled those out for
          // `set`; `copy_for_engine` (one load instead of two) may still differ: fine.
        }
      }
    }
  } catch (const std::exception& e) {
    fail(std::string("exception escaped the compiler or engine: ") + e.what(), input);
  }
  return 0;
}
