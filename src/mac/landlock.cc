#include "mac/landlock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "base/strings.h"
#include "base/yaml_documents.h"

namespace bulkhead::mac {

namespace {

// The kernel's UAPI, spelled out because Debian's 6.1 headers define only the ABI 1-2 subset
// (their landlock_ruleset_attr has no handled_access_net or scoped member).
constexpr unsigned kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;  // ABI 4

struct RulesetAttr {
  uint64_t handled_access_fs = 0;
  uint64_t handled_access_net = 0;  // ABI 4
  uint64_t scoped = 0;              // ABI 6
};

struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access = 0;
  int32_t parent_fd = -1;
};

struct NetPortAttr {
  uint64_t allowed_access = 0;
  uint64_t port = 0;
};

// Rights the kernel accepts on a rule whose path is not a directory.
constexpr uint64_t kFileOnlyRights =
    kFsExecute | kFsWriteFile | kFsReadFile | kFsTruncate | kFsIoctlDev;

constexpr uint64_t kAbi1FsRights = (1ULL << 13) - 1;  // execute … make_sym
constexpr uint64_t kNetRights = kNetBindTcp | kNetConnectTcp;
constexpr int kNetAbi = 4;
constexpr int kScopeAbi = 6;

struct AccessWord {
  const char* name;
  uint64_t bits;
};

// Coarse words first: access_names() prefers them.
constexpr std::array<AccessWord, 18> kAccessWords{{
    {"read", kAccessRead},
    {"write", kAccessWrite},
    {"execute", kAccessExecute},
    {"read_file", kFsReadFile},
    {"read_dir", kFsReadDir},
    {"write_file", kFsWriteFile},
    {"remove_dir", kFsRemoveDir},
    {"remove_file", kFsRemoveFile},
    {"make_char", kFsMakeChar},
    {"make_dir", kFsMakeDir},
    {"make_reg", kFsMakeReg},
    {"make_sock", kFsMakeSock},
    {"make_fifo", kFsMakeFifo},
    {"make_block", kFsMakeBlock},
    {"make_sym", kFsMakeSym},
    {"refer", kFsRefer},
    {"truncate", kFsTruncate},
    {"ioctl_dev", kFsIoctlDev},
}};
constexpr size_t kCoarseWords = 3;

constexpr std::array<AccessWord, 2> kScopeWords{{
    {"abstract_unix_socket", kScopeAbstractUnixSocket},
    {"signal", kScopeSignal},
}};

std::string word_list(const auto& words) {
  std::string out;
  for (const AccessWord& word : words) out += (out.empty() ? "" : ", ") + std::string(word.name);
  return out;
}

// ---- Parsing ------------------------------------------------------------------------------

class PolicyParser {
 public:
  explicit PolicyParser(std::string source) : source_(std::move(source)) {}

  LandlockPolicy parse(std::string_view text) {
    YAML::Node document = load_single_yaml_document(text, source_, "a policy file");
    if (!document || document.IsNull())
      throw Error(SourceLocation{source_, 1, 1}, "", "empty Landlock policy");
    return parse_root(document);
  }

 private:
  std::string source_;

  SourceLocation location(const YAML::Mark& mark) const { return yaml_location(mark, source_); }
  [[nodiscard]] Error error(const YAML::Node& node, const std::string& field,
                            const std::string& message) const {
    return Error(location(node.Mark()), field, message);
  }

