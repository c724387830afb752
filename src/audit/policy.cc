#include "audit/policy.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>

#include "audit/catalogue.h"
#include "base/error.h"
#include "base/strings.h"
#include "base/yaml_documents.h"

namespace bulkhead::embedded {
std::string_view bulkhead_audit_policy_yaml();
}

namespace bulkhead::audit {

namespace {

constexpr std::string_view kActionNames[] = {"enforce", "warn", "off"};

class PolicyParser {
 public:
  explicit PolicyParser(std::string source) : source_(std::move(source)) {}

  FloorPolicy parse(std::string_view text) {
    YAML::Node document = load_single_yaml_document(text, source_, "an audit policy");
    if (!document || document.IsNull())
      throw Error(SourceLocation{source_, 1, 1}, "", "empty audit policy");
    return parse_root(document);
  }

 private:
  SourceLocation location(const YAML::Mark& mark) const { return yaml_location(mark, source_); }
  [[nodiscard]] Error error(const YAML::Node& node, const std::string& field,
                            const std::string& message) const {
    return Error(location(node.Mark()), field, message);
  }

  struct Member {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };

  // A mapping's members in order; duplicate keys are refused (a policy must mean one thing,
  // and yaml-cpp keeps both). With `known` non-empty, other keys are refused too.
  std::vector<Member> members(const YAML::Node& node, const std::string& field,
                              const std::string& what,
                              std::initializer_list<std::string_view> known = {}) const {
    if (!node.IsMap()) throw error(node, field, what + " must be a mapping");
    std::vector<Member> out;
    std::set<std::string> seen;
    for (const auto& member : node) {
      const YAML::Node& key = member.first;
      if (!key.IsScalar()) throw error(key, field, "keys must be plain names");
      std::string name = key.Scalar();
      std::string member_field = field.empty() ? name : field + "." + name;
      if (known.size() != 0 &&
          std::find(known.begin(), known.end(), std::string_view(name)) == known.end()) {
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        throw error(key, member_field, "unknown key in " + what + " (known: " + list + ")");
      }
      if (!seen.insert(name).second) throw error(key, member_field, "duplicate key");
      out.push_back({name, key, member.second});
    }
    return out;
  }

  FloorAction action(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) throw error(node, field, "must be an action: enforce, warn or off");
    std::string value = node.Scalar();
    auto action = floor_action_from_name(value);
    // YAML 1.1 readers turn a bare `off` into false; this one sees the word, but a policy that
    // says `false` or `no` most likely meant off and must still be told what it may say.
    if (!action)
      throw error(node, field, "unknown action \"" + value + "\" (expected enforce, warn or off)");
    return *action;
  }

  FloorPolicy parse_root(const YAML::Node& root) {
    FloorPolicy policy;
    policy.source = source_;
    bool have_version = false;
    for (const Member& member :
         members(root, "", "the audit policy", {"version", "severities", "checks"})) {
      const std::string& key = member.key;
      const YAML::Node& value = member.value;
      if (key == "version") {
        if (!value.IsScalar() || value.Scalar() != "1")
          throw error(value, key, "unsupported policy version (this Bulkhead reads `version: 1`)");
        have_version = true;
      } else if (key == "severities") {
        if (value.IsNull()) continue;
        for (const Member& entry : members(value, key, "severities")) {
          std::string field = key + "." + entry.key;
          auto severity = severity_from_name(entry.key);
          if (!severity)
            throw error(entry.key_node, field,
                        "unknown severity \"" + entry.key +
                            "\" (expected critical, high, medium, low or info)");
          FloorAction chosen = action(entry.value, field);
          switch (*severity) {
            case Severity::Critical:
              policy.critical = chosen;
              break;
            case Severity::High:
              policy.high = chosen;
              break;
            case Severity::Medium:
              policy.medium = chosen;
              break;
            case Severity::Low:
              policy.low = chosen;
              break;
            case Severity::Info:
              policy.info = chosen;
              break;
          }
        }
      } else if (key == "checks") {
        if (value.IsNull()) continue;
        for (const Member& entry : members(value, key, "checks")) {
          std::string field = key + "." + entry.key;
          const Check* check = find_check(entry.key);
          if (!check)
            throw error(entry.key_node, field,
                        "unknown check id \"" + entry.key +
                            "\" (`bulkhead audit --list-checks` lists them)");
          policy.per_check[check->id] = action(entry.value, field);
        }
      }
    }
    if (!have_version) throw error(root, "version", "missing: a policy says `version: 1`");
    return policy;
  }

  std::string source_;
};

bool file_exists(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return true;
  // Only "not there" falls back to the built-in policy; a file we may not read (EACCES) or a
  // broken path is an error, never a silently weaker floor.
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throw_errno("looking for the audit policy " + path);
}

std::string allow_hint(const Finding& finding) {
  return "allow with --allow " + finding.check_id;
}

}  // namespace

