// The engine end to end: rules text → compiled conditions → alerts for hand-built events.
// Every operator, transformers, val(), lists, macros, exceptions, rule matching modes, output
// formatting and the errors that name file, line, column and rule.
#include <fcntl.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "capture/synthetic.h"
#include "detect/engine.h"
#include "detect/output.h"

namespace bulkhead::detect {
namespace {

using capture::EventType;
using capture::OwnedEvent;

constexpr int64_t kTid = 4242;
constexpr std::string_view kContainerId =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Fixture {
  std::unique_ptr<Engine> engine;
  std::vector<std::string> alerts;      // text outputs
  std::vector<std::string> rule_names;  // rules that fired
  std::vector<std::string> json_alerts;

  void process(const capture::Event& event) {
    engine->process(event, [&](const Alert& alert) {
      alerts.emplace_back(alert.output);
      rule_names.push_back(alert.rule->name);
      json_alerts.push_back(alert_to_json(alert, "testhost"));
    });
  }
};

void add_process(capture::ThreadTable& threads) {
  capture::ContainerInfo container;
  container.id = std::string(kContainerId);
  container.name = "web";
  container.image = "docker.io/library/nginx:1.25";
  container.image_repository = "docker.io/library/nginx";
  container.image_tag = "1.25";
  threads.add_container(container);

  capture::ThreadInfo init;
  init.tid = init.pid = 1;
  init.comm = "systemd";
  init.exe = init.exepath = "/usr/lib/systemd/systemd";
  threads.insert(init);

  capture::ThreadInfo parent;
  parent.tid = parent.pid = 4000;
  parent.ppid = 1;
  parent.comm = "nginx";
  parent.exe = "nginx";
  parent.exepath = "/usr/sbin/nginx";
  parent.args = {"-g", "daemon off;"};
  parent.container_id = std::string(kContainerId);
  threads.insert(parent);

  capture::ThreadInfo thread;
  thread.tid = thread.pid = kTid;
  thread.ppid = 4000;
  thread.comm = "cat";
  thread.exe = "cat";
  thread.exepath = "/usr/bin/cat";
  thread.args = {"/etc/Shadow", "-n"};
  thread.cwd = "/root/";
  thread.uid = 0;
  thread.container_id = std::string(kContainerId);
  threads.insert(thread);
}

Fixture make(std::string_view rules, EngineOptions options = {}) {
  RuleSet set;
  load_rules_text(set, rules, "test.yaml");
  Fixture fixture;
  fixture.engine = std::make_unique<Engine>(std::move(set), options);
  add_process(fixture.engine->threads());
  return fixture;
}

OwnedEvent open_event(std::string_view path, int64_t flags = O_RDONLY, int64_t fd = 3) {
  OwnedEvent event(EventType::openat, kTid, kTid, fd, 1'700'000'000'123'456'789ULL);
  event.set("dirfd", AT_FDCWD).set_bytes("name", path).set("flags", flags).set("mode", 0);
  return event;
}

std::string rule_with(std::string_view condition, std::string_view output = "hit %fd.name") {
  std::string text = "- rule: test rule\n  desc: d\n  condition: >\n    evt.type = openat and (";
  text += condition;
  text += ")\n  output: \"";
  text += output;
  text += "\"\n  priority: WARNING\n";
  return text;
}

bool fires(std::string_view condition, std::string_view path = "/etc/shadow") {
  Fixture fixture = make(rule_with(condition));
  fixture.process(open_event(path).event());
  return !fixture.alerts.empty();
}

TEST(DetectEngine, ComparisonOperators) {
  EXPECT_TRUE(fires("fd.name = /etc/shadow"));
  EXPECT_TRUE(fires("fd.name == /etc/shadow"));
  EXPECT_FALSE(fires("fd.name = /etc/passwd"));
  EXPECT_TRUE(fires("fd.name != /etc/passwd"));
  EXPECT_FALSE(fires("fd.name != /etc/shadow"));
  EXPECT_TRUE(fires("fd.num = 3"));
  EXPECT_TRUE(fires("fd.num < 4 and fd.num <= 3 and fd.num > 2 and fd.num >= 3"));
  EXPECT_FALSE(fires("fd.num > 3"));
  EXPECT_FALSE(fires("fd.num < 3"));
  EXPECT_TRUE(fires("proc.pid = 4242"));
}

TEST(DetectEngine, StringOperators) {
  EXPECT_TRUE(fires("fd.name contains shad"));
  EXPECT_FALSE(fires("fd.name contains SHAD"));
  EXPECT_TRUE(fires("fd.name icontains SHAD"));
  EXPECT_TRUE(fires("fd.name startswith /etc/"));
  EXPECT_FALSE(fires("fd.name startswith /usr/"));
  EXPECT_TRUE(fires("fd.name endswith dow"));
  EXPECT_TRUE(fires("fd.name glob '/etc/sh*'"));
  EXPECT_FALSE(fires("fd.name glob '/etc/p*'"));
  EXPECT_TRUE(fires("fd.name regex '/etc/s[a-z]+'"));
  EXPECT_FALSE(fires("fd.name regex 'shadow'"));       // whole-string match
  EXPECT_TRUE(fires("fd.name bcontains 736861"));      // "sha"
  EXPECT_TRUE(fires("fd.name bstartswith 2f657463"));  // "/etc"
  EXPECT_FALSE(fires("fd.name bstartswith 2f757372"));
}

TEST(DetectEngine, SetOperators) {
  EXPECT_TRUE(fires("fd.name in (/etc/passwd, /etc/shadow)"));
  EXPECT_FALSE(fires("fd.name in (/etc/passwd, /etc/group)"));
  EXPECT_TRUE(fires("fd.name in (a, b, c, d, e, f, g, /etc/shadow)"));  // hash set path
  EXPECT_FALSE(fires("fd.name in ()"));
  EXPECT_TRUE(fires("fd.name pmatch (/usr, /etc)"));
  EXPECT_FALSE(fires("fd.name pmatch (/et, /usr)"));
  EXPECT_TRUE(fires("fd.directory pmatch (/etc)"));
  EXPECT_TRUE(fires("fd.num in (1, 2, 3)"));
  EXPECT_FALSE(fires("fd.num in (1, 2)"));
  EXPECT_TRUE(fires("proc.aname intersects (nginx, apache2)"));
  EXPECT_FALSE(fires("proc.aname intersects (apache2)"));
}

TEST(DetectEngine, ExistsAndFieldArguments) {
  EXPECT_TRUE(fires("proc.pname exists"));
  EXPECT_TRUE(fires("proc.aname[1] = nginx"));
  EXPECT_TRUE(fires("proc.aname[2] = systemd"));
  EXPECT_TRUE(fires("proc.aname = systemd"));  // any ancestor
  EXPECT_FALSE(fires("proc.aname = sshd"));
  EXPECT_FALSE(fires("proc.aname[3] exists"));
  EXPECT_TRUE(fires("evt.arg.name = /etc/shadow"));
  EXPECT_TRUE(fires("evt.arg[name] = /etc/shadow"));
  EXPECT_TRUE(fires("container.id != host and container.name = web"));
  EXPECT_TRUE(fires("container.image.repository = docker.io/library/nginx"));
}

TEST(DetectEngine, TransformersAndVal) {
  EXPECT_TRUE(fires("tolower(proc.args) contains /etc/shadow"));
  EXPECT_TRUE(fires("toupper(fd.name) = /ETC/SHADOW"));
  EXPECT_TRUE(fires("basename(fd.name) = shadow"));
  EXPECT_TRUE(fires("len(fd.name) = 11"));
  EXPECT_TRUE(fires("fd.name = val(evt.arg.name)"));
  EXPECT_FALSE(fires("fd.name = val(proc.exepath)"));
  EXPECT_TRUE(fires("b64(evt.arg.name) = hello", "aGVsbG8="));
}

TEST(DetectEngine, BooleanLogicAndPrecedence) {
  EXPECT_TRUE(fires("not fd.name = /etc/passwd"));
  EXPECT_TRUE(fires("fd.name = x or fd.name = /etc/shadow and fd.num = 3"));
  EXPECT_FALSE(fires("(fd.name = x or fd.name = /etc/shadow) and fd.num = 4"));
  EXPECT_TRUE(fires("not (fd.name = x and fd.num = 3)"));
  EXPECT_TRUE(fires("not not fd.num = 3"));
}

TEST(DetectEngine, MissingFieldsAreFalseForEveryOperator) {
  // No socket: fd.sip has no value, so both = and != are false (Falco's semantics).
  EXPECT_FALSE(fires("fd.sip = 10.0.0.1"));
  EXPECT_FALSE(fires("fd.sip != 10.0.0.1"));
  EXPECT_TRUE(fires("not fd.sip exists"));
}

TEST(DetectEngine, ListsAndMacrosMayBeDefinedAfterUse) {
  Fixture fixture = make(R"(
- rule: reads
  desc: d
  condition: sensitive_open and proc.name in (readers)
  output: "%proc.name read %fd.name"
  priority: INFO
- macro: sensitive_open
  condition: evt.type = openat and fd.name in (sensitive_files)
- list: sensitive_files
  items: [/etc/shadow, more_files]
- list: more_files
  items: ["/etc/gshadow"]
- list: readers
  items: [cat, less]
)");
  fixture.process(open_event("/etc/gshadow").event());
  ASSERT_EQ(fixture.alerts.size(), 1u);
  EXPECT_EQ(fixture.alerts[0], "cat read /etc/gshadow");
}

TEST(DetectEngine, ExceptionsSuppressMatches) {
  std::string rules = R"(
- rule: reads
  desc: d
  condition: evt.type = openat and fd.name startswith /etc
  output: "%fd.name"
  priority: INFO
  exceptions:
    - name: known
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values:
        - [cat, /etc/sh]
)";
  Fixture fixture = make(rules);
  fixture.process(open_event("/etc/shadow").event());
  fixture.process(open_event("/etc/passwd").event());
  ASSERT_EQ(fixture.alerts.size(), 1u);
  EXPECT_EQ(fixture.alerts[0], "/etc/passwd");
}

TEST(DetectEngine, RuleMatchingFirstAndAll) {
  std::string rules = R"(
- rule: one
  desc: d
  condition: evt.type = openat
  output: one
  priority: INFO
- rule: two
  desc: d
  condition: evt.type = openat
  output: two
  priority: INFO
)";
  Fixture first = make(rules);
  first.process(open_event("/x").event());
  EXPECT_EQ(first.rule_names, (std::vector<std::string>{"one"}));
  EngineOptions all_options;
  all_options.matching = RuleMatching::All;
  Fixture all = make(rules, all_options);
  all.process(open_event("/x").event());
  EXPECT_EQ(all.rule_names, (std::vector<std::string>{"one", "two"}));
}

