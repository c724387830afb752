// Falco compatibility of the rules loader: two Falco-style files (tests/data/rules/), the
// second tuning the first, give the merged rule set Falco would build; Falco's own upstream
// rule files, when a copy is present locally, load without errors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "capture/synthetic.h"
#include "detect/engine.h"
#include "detect/rules_file.h"

namespace bulkhead::detect {
namespace {

const std::string kRulesDir = std::string(BULKHEAD_SOURCE_DIR) + "/tests/data/rules/";

std::string all_diagnostics(const RuleSet& set) {
  std::string out;
  for (const Diagnostic& diagnostic : set.diagnostics) out += diagnostic.str() + "\n";
  return out;
}

template <typename Item>
const Item* find(const std::vector<Item>& items, const std::string& name) {
  for (const Item& item : items)
    if (item.name == name) return &item;
  return nullptr;
}

std::string text(const ConditionPtr& condition) {
  return condition ? to_string(*condition) : "<not parsed>";
}

RuleSet load_compat_files() {
  RuleSet set;
  load_rules_file(set, kRulesDir + "compat_base.yaml");
  load_rules_file(set, kRulesDir + "compat_local.yaml");
  return set;
}

TEST(DetectCompat, TwoFilesMergeAsFalcoWould) {
  RuleSet set = load_compat_files();
  EXPECT_FALSE(set.has_errors()) << all_diagnostics(set);
  // The only warning: the deprecated `append: true`.
  ASSERT_EQ(set.diagnostics.size(), 1u) << all_diagnostics(set);
  EXPECT_NE(set.diagnostics[0].message.find("deprecated"), std::string::npos);
  EXPECT_EQ(set.diagnostics[0].where.file, kRulesDir + "compat_local.yaml");

  EXPECT_EQ(set.required_engine_version, "0.26.0");

  // Lists: numbers stay text; override append and replace.
  const ListItem* tools = find(set.lists, "package_tools");
  ASSERT_NE(tools, nullptr);
  EXPECT_EQ(tools->items, (std::vector<std::string>{"apt", "dpkg", "rpm", "yum", "42"}));
  EXPECT_EQ(tools->item_where[3].file, kRulesDir + "compat_local.yaml");
  EXPECT_EQ(find(set.lists, "admin_ports")->items, std::vector<std::string>{"10022"});
  EXPECT_EQ(find(set.lists, "trusted_subnets")->items[0], "\"10.20.0.0/16\"");

  // Macros: appended and replaced, parsed after the merge.
  const MacroItem* config_write = find(set.macros, "config_write");
  ASSERT_NE(config_write, nullptr);
  EXPECT_EQ(text(config_write->condition),
            "(open_write and fd.name startswith /srv/config/) or "
            "(open_write and fd.name startswith /etc/app/)");
  EXPECT_EQ(config_write->condition_pieces.size(), 2u);
  EXPECT_EQ(config_write->condition_pieces[1].where.file, kRulesDir + "compat_local.yaml");
  EXPECT_EQ(text(find(set.macros, "open_read")->condition),
            "evt.type in (open, openat) and evt.is_open_read = true");

  // Rules keep their order of first definition.
  std::vector<std::string> names;
  for (const RuleItem& rule : set.rules) names.push_back(rule.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"Package tool touched a config", "Admin port contacted",
                                      "Noisy debug rule", "Shadow read", "Replaced later"}));

  const RuleItem* package = find(set.rules, "Package tool touched a config");
  EXPECT_EQ(package->priority, Priority::Notice);
  EXPECT_EQ(text(package->condition), "config_write and proc.name in (package_tools)");
  EXPECT_TRUE(package->enabled);

