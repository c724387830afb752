#include "seccomp/flatten.h"

#include <algorithm>
#include <set>

#include "seccomp/arch.h"

namespace bulkhead::seccomp {

namespace {

void add_unique(std::vector<std::string>& names, std::string_view name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

std::vector<std::string> flat_architectures(const Profile& profile, const ResolveOptions& options,
                                            Arch native) {
  std::vector<std::string> names;
  if (!options.only_arches.empty()) {
    for (Arch arch : options.only_arches) add_unique(names, arch_info(arch).scmp_name);
    return names;
  }
  if (profile.arch_map.empty()) return profile.architectures;
  // Docker picks the archMap entry of the native architecture; a profile without one still
  // covers the native architecture (as libseccomp always does), so say so explicitly.
  add_unique(names, arch_info(native).scmp_name);
  for (const auto& entry : profile.arch_map) {
    if (entry.arch != arch_info(native).scmp_name) continue;
    for (const auto& sub : entry.sub_arches) add_unique(names, sub);
  }
  return names;
}

// Runtimes disagree on the errno of an ERRNO rule without errnoRet (runc: EPERM; Bulkhead: the
// profile's defaultErrnoRet), so the flat profile always states it.
bool carries_errno(ActionKind kind) {
  return kind == ActionKind::Errno || kind == ActionKind::Trace;
}

}  // namespace

Profile flatten(const Profile& profile, const ResolveOptions& options) {
  Arch native = options.native.value_or(native_arch());
  Profile flat;
  flat.source = profile.source;
  flat.default_action = profile.default_action;
  flat.default_errno_ret = profile.default_errno_ret;
  flat.architectures = flat_architectures(profile, options, native);
  flat.flags = profile.flags;
  flat.listener_path = profile.listener_path;
  flat.listener_metadata = profile.listener_metadata;

  std::set<std::string> kept_names;
  std::vector<std::string> dropped_names;  // profile order, for a stable output
  for (const auto& rule : profile.syscalls) {
    if (!rule_applies(rule, options)) {
      for (const auto& name : rule.names) add_unique(dropped_names, name);
      continue;
    }
    SyscallRule kept = rule;
    kept.includes = {};
    kept.excludes = {};
    if (carries_errno(kept.action)) kept.errno_ret = profile.errno_for(rule);
    kept_names.insert(kept.names.begin(), kept.names.end());
    flat.syscalls.push_back(std::move(kept));
  }

  bool allow_list =
      profile.default_action != ActionKind::Allow && profile.default_action != ActionKind::Log;
  if (!allow_list) return flat;
  SyscallRule known;
  known.action = profile.default_action;
  if (carries_errno(known.action)) known.errno_ret = profile.default_action_value().data;
  known.comment = "named only by rules that do not apply; listed to keep them known syscalls";
  for (const auto& name : dropped_names) {
    if (kept_names.count(name) != 0) continue;
    // x86 socketcall()/ipc() sub-calls: a rule here would also be expanded onto the
    // multiplexer, overriding its own rules; resolve() counts the multiplexer as known anyway.
    if (x86_multiplexed(name)) continue;
    known.names.push_back(name);
  }
  if (!known.names.empty()) flat.syscalls.push_back(std::move(known));
  return flat;
}

}  // namespace bulkhead::seccomp