  // A mapping's members in order, with duplicate and unknown keys rejected.
  std::vector<std::pair<std::string, YAML::Node>> members(const YAML::Node& node,
                                                          const std::string& field,
                                                          std::initializer_list<const char*> known,
                                                          const std::string& what) const {
    if (!node.IsMap()) throw error(node, field, what + " must be a mapping");
    std::vector<std::pair<std::string, YAML::Node>> out;
    std::set<std::string> seen;
    for (const auto& member : node) {
      const YAML::Node& key = member.first;
      if (!key.IsScalar()) throw error(key, field, "keys must be plain names");
      std::string name = key.Scalar();
      std::string member_field = field.empty() ? name : field + "." + name;
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return name == k; })) {
        std::string list;
        for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        throw error(key, member_field, "unknown key in " + what + " (known: " + list + ")");
      }
      if (!seen.insert(name).second) throw error(key, member_field, "duplicate key");
      out.emplace_back(name, member.second);
    }
    return out;
  }

  // A scalar written as a YAML plain scalar or a JSON literal, not a quoted string: `"80"`
  // where a number belongs is a mistake worth reporting.
  std::string literal(const YAML::Node& node, const std::string& field,
                      const std::string& what) const {
    if (node.IsScalar() && node.Tag() == "!")
      throw error(node, field, "must be " + what + ", written without quotes");
    if (!node.IsScalar()) throw error(node, field, "must be " + what);
    return node.Scalar();
  }

  std::string text(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar() || node.IsNull()) throw error(node, field, "must be a string");
    return node.Scalar();
  }

  uint64_t number(const YAML::Node& node, const std::string& field, uint64_t low, uint64_t high,
                  const std::string& what) const {
    std::string value = literal(node, field, what);
    bool decimal =
        !value.empty() && value.size() <= 19 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    uint64_t n = decimal ? std::stoull(value) : 0;
    if (!decimal || n < low || n > high) throw error(node, field, "must be " + what);
    return n;
  }

  bool boolean(const YAML::Node& node, const std::string& field) const {
    std::string value = literal(node, field, "true or false");
    if (value == "true") return true;
    if (value == "false") return false;
    throw error(node, field, "must be true or false, not \"" + value + "\"");
  }

  struct Item {
    std::string value;
    YAML::Node node;
    std::string field;  // "paths[0].access[1]", or "paths[0].access" for a lone scalar
  };

  // A scalar or a sequence of scalars, at least one.
  std::vector<Item> one_or_more(const YAML::Node& node, const std::string& field) const {
    std::vector<Item> out;
    if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        std::string item_field = field + "[" + std::to_string(i) + "]";
        out.push_back({text(node[i], item_field), node[i], item_field});
      }
      if (out.empty()) throw error(node, field, "must list at least one value");
    } else {
      out.push_back({text(node, field), node, field});
    }
    return out;
  }

  std::vector<YAML::Node> sequence(const YAML::Node& node, const std::string& field) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) throw error(node, field, "must be a list");
    std::vector<YAML::Node> out;
    for (const auto& item : node) out.push_back(item);
    return out;
  }

  LandlockPolicy parse_root(const YAML::Node& root) {
    LandlockPolicy policy;
    policy.source = source_;
    bool have_version = false;
    for (const auto& [key, value] :
         members(root, "", {"version", "best_effort", "min_abi", "paths", "network", "scope"},
                 "the policy")) {
      if (key == "version") {
        if (number(value, key, 0, UINT32_MAX, "a number") != 1)
          throw error(value, key, "unsupported policy version (this Bulkhead reads version 1)");
        have_version = true;
      } else if (key == "best_effort") {
        policy.best_effort = boolean(value, key);
      } else if (key == "min_abi") {
        policy.min_abi = static_cast<int>(
            number(value, key, 1, kMaxKnownAbi,
                   "a Landlock ABI version from 1 to " + std::to_string(kMaxKnownAbi)));
      } else if (key == "paths") {
        auto rules = sequence(value, key);
        for (size_t i = 0; i < rules.size(); ++i)
          policy.paths.push_back(parse_rule(rules[i], key + "[" + std::to_string(i) + "]"));
      } else if (key == "network") {
        parse_network(value, key, policy);
      } else if (key == "scope") {
        auto items = sequence(value, key);
        for (size_t i = 0; i < items.size(); ++i) {
          std::string field = key + "[" + std::to_string(i) + "]";
          std::string name = text(items[i], field);
          auto word = std::find_if(kScopeWords.begin(), kScopeWords.end(),
                                   [&](const AccessWord& w) { return name == w.name; });
          if (word == kScopeWords.end())
            throw error(items[i], field,
                        "unknown scope \"" + name + "\" (known: " + word_list(kScopeWords) + ")");
          policy.scopes |= word->bits;
        }
      }
    }
    if (!have_version) throw error(root, "version", "missing: a policy says `version: 1`");
    return policy;
  }

  LandlockPathRule parse_rule(const YAML::Node& node, const std::string& field) {
    LandlockPathRule rule;
    rule.where = location(node.Mark());
    bool have_path = false, have_access = false;
    for (const auto& [key, value] : members(node, field, {"path", "access"}, "a path rule")) {
      std::string member_field = field + "." + key;
      if (key == "path") {
        have_path = true;
        for (const Item& path : one_or_more(value, member_field)) {
          if (path.value.empty() || path.value[0] != '/')
            throw error(
                path.node, path.field,
                "\"" + path.value + "\" is not an absolute path (paths are inside the container)");
          if (path.value.find('\0') != std::string::npos)
            throw error(path.node, path.field, "path contains a NUL byte");
          // The policy travels as JSON (the spec's annotation), which holds only UTF-8.
          if (!is_valid_utf8(path.value))
            throw error(path.node, path.field, "path is not valid UTF-8");
          rule.paths.push_back(path.value);
        }
      } else {
        have_access = true;
        for (const Item& item : one_or_more(value, member_field)) {
          auto word = std::find_if(kAccessWords.begin(), kAccessWords.end(),
                                   [&](const AccessWord& w) { return item.value == w.name; });
          if (word == kAccessWords.end())
            throw error(item.node, item.field,
                        "unknown access right \"" + item.value +
                            "\" (known: " + word_list(kAccessWords) + ")");
          rule.access |= word->bits;
        }
      }
    }
    if (!have_path) throw error(node, field + ".path", "missing: a rule needs a path");
    if (!have_access) throw error(node, field + ".access", "missing: a rule needs access rights");
    return rule;
  }

  void parse_network(const YAML::Node& node, const std::string& field, LandlockPolicy& policy) {
    policy.restrict_network = true;
    if (node.IsNull()) return;  // `network:` alone: no TCP bind or connect at all
    for (const auto& [key, value] : members(node, field, {"bind", "connect"}, "network")) {
      std::string member_field = field + "." + key;
      auto& ports = key == "bind" ? policy.bind_ports : policy.connect_ports;
      auto items = sequence(value, member_field);
      for (size_t i = 0; i < items.size(); ++i)
        ports.push_back(
            static_cast<uint16_t>(number(items[i], member_field + "[" + std::to_string(i) + "]", 1,
                                         65535, "a TCP port from 1 to 65535")));
    }
  }
};

