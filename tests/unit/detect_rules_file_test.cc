// Loading Falco rule files: every item kind, append/override, exceptions, diagnostics and
// the positions of errors inside (folded, quoted, appended) condition scalars.
#include <gtest/gtest.h>

#include <string>

#include "detect/condition_parser.h"
#include "detect/rules_file.h"
#include "detect/rules_scalar_positions.h"

namespace bulkhead::detect {
namespace {

RuleSet load(const std::string& text, const std::string& file = "test.yaml") {
  RuleSet set;
  load_rules_text(set, text, file);
  return set;
}

std::string all_diagnostics(const RuleSet& set) {
  std::string out;
  for (const Diagnostic& diagnostic : set.diagnostics) out += diagnostic.str() + "\n";
  return out;
}

// The only diagnostic of `set` with this severity, which must mention `needle`.
const Diagnostic& only(const RuleSet& set, Diagnostic::Severity severity,
                       const std::string& needle) {
  const Diagnostic* found = nullptr;
  int count = 0;
  for (const Diagnostic& diagnostic : set.diagnostics) {
    if (diagnostic.severity != severity) continue;
    ++count;
    found = &diagnostic;
  }
  EXPECT_EQ(count, 1) << all_diagnostics(set);
  static const Diagnostic none{};
  if (!found) return none;
  EXPECT_NE(found->str().find(needle), std::string::npos)
      << "wanted '" << needle << "' in: " << found->str();
  return *found;
}
const Diagnostic& only_error(const RuleSet& set, const std::string& needle) {
  return only(set, Diagnostic::Severity::Error, needle);
}
const Diagnostic& only_warning(const RuleSet& set, const std::string& needle) {
  return only(set, Diagnostic::Severity::Warning, needle);
}

void expect_clean(const RuleSet& set) {
  EXPECT_TRUE(set.diagnostics.empty()) << all_diagnostics(set);
}

const RuleItem* rule(const RuleSet& set, const std::string& name) {
  for (const RuleItem& r : set.rules)
    if (r.name == name) return &r;
  return nullptr;
}
const MacroItem* macro(const RuleSet& set, const std::string& name) {
  for (const MacroItem& m : set.macros)
    if (m.name == name) return &m;
  return nullptr;
}
const ListItem* list(const RuleSet& set, const std::string& name) {
  for (const ListItem& l : set.lists)
    if (l.name == name) return &l;
  return nullptr;
}

std::string condition_of(const RuleItem* r) {
  if (!r || !r->condition) return "<none>";
  return to_string(*r->condition);
}

const char* const kBaseRule = R"(
- rule: Shell in container
  desc: a shell started in a container
  condition: spawned_process and proc.name in (shell_binaries)
  output: shell started (command=%proc.cmdline)
  priority: WARNING
  tags: [container, shell]
)";

// ---- Positions inside scalars ----------------------------------------------------------------

TEST(DetectRulesFile, ScalarPositionsOfEveryStyle) {
  struct Case {
    std::string yaml;    // `key: <scalar>` on line 1
    std::string value;   // what yaml-cpp makes of it
    std::size_t offset;  // an offset in value
    int line, column;    // where that character is in the file
  };
  const Case cases[] = {
      {"key: abc def", "abc def", 4, 1, 10},
      {"key: abc\n  def\n  ghi", "abc def ghi", 8, 3, 3},
      {"key: \"a\\\"b c\"", "a\"b c", 4, 1, 12},
      {"key: 'it''s x'", "it's x", 5, 1, 13},
      {"key: >\n  one two\n  three\n", "one two three\n", 8, 3, 3},
      {"key: |\n  one\n    two\n  three\n", "one\n  two\nthree\n", 6, 3, 5},
      {"key: >-\n    folded\n    more", "folded more", 7, 3, 5},
      {"key: \"multi\n  line\"", "multi line", 6, 2, 3},
      {"key: \"esc\\tz\"", "esc\tz", 4, 1, 12},
      {"key: !!str tagged", "tagged", 2, 1, 14},
  };
  for (const Case& c : cases) {
    std::size_t start = c.yaml.find(": ") + 2;
    std::vector<TextPosition> positions =
        scalar_positions(c.yaml, ScalarStart{start, 0, static_cast<int>(start)}, c.value);
    ASSERT_EQ(positions.size(), c.value.size() + 1) << c.yaml;
    EXPECT_EQ(positions[c.offset].line, c.line) << c.yaml;
    EXPECT_EQ(positions[c.offset].column, c.column) << c.yaml;
  }
}

TEST(DetectRulesFile, ConditionErrorInFoldedScalarPointsIntoTheFile) {
  RuleSet set = load(R"(- macro: m
  condition: >
    proc.name = bash and
    (fd.name startswith
     )
)");
  const Diagnostic& error = only_error(set, "expected a value after 'startswith'");
  EXPECT_EQ(error.where.file, "test.yaml");
  EXPECT_EQ(error.where.position.line, 5);
  EXPECT_EQ(error.where.position.column, 6);
  EXPECT_EQ(error.item, "macro 'm'");
  EXPECT_EQ(error.str(),
            "test.yaml:5:6: error: macro 'm': syntax error in condition: expected a value after "
            "'startswith', found ')'");
  ASSERT_NE(macro(set, "m"), nullptr);
  EXPECT_EQ(macro(set, "m")->condition, nullptr);
}

TEST(DetectRulesFile, ConditionErrorInQuotedAndPlainScalars) {
  RuleSet set = load("- macro: a\n  condition: \"proc.name = \\\"x\\\" and fd.name in (\"\n");
  EXPECT_EQ(only_error(set, "unterminated list").where.position.line, 2);
  // Column 48: the two escaping backslashes count in the file, not in the value.
  EXPECT_EQ(only_error(set, "unterminated list").where.position.column, 48);

  set = load("- macro: b\n  condition: proc.name = x and\n    fd.name = y z\n");
  const Diagnostic& error = only_error(set, "found 'z'");
  EXPECT_EQ(error.where.position.line, 3);
  EXPECT_EQ(error.where.position.column, 17);

  set = load("- macro: c\n  condition: |\n    a and\n      b or or\n");
  EXPECT_EQ(only_error(set, "before 'or'").where.position.line, 4);
  EXPECT_EQ(only_error(set, "before 'or'").where.position.column, 12);
}

TEST(DetectRulesFile, NodePositionsAreFilePositions) {
  RuleSet set = load(std::string(kBaseRule) + R"(
- macro: spawned_process
  condition: >
    evt.type in (execve, execveat)
    and evt.dir = <
)");
  expect_clean(set);
  const MacroItem* m = macro(set, "spawned_process");
  ASSERT_TRUE(m && m->condition);
  const auto& all = std::get<AndNode>(m->condition->node);
  EXPECT_EQ(all.children[0]->position.line, 11);
  EXPECT_EQ(all.children[0]->position.column, 5);
  EXPECT_EQ(all.children[1]->position.line, 12);
  EXPECT_EQ(all.children[1]->position.column, 9);
  EXPECT_EQ(m->condition_where.position.line, 10);
  const RuleItem* r = rule(set, "Shell in container");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->where.position.line, 2);
  EXPECT_EQ(r->condition_where.position.line, 4);
  EXPECT_EQ(r->condition_where.position.column, 14);
  EXPECT_EQ(r->output_where.position.line, 5);
}

