#include "seccomp/action.h"

#include <linux/seccomp.h>

#include <array>
#include <cstring>

#include "base/strings.h"

namespace bulkhead::seccomp {

namespace {
struct KindInfo {
  ActionKind kind;
  std::string_view scmp;
  std::string_view short_name;
  uint32_t ret;
};
constexpr std::array<KindInfo, 8> kKinds = {{
    {ActionKind::KillProcess, "SCMP_ACT_KILL_PROCESS", "KILL_PROCESS", SECCOMP_RET_KILL_PROCESS},
    {ActionKind::KillThread, "SCMP_ACT_KILL_THREAD", "KILL_THREAD", SECCOMP_RET_KILL_THREAD},
    {ActionKind::Trap, "SCMP_ACT_TRAP", "TRAP", SECCOMP_RET_TRAP},
    {ActionKind::Errno, "SCMP_ACT_ERRNO", "ERRNO", SECCOMP_RET_ERRNO},
    {ActionKind::Notify, "SCMP_ACT_NOTIFY", "NOTIFY", SECCOMP_RET_USER_NOTIF},
    {ActionKind::Trace, "SCMP_ACT_TRACE", "TRACE", SECCOMP_RET_TRACE},
    {ActionKind::Log, "SCMP_ACT_LOG", "LOG", SECCOMP_RET_LOG},
    {ActionKind::Allow, "SCMP_ACT_ALLOW", "ALLOW", SECCOMP_RET_ALLOW},
}};
const KindInfo& info(ActionKind kind) {
  return kKinds[static_cast<size_t>(kind)];
}
bool has_data(ActionKind kind) {
  return kind == ActionKind::Errno || kind == ActionKind::Trace;
}
}  // namespace

Action Action::from_ret(uint32_t ret) {
  uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
  for (const auto& k : kKinds)
    if (k.ret == action)
      return {k.kind,
              has_data(k.kind) ? static_cast<uint16_t>(ret & SECCOMP_RET_DATA) : uint16_t{0}};
  // The kernel treats unknown actions as KILL_PROCESS.
  return kill_process();
}

uint32_t Action::ret() const {
  return info(kind).ret | (has_data(kind) ? data : 0u);
}

std::string Action::str() const {
  std::string out(info(kind).short_name);
  if (has_data(kind)) {
    out += "(" + std::to_string(data);
    if (kind == ActionKind::Errno) {
      std::string name = errno_name(data);
      if (!name.empty()) out += " " + name;
    }
    out += ")";
  }
  return out;
}

std::string_view Action::scmp_name() const {
  return info(kind).scmp;
}

std::string_view action_kind_name(ActionKind kind) {
  return info(kind).scmp;
}

std::optional<ActionKind> parse_action_kind(std::string_view name) {
  std::string upper = to_upper(trim(name));
  std::string_view bare = upper;
  if (bare.starts_with("SCMP_ACT_")) bare.remove_prefix(9);
  if (bare == "KILL") return ActionKind::KillThread;  // libseccomp's historical alias
  if (bare == "USER_NOTIF") return ActionKind::Notify;
  for (const auto& k : kKinds)
    if (k.short_name == bare) return k.kind;
  return std::nullopt;
}

std::optional<uint16_t> errno_from_name(std::string_view name) {
  std::string upper = to_upper(trim(name));
  for (int err = 1; err < 4096; ++err) {
    const char* n = strerrorname_np(err);
    if (n && upper == n) return static_cast<uint16_t>(err);
  }
  return std::nullopt;
}

std::string errno_name(int err) {
  const char* n = strerrorname_np(err);
  return n ? n : "";
}

}  // namespace bulkhead::seccomp