std::string_view floor_action_name(FloorAction action) {
  return kActionNames[static_cast<size_t>(action)];
}

std::optional<FloorAction> floor_action_from_name(std::string_view name) {
  std::string lower = to_lower(name);
  for (size_t i = 0; i < std::size(kActionNames); ++i)
    if (lower == kActionNames[i]) return static_cast<FloorAction>(i);
  return std::nullopt;
}

FloorAction FloorPolicy::action_for_severity(Severity severity) const {
  switch (severity) {
    case Severity::Critical:
      return critical;
    case Severity::High:
      return high;
    case Severity::Medium:
      return medium;
    case Severity::Low:
      return low;
    case Severity::Info:
      return info;
  }
  return critical;  // unreachable: every severity is listed
}

FloorAction FloorPolicy::action_for(const Finding& finding) const {
  if (auto it = per_check.find(finding.check_id); it != per_check.end()) return it->second;
  return action_for_severity(finding.severity);
}

std::string_view shipped_floor_policy_yaml() {
  return embedded::bulkhead_audit_policy_yaml();
}

FloorPolicy default_floor_policy() {
  FloorPolicy policy = parse_floor_policy(shipped_floor_policy_yaml(), "built-in audit policy");
  policy.source = "built-in";
  return policy;
}

FloorPolicy parse_floor_policy(std::string_view yaml, const std::string& file) {
  return PolicyParser(file).parse(yaml);
}

FloorPolicy load_floor_policy(const std::string& explicit_path, const std::string& system_path) {
  if (!explicit_path.empty()) return parse_floor_policy(read_file(explicit_path), explicit_path);
  if (!system_path.empty() && file_exists(system_path))
    return parse_floor_policy(read_file(system_path), system_path);
  return default_floor_policy();
}

std::set<std::string> parse_allowed_checks(const std::vector<std::string>& values) {
  std::set<std::string> ids;
  for (const std::string& value : values) {
    for (const std::string& item : split(value, ',')) {
      std::string id = to_upper(trim(item));
      if (id.empty()) throw Error("--allow: empty check id in \"" + value + "\"");
      const Check* check = find_check(id);
      if (!check)
        throw Error("--allow: unknown check id \"" + std::string(trim(item)) +
                    "\" (`bulkhead audit --list-checks` lists them)");
      if (!check_applies_to(*check, InputFormat::OciConfig))
        throw Error("--allow: " + id + " is not about a container's settings (it applies to " +
                    std::string(input_format_name(check->applies_to.front())) +
                    " files), so it never stops a container");
      ids.insert(id);
    }
  }
  return ids;
}

FloorVerdict apply_floor(const std::vector<Finding>& findings, const FloorPolicy& policy,
                         const std::set<std::string>& allowed_ids) {
  FloorVerdict verdict;
  for (const Finding& finding : findings) {
    switch (policy.action_for(finding)) {
      case FloorAction::Enforce:
        (allowed_ids.contains(finding.check_id) ? verdict.allowed : verdict.refused)
            .push_back(finding);
        break;
      case FloorAction::Warn:
        verdict.warned.push_back(finding);
        break;
      case FloorAction::Off:
        verdict.silenced.push_back(finding);
        break;
    }
  }
  return verdict;
}

std::string describe_floor_finding(const Finding& finding) {
  std::string out = finding.check_id + " (" + std::string(severity_name(finding.severity)) + ")";
  const Check* check = find_check(finding.check_id);
  std::string title = check ? check->title : "";
  // Many messages begin by restating the title ("container runs privileged"); say it once.
  if (!title.empty() && to_lower(finding.message).starts_with(to_lower(title))) title.clear();
  if (!title.empty()) out += ": " + title;
  if (!finding.message.empty()) out += (title.empty() ? ": " : " — ") + finding.message;
  return out;
}

std::string floor_refusal_message(const FloorVerdict& verdict) {
  if (verdict.refused.size() == 1) {
    const Finding& finding = verdict.refused.front();
    return "refusing to start: " + describe_floor_finding(finding) + "; " + allow_hint(finding);
  }
  std::string out = "refusing to start: " + std::to_string(verdict.refused.size()) +
                    " findings the audit policy enforces:";
  for (const Finding& finding : verdict.refused)
    out += "\n  " + describe_floor_finding(finding) + "; " + allow_hint(finding);
  return out;
}

std::vector<std::string> floor_warning_lines(const FloorVerdict& verdict) {
  std::vector<std::string> lines;
  for (const Finding& finding : verdict.allowed)
    lines.push_back("warning: " + describe_floor_finding(finding) + " (allowed with --allow " +
                    finding.check_id + ")");
  for (const Finding& finding : verdict.warned)
    lines.push_back("warning: " + describe_floor_finding(finding));
  return lines;
}

}  // namespace bulkhead::audit
