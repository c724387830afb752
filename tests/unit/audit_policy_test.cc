// The runtime floor's policy: the shipped file, parsing and its located errors, where
// `bulkhead run` finds the policy, --allow, and the verdict with its messages.
#include "audit/policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "audit/catalogue.h"
#include "base/error.h"
#include "support/temp_dir.h"

namespace bulkhead::audit {
namespace {

Finding finding(const std::string& id, const std::string& message = "something") {
  Finding f;
  f.check_id = id;
  const Check* check = find_check(id);
  EXPECT_NE(check, nullptr) << id;
  f.severity = check ? check->severity : Severity::Info;
  f.format = InputFormat::OciConfig;
  f.object = "container web";
  f.message = message;
  return f;
}

std::string error_of(const std::string& yaml) {
  try {
    parse_floor_policy(yaml, "policy.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

std::vector<std::string> ids_of(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(f.check_id);
  return out;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(AuditPolicy, ShippedPolicy) {
  FloorPolicy policy = default_floor_policy();
  EXPECT_EQ(policy.source, "built-in");
  EXPECT_EQ(policy.critical, FloorAction::Enforce);
  EXPECT_EQ(policy.high, FloorAction::Warn);
  EXPECT_EQ(policy.medium, FloorAction::Warn);
  EXPECT_EQ(policy.low, FloorAction::Off);
  EXPECT_EQ(policy.info, FloorAction::Off);
  // The issue's three refusals.
  for (const char* id : {"BH-PRIVILEGED", "BH-RUNTIME-SOCKET", "BH-MOUNT-HOST-ROOT-RW"})
    EXPECT_EQ(policy.action_for(finding(id)), FloorAction::Enforce) << id;
  EXPECT_EQ(policy.action_for(finding("BH-MOUNT-HOST-ROOT")), FloorAction::Warn);
  EXPECT_EQ(policy.action_for(finding("BH-CAP-SYSADMIN")), FloorAction::Warn);
  // Every default `bulkhead run` as root runs as uid 0 without a user namespace.
  EXPECT_EQ(policy.action_for(finding("BH-RUN-AS-ROOT")), FloorAction::Off);
  EXPECT_EQ(policy.action_for(finding("BH-NO-MEMORY-LIMIT")), FloorAction::Off);
  // The embedded text is the file in the source tree.
  std::ifstream file(std::string(BULKHEAD_SOURCE_DIR) + "/profiles/audit-policy.yaml");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(shipped_floor_policy_yaml(), text);
}

TEST(AuditPolicy, ParsesSeveritiesAndChecks) {
  FloorPolicy policy = parse_floor_policy(R"(
version: 1
severities:
  critical: warn
  high: Enforce
checks:
  BH-CAP-SYSADMIN: off
  BH-ROOTFS-WRITABLE: enforce
)",
                                          "p.yaml");
  EXPECT_EQ(policy.source, "p.yaml");
  EXPECT_EQ(policy.critical, FloorAction::Warn);
  EXPECT_EQ(policy.high, FloorAction::Enforce);
  EXPECT_EQ(policy.medium, FloorAction::Warn);  // not listed: the built-in default
  EXPECT_EQ(policy.low, FloorAction::Off);
  EXPECT_EQ(policy.action_for(finding("BH-CAP-SYSADMIN")), FloorAction::Off);  // check wins
  EXPECT_EQ(policy.action_for(finding("BH-CAP-SYSPTRACE")), FloorAction::Enforce);
  EXPECT_EQ(policy.action_for(finding("BH-ROOTFS-WRITABLE")), FloorAction::Enforce);
  EXPECT_EQ(policy.action_for(finding("BH-PRIVILEGED")), FloorAction::Warn);

  // JSON is YAML too; empty sections are allowed.
  policy = parse_floor_policy(
      R"({"version": 1, "checks": {"BH-DEVICE": "off"}, "severities": null})", "p.json");
  EXPECT_EQ(policy.action_for(finding("BH-DEVICE")), FloorAction::Off);
  EXPECT_EQ(parse_floor_policy("version: 1\n", "p").per_check.size(), 0u);
}

TEST(AuditPolicy, ErrorsNameFileLineColumnAndField) {
  struct Case {
    std::string yaml, expected;
  };
  std::vector<Case> cases = {
      {"version: 1\nchecks:\n  BH-CAP-SYSADMN: warn\n",
       "policy.yaml:3:3: checks.BH-CAP-SYSADMN: unknown check id"},
      {"version: 1\nchecks:\n  BH-CAP-SYSADMIN: deny\n",
       "policy.yaml:3:20: checks.BH-CAP-SYSADMIN: unknown action \"deny\""},
      {"version: 1\nchecks:\n  BH-CAP-SYSADMIN: false\n", "unknown action \"false\""},
      {"version: 1\nchecks:\n  BH-CAP-SYSADMIN: [warn]\n",
       "policy.yaml:3:20: checks.BH-CAP-SYSADMIN: must be an action"},
      {"version: 1\nseverities:\n  severe: enforce\n",
       "policy.yaml:3:3: severities.severe: unknown severity"},
      {"version: 1\nseverities:\n  high: warn\n  high: enforce\n",
       "policy.yaml:4:3: severities.high: duplicate key"},
      {"version: 1\nchecks:\n  BH-DEVICE: warn\n  BH-DEVICE: off\n", "duplicate key"},
      {"version: 1\nrules: {}\n", "policy.yaml:2:1: rules: unknown key in the audit policy"},
      {"version: 2\n", "policy.yaml:1:10: version: unsupported policy version"},
      {"checks: {}\n", "version: missing"},
      {"version: 1\nchecks: [BH-DEVICE]\n", "policy.yaml:2:9: checks: checks must be a mapping"},
      {"- 1\n- 2\n", "policy.yaml:1:1: the audit policy must be a mapping"},
      {"version: 1\nchecks:\n  BH-DEVICE: [warn\n", "policy.yaml:4:"},
      {"version: 1\nchecks: {BH-DEVICE: warn\n", "not valid YAML"},
      {"", "policy.yaml:1:1: empty audit policy"},
      {"# only a comment\n", "empty audit policy"},
      {"version: 1\n---\nversion: 1\n", "policy.yaml:3:1: an audit policy holds one document"},
  };
  for (const Case& c : cases) {
    std::string message = error_of(c.yaml);
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << c.yaml << "\n  gives: " << message << "\n  expected: " << c.expected;
  }
}

TEST(AuditPolicy, LookupOrder) {
  testing::TempDir dir;
  std::string system = dir.sub("audit-policy.yaml");
  std::string mine = dir.sub("mine.yaml");
  write(mine, "version: 1\nchecks:\n  BH-CAP-SYSADMIN: enforce\n");

  // Nothing given, no system file: the built-in policy.
  EXPECT_EQ(load_floor_policy("", system).source, "built-in");
  // The system file when it exists.
  write(system, "version: 1\nchecks:\n  BH-PRIVILEGED: warn\n");
  FloorPolicy policy = load_floor_policy("", system);
  EXPECT_EQ(policy.source, system);
  EXPECT_EQ(policy.action_for(finding("BH-PRIVILEGED")), FloorAction::Warn);
  // --audit-policy replaces both.
  policy = load_floor_policy(mine, system);
  EXPECT_EQ(policy.source, mine);
  EXPECT_EQ(policy.action_for(finding("BH-CAP-SYSADMIN")), FloorAction::Enforce);
  EXPECT_EQ(policy.action_for(finding("BH-PRIVILEGED")), FloorAction::Enforce);
  // A broken system file is an error, not a fallback to the built-in policy.
  write(system, "version: 1\nchecks:\n  BH-PRIVILEGED: allow\n");
  EXPECT_THROW(load_floor_policy("", system), Error);
  // A missing --audit-policy file is an error too.
  EXPECT_THROW(load_floor_policy(dir.sub("missing.yaml"), system), Error);
  // A path that cannot be looked at is not "absent".
  write(dir.sub("file"), "");
  EXPECT_EQ(load_floor_policy("", dir.sub("nothing/audit-policy.yaml")).source, "built-in");
}

TEST(AuditPolicy, AllowList) {
  EXPECT_EQ(parse_allowed_checks({"BH-PRIVILEGED", "bh-runtime-socket, BH-CAP-ALL"}),
            (std::set<std::string>{"BH-CAP-ALL", "BH-PRIVILEGED", "BH-RUNTIME-SOCKET"}));
  EXPECT_TRUE(parse_allowed_checks({}).empty());
  auto error_of_allow = [](std::vector<std::string> values) -> std::string {
    try {
      parse_allowed_checks(values);
    } catch (const Error& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_NE(error_of_allow({"BH-PRIVILEDGED"}).find("--allow: unknown check id \"BH-PRIVILEDGED\""),
            std::string::npos);
  EXPECT_NE(error_of_allow({"BH-PRIVILEGED,"}).find("empty"), std::string::npos);
  EXPECT_NE(error_of_allow({"BH-DOCKERFILE-ADD-URL"}).find("never stops a container"),
            std::string::npos);
}

TEST(AuditPolicy, ApplyFloorSortsFindingsByAction) {
  std::vector<Finding> findings = {finding("BH-PRIVILEGED"), finding("BH-RUNTIME-SOCKET"),
                                   finding("BH-CAP-SYSADMIN"), finding("BH-ROOTFS-WRITABLE"),
                                   finding("BH-RUN-AS-ROOT")};
  FloorPolicy policy = default_floor_policy();
  FloorVerdict verdict = apply_floor(findings, policy, {});
  EXPECT_FALSE(verdict.may_start());
  EXPECT_EQ(ids_of(verdict.refused),
            (std::vector<std::string>{"BH-PRIVILEGED", "BH-RUNTIME-SOCKET"}));
  EXPECT_EQ(ids_of(verdict.warned), std::vector<std::string>{"BH-CAP-SYSADMIN"});
  EXPECT_EQ(ids_of(verdict.silenced),
            (std::vector<std::string>{"BH-ROOTFS-WRITABLE", "BH-RUN-AS-ROOT"}));

  // Allowing one check lifts that refusal only; allowing a warned check changes nothing.
  verdict = apply_floor(findings, policy, {"BH-PRIVILEGED", "BH-CAP-SYSADMIN"});
  EXPECT_EQ(ids_of(verdict.refused), std::vector<std::string>{"BH-RUNTIME-SOCKET"});
  EXPECT_EQ(ids_of(verdict.allowed), std::vector<std::string>{"BH-PRIVILEGED"});
  EXPECT_EQ(ids_of(verdict.warned), std::vector<std::string>{"BH-CAP-SYSADMIN"});
  verdict = apply_floor(findings, policy, {"BH-PRIVILEGED", "BH-RUNTIME-SOCKET"});
  EXPECT_TRUE(verdict.may_start());

  // Nothing found: nothing to say.
  verdict = apply_floor({}, policy, {});
  EXPECT_TRUE(verdict.may_start());
  EXPECT_TRUE(floor_warning_lines(verdict).empty());
}

TEST(AuditPolicy, Messages) {
  Finding socket = finding("BH-RUNTIME-SOCKET",
                           "host path /var/run/docker.sock mounted at /var/run/docker.sock "
                           "(writable)");
  const std::string title = find_check("BH-RUNTIME-SOCKET")->title;
  EXPECT_EQ(describe_floor_finding(socket),
            "BH-RUNTIME-SOCKET (critical): " + title +
                " — host path /var/run/docker.sock mounted at /var/run/docker.sock (writable)");

  // A message that starts with the title is not preceded by it.
  EXPECT_EQ(describe_floor_finding(finding("BH-PRIVILEGED", "container runs privileged")),
            "BH-PRIVILEGED (critical): container runs privileged");

  FloorVerdict verdict;
  verdict.refused = {socket};
  EXPECT_EQ(floor_refusal_message(verdict), "refusing to start: " + describe_floor_finding(socket) +
                                                "; allow with --allow BH-RUNTIME-SOCKET");
  Finding privileged = finding("BH-PRIVILEGED", "container runs privileged");
  verdict.refused.push_back(privileged);
  EXPECT_EQ(floor_refusal_message(verdict),
            "refusing to start: 2 findings the audit policy enforces:\n  " +
                describe_floor_finding(socket) + "; allow with --allow BH-RUNTIME-SOCKET\n  " +
                describe_floor_finding(privileged) + "; allow with --allow BH-PRIVILEGED");

  verdict = FloorVerdict{};
  verdict.allowed = {privileged};
  verdict.warned = {finding("BH-CAP-SYSADMIN", "capability SYS_ADMIN in the capability set")};
  EXPECT_EQ(floor_warning_lines(verdict),
            (std::vector<std::string>{"warning: " + describe_floor_finding(privileged) +
                                          " (allowed with --allow BH-PRIVILEGED)",
                                      "warning: " + describe_floor_finding(verdict.warned[0])}));
}

TEST(AuditPolicy, ActionNames) {
  for (FloorAction action : {FloorAction::Enforce, FloorAction::Warn, FloorAction::Off})
    EXPECT_EQ(floor_action_from_name(floor_action_name(action)), action);
  EXPECT_EQ(floor_action_from_name("OFF"), FloorAction::Off);
  EXPECT_FALSE(floor_action_from_name("refuse"));
}

}  // namespace
}  // namespace bulkhead::audit
