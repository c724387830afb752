// Landlock: the unprivileged, stackable LSM that lets a process give up filesystem and TCP
// access for itself and its descendants. A policy file (YAML or JSON, docs/LANDLOCK.md) lists
// what the container may touch; everything else the kernel can mediate is denied.
//
// The policy is applied inside the container (paths are container paths), after pivot_root and
// right before execve, while the process still holds CAP_SYS_ADMIN in its user namespace: the
// runtime sets no_new_privs on its own schedule, so nothing here sets it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/unique_fd.h"

namespace bulkhead::mac {

// Filesystem access rights (LANDLOCK_ACCESS_FS_*), spelled out here because Debian's 6.1
// headers stop at ABI 2. The comment gives the ABI that introduced each one.
inline constexpr uint64_t kFsExecute = 1ULL << 0;     // ABI 1
inline constexpr uint64_t kFsWriteFile = 1ULL << 1;   // ABI 1
inline constexpr uint64_t kFsReadFile = 1ULL << 2;    // ABI 1
inline constexpr uint64_t kFsReadDir = 1ULL << 3;     // ABI 1
inline constexpr uint64_t kFsRemoveDir = 1ULL << 4;   // ABI 1
inline constexpr uint64_t kFsRemoveFile = 1ULL << 5;  // ABI 1
inline constexpr uint64_t kFsMakeChar = 1ULL << 6;    // ABI 1
inline constexpr uint64_t kFsMakeDir = 1ULL << 7;     // ABI 1
inline constexpr uint64_t kFsMakeReg = 1ULL << 8;     // ABI 1
inline constexpr uint64_t kFsMakeSock = 1ULL << 9;    // ABI 1
inline constexpr uint64_t kFsMakeFifo = 1ULL << 10;   // ABI 1
inline constexpr uint64_t kFsMakeBlock = 1ULL << 11;  // ABI 1
inline constexpr uint64_t kFsMakeSym = 1ULL << 12;    // ABI 1
inline constexpr uint64_t kFsRefer = 1ULL << 13;      // ABI 2
inline constexpr uint64_t kFsTruncate = 1ULL << 14;   // ABI 3
inline constexpr uint64_t kFsIoctlDev = 1ULL << 15;   // ABI 5

// TCP rights (LANDLOCK_ACCESS_NET_*, ABI 4) and IPC scopes (LANDLOCK_SCOPE_*, ABI 6).
inline constexpr uint64_t kNetBindTcp = 1ULL << 0;
inline constexpr uint64_t kNetConnectTcp = 1ULL << 1;
inline constexpr uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
inline constexpr uint64_t kScopeSignal = 1ULL << 1;

// The coarse access words of the policy file.
inline constexpr uint64_t kAccessRead = kFsReadFile | kFsReadDir;
// What a writable directory such as a log directory needs: write and truncate files, create
// and remove files, directories, symlinks, sockets and FIFOs, and rename/link within what the
// policy grants (refer; the kernel still refuses a link or rename that would gain rights).
// Device nodes (make_char, make_block) and device ioctls are left out: they must be asked for.
inline constexpr uint64_t kAccessWrite = kFsWriteFile | kFsTruncate | kFsRemoveDir | kFsRemoveFile |
                                         kFsMakeDir | kFsMakeReg | kFsMakeSym | kFsMakeSock |
                                         kFsMakeFifo | kFsRefer;
inline constexpr uint64_t kAccessExecute = kFsExecute;

// The highest ABI whose rights this code knows; newer kernels are used at this level.
inline constexpr int kMaxKnownAbi = 7;

// Filesystem rights a kernel with Landlock ABI `abi` can handle (0 when abi < 1).
uint64_t fs_rights_for_abi(int abi);
// Scopes a kernel with ABI `abi` supports.
uint64_t scopes_for_abi(int abi);
// The ABI that introduced every bit of `fs_access` (1 for none).
int abi_for_fs_rights(uint64_t fs_access);

// Names: the fine-grained words ("read_file", …) and the coarse ones ("read", "write",
// "execute"). access_names() writes a mask as the coarse words it contains in full followed by
// fine-grained names for the rest, so parsing the names gives back the same mask.
std::vector<std::string> access_names(uint64_t fs_access);
std::vector<std::string> scope_names(uint64_t scopes);

struct LandlockPathRule {
  std::vector<std::string> paths;  // absolute container paths
  uint64_t access = 0;             // kFs* bits
  SourceLocation where;            // of the rule in the policy file
};

struct LandlockPolicy {
  std::string source;  // file name, or where the text came from
  bool best_effort = false;
  std::vector<LandlockPathRule> paths;
  bool restrict_network = false;  // a `network:` section is present
  std::vector<uint16_t> bind_ports, connect_ports;
  uint64_t scopes = 0;  // kScope* bits (`scope:`)
  int min_abi = 0;      // `min_abi:`: demand at least this ABI even if the rules need less

  // Lowest ABI that can enforce every right the policy uses: the rights its rules grant,
  // TCP ports (4), scopes (6) and min_abi.
  int required_abi() const;
};

// Parses a policy (YAML, or JSON, which the YAML parser reads too). Errors name
// source:line:column and the field ("paths[1].access[0]").
LandlockPolicy parse_landlock_policy(std::string_view text, const std::string& source);
// What `policy` uses that a kernel with ABI `abi` cannot enforce, one phrase per feature
// ("TCP port rules (ABI 4)"); empty when `abi` is enough.
std::vector<std::string> features_above_abi(const LandlockPolicy& policy, int abi);

// Reads and parses a file ("-" is standard input).
LandlockPolicy load_landlock_policy(const std::string& path);
// The policy as JSON in the file format; parse_landlock_policy(json.dump()) gives it back.
nlohmann::json landlock_policy_to_json(const LandlockPolicy& policy);

// The running kernel's Landlock ABI (landlock_create_ruleset with the VERSION flag), 0 when the
// kernel has no Landlock or it is disabled.
int landlock_abi();

// A Landlock ruleset built from a policy, ready to be enforced on the calling thread.
class LandlockRuleset {
 public:
  // Builds the ruleset for the running kernel's ABI.
  static LandlockRuleset build(const LandlockPolicy& policy);
  // Builds it as if the kernel had ABI `abi` (the kernel must still support what is used).
  // Throws when `abi` cannot enforce the policy, unless best_effort, which then drops the
  // rights, TCP rules and scopes that `abi` lacks (with abi 0 the ruleset is empty and
  // restrict_self() does nothing). Each rule path is opened now (O_PATH); a missing path is an
  // error naming the path and the rule's location.
  static LandlockRuleset build(const LandlockPolicy& policy, int abi);

  // Enforces the ruleset on the calling thread and its future children (landlock_restrict_self).
  // Needs no_new_privs or CAP_SYS_ADMIN in the current user namespace.
  void restrict_self();

  // What the ruleset handles (denies unless a rule grants), after best-effort masking.
  uint64_t handled_fs() const { return handled_fs_; }
  uint64_t handled_net() const { return handled_net_; }
  uint64_t scoped() const { return scoped_; }
  int abi() const { return abi_; }

 private:
  LandlockRuleset() = default;
  UniqueFd fd_;  // invalid when there is nothing to enforce (best effort without Landlock)
  uint64_t handled_fs_ = 0;
  uint64_t handled_net_ = 0;
  uint64_t scoped_ = 0;
  int abi_ = 0;
};

// LandlockRuleset::build(policy).restrict_self().
void apply_landlock(const LandlockPolicy& policy);

}  // namespace bulkhead::mac
