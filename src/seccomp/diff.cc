#include "seccomp/diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/strings.h"

namespace bulkhead::seccomp {

namespace {

using ArgVector = std::array<uint64_t, 6>;

// Syscall numbers every Linux ABI keeps below (ARM's private calls aside, which the table lists).
constexpr uint32_t kDenseNumbers = 1024;
// Above this many combinations, argument values are varied one index at a time instead.
constexpr size_t kMaxProduct = 4096;

const std::vector<ResolvedRule>* rules_for(const ArchFilter* af, uint32_t nr) {
  if (!af) return nullptr;
  auto it = af->syscalls.find(nr);
  return it == af->syscalls.end() ? nullptr : &it->second.rules;
}

bool looks_at_arguments(const std::vector<ResolvedRule>* rules) {
  if (!rules) return false;
  return std::any_of(rules->begin(), rules->end(), [](const auto& r) { return !r.args.empty(); });
}

// A value that satisfies `cmp`, to put the other arguments of an ANDed rule inside its region.
uint64_t satisfying_value(const ArgCmp& cmp) {
  switch (cmp.op) {
    case CmpOp::NotEqual:
      return cmp.value + 1;
    case CmpOp::Less:
      return cmp.value > 0 ? cmp.value - 1 : 0;
    case CmpOp::Greater:
      return cmp.value + 1;
    case CmpOp::MaskedEqual:
      return cmp.value_two;
    case CmpOp::LessEqual:
    case CmpOp::Equal:
    case CmpOp::GreaterEqual:
      break;
  }
  return cmp.value;
}

// Argument vectors on both sides of every boundary any rule of either filter draws.
std::vector<ArgVector> sample_arguments(
    const std::vector<const std::vector<ResolvedRule>*>& rule_sets, bool wide_args,
    std::vector<unsigned>& indices) {
  std::array<std::set<uint64_t>, 6> values;
  std::array<bool, 6> referenced{};
  auto add = [&](unsigned index, uint64_t v) {
    // 32-bit ABIs hand the filter zero-extended arguments: only the low word can vary.
    if (!wide_args) v &= 0xffffffffu;
    values[index].insert(v);
  };
  std::vector<ArgVector> baselines = {ArgVector{}};
  for (const auto* rules : rule_sets) {
    if (!rules) continue;
    for (const auto& rule : *rules) {
      if (rule.args.empty()) continue;
      ArgVector inside{};
      for (const auto& cmp : rule.args) {
        unsigned i = cmp.index;
        referenced[i] = true;
        add(i, 0);
        if (cmp.op == CmpOp::MaskedEqual) {
          uint64_t match = cmp.value_two & cmp.value;
          add(i, cmp.value_two);
          add(i, match);
          add(i, cmp.value);
          for (unsigned bit = 0; bit < 64; ++bit)
            if (cmp.value & (uint64_t{1} << bit)) add(i, match ^ (uint64_t{1} << bit));
        } else {
          add(i, cmp.value);
          if (cmp.value > 0) add(i, cmp.value - 1);
          if (cmp.value < UINT64_MAX) add(i, cmp.value + 1);
          // Differs only in the high word: tells 64-bit comparisons from 32-bit ones.
          add(i, cmp.value ^ (uint64_t{1} << 32));
        }
        inside[i] = wide_args ? satisfying_value(cmp) : satisfying_value(cmp) & 0xffffffffu;
      }
      baselines.push_back(inside);
    }
  }
  indices.clear();
  size_t product = 1;
  for (unsigned i = 0; i < 6; ++i) {
    if (!referenced[i]) continue;
    indices.push_back(i);
    product = std::min(product * values[i].size(), kMaxProduct + 1);
  }

  std::set<ArgVector> vectors;
  if (product <= kMaxProduct) {
    // Every combination of the sampled values.
    std::vector<ArgVector> partial = {ArgVector{}};
    for (unsigned i : indices) {
      std::vector<ArgVector> next;
      for (const auto& v : partial)
        for (uint64_t value : values[i]) {
          ArgVector w = v;
          w[i] = value;
          next.push_back(w);
        }
      partial = std::move(next);
    }
    vectors.insert(partial.begin(), partial.end());
  } else {
    // Too many: vary one argument at a time, from all-zero and from inside each rule.
    for (const auto& base : baselines) {
      vectors.insert(base);
      for (unsigned i : indices)
        for (uint64_t value : values[i]) {
          ArgVector w = base;
          w[i] = value;
          vectors.insert(w);
        }
    }
  }
  return {vectors.begin(), vectors.end()};
}

std::string arch_list(const std::vector<Arch>& arches) {
  std::vector<std::string> names;
  for (Arch a : arches) names.emplace_back(arch_info(a).name);
  return names.empty() ? "(none)" : join(names, ",");
}

std::vector<Arch> arches_of(const Filter& f) {
  std::vector<Arch> out;
  for (const auto& af : f.arches) out.push_back(af.arch);
  return out;
}

// The numbers to compare for `arch`: every number below the dense limit, every table entry,
// and the first number past the table (standing for all higher ones).
std::vector<uint32_t> numbers_to_compare(Arch arch) {
  const auto& table = SyscallTable::of(arch);
  uint32_t base = arch_info(arch).nr_base;
  std::set<uint32_t> numbers;
  for (uint32_t n = 0; n < kDenseNumbers; ++n) numbers.insert(base + n);
  for (const auto& [nr, name] : table.entries()) numbers.insert(nr);
  numbers.insert(table.max_number() + 1);
  return {numbers.begin(), numbers.end()};
}

std::string arg_value(uint64_t v) {
  return v < 4096 ? std::to_string(v) : hex(v);
}

std::string number_text(Arch arch, uint32_t nr) {
  return arch == Arch::X32 ? hex(nr) : std::to_string(nr);
}

std::string format_cases(const DiffEntry& e) {
  constexpr size_t kShown = 8;
  std::vector<std::string> shown;
  for (size_t c = 0; c < e.cases.size() && c < kShown; ++c) {
    const auto& args = e.cases[c];
    if (e.arg_indices.size() == 1) {
      shown.push_back(arg_value(args[e.arg_indices[0]]));
    } else {
      std::vector<std::string> parts;
      for (unsigned i : e.arg_indices)
        parts.push_back("arg" + std::to_string(i) + "=" + arg_value(args[i]));
      shown.push_back("(" + join(parts, ", ") + ")");
    }
  }
  std::string text = join(shown, ", ");
  if (e.arg_indices.size() == 1) text = "arg" + std::to_string(e.arg_indices[0]) + "=" + text;
  if (e.cases.size() > kShown)
    text += " (+" + std::to_string(e.cases.size() - kShown) + " more sampled)";
  return text;
}

std::string optional_action(const std::optional<Action>& a) {
  return a ? a->str() : std::string("defaultAction");
}

}  // namespace

FilterDiff diff_filters(const Filter& a, const Filter& b) {
  FilterDiff diff;
  if (!(a.default_action == b.default_action))
    diff.default_action = std::make_pair(a.default_action, b.default_action);
  if (a.unknown_action != b.unknown_action)
    diff.unknown_action = std::make_pair(a.unknown_action, b.unknown_action);
  if (!(a.bad_arch_action == b.bad_arch_action))
    diff.bad_arch_action = std::make_pair(a.bad_arch_action, b.bad_arch_action);
  std::vector<Arch> arches_a = arches_of(a);
  std::vector<Arch> arches_b = arches_of(b);
  {
    std::vector<Arch> sa = arches_a, sb = arches_b;
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    if (sa != sb) diff.arches = std::make_pair(arches_a, arches_b);
  }

  for (Arch arch : arches_a) {
    const ArchFilter* fa = a.find(arch);
    const ArchFilter* fb = b.find(arch);
    if (!fb) continue;  // reported as an architecture difference
    const auto& info = arch_info(arch);
    const auto& table = SyscallTable::of(arch);
    const std::vector<uint32_t> numbers = numbers_to_compare(arch);
    for (uint32_t nr : numbers) {
      std::string name(table.name(nr));
      const auto* rules_a = rules_for(fa, nr);
      const auto* rules_b = rules_for(fb, nr);
      SyscallCall call{info.audit_arch, nr, {}};

      if (!looks_at_arguments(rules_a) && !looks_at_arguments(rules_b)) {
        Action va = evaluate(a, call).action;
        Action vb = evaluate(b, call).action;
        if (va == vb) continue;
        // Consecutive numbers that are no syscall and differ alike share one entry.
        if (name.empty() && !diff.entries.empty()) {
          DiffEntry& last = diff.entries.back();
          if (last.arch == arch && last.syscall.empty() && last.last_nr + 1 == nr && last.a == va &&
              last.b == vb) {
            last.last_nr = nr;
            last.open_ended = nr == numbers.back();
            continue;
          }
        }
        diff.entries.push_back(
            DiffEntry{arch, nr, nr, name, name.empty() && nr == numbers.back(), va, vb, {}, {}});
        continue;
      }

      std::vector<unsigned> indices;
      auto samples = sample_arguments({rules_a, rules_b}, info.wide_args, indices);
      // One entry per distinct (A, B) outcome, in the order the outcomes first show up.
      std::vector<DiffEntry> groups;
      for (const auto& args : samples) {
        call.args = args;
        Action va = evaluate(a, call).action;
        Action vb = evaluate(b, call).action;
        if (va == vb) continue;
        auto group = std::find_if(groups.begin(), groups.end(),
                                  [&](const DiffEntry& g) { return g.a == va && g.b == vb; });
        if (group == groups.end()) {
          groups.push_back(DiffEntry{arch, nr, nr, name, false, va, vb, indices, {}});
          group = groups.end() - 1;
        }
        group->cases.push_back(args);
      }
      for (auto& g : groups) diff.entries.push_back(std::move(g));
    }
  }
  return diff;
}

std::string format_diff(const FilterDiff& diff) {
  std::string out;
  if (diff.default_action)
    out += "defaultAction: A=" + diff.default_action->first.str() +
           " B=" + diff.default_action->second.str() + "\n";
  if (diff.unknown_action)
    out += "syscalls newer than the profile: A=" + optional_action(diff.unknown_action->first) +
           " B=" + optional_action(diff.unknown_action->second) + "\n";
  if (diff.bad_arch_action)
    out += "bad architecture: A=" + diff.bad_arch_action->first.str() +
           " B=" + diff.bad_arch_action->second.str() + "\n";
  if (diff.arches)
    out += "architectures: A=" + arch_list(diff.arches->first) +
           " B=" + arch_list(diff.arches->second) + "\n";
  // Numbers that are no syscall are gathered per architecture and outcome into one line each,
  // after that architecture's syscalls: they matter, but one by one they drown the rest.
  struct NumberGroup {
    Action a;
    Action b;
    std::vector<std::string> runs;
  };
  constexpr size_t kRunsShown = 6;
  std::vector<NumberGroup> groups;
  auto flush = [&](Arch arch) {
    for (const auto& g : groups) {
      std::vector<std::string> shown(g.runs.begin(),
                                     g.runs.begin() + std::min(g.runs.size(), kRunsShown));
      std::string text = join(shown, ", ");
      if (g.runs.size() > kRunsShown)
        text += ", … (" + std::to_string(g.runs.size() - kRunsShown) + " more runs)";
      out += std::string(arch_info(arch).name) + " numbers that are no syscall: " + text +
             ": A=" + g.a.str() + " B=" + g.b.str() + "\n";
    }
    groups.clear();
  };
  for (size_t i = 0; i < diff.entries.size(); ++i) {
    const DiffEntry& e = diff.entries[i];
    if (e.syscall.empty()) {
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const NumberGroup& n) { return n.a == e.a && n.b == e.b; });
      if (g == groups.end()) g = groups.insert(groups.end(), NumberGroup{e.a, e.b, {}});
      std::string run = number_text(e.arch, e.first_nr);
      if (e.open_ended)
        run += " and above";
      else if (e.last_nr != e.first_nr)
        run += "-" + number_text(e.arch, e.last_nr);
      g->runs.push_back(run);
    } else {
      std::string line = std::string(arch_info(e.arch).name) + " " + e.syscall + ": ";
      if (!e.cases.empty()) line += format_cases(e) + ": ";
      out += line + "A=" + e.a.str() + " B=" + e.b.str() + "\n";
    }
    if (i + 1 == diff.entries.size() || diff.entries[i + 1].arch != e.arch) flush(e.arch);
  }
  return out;
}

}  // namespace bulkhead::seccomp