// ---- Lists --------------------------------------------------------------------------------

TEST(DetectRulesFile, ListsHoldStringsAndNumbers) {
  RuleSet set = load(R"yaml(
- list: ports
  items: [22, 2222, "8080", ssh]
- list: empty
  items: []
- list: quoted
  items: ['"(systemd)"', "a b"]
)yaml");
  expect_clean(set);
  ASSERT_NE(list(set, "ports"), nullptr);
  EXPECT_EQ(list(set, "ports")->items, (std::vector<std::string>{"22", "2222", "8080", "ssh"}));
  EXPECT_EQ(list(set, "ports")->item_where[1].position.line, 3);
  EXPECT_EQ(list(set, "ports")->item_where[1].position.column, 15);
  EXPECT_TRUE(list(set, "empty")->items.empty());
  EXPECT_EQ(list(set, "quoted")->items[0], "\"(systemd)\"");
}

TEST(DetectRulesFile, ListAppendOverrideAndRedefinition) {
  RuleSet set = load(R"(
- list: a
  items: [x]
- list: b
  items: [1]
- list: a
  items: [y]
  append: true
- list: a
  items: [z]
  override:
    items: append
- list: b
  items: [2]
  override:
    items: replace
- list: a
  items: [fresh]
)");
  only_warning(set, "'append' is deprecated");
  ASSERT_EQ(set.lists.size(), 2u);
  // Redefinition replaces in place: `a` stays first.
  EXPECT_EQ(set.lists[0].name, "a");
  EXPECT_EQ(set.lists[0].items, std::vector<std::string>{"fresh"});
  EXPECT_EQ(set.lists[1].items, std::vector<std::string>{"2"});

  set = load("- list: a\n  items: [x]\n- list: a\n  items: [x]\n  override: {items: append}\n");
  EXPECT_EQ(list(set, "a")->items, (std::vector<std::string>{"x", "x"}));
}

