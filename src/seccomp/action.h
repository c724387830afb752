// Seccomp actions: what a filter returns for a syscall.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bulkhead::seccomp {

enum class ActionKind { KillProcess, KillThread, Trap, Errno, Notify, Trace, Log, Allow };

struct Action {
  ActionKind kind = ActionKind::KillProcess;
  uint16_t data = 0;  // errno for Errno, message for Trace

  static Action allow() { return {ActionKind::Allow, 0}; }
  static Action errno_(uint16_t err) { return {ActionKind::Errno, err}; }
  static Action kill_process() { return {ActionKind::KillProcess, 0}; }
  // Decodes a SECCOMP_RET_* value.
  static Action from_ret(uint32_t ret);

  uint32_t ret() const;  // SECCOMP_RET_* | data
  // The kernel's precedence: lower is more restrictive (KILL_PROCESS first, ALLOW last).
  int precedence() const { return static_cast<int>(kind); }
  // "ALLOW", "ERRNO(1)", "TRACE(5)", "KILL_PROCESS"
  std::string str() const;
  // "SCMP_ACT_ERRNO" style, for writing profiles back.
  std::string_view scmp_name() const;

  bool operator==(const Action&) const = default;
};

// "SCMP_ACT_ERRNO", "errno", "SCMP_ACT_KILL" (= KILL_THREAD, as libseccomp) …
std::optional<ActionKind> parse_action_kind(std::string_view name);
std::string_view action_kind_name(ActionKind kind);  // "SCMP_ACT_ERRNO"

// errno names for Podman's "errno": "EPERM" fields and for printing.
std::optional<uint16_t> errno_from_name(std::string_view name);
std::string errno_name(int err);

}  // namespace bulkhead::seccomp