// ---- Kernel -------------------------------------------------------------------------------

long create_ruleset(const RulesetAttr* attr, size_t size, unsigned flags) {
  return ::syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

}  // namespace

uint64_t fs_rights_for_abi(int abi) {
  if (abi < 1) return 0;
  uint64_t rights = kAbi1FsRights;
  if (abi >= 2) rights |= kFsRefer;
  if (abi >= 3) rights |= kFsTruncate;
  if (abi >= 5) rights |= kFsIoctlDev;
  return rights;
}

uint64_t scopes_for_abi(int abi) {
  return abi >= kScopeAbi ? kScopeAbstractUnixSocket | kScopeSignal : 0;
}

int abi_for_fs_rights(uint64_t fs_access) {
  if (fs_access & kFsIoctlDev) return 5;
  if (fs_access & kFsTruncate) return 3;
  if (fs_access & kFsRefer) return 2;
  return 1;
}

std::vector<std::string> access_names(uint64_t fs_access) {
  std::vector<std::string> names;
  uint64_t rest = fs_access;
  for (size_t i = 0; i < kCoarseWords; ++i) {
    if ((fs_access & kAccessWords[i].bits) == kAccessWords[i].bits) {
      names.push_back(kAccessWords[i].name);
      rest &= ~kAccessWords[i].bits;
    }
  }
  for (size_t i = kCoarseWords; i < kAccessWords.size(); ++i) {
    if (rest & kAccessWords[i].bits) {
      names.push_back(kAccessWords[i].name);
      rest &= ~kAccessWords[i].bits;
    }
  }
  if (rest) names.push_back(hex(rest));  // bits no word names: not produced by the parser
  return names;
}