TEST(DetectRulesFile, ListErrors) {
  EXPECT_EQ(only_error(load("- list: a\n  items: [y]\n  append: true\n"), "not defined").item,
            "list 'a'");
  only_error(load("- list: a\n  items: [y]\n  override: {items: replace}\n"), "not defined");
  only_error(load("- list: a\n  items: {x: 1}\n"), "'items' must be a list");
  only_error(load("- list: a\n  items: [[x]]\n"), "'items' must hold strings or numbers");
  only_error(load("- list: a\n"), "missing required key 'items'");
  only_error(load("- list: [a]\n  items: []\n"), "must be a non-empty string");
  only_error(
      load("- list: a\n  items: []\n- list: a\n  items: []\n  override: {condition: append}\n"),
      "'condition' cannot be overridden");
  only_error(load("- list: a\n  items: []\n- list: a\n  items: []\n  override: {items: merge}\n"),
             "must be append or replace");
  RuleSet set = load("- list: a\n  items: []\n  colour: blue\n");
  EXPECT_EQ(only_warning(set, "unknown key 'colour'").item, "list 'a'");
  EXPECT_FALSE(set.has_errors());
}

// ---- Macros -------------------------------------------------------------------------------

TEST(DetectRulesFile, MacrosAppendAndOverride) {
  RuleSet set = load(R"(
- macro: m
  condition: proc.name = a
- macro: m
  condition: or proc.name = b
  override:
    condition: append
- macro: n
  condition: never
- macro: n
  condition: fd.num > 2
  override:
    condition: replace
- macro: o
  condition: x
- macro: o
  condition: and y
  append: true
)");
  only_warning(set, "deprecated");
  EXPECT_EQ(macro(set, "m")->condition_text, "proc.name = a or proc.name = b");
  ASSERT_TRUE(macro(set, "m")->condition);
  EXPECT_EQ(to_string(*macro(set, "m")->condition), "proc.name = a or proc.name = b");
  EXPECT_EQ(to_string(*macro(set, "n")->condition), "fd.num > 2");
  EXPECT_EQ(to_string(*macro(set, "o")->condition), "x and y");
  EXPECT_EQ(macro(set, "m")->condition_pieces.size(), 2u);
}

TEST(DetectRulesFile, MacroErrors) {
  only_error(load("- macro: m\n  condition: x\n  append: true\n"), "not defined");
  only_error(load("- macro: m\n"), "missing required key 'condition'");
  only_error(load("- macro: m\n  condition:\n"), "'condition' is empty");
  only_error(load("- macro: m\n  condition: [a]\n"), "'condition' must be a string");
  only_error(load("- macro: m\n  condition: x\n- macro: m\n  condition: y\n  override: {}\n"),
             "'condition' has no entry under 'override'");
  only_error(load("- macro: m\n  condition: x\n- macro: m\n  condition: y\n  append: true\n  "
                  "override: {condition: append}\n"),
             "cannot be used together");
}

TEST(DetectRulesFile, MacrosAndListsMayBeUsedBeforeTheyAreDefined) {
  RuleSet set = load(R"(
- rule: Early
  desc: uses what comes later
  condition: later_macro and proc.name in (later_list)
  output: x
  priority: info
- macro: later_macro
  condition: evt.type = open
- list: later_list
  items: [cat]
)");
  expect_clean(set);
  EXPECT_EQ(condition_of(rule(set, "Early")), "later_macro and proc.name in (later_list)");
}

// ---- Rules --------------------------------------------------------------------------------

