// `bulkhead audit` as users and CI gates run it: the built binary on the realistic fixtures
// (a compose stack, a Helm-rendered Deployment, a hardened and an unhardened Pod, a deployment
// script, a Dockerfile), command lines given as arguments, directories, every output format,
// --fail-on exit statuses, and malformed input giving a located error and status 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "base/strings.h"
#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

const std::string kAuditData = std::string(BULKHEAD_SOURCE_DIR) + "/tests/data/audit";

nlohmann::json audit_json(const std::vector<std::string>& args, int expected_status = 0) {
  std::vector<std::string> argv = {"audit", "-o", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = run_bulkhead(argv);
  EXPECT_EQ(result.status, expected_status) << result.err;
  return nlohmann::json::parse(result.out);
}

std::set<std::string> check_ids(const nlohmann::json& report) {
  std::set<std::string> ids;
  for (const auto& f : report["findings"]) ids.insert(f["check"].get<std::string>());
  return ids;
}

TEST(AuditCli, ListChecksPrintsTheCatalogue) {
  CommandResult text = run_bulkhead({"audit", "--list-checks"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "BH-PRIVILEGED"));
  EXPECT_TRUE(contains(text.out, "BH-RUNTIME-SOCKET"));
  EXPECT_TRUE(contains(text.out, "BH-CAP-SYSADMIN"));
  CommandResult json = run_bulkhead({"audit", "--list-checks", "-o", "json"});
  ASSERT_EQ(json.status, 0) << json.err;
  nlohmann::json checks = nlohmann::json::parse(json.out);
  std::string dump = checks.dump();
  EXPECT_TRUE(contains(dump, "BH-MOUNT-HOST-ROOT-RW"));
  EXPECT_TRUE(contains(dump, "5.4")) << "CIS Docker Benchmark reference for privileged";
}

TEST(AuditCli, ComposeStack) {
  nlohmann::json report = audit_json({kAuditData + "/realistic/compose-stack.yaml"});
  std::set<std::string> ids = check_ids(report);
  EXPECT_TRUE(ids.count("BH-RUNTIME-SOCKET")) << report.dump(2);
  for (const auto& f : report["findings"]) {
    EXPECT_GT(f["line"].get<int>(), 0) << f.dump();
    EXPECT_TRUE(f["object"].get<std::string>().starts_with("service ")) << f.dump();
  }
}

TEST(AuditCli, KubernetesManifests) {
  nlohmann::json helm = audit_json({kAuditData + "/realistic/helm-deployment.yaml"});
  EXPECT_FALSE(helm["findings"].empty());
  for (const auto& f : helm["findings"])
    EXPECT_TRUE(contains(f["object"].get<std::string>(), "container")) << f.dump();

  nlohmann::json bad = audit_json({kAuditData + "/realistic/pod-unhardened.yaml"});
  nlohmann::json good = audit_json({kAuditData + "/realistic/pod-hardened.yaml"});
  size_t bad_serious = 0;
  for (const auto& f : bad["findings"])
    if (f["severity"] == "critical" || f["severity"] == "high") ++bad_serious;
  EXPECT_GT(bad_serious, 2u) << bad.dump(2);
  for (const auto& f : good["findings"]) {
    EXPECT_NE(f["severity"], "critical") << f.dump();
    EXPECT_NE(f["severity"], "high") << f.dump();
  }
}

TEST(AuditCli, FailOnSetsTheExitStatus) {
  std::string pod = kAuditData + "/realistic/pod-unhardened.yaml";
  EXPECT_EQ(run_bulkhead({"audit", pod}).status, 0);
  EXPECT_EQ(run_bulkhead({"audit", "--fail-on", "high", pod}).status, 1);
  std::string hardened = kAuditData + "/realistic/pod-hardened.yaml";
  EXPECT_EQ(run_bulkhead({"audit", "--fail-on", "high", hardened}).status, 0);
  CommandResult bad = run_bulkhead({"audit", "--fail-on", "severe", pod});
  EXPECT_NE(bad.status, 0);
  EXPECT_TRUE(contains(bad.err, "--fail-on")) << bad.err;
}

TEST(AuditCli, CommandLineAsArguments) {
  nlohmann::json report =
      audit_json({"--", "docker", "run", "-d", "-v", "/var/run/docker.sock:/var/run/docker.sock",
                  "--cap-add", "SYS_ADMIN", "portainer/portainer-ce"});
  std::set<std::string> ids = check_ids(report);
  EXPECT_TRUE(ids.count("BH-RUNTIME-SOCKET")) << report.dump(2);
  EXPECT_TRUE(ids.count("BH-CAP-SYSADMIN")) << report.dump(2);
  for (const auto& f : report["findings"])
    EXPECT_TRUE(contains(f["object"].get<std::string>(), "portainer/portainer-ce")) << f.dump();

  CommandResult not_run = run_bulkhead({"audit", "--", "docker", "ps"});
  EXPECT_NE(not_run.status, 0);
}

TEST(AuditCli, ShellScriptAndDockerfile) {
  nlohmann::json script = audit_json({kAuditData + "/realistic/deploy.sh"});
  EXPECT_FALSE(script["findings"].empty());
  nlohmann::json dockerfile = audit_json({kAuditData + "/realistic/Dockerfile"});
  for (const auto& f : dockerfile["findings"]) EXPECT_EQ(f["format"], "dockerfile") << f.dump();
}

TEST(AuditCli, DirectoryFindsEveryKnownFile) {
  nlohmann::json report = audit_json({kAuditData + "/realistic"});
  std::set<std::string> formats;
  for (const auto& f : report["findings"]) formats.insert(f["format"].get<std::string>());
  for (const char* format : {"compose", "kubernetes", "docker-run", "dockerfile"})
    EXPECT_TRUE(formats.count(format)) << format;
}

TEST(AuditCli, MalformedInputGivesALocatedErrorAndStatus2) {
  std::string dir = make_temp_dir();
  std::string compose = dir + "/compose.yaml";
  write_file(compose, "services:\n  web:\n    image: nginx\n    privileged: [true\n");
  CommandResult result = run_bulkhead({"audit", compose});
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_TRUE(contains(result.err, compose + ":")) << result.err;
  // The other file of the run is still reported.
  std::string pod = kAuditData + "/realistic/pod-unhardened.yaml";
  CommandResult both = run_bulkhead({"audit", "-o", "json", compose, pod});
  EXPECT_EQ(both.status, 2);
  EXPECT_FALSE(nlohmann::json::parse(both.out)["findings"].empty());

  std::string unknown = dir + "/notes.txt";
  write_file(unknown, "hello\n");
  CommandResult what = run_bulkhead({"audit", unknown});
  EXPECT_EQ(what.status, 2);
  EXPECT_TRUE(contains(what.err, "--type")) << what.err;
  remove_tree(dir);
}

TEST(AuditCli, OutputFormatsToFiles) {
  std::string dir = make_temp_dir();
  std::string pod = kAuditData + "/realistic/pod-unhardened.yaml";
  for (const char* format : {"sarif", "html", "json", "text"}) {
    std::string out = dir + "/report." + format;
    CommandResult result = run_bulkhead({"audit", "-o", format, "--output-file", out, pod});
    ASSERT_EQ(result.status, 0) << result.err;
    std::string data = read_file(out);
    EXPECT_FALSE(data.empty());
    if (std::string(format) == "sarif") EXPECT_EQ(nlohmann::json::parse(data)["version"], "2.1.0");
    if (std::string(format) == "html") EXPECT_TRUE(contains(data, "BH-"));
    if (std::string(format) == "text")
      EXPECT_FALSE(contains(data, "\x1b[")) << "no colour in files";
  }
  CommandResult coloured = run_bulkhead({"audit", "--color", "always", pod});
  EXPECT_TRUE(contains(coloured.out, "\x1b[")) << coloured.out;
  remove_tree(dir);
}

}  // namespace
}  // namespace bulkhead::testing