  const RuleItem* admin = find(set.rules, "Admin port contacted");
  EXPECT_EQ(admin->priority, Priority::Critical);
  EXPECT_EQ(admin->tags, (std::vector<std::string>{"network", "admin"}));
  ASSERT_EQ(admin->exceptions.size(), 3u);
  EXPECT_EQ(admin->exceptions[0].values.size(), 2u);
  EXPECT_EQ(text(admin->condition),
            "(admin_connection and not fd.cnet in (trusted_subnets))"
            " and not ((proc.name = sshd and fd.cip in (127.0.0.1, ::1)) or"
            " (proc.name = backup-agent and fd.cip in (10.0.0.5)))"
            " and not proc.exepath in (/opt/scanner/bin/scan)"
            " and not (user.name = root or user.name = operator)");

  EXPECT_FALSE(find(set.rules, "Noisy debug rule")->enabled);

  const RuleItem* shadow = find(set.rules, "Shadow read");
  EXPECT_EQ(text(shadow->condition),
            "open_read and fd.name = /etc/shadow and not proc.name in (package_tools)");
  EXPECT_EQ(shadow->output, "shadow read by %proc.name (user=%user.name)");

  const RuleItem* replaced = find(set.rules, "Replaced later");
  EXPECT_EQ(replaced->output, "second definition");
  EXPECT_EQ(replaced->priority, Priority::Warning);
  EXPECT_EQ(replaced->where.file, kRulesDir + "compat_local.yaml");
}

TEST(DetectCompat, LaterFileAloneFailsWithoutTheEarlierOne) {
  // Appending to and overriding what no earlier file defined are errors, as in Falco.
  RuleSet set;
  load_rules_file(set, kRulesDir + "compat_local.yaml");
  EXPECT_TRUE(set.has_errors());
  int errors = 0;
  for (const Diagnostic& diagnostic : set.diagnostics)
    if (diagnostic.severity == Diagnostic::Severity::Error) ++errors;
  EXPECT_EQ(errors, 7) << all_diagnostics(set);  // every item but the engine version and the rule
}

// Falco's upstream rule files are not part of the repository (licence and size); when a copy
// is named by BULKHEAD_FALCO_RULES_DIR they must load and compile cleanly, alone and together.
TEST(DetectCompat, UpstreamFalcoRuleFilesLoadWithoutErrors) {
  const char* dir_env = std::getenv("BULKHEAD_FALCO_RULES_DIR");
  if (dir_env == nullptr) GTEST_SKIP() << "BULKHEAD_FALCO_RULES_DIR is not set";
  std::filesystem::path dir = dir_env;
  const char* files[] = {"falco_rules.yaml", "falco-incubating_rules.yaml",
                         "falco-sandbox_rules.yaml"};
  int loaded = 0;
  RuleSet together;
  for (const char* file : files) {
    std::filesystem::path path = dir / file;
    if (!std::filesystem::exists(path)) continue;
    RuleSet alone;
    load_rules_file(alone, path.string());
    compile_rules(alone);
    EXPECT_FALSE(alone.has_errors()) << all_diagnostics(alone);
    EXPECT_FALSE(alone.rules.empty()) << path;
    for (const RuleItem& rule : alone.rules) EXPECT_TRUE(rule.condition) << rule.name;
    for (const MacroItem& macro : alone.macros) EXPECT_TRUE(macro.condition) << macro.name;
    load_rules_file(together, path.string());
    ++loaded;
  }
  if (loaded == 0) GTEST_SKIP() << "no copy of Falco's upstream rule files in " << dir;
  auto compiled = compile_rules(together);
  EXPECT_FALSE(together.has_errors()) << all_diagnostics(together);
  EXPECT_EQ(compiled.size(), together.rules.size());
}

}  // namespace
}  // namespace bulkhead::detect