TEST(DetectRulesFile, RuleWithEveryKey) {
  RuleSet set = load(R"(
- rule: Everything
  desc: all keys
  condition: evt.type = open
  output: "opened %fd.name"
  priority: critical
  tags: [a, b, a]
  enabled: false
  source: syscall
  skip-if-unknown-filter: true
  warn_evttypes: false
  capture: true
  capture_duration: 1000
  exceptions:
    - name: known
      fields: [proc.name]
)");
  expect_clean(set);
  const RuleItem* r = rule(set, "Everything");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->desc, "all keys");
  EXPECT_EQ(r->output, "opened %fd.name");
  EXPECT_EQ(r->priority, Priority::Critical);
  EXPECT_EQ(r->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(r->enabled);
  EXPECT_EQ(r->source, "syscall");
  EXPECT_TRUE(r->skip_if_unknown_filter);
  EXPECT_FALSE(r->warn_evttypes);
  ASSERT_EQ(r->exceptions.size(), 1u);
  EXPECT_EQ(r->exceptions[0].comps, std::vector<std::string>{"="});
  // An exception without values changes nothing.
  EXPECT_EQ(condition_of(r), "evt.type = open");
}

TEST(DetectRulesFile, Priorities) {
  const std::pair<const char*, Priority> names[] = {{"EMERGENCY", Priority::Emergency},
                                                    {"alert", Priority::Alert},
                                                    {"Critical", Priority::Critical},
                                                    {"ERROR", Priority::Error},
                                                    {"warning", Priority::Warning},
                                                    {"NOTICE", Priority::Notice},
                                                    {"informational", Priority::Informational},
                                                    {"INFO", Priority::Informational},
                                                    {"debug", Priority::Debug}};
  for (const auto& [name, priority] : names) EXPECT_EQ(priority_from_name(name), priority) << name;
  EXPECT_FALSE(priority_from_name("loud"));
  EXPECT_EQ(priority_name(Priority::Informational), "Informational");
  EXPECT_EQ(priority_name(Priority::Warning), "Warning");

  RuleSet set = load("- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: LOUD\n");
  EXPECT_EQ(only_error(set, "unknown priority 'LOUD'").where.position.line, 5);
  EXPECT_EQ(rule(set, "r"), nullptr);
}

TEST(DetectRulesFile, MissingRequiredKeysAreNamed) {
  RuleSet set = load("- rule: r\n  desc: d\n  condition: c\n");
  ASSERT_EQ(set.diagnostics.size(), 2u) << all_diagnostics(set);
  EXPECT_NE(set.diagnostics[0].message.find("missing required key 'output'"), std::string::npos);
  EXPECT_NE(set.diagnostics[1].message.find("missing required key 'priority'"), std::string::npos);
  EXPECT_EQ(set.diagnostics[0].item, "rule 'r'");
  EXPECT_TRUE(set.rules.empty());
}

TEST(DetectRulesFile, WrongShapesNameTheKey) {
  const std::string head = "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n";
  only_error(load(head + "  tags: {a: b}\n"), "'tags' must be a list of strings, found a map");
  only_error(load(head + "  tags: [[a]]\n"), "'tags' must be a list of strings");
  only_error(load(head + "  enabled: maybe\n"), "'enabled' must be true or false");
  only_error(load(head + "  skip-if-unknown-filter: [x]\n"), "'skip-if-unknown-filter' must be");
  only_error(load(head + "  exceptions: {a: b}\n"), "'exceptions' must be a list");
  only_error(load(head + "  exceptions: [x]\n"), "each exception must be a map");
  only_error(load("- rule: r\n  desc: d\n  condition: {a: b}\n  output: o\n  priority: debug\n"),
             "'condition' must be a string");
  EXPECT_EQ(only_error(load(head + "  tags: {a: b}\n"), "tags").where.position.line, 6);
  RuleSet set = load(head + "  mood: happy\n");
  only_warning(set, "unknown key 'mood'");
  EXPECT_NE(rule(set, "r"), nullptr);
}

TEST(DetectRulesFile, EnabledAloneTogglesAnExistingRule) {
  RuleSet set = load(std::string(kBaseRule) + "- rule: Shell in container\n  enabled: false\n");
  expect_clean(set);
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_FALSE(set.rules[0].enabled);
  EXPECT_EQ(set.rules[0].output, "shell started (command=%proc.cmdline)");

  load_rules_text(set, "- rule: Shell in container\n  enabled: true\n", "second.yaml");
  EXPECT_TRUE(set.rules[0].enabled);

  only_error(load("- rule: Nothing\n  enabled: false\n"), "not defined");
}

