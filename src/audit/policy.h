// The runtime floor: what `bulkhead run` does with the audit findings of the container it is
// about to start. Each finding is enforced (the container does not start unless the check is
// allowed with --allow), warned about (one line on stderr, then the container starts) or
// ignored, by a policy that names an action per severity and, overriding that, per check.
//
// The policy is one YAML (or JSON) file; the shipped one, profiles/audit-policy.yaml, is
// compiled in and documented in docs/AUDIT_POLICY.md:
//
//   severities:            # every severity not listed keeps the built-in default below
//     critical: enforce
//     high: warn
//   checks:
//     BH-RUN-AS-ROOT: off
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"

namespace bulkhead::audit {

enum class FloorAction { Enforce, Warn, Off };

std::string_view floor_action_name(FloorAction action);  // "enforce", "warn", "off"
std::optional<FloorAction> floor_action_from_name(std::string_view name);  // case-insensitive

struct FloorPolicy {
  std::string source = "built-in";  // the file it was read from, for messages
  // By severity, unless the check has an entry in per_check. These defaults are what a policy
  // file that leaves a severity out gets.
  FloorAction critical = FloorAction::Enforce;
  FloorAction high = FloorAction::Warn;
  FloorAction medium = FloorAction::Warn;
  FloorAction low = FloorAction::Off;
  FloorAction info = FloorAction::Off;
  std::map<std::string, FloorAction, std::less<>> per_check;  // check id → action

  FloorAction action_for_severity(Severity severity) const;
  // per_check[finding.check_id] if present, else by finding.severity.
  FloorAction action_for(const Finding& finding) const;
};

// The shipped policy (profiles/audit-policy.yaml, compiled in).
std::string_view shipped_floor_policy_yaml();
FloorPolicy default_floor_policy();

// Reads a policy file. Throws Error naming the file, line, column and field for malformed YAML,
// unknown keys, severities, check ids and actions, and duplicate entries.
FloorPolicy parse_floor_policy(std::string_view yaml, const std::string& file);

// Where `bulkhead run` looks for its policy: `--audit-policy FILE` when given (`explicit_path`
// non-empty), else `system_path` if that file exists, else the built-in copy.
inline constexpr const char* kSystemFloorPolicyPath = "/etc/bulkhead/audit-policy.yaml";
FloorPolicy load_floor_policy(const std::string& explicit_path,
                              const std::string& system_path = kSystemFloorPolicyPath);

// `--allow` values: check ids, comma lists allowed, any case. Throws Error for an id that is
// not in the catalogue or that no container setting can trigger (Dockerfile checks).
std::set<std::string> parse_allowed_checks(const std::vector<std::string>& values);

struct FloorVerdict {
  std::vector<Finding> refused;   // enforced and not allowed: the container must not start
  std::vector<Finding> allowed;   // enforced but allowed with --allow: start, and say so
  std::vector<Finding> warned;    // warned about: start, and say so
  std::vector<Finding> silenced;  // the policy says off
  bool may_start() const { return refused.empty(); }
};

FloorVerdict apply_floor(const std::vector<Finding>& findings, const FloorPolicy& policy,
                         const std::set<std::string>& allowed_ids);

// "BH-CAP-SYSADMIN (high): CAP_SYS_ADMIN added — capability SYS_ADMIN in the bounding set":
// the id, severity, the check's title and the finding's own message.
std::string describe_floor_finding(const Finding& finding);
// The error `bulkhead run` stops with when the verdict refuses (see docs/AUDIT_POLICY.md):
// one refused finding →
//   "refusing to start: <description>; allow with --allow <ID>"
// several →
//   "refusing to start: N findings the audit policy enforces:\n  <description>; allow with
//   --allow <ID>\n…"
std::string floor_refusal_message(const FloorVerdict& verdict);
// The stderr lines (without "bulkhead: ") for what starts anyway: "warning: <description>",
// and "warning: <description> (allowed with --allow <ID>)" for allowed ones.
std::vector<std::string> floor_warning_lines(const FloorVerdict& verdict);

}  // namespace bulkhead::audit
