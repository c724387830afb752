#include "seccomp/stats.h"

#include <linux/seccomp.h>

#include <cstdio>

#include "base/strings.h"

namespace bulkhead::seccomp {

namespace {

// Adds one emulated syscall to the running totals of `summary` (means are sums until finish()).
void account(CostSummary& summary, const SyscallCost& cost, const std::string& label) {
  ++summary.numbers;
  summary.mean_executed += static_cast<double>(cost.executed);
  if (cost.executed > summary.max_executed) {
    summary.max_executed = cost.executed;
    summary.max_syscall = label;
  }
  if (cost.ret == SECCOMP_RET_ALLOW) {
    ++summary.allowed;
    summary.mean_executed_allowed += static_cast<double>(cost.executed);
  }
  if (cost.unconditional_allow) {
    ++summary.unconditional_allows;
    if (cost.cacheable)
      ++summary.cacheable_allows;
    else
      summary.not_cacheable.push_back(label);
  }
}

void finish(CostSummary& summary) {
  if (summary.numbers > 0) summary.mean_executed /= static_cast<double>(summary.numbers);
  if (summary.allowed > 0) summary.mean_executed_allowed /= static_cast<double>(summary.allowed);
}

std::string fixed(double value, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string pad_left(const std::string& text, size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}
std::string pad_right(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

nlohmann::json summary_json(const CostSummary& s) {
  return {{"numbers", s.numbers},
          {"mean_executed", s.mean_executed},
          {"max_executed", s.max_executed},
          {"max_syscall", s.max_syscall},
          {"allowed", s.allowed},
          {"mean_executed_allowed", s.mean_executed_allowed},
          {"unconditional_allows", s.unconditional_allows},
          {"cacheable_allows", s.cacheable_allows},
          {"not_cacheable", s.not_cacheable}};
}

}  // namespace

const SyscallCost* ArchStats::find(std::string_view name) const {
  for (const auto& cost : syscalls)
    if (cost.name == name) return &cost;
  return nullptr;
}

const ArchStats* ProgramStats::find(Arch arch) const {
  for (const auto& a : arches)
    if (a.arch == arch) return &a;
  return nullptr;
}

ProgramStats compute_stats(const Filter& filter, const Program& program) {
  ProgramStats stats;
  stats.length = program.insns.size();
  for (const auto& af : filter.arches) {
    const auto& info = arch_info(af.arch);
    ArchStats arch_stats;
    arch_stats.arch = af.arch;
    for (const auto& [nr, name] : SyscallTable::of(af.arch).entries()) {
      SyscallCost cost;
      cost.nr = nr;
      cost.name = name;
      SeccompInput input;
      input.nr = nr;
      input.arch = info.audit_arch;
      RunResult result = run(program.insns, input);
      cost.executed = result.executed;
      cost.ret = result.ret;
      auto it = af.syscalls.find(nr);
      if (it != af.syscalls.end()) {
        auto fixed_action = it->second.fixed_action();
        cost.unconditional_allow = fixed_action && fixed_action->kind == ActionKind::Allow;
      }
      if (cost.unconditional_allow)
        cost.cacheable = kernel_cacheable(program.insns, info.audit_arch, nr);
      account(arch_stats.summary, cost, cost.name);
      account(stats.overall, cost, std::string(info.name) + ":" + cost.name);
      arch_stats.syscalls.push_back(std::move(cost));
    }
    finish(arch_stats.summary);
    stats.arches.push_back(std::move(arch_stats));
  }
  finish(stats.overall);
  return stats;
}

std::string format_stats(const ProgramStats& stats) {
  std::string out = "program length: " + std::to_string(stats.length) + " instructions\n\n";
  // Executed-instruction figures: emulated with every argument zero, the return included.
  const std::vector<std::string> header = {
      "arch",     "numbers", "mean",         "max",
      "max at",   "allowed", "mean allowed", "unconditional allows",
      "cacheable"};
  std::vector<std::vector<std::string>> rows = {header};
  auto row = [&](const std::string& name, const CostSummary& s) {
    rows.push_back({name, std::to_string(s.numbers), fixed(s.mean_executed, 2),
                    std::to_string(s.max_executed), s.max_syscall, std::to_string(s.allowed),
                    fixed(s.mean_executed_allowed, 2), std::to_string(s.unconditional_allows),
                    std::to_string(s.cacheable_allows)});
  };
  for (const auto& a : stats.arches) row(std::string(arch_info(a.arch).name), a.summary);
  if (stats.arches.size() > 1) row("all", stats.overall);

  std::vector<size_t> widths(header.size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], r[c].size());
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      // Names left-aligned, figures right-aligned.
      bool text_column = c == 0 || c == 4;
      line +=
          (c ? "  " : "") + (text_column ? pad_right(r[c], widths[c]) : pad_left(r[c], widths[c]));
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }

  const auto& o = stats.overall;
  out += "\nkernel action cache: " + std::to_string(o.cacheable_allows) + " of " +
         std::to_string(o.unconditional_allows) + " unconditionally allowed syscalls cacheable";
  if (o.unconditional_allows > 0)
    out += " (" +
           fixed(100.0 * static_cast<double>(o.cacheable_allows) /
                     static_cast<double>(o.unconditional_allows),
                 1) +
           "%)";
  out += "\n";
  if (!o.not_cacheable.empty()) out += "not cacheable: " + join(o.not_cacheable, ", ") + "\n";
  return out;
}

nlohmann::json stats_to_json(const ProgramStats& stats) {
  nlohmann::json arches = nlohmann::json::array();
  for (const auto& a : stats.arches) {
    nlohmann::json j = summary_json(a.summary);
    j["arch"] = arch_info(a.arch).name;
    arches.push_back(std::move(j));
  }
  return {{"length", stats.length}, {"arches", arches}, {"overall", summary_json(stats.overall)}};
}

}  // namespace bulkhead::seccomp