TEST(DetectEngine, RulesAreIndexedByEventType) {
  Fixture fixture = make(R"(
- rule: connects
  desc: d
  condition: evt.type in (connect, accept)
  output: c
  priority: INFO
- rule: opens
  desc: d
  condition: evt.type = openat and not evt.type = execve
  output: o
  priority: INFO
- rule: not opens
  desc: d
  condition: evt.type != openat and evt.type != connect
  output: n
  priority: INFO
)");
  const auto& rules = fixture.engine->rules();
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].event_types.count(), 2u);
  EXPECT_EQ(rules[1].event_types.count(), 1u);
  EXPECT_EQ(rules[2].event_types.count(), capture::kEventTypeCount - 2);
  fixture.process(open_event("/x").event());
  EXPECT_EQ(fixture.engine->stats().evaluations, 1u);  // only the openat rule was evaluated
  auto interesting = fixture.engine->interesting_event_types();
  EXPECT_TRUE(interesting.test(static_cast<std::size_t>(EventType::openat)));
}

TEST(DetectEngine, OutputSubstitutionAndJson) {
  Fixture fixture = make(
      rule_with("fd.name = /etc/shadow",
                "file=%fd.name proc=%proc.name parent=%proc.aname[1] missing=%fd.sip pid=%proc.pid "
                "upper=%toupper(proc.name)"));
  fixture.process(open_event("/etc/shadow").event());
  ASSERT_EQ(fixture.alerts.size(), 1u);
  EXPECT_EQ(fixture.alerts[0],
            "file=/etc/shadow proc=cat parent=nginx missing=<NA> pid=4242 upper=CAT");
  auto json = nlohmann::json::parse(fixture.json_alerts[0]);
  EXPECT_EQ(json["rule"], "test rule");
  EXPECT_EQ(json["priority"], "Warning");
  EXPECT_EQ(json["source"], "syscall");
  EXPECT_EQ(json["hostname"], "testhost");
  EXPECT_EQ(json["time"], "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(json["output_fields"]["fd.name"], "/etc/shadow");
  EXPECT_EQ(json["output_fields"]["proc.aname[1]"], "nginx");
  EXPECT_TRUE(json["output_fields"]["fd.sip"].is_null());
  EXPECT_EQ(json["output_fields"]["proc.pid"], 4242);
  EXPECT_TRUE(json["tags"].is_array());
}

TEST(DetectEngine, TextAlertFormat) {
  Fixture fixture = make(rule_with("fd.name = /etc/shadow", "read"));
  std::string text;
  fixture.engine->process(open_event("/etc/shadow").event(),
                          [&](const Alert& alert) { text = alert_to_text(alert); });
  EXPECT_EQ(text, "22:13:20.123456789: Warning read");
}

TEST(DetectEngine, MinPriorityFiltersRules) {
  EngineOptions options;
  options.min_priority = Priority::Error;
  Fixture fixture = make(rule_with("fd.num = 3"), options);
  fixture.process(open_event("/etc/shadow").event());
  EXPECT_TRUE(fixture.alerts.empty());
}

// Errors: located, naming the rule, never thrown from the loader.
std::vector<Diagnostic> errors_of(std::string_view rules) {
  RuleSet set;
  load_rules_text(set, rules, "bad.yaml");
  compile_rules(set);
  std::vector<Diagnostic> errors;
  for (const auto& diagnostic : set.diagnostics)
    if (diagnostic.severity == Diagnostic::Severity::Error) errors.push_back(diagnostic);
  return errors;
}

TEST(DetectEngine, UnknownFieldIsLocatedError) {
  auto errors = errors_of(
      "- rule: r\n  desc: d\n  condition: evt.type = openat and proc.nmae = x\n  output: o\n"
      "  priority: INFO\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.file, "bad.yaml");
  EXPECT_EQ(errors[0].where.position.line, 3);
  EXPECT_EQ(errors[0].where.position.column, 36);
  EXPECT_NE(errors[0].item.find("rule 'r'"), std::string::npos);
  EXPECT_NE(errors[0].message.find("proc.nmae"), std::string::npos);
}

TEST(DetectEngine, SkipIfUnknownFilterTurnsTheErrorIntoAWarning) {
  std::string rules =
      "- rule: r\n  desc: d\n  condition: evt.type = openat and proc.nmae = x\n  output: o\n"
      "  priority: INFO\n  skip-if-unknown-filter: true\n";
  EXPECT_TRUE(errors_of(rules).empty());
  Fixture fixture = make(rules);
  EXPECT_TRUE(fixture.engine->rules().empty());
}

TEST(DetectEngine, UndefinedMacroAndTypeErrors) {
  auto undefined = errors_of(
      "- rule: r\n  desc: d\n  condition: evt.type = openat and no_such_macro\n  output: o\n"
      "  priority: INFO\n");
  ASSERT_EQ(undefined.size(), 1u);
  EXPECT_NE(undefined[0].message.find("no_such_macro"), std::string::npos);

  auto type = errors_of(
      "- rule: r\n  desc: d\n  condition: evt.type = openat and proc.pid = abc\n  output: o\n"
      "  priority: INFO\n");
  ASSERT_EQ(type.size(), 1u);
  EXPECT_NE(type[0].message.find("not a number"), std::string::npos);

  auto op = errors_of(
      "- rule: r\n  desc: d\n  condition: evt.type = openat and proc.pid contains 1\n  output: o\n"
      "  priority: INFO\n");
  ASSERT_EQ(op.size(), 1u);

  auto regex = errors_of(
      "- rule: r\n  desc: d\n  condition: evt.type = openat and fd.name regex '('\n  output: o\n"
      "  priority: INFO\n");
  ASSERT_EQ(regex.size(), 1u);
  EXPECT_NE(regex[0].message.find("regular expression"), std::string::npos);

  auto output = errors_of(
      "- rule: r\n  desc: d\n  condition: evt.type = openat\n  output: x %proc.nope\n"
      "  priority: INFO\n");
  ASSERT_EQ(output.size(), 1u);
  EXPECT_EQ(output[0].where.position.line, 4);
}

TEST(DetectEngine, ErrorInMacroNamesTheMacroAndItsLocation) {
  auto errors = errors_of(
      "- macro: m\n  condition: fd.nam = x\n"
      "- rule: r\n  desc: d\n  condition: evt.type = openat and m\n  output: o\n"
      "  priority: INFO\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.position.line, 2);
  EXPECT_NE(errors[0].message.find("macro 'm'"), std::string::npos);
  EXPECT_NE(errors[0].item.find("rule 'r'"), std::string::npos);
}

TEST(DetectEngine, SelfReferencingMacroIsAnError) {
  auto errors = errors_of(
      "- macro: a\n  condition: b\n- macro: b\n  condition: a\n"
      "- rule: r\n  desc: d\n  condition: evt.type = openat and a\n  output: o\n"
      "  priority: INFO\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("refers to itself"), std::string::npos);
}

TEST(DetectEngine, EngineRefusesRulesWithErrors) {
  RuleSet set;
  load_rules_text(
      set, "- rule: r\n  desc: d\n  condition: proc.nope = 1\n  output: o\n  priority: INFO\n",
      "bad.yaml");
  EXPECT_THROW(Engine(std::move(set), EngineOptions{}), Error);
}

}  // namespace
}  // namespace bulkhead::detect

namespace bulkhead::detect {
namespace {

TEST(DetectEngineDirection, EvtDirMatchesBothDirectionsOnce) {
  EXPECT_TRUE(fires("evt.dir = <"));
  EXPECT_TRUE(fires("evt.dir = >"));
  EXPECT_TRUE(fires("evt.dir in (<, >)"));
  EXPECT_FALSE(fires("evt.dir != >"));
}

}  // namespace
}  // namespace bulkhead::detect

namespace bulkhead::detect {
namespace {

TEST(DetectEngineErrors, ErrorInAnAppendedConditionNamesTheLaterFile) {
  RuleSet set;
  load_rules_text(set,
                  "- rule: r\n  desc: d\n  condition: evt.type = openat\n  output: o\n"
                  "  priority: INFO\n",
                  "base.yaml");
  load_rules_text(set,
                  "# local tuning\n- rule: r\n  condition: and proc.nmae = x\n  override:\n"
                  "    condition: append\n",
                  "local.yaml");
  compile_rules(set);
  std::vector<Diagnostic> errors;
  for (const auto& diagnostic : set.diagnostics)
    if (diagnostic.severity == Diagnostic::Severity::Error) errors.push_back(diagnostic);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.file, "local.yaml");
  EXPECT_EQ(errors[0].where.position.line, 3);
}

}  // namespace
}  // namespace bulkhead::detect

namespace bulkhead::detect {
namespace {

TEST(DetectEngineErrors, MisspeltEventArgumentIsAWarningNotSilence) {
  RuleSet set;
  load_rules_text(set,
                  "- rule: r\n  desc: d\n  condition: evt.type = openat and evt.arg.flgas contains "
                  "O_CREAT\n  output: o\n  priority: INFO\n",
                  "typo.yaml");
  compile_rules(set);
  ASSERT_EQ(set.diagnostics.size(), 1u);
  EXPECT_EQ(set.diagnostics[0].severity, Diagnostic::Severity::Warning);
  EXPECT_NE(set.diagnostics[0].message.find("flgas"), std::string::npos);
  EXPECT_EQ(set.diagnostics[0].where.position.line, 3);
}

}  // namespace
}  // namespace bulkhead::detect

namespace bulkhead::detect {
namespace {

TEST(DetectEngineFields, EvtNumCountsEveryEventNotOnlyTheOnesRulesLookAt) {
  Fixture fixture = make(rule_with("fd.num = 3", "%evt.num"));
  OwnedEvent unrelated(EventType::close, kTid, kTid, 0, 1);
  unrelated.set("fd", 7);
  fixture.process(unrelated.event());
  fixture.process(unrelated.event());
  fixture.process(open_event("/etc/shadow").event());
  ASSERT_EQ(fixture.alerts.size(), 1u);
  EXPECT_EQ(fixture.alerts[0], "3");
}

}  // namespace
}  // namespace bulkhead::detect