TEST(DetectRulesFile, RedefinitionReplacesInPlace) {
  RuleSet set = load(std::string(kBaseRule) + R"(
- rule: Second
  desc: d
  condition: b
  output: o
  priority: debug
- rule: Shell in container
  desc: redefined
  condition: c
  output: o2
  priority: error
)");
  expect_clean(set);
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(set.rules[0].name, "Shell in container");
  EXPECT_EQ(set.rules[0].desc, "redefined");
  EXPECT_EQ(set.rules[0].priority, Priority::Error);
  EXPECT_TRUE(set.rules[0].tags.empty());
  EXPECT_EQ(condition_of(&set.rules[0]), "c");
}

TEST(DetectRulesFile, DeprecatedAppend) {
  RuleSet set = load(std::string(kBaseRule) + R"(
- rule: Shell in container
  append: true
  condition: and not proc.pname = sshd
  output: (parent=%proc.pname)
  tags: [shell, mitre]
  priority: debug
)");
  EXPECT_FALSE(set.has_errors()) << all_diagnostics(set);
  ASSERT_EQ(set.diagnostics.size(), 2u) << all_diagnostics(set);  // deprecated + priority ignored
  const RuleItem* r = rule(set, "Shell in container");
  EXPECT_EQ(r->condition_text,
            "spawned_process and proc.name in (shell_binaries) and not proc.pname = sshd");
  EXPECT_EQ(r->output, "shell started (command=%proc.cmdline) (parent=%proc.pname)");
  EXPECT_EQ(r->tags, (std::vector<std::string>{"container", "shell", "mitre"}));
  EXPECT_EQ(r->priority, Priority::Warning);
  EXPECT_EQ(condition_of(r),
            "spawned_process and proc.name in (shell_binaries) and not proc.pname = sshd");

  only_error(load("- rule: Ghost\n  append: true\n  condition: and x\n"), "not defined");
  set = load(std::string(kBaseRule) + "- rule: Shell in container\n  append: true\n");
  only_error(set, "needs a condition or exceptions");
}

TEST(DetectRulesFile, OverrideEveryKey) {
  RuleSet set = load(std::string(kBaseRule) + R"(
- rule: Shell in container
  condition: and not user.name = root
  output: replaced output
  desc: more words
  priority: ERROR
  tags: [extra]
  enabled: false
  warn_evttypes: false
  skip-if-unknown-filter: true
  override:
    condition: append
    output: replace
    desc: append
    priority: replace
    tags: append
    enabled: replace
    warn_evttypes: replace
    skip-if-unknown-filter: replace
)");
  expect_clean(set);
  const RuleItem* r = rule(set, "Shell in container");
  EXPECT_EQ(condition_of(r),
            "spawned_process and proc.name in (shell_binaries) and not user.name = root");
  EXPECT_EQ(r->output, "replaced output");
  EXPECT_EQ(r->output_where.position.line, 11);
  EXPECT_EQ(r->desc, "a shell started in a container more words");
  EXPECT_EQ(r->priority, Priority::Error);
  EXPECT_EQ(r->tags, (std::vector<std::string>{"container", "shell", "extra"}));
  EXPECT_FALSE(r->enabled);
  EXPECT_FALSE(r->warn_evttypes);
  EXPECT_TRUE(r->skip_if_unknown_filter);

  set = load(std::string(kBaseRule) + R"(
- rule: Shell in container
  condition: evt.type = execve
  tags: [only]
  override:
    condition: replace
    tags: replace
)");
  expect_clean(set);
  EXPECT_EQ(condition_of(rule(set, "Shell in container")), "evt.type = execve");
  EXPECT_EQ(rule(set, "Shell in container")->tags, std::vector<std::string>{"only"});
}

TEST(DetectRulesFile, OverrideErrors) {
  const std::string base = kBaseRule;
  only_error(
      load(base +
           "- rule: Shell in container\n  priority: debug\n  override: {priority: append}\n"),
      "'priority' can be replaced but not appended");
  only_error(load(base + "- rule: Shell in container\n  override: {output: replace}\n"),
             "override of 'output' but the item has no 'output'");
  only_error(
      load(base +
           "- rule: Shell in container\n  output: x\n  desc: y\n  override: {output: replace}\n"),
      "key 'desc' has no entry under 'override'");
  only_error(
      load(base + "- rule: Shell in container\n  source: k8s\n  override: {source: replace}\n"),
      "'source' cannot be overridden");
  only_error(load("- rule: Ghost\n  output: x\n  override: {output: replace}\n"), "not defined");
  only_error(load(base + "- rule: Shell in container\n  output: x\n  override: [output]\n"),
             "'override' must map keys");
}