namespace bulkhead::detect {
namespace {

// The merged rule set evaluated: events on a simulated host fire exactly the rules Falco would
// fire after the overrides, appends, exceptions and the disabled rule.
TEST(DetectCompat, TwoFilesEvaluateAsFalcoWould) {
  EngineOptions options;
  options.matching = RuleMatching::All;
  Engine engine(load_compat_files(), options);
  std::vector<std::pair<std::string, std::string>> alerts;  // rule, output
  capture::SyntheticHost host([&](const capture::Event& event) {
    engine.process(event, [&](const Alert& alert) {
      alerts.emplace_back(alert.rule->name, std::string(alert.output));
    });
  });
  int64_t init = host.add_process(0, "/sbin/init", {});
  int64_t shell = host.add_process(init, "/bin/bash", {}, "", 0);
  int64_t user_shell = host.add_process(init, "/bin/bash", {}, "", 1000);
  host.snapshot(engine.threads());
  auto fired = [&](const std::string& rule) {
    for (const auto& [name, output] : alerts)
      if (name == rule) return true;
    return false;
  };

  // Condition appended by the second file, list items appended (yum), the base path still works.
  int64_t dpkg = host.spawn(shell, "/usr/bin/dpkg", {"-i", "x.deb"});
  host.open(dpkg, "/srv/config/app.conf", O_WRONLY | O_CREAT);
  EXPECT_TRUE(fired("Package tool touched a config"));
  alerts.clear();
  int64_t yum = host.spawn(shell, "/usr/bin/yum", {"install", "x"});
  host.open(yum, "/etc/app/app.conf", O_WRONLY | O_CREAT);
  EXPECT_TRUE(fired("Package tool touched a config"));
  alerts.clear();
  int64_t vim = host.spawn(shell, "/usr/bin/vim", {"/srv/config/app.conf"});
  host.open(vim, "/srv/config/app.conf", O_WRONLY);
  EXPECT_FALSE(fired("Package tool touched a config"));

  // Output appended; condition appended (package tools may read it); macro replaced.
  alerts.clear();
  int64_t cat = host.spawn(shell, "/bin/cat", {"/etc/shadow"});
  host.open(cat, "/etc/shadow", O_RDONLY);
  ASSERT_TRUE(fired("Shadow read"));
  for (const auto& [name, output] : alerts)
    if (name == "Shadow read") {
      EXPECT_EQ(output, "shadow read by cat (user=root)");
    }
  alerts.clear();
  host.open(dpkg, "/etc/shadow", O_RDONLY);
  EXPECT_FALSE(fired("Shadow read"));

  // The disabled rule stays silent; the redefined rule has its second definition.
  alerts.clear();
  int64_t rm = host.spawn(shell, "/bin/rm", {"/tmp/x"});
  EXPECT_FALSE(fired("Noisy debug rule"));
  host.unlink(rm, "/tmp/x", capture::EventType::unlinkat);
  ASSERT_TRUE(fired("Replaced later"));
  EXPECT_EQ(alerts.back().second, "second definition");

  // Ports list replaced (22 no longer counts, 10022 does); exceptions appended (root excepted).
  alerts.clear();
  int64_t ssh = host.spawn(user_shell, "/usr/bin/ssh", {"host"});
  int64_t fd = host.socket(ssh, AF_INET, SOCK_STREAM, 6);
  host.connect(ssh, fd, "198.51.100.20", 22);
  EXPECT_FALSE(fired("Admin port contacted"));
  int64_t fd2 = host.socket(ssh, AF_INET, SOCK_STREAM, 6);
  host.connect(ssh, fd2, "198.51.100.20", 10022);
  EXPECT_TRUE(fired("Admin port contacted"));
  for (const auto& rule : engine.rules())
    if (rule.name == "Admin port contacted") {
      EXPECT_EQ(rule.priority, Priority::Critical);
    }
  alerts.clear();
  int64_t root_ssh = host.spawn(shell, "/usr/bin/ssh", {"host"});
  int64_t fd3 = host.socket(root_ssh, AF_INET, SOCK_STREAM, 6);
  host.connect(root_ssh, fd3, "198.51.100.20", 10022);
  EXPECT_FALSE(fired("Admin port contacted"));
}

}  // namespace
}  // namespace bulkhead::detect