std::vector<std::string> scope_names(uint64_t scopes) {
  std::vector<std::string> names;
  for (const auto& word : kScopeWords)
    if (scopes & word.bits) names.push_back(word.name);
  return names;
}

std::vector<std::string> features_above_abi(const LandlockPolicy& policy, int abi) {
  std::vector<std::string> needs;
  uint64_t granted = 0;
  for (const auto& rule : policy.paths) granted |= rule.access;
  uint64_t lacking = granted & ~fs_rights_for_abi(abi);
  if (lacking)
    needs.push_back("access rights " + join(access_names(lacking), ", ") + " (ABI " +
                    std::to_string(abi_for_fs_rights(lacking)) + ")");
  if (policy.restrict_network && abi < kNetAbi)
    needs.push_back("TCP port rules (ABI " + std::to_string(kNetAbi) + ")");
  if (policy.scopes && abi < kScopeAbi)
    needs.push_back("scope " + join(scope_names(policy.scopes), ", ") + " (ABI " +
                    std::to_string(kScopeAbi) + ")");
  if (policy.min_abi > abi) needs.push_back("min_abi " + std::to_string(policy.min_abi));
  if (needs.empty() && abi < 1) needs.push_back("Landlock itself (ABI 1)");
  return needs;
}

int LandlockPolicy::required_abi() const {
  int abi = std::max(1, min_abi);
  for (const auto& rule : paths) abi = std::max(abi, abi_for_fs_rights(rule.access));
  if (restrict_network) abi = std::max(abi, kNetAbi);
  if (scopes) abi = std::max(abi, kScopeAbi);
  return abi;
}

LandlockPolicy parse_landlock_policy(std::string_view text, const std::string& source) {
  return PolicyParser(source).parse(text);
}

LandlockPolicy load_landlock_policy(const std::string& path) {
  return parse_landlock_policy(read_file(path), path == "-" ? "<stdin>" : path);
}

nlohmann::json landlock_policy_to_json(const LandlockPolicy& policy) {
  nlohmann::json out = {{"version", 1}, {"best_effort", policy.best_effort}};
  if (policy.min_abi) out["min_abi"] = policy.min_abi;
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : policy.paths) {
    nlohmann::json path =
        rule.paths.size() == 1 ? nlohmann::json(rule.paths[0]) : nlohmann::json(rule.paths);
    rules.push_back({{"path", path}, {"access", access_names(rule.access)}});
  }
  out["paths"] = rules;
  if (policy.restrict_network)
    out["network"] = {{"bind", policy.bind_ports}, {"connect", policy.connect_ports}};
  if (policy.scopes) out["scope"] = scope_names(policy.scopes);
  return out;
}

