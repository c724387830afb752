// The seccomp profile model: Docker/Moby profile JSON and the OCI runtime spec's
// `linux.seccomp` object, read with the location of every field so errors point at the input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/json.h"
#include "seccomp/action.h"

namespace bulkhead::seccomp {

enum class CmpOp { NotEqual, Less, LessEqual, Equal, GreaterEqual, Greater, MaskedEqual };

std::optional<CmpOp> parse_cmp_op(std::string_view name);  // "SCMP_CMP_EQ", "EQ", …
std::string_view cmp_op_name(CmpOp op);                    // "SCMP_CMP_EQ"
std::string_view cmp_op_symbol(CmpOp op);                  // "==", "&"…

// One argument comparison. For MaskedEqual, `value` is the mask and `value_two` the datum
// ((arg & value) == value_two), as Docker and runc pass them to libseccomp.
struct ArgCmp {
  unsigned index = 0;
  CmpOp op = CmpOp::Equal;
  uint64_t value = 0;
  uint64_t value_two = 0;

  bool matches(uint64_t arg) const;
  std::string str() const;  // "arg0 & 0x7e020000 == 0"
  bool operator==(const ArgCmp&) const = default;
};

// Docker's `includes` / `excludes`: conditions on the container, resolved like dockerd does.
struct Condition {
  std::vector<std::string> caps;    // "CAP_SYS_ADMIN"
  std::vector<std::string> arches;  // Go names: "amd64", "s390x"
  std::string min_kernel;           // "4.8"
  bool empty() const { return caps.empty() && arches.empty() && min_kernel.empty(); }
};

struct SyscallRule {
  std::vector<std::string> names;
  ActionKind action = ActionKind::Allow;
  std::optional<uint16_t> errno_ret;
  std::vector<ArgCmp> args;  // ANDed
  std::string comment;
  Condition includes;
  Condition excludes;
  // Where this rule and each of its names stand in the input.
  SourceLocation where;
  std::vector<SourceLocation> name_locations;
};

struct ArchMapEntry {
  std::string arch;  // SCMP_ARCH_*
  std::vector<std::string> sub_arches;
};

struct Profile {
  std::string source;
  ActionKind default_action = ActionKind::Errno;
  std::optional<uint16_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*
  std::vector<ArchMapEntry> arch_map;
  std::vector<SyscallRule> syscalls;
  std::vector<std::string> flags;  // SECCOMP_FILTER_FLAG_*
  std::string listener_path;
  std::string listener_metadata;

  // Errno for rules without errnoRet: the profile's default, else EPERM (as runc).
  uint16_t errno_for(const SyscallRule& rule) const;
  Action default_action_value() const;
  Action rule_action(const SyscallRule& rule) const;
};

// Reads a Docker/Moby profile, an OCI `linux.seccomp` object, or a whole OCI config.json
// (its linux.seccomp is used). Throws Error with file, line, column and field.
Profile parse_profile(std::string_view text, const std::string& source);
// The same, for a `linux.seccomp` object at `pointer` inside an already parsed document.
Profile parse_profile_at(const JsonDocument& doc, const std::string& pointer);
// Docker-format JSON (the form `bulkhead seccomp default` prints).
nlohmann::json profile_to_json(const Profile& profile);

}  // namespace bulkhead::seccomp
