#include "seccomp/filter.h"

#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <set>

#include "base/strings.h"

namespace bulkhead::seccomp {

namespace {

constexpr uint16_t kEnosys = 38;

// Architectures whose names a profile condition may use to mean "this container": the native
// arch in every spelling, plus the compat ABIs it runs (Docker matches amd64 for x86 and x32 too).
std::set<std::string> arch_aliases(Arch native) {
  std::set<std::string> names;
  auto add = [&](Arch a) {
    const auto& info = arch_info(a);
    names.insert(std::string(info.name));
    names.insert(std::string(info.go_name));
    names.insert(std::string(info.scmp_name));
  };
  add(native);
  if (native == Arch::X86_64) {
    add(Arch::X86);
    add(Arch::X32);
  }
  if (native == Arch::AArch64) add(Arch::Arm);
  return names;
}

bool condition_applies(const Condition& c, const std::set<std::string>& arches,
                       const caps::CapSet& caps, const KernelVersion& kernel,
                       const SyscallRule& rule, bool include) {
  auto arch_match = [&] {
    return std::any_of(c.arches.begin(), c.arches.end(),
                       [&](const std::string& a) { return arches.count(a) != 0; });
  };
  auto cap_known = [&](const std::string& name) {
    auto cap = caps::cap_from_name(name);
    if (!cap) throw Error(rule.where, "", "unknown capability \"" + name + "\" in a condition");
    return *cap;
  };
  if (include) {
    if (!c.arches.empty() && !arch_match()) return false;
    for (const auto& name : c.caps)
      if (!caps.has(cap_known(name))) return false;
    if (!c.min_kernel.empty()) {
      auto min = KernelVersion::parse(c.min_kernel);
      if (!min)
        throw Error(rule.where, "includes.minKernel",
                    "invalid kernel version \"" + c.min_kernel + "\"");
      if (kernel < *min) return false;
    }
    return true;
  }
  // excludes: the rule is dropped when any excluded arch or capability is present.
  if (!c.arches.empty() && arch_match()) return false;
  for (const auto& name : c.caps)
    if (caps.has(cap_known(name))) return false;
  if (!c.min_kernel.empty()) {
    auto min = KernelVersion::parse(c.min_kernel);
    if (!min)
      throw Error(rule.where, "excludes.minKernel",
                  "invalid kernel version \"" + c.min_kernel + "\"");
    if (!(kernel < *min)) return false;
  }
  return true;
}

bool rule_active(const SyscallRule& rule, const std::set<std::string>& arches,
                 const ResolveOptions& options) {
  return condition_applies(rule.includes, arches, options.caps, options.kernel, rule, true) &&
         condition_applies(rule.excludes, arches, options.caps, options.kernel, rule, false);
}

std::vector<Arch> profile_arches(const Profile& profile, const ResolveOptions& options, Arch native,
                                 std::vector<std::string>& warnings) {
  if (!options.only_arches.empty()) return options.only_arches;
  std::vector<std::string> names;
  if (!profile.arch_map.empty()) {
    for (const auto& entry : profile.arch_map) {
      if (entry.arch != arch_info(native).scmp_name) continue;
      names.push_back(entry.arch);
      names.insert(names.end(), entry.sub_arches.begin(), entry.sub_arches.end());
    }
  } else {
    names = profile.architectures;
  }
  std::vector<Arch> arches;
  for (const auto& name : names) {
    auto arch = parse_arch(name);
    if (!arch) {
      warnings.push_back("architecture " + name + " is not supported by the compiler; skipped");
      continue;
    }
    if (std::find(arches.begin(), arches.end(), *arch) == arches.end()) arches.push_back(*arch);
  }
  // Like libseccomp, a filter always covers the native architecture.
  if (std::find(arches.begin(), arches.end(), native) == arches.end())
    arches.insert(arches.begin(), native);
  return arches;
}

// Most restrictive first; ties keep profile order.
bool more_restrictive(const Action& a, const Action& b) {
  return a.precedence() < b.precedence();
}

}  // namespace

KernelVersion KernelVersion::running() {
  struct utsname u {};
  uname(&u);
  return parse(u.release).value_or(KernelVersion{});
}

std::optional<KernelVersion> KernelVersion::parse(std::string_view text) {
  auto parts = split(trim(text), '.');
  if (parts.size() < 2) return std::nullopt;
  auto leading_number = [](const std::string& s) -> std::optional<int> {
    size_t n = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
    if (n == 0 || n > 6) return std::nullopt;
    return std::stoi(s.substr(0, n));
  };
  auto major = leading_number(parts[0]);
  auto minor = leading_number(parts[1]);
  if (!major || !minor) return std::nullopt;
  return KernelVersion{*major, *minor};
}

std::optional<Action> ResolvedSyscall::fixed_action() const {
  // Rules are sorted in evaluation order: the first match decides. The number alone decides
  // when every rule up to the first one without argument checks has that rule's action.
  for (const auto& r : rules) {
    if (!r.args.empty()) continue;
    for (const auto& before : rules) {
      if (&before == &r) break;
      if (!(before.action == r.action)) return std::nullopt;
    }
    return r.action;
  }
  return std::nullopt;
}

const ArchFilter* Filter::find(Arch arch) const {
  for (const auto& a : arches)
    if (a.arch == arch) return &a;
  return nullptr;
}

std::optional<Multiplexed> x86_multiplexed(std::string_view name) {
  // Sub-call numbers from <linux/net.h> (SYS_SOCKET …) and <linux/ipc.h> (SEMOP …).
  static constexpr std::array<std::pair<std::string_view, uint32_t>, 20> kSocketcall = {{
      {"socket", 1},    {"bind", 2},        {"connect", 3},     {"listen", 4},
      {"accept", 5},    {"getsockname", 6}, {"getpeername", 7}, {"socketpair", 8},
      {"send", 9},      {"recv", 10},       {"sendto", 11},     {"recvfrom", 12},
      {"shutdown", 13}, {"setsockopt", 14}, {"getsockopt", 15}, {"sendmsg", 16},
      {"recvmsg", 17},  {"accept4", 18},    {"recvmmsg", 19},   {"sendmmsg", 20},
  }};
  static constexpr std::array<std::pair<std::string_view, uint32_t>, 12> kIpc = {{
      {"semop", 1},
      {"semget", 2},
      {"semctl", 3},
      {"semtimedop", 4},
      {"msgsnd", 11},
      {"msgrcv", 12},
      {"msgget", 13},
      {"msgctl", 14},
      {"shmat", 21},
      {"shmdt", 22},
      {"shmget", 23},
      {"shmctl", 24},
  }};
  for (const auto& [n, sub] : kSocketcall)
    if (n == name) return Multiplexed{102, sub};
  for (const auto& [n, sub] : kIpc)
    if (n == name) return Multiplexed{117, sub};
  return std::nullopt;
}

bool rule_applies(const SyscallRule& rule, const ResolveOptions& options) {
  return rule_active(rule, arch_aliases(options.native.value_or(native_arch())), options);
}

Filter resolve(const Profile& profile, const ResolveOptions& options) {
  Filter filter;
  filter.source = profile.source;
  filter.default_action = profile.default_action_value();
  filter.flags = profile.flags;
  Arch native = options.native.value_or(native_arch());
  bool allow_list = filter.default_action.kind != ActionKind::Allow &&
                    filter.default_action.kind != ActionKind::Log;
  if (allow_list && options.unknown_syscalls == UnknownSyscalls::Enosys)
    filter.unknown_action = Action::errno_(kEnosys);

  auto aliases = arch_aliases(native);
  std::vector<Arch> arches = profile_arches(profile, options, native, filter.warnings);

  // Names no architecture knows: an error unless the caller asked to skip them.
  std::set<std::string> skipped;
  for (size_t r = 0; r < profile.syscalls.size(); ++r) {
    const auto& rule = profile.syscalls[r];
    for (size_t i = 0; i < rule.names.size(); ++i) {
      const auto& name = rule.names[i];
      if (syscall_name_known(name)) continue;
      if (!options.ignore_unknown)
        throw Error(i < rule.name_locations.size() ? rule.name_locations[i] : rule.where,
                    "syscalls[" + std::to_string(r) + "].names[" + std::to_string(i) + "]",
                    "unknown syscall \"" + name +
                        "\" (not known to libseccomp on any architecture; "
                        "--ignore-unknown skips such names)");
      skipped.insert(name);
    }
  }
  filter.skipped_names.assign(skipped.begin(), skipped.end());
  if (!skipped.empty())
    filter.warnings.push_back("skipped unknown syscall names: " + join(filter.skipped_names, ", "));

  for (Arch arch : arches) {
    const auto& table = SyscallTable::of(arch);
    ArchFilter af;
    af.arch = arch;
    auto add = [&](uint32_t nr, const std::string& name, ResolvedRule rule) {
      auto& sc = af.syscalls[nr];
      if (sc.name.empty()) sc.name = name;
      sc.rules.push_back(std::move(rule));
    };
    for (size_t index = 0; index < profile.syscalls.size(); ++index) {
      const auto& rule = profile.syscalls[index];
      bool active = rule_active(rule, aliases, options);
      for (const auto& name : rule.names) {
        ResolvedRule resolved{profile.rule_action(rule), rule.args, index};
        if (auto mux = arch == Arch::X86 ? x86_multiplexed(name) : std::nullopt) {
          af.highest_known = std::max(af.highest_known, mux->mux_nr);
          if (active) {
            af.subcalls[name].name = name;
            af.subcalls[name].rules.push_back(resolved);
          }
        }
        auto nr = table.number(name);
        if (!nr) continue;  // not a syscall of this arch (e.g. socketcall on x86_64)
        af.highest_known = std::max(af.highest_known, *nr);
        if (active) add(*nr, name, std::move(resolved));
      }
    }
    // On x86, socket() and friends are also reachable through socketcall()/ipc() (accept,
    // send and a few more only that way), with the real arguments behind a pointer where no
    // filter can see them. A sub-call gets the action of its syscall through the multiplexer
    // only when that action does not depend on the arguments; otherwise the multiplexer's own
    // rules decide (libseccomp instead drops the argument checks, widening the policy).
    for (auto& [name, sc] : af.subcalls) {
      std::stable_sort(sc.rules.begin(), sc.rules.end(), [](const auto& a, const auto& b) {
        return more_restrictive(a.action, b.action);
      });
      auto fixed = sc.fixed_action();
      if (!fixed) continue;
      auto deciding = std::find_if(sc.rules.begin(), sc.rules.end(),
                                   [](const ResolvedRule& r) { return r.args.empty(); });
      auto mux = *x86_multiplexed(name);
      add(mux.mux_nr, std::string(table.name(mux.mux_nr)),
          ResolvedRule{
              *fixed, {ArgCmp{0, CmpOp::Equal, mux.subcall, 0}}, deciding->source_index, true});
    }
    // Most restrictive first: the compiler tests rules in this order and takes the first match.
    for (auto& [nr, sc] : af.syscalls)
      std::stable_sort(sc.rules.begin(), sc.rules.end(), [](const auto& a, const auto& b) {
        return more_restrictive(a.action, b.action);
      });
    filter.arches.push_back(std::move(af));
  }
  return filter;
}

Verdict evaluate(const Filter& filter, const SyscallCall& call) {
  const ArchFilter* af = nullptr;
  for (const auto& a : filter.arches) {
    const auto& info = arch_info(a.arch);
    if (info.audit_arch != call.audit_arch) continue;
    // x86_64 and x32 share an audit arch; bit 30 of the number tells them apart. Every
    // number from bit 30 up is x32's to judge (or the bad-arch action's), never x86_64's, as
    // in libseccomp: x86_64 has no syscalls up there.
    bool x32_nr = call.nr >= kX32SyscallBit;
    if (info.audit_arch == arch_info(Arch::X86_64).audit_arch && x32_nr != (a.arch == Arch::X32))
      continue;
    af = &a;
  }
  if (!af) return Verdict{filter.bad_arch_action, Origin::BadArch, std::nullopt, ""};
  const auto& info = arch_info(af->arch);
  Verdict v;
  v.syscall = std::string(SyscallTable::of(af->arch).name(call.nr));
  auto it = af->syscalls.find(call.nr);
  if (it != af->syscalls.end()) {
    for (const auto& rule : it->second.rules) {
      bool match = std::all_of(rule.args.begin(), rule.args.end(), [&](const ArgCmp& cmp) {
        uint64_t arg = call.args[cmp.index];
        // 32-bit ABIs: the syscall uses only the low 32 bits, whatever the high word holds.
        if (!info.wide_args) arg &= 0xffffffffu;
        return cmp.matches(arg);
      });
      if (match) return Verdict{rule.action, Origin::Rule, rule.source_index, v.syscall};
    }
    return Verdict{filter.default_action, Origin::Default, std::nullopt, v.syscall};
  }
  if (filter.unknown_action && call.nr > af->highest_known)
    return Verdict{*filter.unknown_action, Origin::UnknownSyscall, std::nullopt, v.syscall};
  return Verdict{filter.default_action, Origin::Default, std::nullopt, v.syscall};
}

}  // namespace bulkhead::seccomp