int landlock_abi() {
  long abi = create_ruleset(nullptr, 0, kCreateRulesetVersion);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

LandlockRuleset LandlockRuleset::build(const LandlockPolicy& policy) {
  return build(policy, landlock_abi());
}

LandlockRuleset LandlockRuleset::build(const LandlockPolicy& policy, int abi) {
  abi = std::min(abi, kMaxKnownAbi);
  if (abi < policy.required_abi() && !policy.best_effort)
    throw Error(policy.source + ": the Landlock policy needs ABI " +
                std::to_string(policy.required_abi()) + " for " +
                join(features_above_abi(policy, std::max(abi, 0)), "; ") + ", but " +
                (abi < 1 ? std::string("this kernel has no Landlock")
                         : "this kernel has ABI " + std::to_string(abi)) +
                " (set best_effort: true to enforce only what the kernel supports)");

  LandlockRuleset ruleset;
  ruleset.abi_ = std::max(abi, 0);
  if (abi < 1) return ruleset;  // best effort on a kernel without Landlock: nothing to enforce

  // Handle everything the ABI can restrict, so that whatever no rule grants is denied.
  ruleset.handled_fs_ = fs_rights_for_abi(abi);
  ruleset.handled_net_ = policy.restrict_network && abi >= kNetAbi ? kNetRights : 0;
  ruleset.scoped_ = policy.scopes & scopes_for_abi(abi);
  RulesetAttr attr{ruleset.handled_fs_, ruleset.handled_net_, ruleset.scoped_};
  // Older kernels reject a larger struct with unknown non-zero members; pass what `abi` knows.
  size_t attr_size = abi >= kScopeAbi ? sizeof(RulesetAttr)
                     : abi >= kNetAbi ? offsetof(RulesetAttr, scoped)
                                      : offsetof(RulesetAttr, handled_access_net);
  long fd = create_ruleset(&attr, attr_size, 0);
  if (fd < 0) throw_errno("landlock_create_ruleset (ABI " + std::to_string(abi) + ")");
  ruleset.fd_.reset(static_cast<int>(fd));

  for (size_t i = 0; i < policy.paths.size(); ++i) {
    const LandlockPathRule& rule = policy.paths[i];
    for (size_t j = 0; j < rule.paths.size(); ++j) {
      const std::string& path = rule.paths[j];
      std::string field = "paths[" + std::to_string(i) + "].path";
      if (rule.paths.size() > 1) field += "[" + std::to_string(j) + "]";
      UniqueFd parent(::open(path.c_str(), O_PATH | O_CLOEXEC));
      if (!parent) {
        int err = errno;
        throw Error(rule.where, field, "cannot open " + path + ": " + std::strerror(err));
      }
      struct stat st {};
      if (::fstat(parent.get(), &st) != 0) throw_errno("fstat " + path);
      PathBeneathAttr beneath;
      beneath.allowed_access = rule.access & ruleset.handled_fs_;
      // Directory rights mean nothing on a file and the kernel refuses them there.
      if (!S_ISDIR(st.st_mode)) beneath.allowed_access &= kFileOnlyRights;
      if (beneath.allowed_access == 0) continue;  // nothing this kernel can grant here
      beneath.parent_fd = parent.get();
      if (::syscall(SYS_landlock_add_rule, ruleset.fd_.get(), kRulePathBeneath, &beneath, 0) != 0) {
        int err = errno;
        throw Error(rule.where, field, "landlock_add_rule for " + path + ": " + std::strerror(err));
      }
    }
  }

  if (ruleset.handled_net_) {
    std::map<uint16_t, uint64_t> ports;
    for (uint16_t port : policy.bind_ports) ports[port] |= kNetBindTcp;
    for (uint16_t port : policy.connect_ports) ports[port] |= kNetConnectTcp;
    for (const auto& [port, access] : ports) {
      NetPortAttr net{access, port};
      if (::syscall(SYS_landlock_add_rule, ruleset.fd_.get(), kRuleNetPort, &net, 0) != 0)
        throw_errno("landlock_add_rule for TCP port " + std::to_string(port));
    }
  }
  return ruleset;
}

void LandlockRuleset::restrict_self() {
  if (!fd_) return;
  if (::syscall(SYS_landlock_restrict_self, fd_.get(), 0) != 0)
    throw_errno("landlock_restrict_self (needs no_new_privs or CAP_SYS_ADMIN)");
  fd_.reset();
}

void apply_landlock(const LandlockPolicy& policy) {
  LandlockRuleset::build(policy).restrict_self();
}

}  // namespace bulkhead::mac
