#include "seccomp/explain.h"

#include <algorithm>

#include "base/strings.h"

namespace bulkhead::seccomp {

namespace {

constexpr size_t kNamesShown = 4;
constexpr size_t kCommentShown = 100;

const ArchFilter* arch_filter_for(const Filter& filter, const SyscallCall& call) {
  for (const auto& af : filter.arches) {
    const auto& info = arch_info(af.arch);
    if (info.audit_arch != call.audit_arch) continue;
    bool x32_nr = (call.nr & kX32SyscallBit) != 0;
    if (info.audit_arch == arch_info(Arch::X86_64).audit_arch && x32_nr != (af.arch == Arch::X32))
      continue;
    return &af;
  }
  return nullptr;
}

// "_llseek, _newselect, accept, access, … (351 names, including read)"
std::string names_text(const SyscallRule& rule, const std::string& syscall) {
  if (rule.names.size() <= kNamesShown + 1) return join(rule.names, ", ");
  std::vector<std::string> shown(rule.names.begin(), rule.names.begin() + kNamesShown);
  std::string text = join(shown, ", ") + ", … (" + std::to_string(rule.names.size()) + " names";
  bool visible = std::find(shown.begin(), shown.end(), syscall) != shown.end();
  bool listed = std::find(rule.names.begin(), rule.names.end(), syscall) != rule.names.end();
  if (!visible && listed) text += ", including " + syscall;
  return text + ")";
}

std::string location_text(const SourceLocation& where) {
  std::string text = where.file.empty() ? "<input>" : where.file;
  if (where.line > 0) text += ":" + std::to_string(where.line);
  return text;
}

bool profile_names(const Profile& profile, const std::string& syscall) {
  return std::any_of(profile.syscalls.begin(), profile.syscalls.end(), [&](const SyscallRule& r) {
    return std::find(r.names.begin(), r.names.end(), syscall) != r.names.end();
  });
}

std::string default_detail(const Profile& profile, const ArchFilter* af, const SyscallCall& call,
                           const std::string& syscall) {
  if (syscall.empty()) return "";
  if (af && af->syscalls.count(call.nr))
    return " (no rule for " + syscall + " matches these arguments)";
  if (profile_names(profile, syscall))
    return " (the rules naming " + syscall +
           " do not apply here: their includes/excludes conditions rule them out)";
  return " (the profile has no rule for " + syscall + ")";
}

}  // namespace

std::string explain_verdict(const Profile& profile, const Filter& filter, const SyscallCall& call,
                            const Verdict& verdict) {
  const ArchFilter* af = arch_filter_for(filter, call);
  switch (verdict.origin) {
    case Origin::Rule: {
      size_t index = verdict.source_index.value_or(0);
      if (index >= profile.syscalls.size()) return "syscalls[" + std::to_string(index) + "]";
      const SyscallRule& rule = profile.syscalls[index];
      std::string text =
          "syscalls[" + std::to_string(index) + "] (names: " + names_text(rule, verdict.syscall);
      if (!rule.args.empty()) {
        std::vector<std::string> conds;
        for (const auto& cmp : rule.args) conds.push_back(cmp.str());
        text += "; args: " + join(conds, " && ");
      }
      if (!rule.comment.empty()) {
        std::string comment = rule.comment.size() > kCommentShown
                                  ? rule.comment.substr(0, kCommentShown) + "…"
                                  : rule.comment;
        text += "; comment \"" + comment + "\"";
      }
      text += ") at " + location_text(rule.where);
      bool named =
          std::find(rule.names.begin(), rule.names.end(), verdict.syscall) != rule.names.end();
      if (!named && !verdict.syscall.empty())
        text += ", reached through " + verdict.syscall + "(2)";
      return text;
    }
    case Origin::Default:
      return "defaultAction" + default_detail(profile, af, call, verdict.syscall);
    case Origin::UnknownSyscall: {
      std::string text = "unknown syscall number above the profile (ENOSYS)";
      if (af)
        text += ": " + std::to_string(call.nr) + " is above " + std::to_string(af->highest_known) +
                ", the highest number the profile names for " +
                std::string(arch_info(af->arch).name);
      return text;
    }
    case Origin::BadArch: {
      std::vector<std::string> names;
      for (const auto& a : filter.arches) names.emplace_back(arch_info(a.arch).name);
      return "bad architecture (the filter covers " + join(names, ", ") + ")";
    }
  }
  return "";
}

nlohmann::json explain_verdict_json(const Profile& profile, const Filter& filter,
                                    const SyscallCall& call, const Verdict& verdict) {
  nlohmann::json out;
  switch (verdict.origin) {
    case Origin::Rule:
      out["origin"] = "rule";
      break;
    case Origin::Default:
      out["origin"] = "default";
      break;
    case Origin::UnknownSyscall:
      out["origin"] = "unknown-syscall";
      break;
    case Origin::BadArch:
      out["origin"] = "bad-arch";
      break;
  }
  out["explanation"] = explain_verdict(profile, filter, call, verdict);
  if (verdict.origin == Origin::Rule && verdict.source_index &&
      *verdict.source_index < profile.syscalls.size()) {
    const SyscallRule& rule = profile.syscalls[*verdict.source_index];
    nlohmann::json args = nlohmann::json::array();
    for (const auto& cmp : rule.args) args.push_back(cmp.str());
    out["rule"] = {{"index", *verdict.source_index},
                   {"names", rule.names},
                   {"action", action_kind_name(rule.action)},
                   {"args", args},
                   {"comment", rule.comment},
                   {"file", rule.where.file},
                   {"line", rule.where.line},
                   {"column", rule.where.column}};
  }
  return out;
}

}  // namespace bulkhead::seccomp