TEST(DetectRulesFile, OtherSourcesAreKeptWithAWarning) {
  RuleSet set = load(R"(
- rule: Audit
  desc: d
  condition: ka.verb = create and (
  output: o
  priority: info
  source: k8s_audit
)");
  EXPECT_FALSE(set.has_errors()) << all_diagnostics(set);
  ASSERT_NE(rule(set, "Audit"), nullptr);
  EXPECT_EQ(rule(set, "Audit")->source, "k8s_audit");
  EXPECT_EQ(set.diagnostics.size(), 2u) << all_diagnostics(set);  // source + condition syntax
  EXPECT_NE(set.diagnostics[0].message.find("needs a plugin"), std::string::npos);
}

// ---- Exceptions ---------------------------------------------------------------------------

TEST(DetectRulesFile, ExceptionsFoldIntoTheCondition) {
  RuleSet set = load(R"(
- rule: Write below binary dir
  desc: d
  condition: bin_dir and open_write
  output: o
  priority: error
  exceptions:
    - name: proc_writer
      fields: [proc.name, fd.directory]
      comps: [=, startswith]
      values:
        - [nginx, /usr/bin]
        - [apache, "/usr/local bin"]
    - name: proc_filenames
      fields: [proc.name, fd.name]
      comps: [=, in]
      values:
        - [apt, apt_files]
        - [rpm, [/bin/cp, '"quoted"']]
    - name: filenames
      fields: fd.filename
      values: [python, go]
    - name: unused
      fields: [proc.name]
    - name: one
      fields: [proc.pname]
      values: [[sshd]]
)");
  expect_clean(set);
  const RuleItem* r = rule(set, "Write below binary dir");
  ASSERT_TRUE(r);
  EXPECT_EQ(condition_of(r),
            "(bin_dir and open_write)"
            " and not ((proc.name = nginx and fd.directory startswith /usr/bin) or"
            " (proc.name = apache and fd.directory startswith \"/usr/local bin\"))"
            " and not ((proc.name = apt and fd.name in apt_files) or"
            " (proc.name = rpm and fd.name in (/bin/cp, \"quoted\")))"
            " and not fd.filename in (python, go)"
            " and not proc.pname = sshd");
  ASSERT_EQ(r->exceptions.size(), 5u);
  const RuleException& filenames = r->exceptions[2];
  EXPECT_FALSE(filenames.fields_is_list);
  EXPECT_EQ(filenames.comps, std::vector<std::string>{"in"});
  EXPECT_EQ(filenames.values, (std::vector<std::vector<std::string>>{{"python"}, {"go"}}));
  const RuleException& proc_filenames = r->exceptions[1];
  EXPECT_EQ(proc_filenames.values[1][1], "(/bin/cp, \"quoted\")");
  EXPECT_TRUE(proc_filenames.tuples[1][1].is_list);
  EXPECT_EQ(proc_filenames.tuples[1][1].items.size(), 2u);

  // A list name stays a bare word; quoted values never name lists.
  const auto& folded = std::get<AndNode>(r->condition->node);
  const auto& apt = std::get<AndNode>(
      std::get<OrNode>(std::get<NotNode>(folded.children[2]->node).child->node).children[0]->node);
  const auto& apt_in = std::get<CompareNode>(apt.children[1]->node);
  EXPECT_FALSE(std::get<Literal>(apt_in.operand).quoted);
  EXPECT_EQ(apt_in.field.position.line, 15);
  EXPECT_EQ(std::get<Literal>(apt_in.operand).position.line, 18);
  // The value list ['"quoted"'] holds a quoted string.
  const auto& rpm = std::get<AndNode>(
      std::get<OrNode>(std::get<NotNode>(folded.children[2]->node).child->node).children[1]->node);
  const auto& rpm_in = std::get<ListOperand>(std::get<CompareNode>(rpm.children[1]->node).operand);
  EXPECT_TRUE(rpm_in.items[1].quoted);
  EXPECT_EQ(rpm_in.items[1].text, "quoted");
}

TEST(DetectRulesFile, ExceptionValuesAppendToTheSameNamedException) {
  RuleSet set = load(R"(
- rule: R
  desc: d
  condition: evt.type = open
  output: o
  priority: error
  exceptions:
    - name: procs
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values:
        - [a, /a]
- rule: R
  exceptions:
    - name: procs
      values:
        - [b, /b]
    - name: users
      fields: user.name
      comps: in
      values: [root]
  override:
    exceptions: append
)");
  expect_clean(set);
  const RuleItem* r = rule(set, "R");
  ASSERT_EQ(r->exceptions.size(), 2u);
  EXPECT_EQ(r->exceptions[0].values.size(), 2u);
  EXPECT_EQ(condition_of(r),
            "evt.type = open and not ((proc.name = a and fd.name startswith /a) or"
            " (proc.name = b and fd.name startswith /b)) and not user.name in (root)");

  // append: true merges the same way; override replace starts over.
  load_rules_text(set, R"(
- rule: R
  append: true
  exceptions:
    - name: users
      values: [admin]
- rule: R
  exceptions:
    - name: only
      fields: [proc.name]
      values: [[x]]
  override:
    exceptions: replace
)",
                  "third.yaml");
  EXPECT_FALSE(set.has_errors()) << all_diagnostics(set);
  EXPECT_EQ(condition_of(rule(set, "R")), "evt.type = open and not proc.name = x");
}

