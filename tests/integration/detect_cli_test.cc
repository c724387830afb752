// The detection commands from the command line: synthetic captures replayed through the
// shipped rules (text and Falco-compatible JSON alerts), rule validation with located errors and
// exit statuses, rule and field listings.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "base/strings.h"
#include "integration/container_harness.h"
#include "support/temp_dir.h"

namespace bulkhead::testing {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

class DetectCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>("bulkhead-detect");
    auto generated = run_bulkhead({"capture", "generate", "-o", capture_path(), "-n", "200000",
                                   "--seed", "7", "--attack", "3"});
    ASSERT_EQ(generated.status, 0) << generated.err;
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string capture_path() { return dir_->sub("synthetic.bhcap"); }

  static std::unique_ptr<TempDir> dir_;
};
std::unique_ptr<TempDir> DetectCli::dir_;

TEST_F(DetectCli, ReplayRaisesTextAlertsForTheAttacks) {
  auto result = run_bulkhead({"watch", "--replay", capture_path()});
  ASSERT_EQ(result.status, 0) << result.err;
  auto alerts = lines_of(result.out);
  ASSERT_FALSE(alerts.empty());
  for (const auto& line : alerts) {
    // "HH:MM:SS.nnnnnnnnn: Priority output"
    ASSERT_GT(line.size(), 20u) << line;
    EXPECT_EQ(line[2], ':') << line;
    EXPECT_EQ(line[8], '.') << line;
    EXPECT_EQ(line.substr(18, 2), ": ") << line;
  }
  EXPECT_TRUE(contains(result.out, "Sensitive file opened for reading (file=/etc/shadow"));
  EXPECT_TRUE(contains(result.out, "Critical Container runtime socket accessed from a container"));
  EXPECT_TRUE(contains(result.out, "Outbound connection to an unexpected destination"));
}

TEST_F(DetectCli, ReplayJsonAlertsHaveFalcosFields) {
  auto result = run_bulkhead({"watch", "--replay", capture_path(), "-o", "json"});
  ASSERT_EQ(result.status, 0) << result.err;
  auto alerts = lines_of(result.out);
  ASSERT_FALSE(alerts.empty());
  for (const auto& line : alerts) {
    auto alert = nlohmann::json::parse(line);
    for (const char* key :
         {"time", "rule", "priority", "source", "hostname", "output", "output_fields", "tags"})
      EXPECT_TRUE(alert.contains(key)) << key << " missing in " << line;
    EXPECT_EQ(alert["source"], "syscall");
    std::string time = alert["time"];
    // RFC 3339 with nanoseconds, UTC.
    EXPECT_EQ(time.size(), 30u) << time;
    EXPECT_EQ(time.back(), 'Z') << time;
    EXPECT_TRUE(alert["output_fields"].is_object());
  }
}

TEST_F(DetectCli, RuleMatchingAllRaisesAtLeastAsManyAlerts) {
  auto first = run_bulkhead({"watch", "--replay", capture_path()});
  auto all = run_bulkhead({"watch", "--replay", capture_path(), "--rule-matching", "all"});
  ASSERT_EQ(first.status, 0);
  ASSERT_EQ(all.status, 0);
  EXPECT_GE(lines_of(all.out).size(), lines_of(first.out).size());
}

