// A profile resolved for one container: Docker's conditional groups decided against a
// capability set, architecture and kernel version, syscall names turned into numbers per
// architecture. This is what the compiler compiles and what `evaluate` defines as correct.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "caps/capabilities.h"
#include "seccomp/action.h"
#include "seccomp/arch.h"
#include "seccomp/profile.h"

namespace bulkhead::seccomp {

struct KernelVersion {
  int major = 0;
  int minor = 0;
  static KernelVersion running();
  static std::optional<KernelVersion> parse(std::string_view text);  // "6.1", "4.8.0-rc1"
  auto operator<=>(const KernelVersion&) const = default;
};

// What happens to syscall numbers above the highest one the profile names.
enum class UnknownSyscalls {
  Enosys,   // ERRNO(ENOSYS): a newer syscall looks absent, so libc falls back (default)
  Default,  // the profile's defaultAction
};

struct ResolveOptions {
  // The container's native architecture: selects the archMap entry and matches
  // includes/excludes.arches. Defaults to the machine's.
  std::optional<Arch> native;
  // When set, exactly these architectures are compiled (instead of the profile's).
  std::vector<Arch> only_arches;
  caps::CapSet caps = caps::default_container_caps();
  KernelVersion kernel = KernelVersion::running();
  bool ignore_unknown = false;  // skip unknown syscall names with a warning instead of failing
  UnknownSyscalls unknown_syscalls = UnknownSyscalls::Enosys;

  // Exactly these architectures, the first one native; the other options at their defaults.
  static ResolveOptions for_arches(std::vector<Arch> arches) {
    ResolveOptions o;
    o.native = arches.front();
    o.only_arches = std::move(arches);
    return o;
  }
};

struct ResolvedRule {
  Action action;
  std::vector<ArgCmp> args;  // ANDed; empty = unconditional
  size_t source_index = 0;   // syscalls[source_index] in the profile
  // Added by the x86 socketcall/ipc expansion of an unconditional rule on a sub-call.
  bool multiplexed = false;
};

struct ResolvedSyscall {
  std::string name;
  // Every rule of the profile that names this syscall, in profile order. When several
  // match a call, the most restrictive action wins (the kernel's own precedence), so the
  // outcome never depends on rule order.
  std::vector<ResolvedRule> rules;  // sorted: most restrictive first, then profile order
  // The action when the number alone decides it (no argument can change the outcome).
  std::optional<Action> fixed_action() const;
};

struct ArchFilter {
  Arch arch;
  std::map<uint32_t, ResolvedSyscall> syscalls;  // by number (x32 numbers include bit 30)
  // Numbers above this return `unknown_action` when the filter has one: they are syscalls
  // newer than the profile. Computed from every name the profile mentions, whatever its
  // conditions, so a name the profile denies keeps the profile's errno.
  uint32_t highest_known = 0;
  // x86 only: the rules of each socketcall()/ipc() sub-call by name (socket, accept, semop …),
  // sorted like `syscalls`. Those whose action is fixed are also expanded into `multiplexed`
  // rules on the multiplexer; kept here so tools and the libseccomp reference see them all.
  std::map<std::string, ResolvedSyscall> subcalls;
};

struct Filter {
  std::string source;
  Action default_action;
  Action bad_arch_action = Action::kill_process();
  std::optional<Action> unknown_action;
  std::vector<ArchFilter> arches;
  std::vector<std::string> flags;
  std::vector<std::string> warnings;
  std::vector<std::string> skipped_names;

  const ArchFilter* find(Arch arch) const;
};

Filter resolve(const Profile& profile, const ResolveOptions& options);

// Whether Docker's includes/excludes keep `rule` for a container described by `options`
// (capabilities, native architecture, kernel): the decision resolve() makes for every rule.
// Throws Error for an unknown capability or a bad minKernel in a condition.
bool rule_applies(const SyscallRule& rule, const ResolveOptions& options);

// Why a syscall got its action.
enum class Origin { Rule, Default, UnknownSyscall, BadArch };

struct Verdict {
  Action action;
  Origin origin = Origin::Default;
  std::optional<size_t> source_index;  // the deciding rule, for Origin::Rule
  std::string syscall;                 // name, when the number is known for the arch
};

struct SyscallCall {
  uint32_t audit_arch;
  uint32_t nr;
  std::array<uint64_t, 6> args{};
};

// The reference semantics of a filter, straight from the model. The compiled program must
// agree with this for every call; tests and `seccomp check` hold it to that.
Verdict evaluate(const Filter& filter, const SyscallCall& call);

// The multiplexed x86 calls: socketcall(2) and ipc(2) carry a sub-call number in arg0.
// A rule on `socket` also has to govern socketcall(SYS_SOCKET, …) or it is trivially bypassed.
struct Multiplexed {
  uint32_t mux_nr;  // 102 socketcall, 117 ipc on x86
  uint32_t subcall;
};
std::optional<Multiplexed> x86_multiplexed(std::string_view name);

}  // namespace bulkhead::seccomp