TEST(DetectRulesFile, ExceptionErrors) {
  const std::string head =
      "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n"
      "  exceptions:\n";
  only_error(load(head + "    - fields: [proc.name]\n"), "an exception has no 'name'");
  only_error(load(head + "    - name: e\n"), "exception 'e': missing required key 'fields'");
  only_error(load(head + "    - name: e\n      fields: [a.b, c.d]\n      comps: [=]\n"),
             "one operator per field");
  only_error(load(head + "    - name: e\n      fields: [a.b]\n      comps: [like]\n"),
             "'like' is not a comparison operator");
  only_error(load(head + "    - name: e\n      fields: [a.b, c.d]\n      values: [[x]]\n"),
             "a value has 1 item(s) for 2 field(s)");
  only_error(load(head + "    - name: e\n      fields: [a.b]\n      values: [x]\n"),
             "each value must be a list with one value per field");
  only_error(load(head + "    - name: e\n      fields: a.b\n      values: [[x]]\n"),
             "each value must be a string or a number");
  only_error(load(head + "    - name: e\n      fields: a.b\n      comps: =\n"),
             "'comps' must be in, intersects or pmatch");
  only_error(load(head + "    - name: e\n      fields: [a.b]\n      values: [[[x, y]]]\n"),
             "a list value needs in, intersects or pmatch");
  only_error(
      load(head + "    - name: e\n      fields: [a.b]\n    - name: e\n      fields: [a.b]\n"),
      "defined twice");
  RuleSet set = load(head + "    - name: e\n      fields: [\"bad field\"]\n      values: [[x]]\n");
  EXPECT_EQ(only_error(set, "invalid field 'bad field'").where.position.line, 8);
  EXPECT_EQ(condition_of(rule(set, "r")), "<none>");
  set = load(head + "    - name: e\n      fields: [a.b]\n" +
             "- rule: r\n  exceptions:\n    - name: e\n      fields: [x.y]\n      values: [[1]]\n"
             "  override: {exceptions: append}\n");
  only_error(set, "its fields and comps cannot change");
}

TEST(DetectRulesFile, ListItemLiterals) {
  Literal plain = literal_from_list_item("bash");
  EXPECT_EQ(plain.text, "bash");
  EXPECT_FALSE(plain.quoted);
  Literal quoted = literal_from_list_item("\"(systemd)\"");
  EXPECT_EQ(quoted.text, "(systemd)");
  EXPECT_TRUE(quoted.quoted);
  EXPECT_EQ(literal_from_list_item("'10.0.0.0/8'").text, "10.0.0.0/8");
  Literal spaced = literal_from_list_item("a b");
  EXPECT_EQ(spaced.text, "a b");
  EXPECT_TRUE(spaced.quoted);
  EXPECT_EQ(literal_from_list_item("\"a\" or \"b\"").text, "\"a\" or \"b\"");
  EXPECT_TRUE(literal_from_list_item("").quoted);
}