TEST_F(DetectCli, ReplayWithOverridesAndAlertFile) {
  std::string local = dir_->sub("local.yaml");
  write_file(local,
             "- rule: Sensitive file read\n  enabled: false\n"
             "- list: allowed_outbound_networks\n  items: [\"0.0.0.0/0\"]\n"
             "  override:\n    items: append\n");
  std::string alerts_path = dir_->sub("alerts.json");
  auto result = run_bulkhead({"watch", "--replay", capture_path(), "-r", "builtin", "-r", local,
                              "-o", "json", "--output-file", alerts_path, "--stats"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(result.out.empty());
  EXPECT_TRUE(contains(result.err, "events: 200000"));
  std::string alerts = read_file(alerts_path);
  EXPECT_FALSE(alerts.empty());
  EXPECT_FALSE(contains(alerts, "\"rule\":\"Sensitive file read\""));
  EXPECT_FALSE(contains(alerts, "\"rule\":\"Outbound connection to unexpected destination\""));
  EXPECT_TRUE(contains(alerts, "\"rule\":\"Container runtime socket accessed from container\""));
}

TEST_F(DetectCli, ReplayRefusesBadRulesAndBadCaptures) {
  std::string bad = dir_->sub("bad.yaml");
  write_file(bad,
             "- rule: r\n  desc: d\n  condition: evt.type = open and proc.nmae = x\n"
             "  output: o\n  priority: INFO\n");
  auto result = run_bulkhead({"watch", "--replay", capture_path(), "-r", bad});
  EXPECT_NE(result.status, 0);
  EXPECT_TRUE(contains(result.err, "bad.yaml:3:")) << result.err;
  EXPECT_TRUE(result.out.empty());

  std::string garbage = dir_->sub("garbage.bhcap");
  write_file(garbage, "this is not a capture file at all");
  auto unreadable = run_bulkhead({"watch", "--replay", garbage});
  EXPECT_NE(unreadable.status, 0);
  EXPECT_TRUE(contains(unreadable.err, garbage)) << unreadable.err;
}

TEST_F(DetectCli, ValidateReportsLocationsAndExitStatus) {
  auto shipped = run_bulkhead({"rules", "validate"});
  EXPECT_EQ(shipped.status, 0) << shipped.out;
  EXPECT_TRUE(contains(shipped.out, "0 errors, 0 warnings"));

  std::string bad = dir_->sub("broken.yaml");
  write_file(bad,
             "- macro: m\n  condition: fd.name startswith\n"
             "- rule: r\n  desc: d\n  condition: evt.type = open and undefined_macro\n"
             "  output: o\n  priority: LOUD\n");
  auto result = run_bulkhead({"rules", "validate", bad});
  EXPECT_EQ(result.status, 1);
  EXPECT_TRUE(contains(result.out, "broken.yaml:2:")) << result.out;
  EXPECT_TRUE(contains(result.out, "broken.yaml:7:")) << result.out;  // the priority
  EXPECT_TRUE(contains(result.out, "invalid"));

  auto json = run_bulkhead({"rules", "validate", "--json", bad});
  EXPECT_EQ(json.status, 1);
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_FALSE(parsed["valid"].get<bool>());
  EXPECT_GE(parsed["errors"].get<int>(), 2);

  std::string not_yaml = dir_->sub("notyaml.yaml");
  write_file(not_yaml, "- rule: [unclosed\n");
  auto syntax = run_bulkhead({"rules", "validate", not_yaml});
  EXPECT_EQ(syntax.status, 1);
  EXPECT_TRUE(contains(syntax.out, "notyaml.yaml:")) << syntax.out;

  auto missing = run_bulkhead({"rules", "validate", dir_->sub("nope.yaml")});
  EXPECT_EQ(missing.status, 1);
}

TEST_F(DetectCli, ValidateStrictFailsOnWarnings) {
  std::string unused = dir_->sub("unused.yaml");
  write_file(unused, "- list: never_used\n  items: [a]\n");
  EXPECT_EQ(run_bulkhead({"rules", "validate", unused}).status, 0);
  EXPECT_EQ(run_bulkhead({"rules", "validate", "--strict", unused}).status, 1);
}

TEST_F(DetectCli, ListAndFields) {
  auto list = run_bulkhead({"rules", "list", "--json"});
  ASSERT_EQ(list.status, 0);
  auto rules = nlohmann::json::parse(list.out);
  ASSERT_GE(rules.size(), 16u);
  bool found = false;
  for (const auto& rule : rules)
    if (rule["name"] == "Terminal shell in container") {
      found = true;
      EXPECT_EQ(rule["priority"], "Notice");
      EXPECT_EQ(rule["event_types"], "execve,execveat");
    }
  EXPECT_TRUE(found);

  auto fields = run_bulkhead({"rules", "fields", "--json"});
  ASSERT_EQ(fields.status, 0);
  auto parsed = nlohmann::json::parse(fields.out);
  std::set<std::string> names;
  for (const auto& field : parsed) names.insert(field["name"].get<std::string>());
  for (const char* name : {"evt.type",
                           "evt.res",
                           "evt.rawres",
                           "evt.is_open_read",
                           "proc.name",
                           "proc.aname",
                           "proc.cmdline",
                           "proc.exepath",
                           "proc.is_exe_upper_layer",
                           "proc.is_exe_from_memfd",
                           "thread.cap_effective",
                           "user.loginuid",
                           "fd.name",
                           "fd.sip",
                           "fd.snet",
                           "fd.l4proto",
                           "fd.name_changed",
                           "container.id",
                           "container.image.repository",
                           "container.privileged"})
    EXPECT_TRUE(names.count(name)) << name;
  auto text = run_bulkhead({"rules", "fields"});
  EXPECT_TRUE(contains(text.out, "proc.aname[N]"));
}

TEST_F(DetectCli, CaptureInfo) {
  auto info = run_bulkhead({"capture", "info", "--json", capture_path()});
  ASSERT_EQ(info.status, 0) << info.err;
  auto parsed = nlohmann::json::parse(info.out);
  EXPECT_EQ(parsed["events"], 200000);
  EXPECT_TRUE(parsed["synthetic"].get<bool>());
  EXPECT_GT(parsed["snapshot_threads"].get<int>(), 0);
}

}  // namespace
}  // namespace bulkhead::testing