// ---- Other items and the file as a whole ----------------------------------------------------

TEST(DetectRulesFile, RequiredEngineVersion) {
  RuleSet set = load("- required_engine_version: 17\n");
  expect_clean(set);
  EXPECT_EQ(set.required_engine_version, "17");
  load_rules_text(set, "- required_engine_version: 0.26.0\n", "b.yaml");
  EXPECT_EQ(set.required_engine_version, "0.26.0");
  load_rules_text(set, "- required_engine_version: 12\n", "c.yaml");
  EXPECT_EQ(set.required_engine_version, "0.26.0");  // the highest wins
  only_error(load("- required_engine_version: soon\n"), "must be a number or a version");
  only_error(load("- required_engine_version: [1]\n"), "must be a number or a version");
}

TEST(DetectRulesFile, RequiredPluginVersions) {
  RuleSet set = load(R"(
- required_plugin_versions:
    - name: k8saudit
      version: 0.7.0
      alternatives:
        - name: k8saudit-eks
          version: 0.4.0
    - name: json
      version: 0.7.0
)");
  EXPECT_FALSE(set.has_errors());
  ASSERT_EQ(set.required_plugins.size(), 2u);
  EXPECT_EQ(set.required_plugins[0].name, "k8saudit");
  EXPECT_EQ(set.required_plugins[0].alternatives[0].first, "k8saudit-eks");
  EXPECT_EQ(set.diagnostics.size(), 2u);
  EXPECT_NE(set.diagnostics[0].message.find("plugin 'k8saudit'"), std::string::npos);
  only_error(load("- required_plugin_versions:\n    - name: x\n"),
             "missing required key 'version'");
  only_error(load("- required_plugin_versions: x\n"), "must be a list");
}

TEST(DetectRulesFile, YamlSyntaxErrorsContributeNothing) {
  RuleSet set = load("- list: a\n  items: [x]\n- list: b\n  items: [unclosed\n");
  const Diagnostic& error = only_error(set, "not valid YAML");
  EXPECT_GT(error.where.position.line, 0);
  EXPECT_TRUE(set.lists.empty());

  only_error(load("rule: not a list\n"), "a rules file is a list of items");
  only_error(load("- just a string\n"), "each item of a rules file must be a map");
  only_warning(load("- something_new: 1\n"), "unknown item (keys: something_new)");
  expect_clean(load(""));
  expect_clean(load("# only a comment\n"));
  for (const char* hostile : {",", "- [", "]]]", "- {a: [}", "\t- x", "- list: &a\n  items: *a\n",
                              "%YAML 9.9\n---\n- x"}) {
    RuleSet result = load(hostile);
    EXPECT_TRUE(result.has_errors()) << hostile;
  }
}

TEST(DetectRulesFile, SeveralDocumentsInOneFile) {
  RuleSet set = load(
      "- list: a\n  items: [x]\n---\n- list: b\n  items: [y]\n- macro: m\n"
      "  condition: a and\n");
  ASSERT_EQ(set.lists.size(), 2u);
  const Diagnostic& error = only_error(set, "unexpected end of condition");
  EXPECT_EQ(error.where.position.line, 7);
}

TEST(DetectRulesFile, AppendedConditionErrorsPointIntoTheirOwnFile) {
  RuleSet set;
  load_rules_text(set, "- macro: m\n  condition: proc.name = a\n", "first.yaml");
  load_rules_text(set,
                  "\n- macro: m\n  condition: or fd.name startswith\n  override:\n"
                  "    condition: append\n",
                  "second.yaml");
  const Diagnostic& error = only_error(set, "expected a value after 'startswith'");
  EXPECT_EQ(error.where.file, "second.yaml");
  EXPECT_EQ(error.where.position.line, 3);
  EXPECT_EQ(error.where.position.column, 35);  // just after "startswith"
}

TEST(DetectRulesFile, LoadRulesFileReportsUnreadableFiles) {
  RuleSet set;
  load_rules_file(set, "/nonexistent/rules.yaml");
  const Diagnostic& error = only_error(set, "cannot read the rules file");
  EXPECT_EQ(error.where.file, "/nonexistent/rules.yaml");
  EXPECT_EQ(error.str().rfind("/nonexistent/rules.yaml: error: cannot read", 0), 0u);
}

}  // namespace
}  // namespace bulkhead::detect
