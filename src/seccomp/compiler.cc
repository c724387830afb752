#include "seccomp/compiler.h"

#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <map>
#include <tuple>

#include "base/error.h"

namespace bulkhead::seccomp {

namespace {

constexpr uint32_t kNrOffset = offsetof(struct seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(struct seccomp_data, arch);
constexpr uint32_t kArgsOffset = offsetof(struct seccomp_data, args);
constexpr size_t kMaxJump = 255;  // jt/jf are 8 bits
constexpr uint64_t kNrSpaceEnd = 0x100000000ull;
// Tree weights (see number_runs): an ordinary syscall number weighs 1.
constexpr double kArgumentCheckedWeight = 60;
constexpr double kX32WeightScale = 0.05;
// Up to this many values of one argument are tested one after another; more get a tree.
constexpr size_t kLinearCaseLimit = 5;

uint32_t hi(uint64_t v) {
  return static_cast<uint32_t>(v >> 32);
}
uint32_t lo(uint64_t v) {
  return static_cast<uint32_t>(v);
}
// seccomp_data.args are little-endian u64 on every architecture we compile for.
uint32_t arg_lo_offset(unsigned index) {
  return kArgsOffset + 8 * index;
}
uint32_t arg_hi_offset(unsigned index) {
  return kArgsOffset + 8 * index + 4;
}

// ---------------------------------------------------------------------------------------------
// The program as a DAG. Nodes are hash-consed: building the same instruction with the same
// successors twice yields the same node, so identical tails (returns, argument checks that
// several syscalls share, whole decisions) exist once in the output.

using NodeId = int;

struct Node {
  uint16_t code = 0;
  uint32_t k = 0;
  NodeId on_true = -1;   // conditional jumps
  NodeId on_false = -1;  // conditional jumps
  NodeId next = -1;      // loads and ALU: the instruction that follows
  auto key() const { return std::tie(code, k, on_true, on_false, next); }
};

class Dag {
 public:
  NodeId ret(uint32_t value) { return intern({BPF_RET | BPF_K, value, -1, -1, -1}); }
  NodeId ret(const Action& action) { return ret(action.ret()); }
  NodeId load(uint32_t offset, NodeId next) {
    return intern({BPF_LD | BPF_W | BPF_ABS, offset, -1, -1, next});
  }
  NodeId alu_and(uint32_t mask, NodeId next) {
    return intern({BPF_ALU | BPF_AND | BPF_K, mask, -1, -1, next});
  }
  NodeId jump(uint16_t op, uint32_t k, NodeId on_true, NodeId on_false) {
    if (on_true == on_false) return on_true;  // the test decides nothing
    return intern({static_cast<uint16_t>(BPF_JMP | op | BPF_K), k, on_true, on_false, -1});
  }
  const Node& operator[](NodeId id) const { return nodes_[static_cast<size_t>(id)]; }
  size_t size() const { return nodes_.size(); }

 private:
  NodeId intern(Node n) {
    auto key = n.key();
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    nodes_.push_back(n);
    NodeId id = static_cast<NodeId>(nodes_.size() - 1);
    index_.emplace(key, id);
    return id;
  }
  std::vector<Node> nodes_;
  std::map<std::tuple<uint16_t, uint32_t, NodeId, NodeId, NodeId>, NodeId> index_;
};

// ---------------------------------------------------------------------------------------------
// Decision trees over ranges of a 32-bit value (syscall numbers, or an argument's low word).

struct Run {
  uint64_t first;  // inclusive
  uint64_t last;   // inclusive
  NodeId decision;
  double weight;
};

// Optimal alphabetic tree over the runs (cost = sum of weight x depth), by dynamic
// programming with Knuth's monotone-split speed-up. Each inner node is one `jge` on the
// first number of its right half.
class DecisionTree {
 public:
  DecisionTree(Dag& dag, const std::vector<Run>& runs) : dag_(dag), runs_(runs) {
    size_t n = runs.size();
    prefix_.assign(n + 1, 0.0);
    for (size_t i = 0; i < n; ++i) prefix_[i + 1] = prefix_[i] + runs[i].weight;
    cost_.assign(n, std::vector<double>(n, 0.0));
    split_.assign(n, std::vector<size_t>(n, 0));
    for (size_t i = 0; i < n; ++i) split_[i][i] = i;
    for (size_t len = 2; len <= n; ++len) {
      for (size_t i = 0; i + len <= n; ++i) {
        size_t j = i + len - 1;
        double best = std::numeric_limits<double>::infinity();
        size_t best_k = i;
        size_t lo_k = split_[i][j - 1], hi_k = std::min(split_[i + 1][j], j - 1);
        if (lo_k > hi_k) std::swap(lo_k, hi_k);
        for (size_t k = lo_k; k <= hi_k; ++k) {
          double c = cost_[i][k] + cost_[k + 1][j];
          if (c < best) {
            best = c;
            best_k = k;
          }
        }
        cost_[i][j] = best + (prefix_[j + 1] - prefix_[i]);
        split_[i][j] = best_k;
      }
    }
  }

  NodeId build() { return build(0, runs_.size() - 1); }
  // Sum over runs of weight x comparisons on the way to it.
  double cost() const { return cost_[0][runs_.size() - 1]; }

 private:
  NodeId build(size_t i, size_t j) {
    if (i == j) return runs_[i].decision;
    size_t k = split_[i][j];
    NodeId left = build(i, k);
    NodeId right = build(k + 1, j);
    return dag_.jump(BPF_JGE, static_cast<uint32_t>(runs_[k + 1].first), right, left);
  }

  Dag& dag_;
  const std::vector<Run>& runs_;
  std::vector<double> prefix_;
  std::vector<std::vector<double>> cost_;
  std::vector<std::vector<size_t>> split_;
};

// A run broken by single numbers with another decision (an allowed range with one denied
// syscall in it) can be kept whole: a `jeq` per hole in front of its decision replaces two
// tree splits per hole. Worth it when the tree gets shallower by more than the holes cost.
struct HoledRuns {
  std::vector<Run> runs;
  double hole_cost = 0;  // weight x extra `jeq`s executed
};

HoledRuns punch_holes(Dag& dag, const std::vector<Run>& runs, size_t max_holes) {
  struct Merged {
    Run run;
    NodeId base;
    double base_weight;
    std::vector<Run> holes;
  };
  std::vector<Merged> merged;
  for (const Run& r : runs) {
    if (merged.size() >= 2) {
      Merged& hole = merged.back();
      Merged& left = merged[merged.size() - 2];
      bool single = hole.holes.empty() && hole.run.first == hole.run.last;
      if (single && left.base == r.decision && left.holes.size() < max_holes &&
          left.run.last + 1 == hole.run.first && hole.run.last + 1 == r.first) {
        left.holes.push_back(hole.run);
        left.run.last = r.last;
        left.run.weight += hole.run.weight + r.weight;
        left.base_weight += r.weight;
        merged.pop_back();
        continue;
      }
    }
    merged.push_back({r, r.decision, r.weight, {}});
  }
  HoledRuns out;
  for (Merged& m : merged) {
    // Heaviest hole tested first.
    std::stable_sort(m.holes.begin(), m.holes.end(),
                     [](const Run& a, const Run& b) { return a.weight > b.weight; });
    NodeId node = m.base;
    for (auto it = m.holes.rbegin(); it != m.holes.rend(); ++it)
      node = dag.jump(BPF_JEQ, static_cast<uint32_t>(it->first), it->decision, node);
    out.hole_cost += m.base_weight * static_cast<double>(m.holes.size());
    for (size_t k = 0; k < m.holes.size(); ++k)
      out.hole_cost += m.holes[k].weight * static_cast<double>(k + 1);
    m.run.decision = node;
    out.runs.push_back(m.run);
  }
  return out;
}

// The cheapest tree over `runs`, trying a few limits on holes per run.
NodeId best_tree(Dag& dag, const std::vector<Run>& runs) {
  NodeId best = -1;
  double best_cost = std::numeric_limits<double>::infinity();
  for (size_t max_holes : {0, 1, 2, 3, 4}) {
    HoledRuns variant = punch_holes(dag, runs, max_holes);
    DecisionTree tree(dag, variant.runs);
    double cost = tree.cost() + variant.hole_cost;
    if (cost < best_cost - 1e-9) {
      best_cost = cost;
      best = tree.build();
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Argument comparisons. Each comparison becomes a small subgraph that ends in `pass` or `fail`
// and only loads the words it needs.

class ArgCompiler {
 public:
  ArgCompiler(Dag& dag, bool wide_args) : dag_(dag), wide_(wide_args) {}

  NodeId compare(const ArgCmp& cmp, NodeId pass, NodeId fail) {
    switch (cmp.op) {
      case CmpOp::Equal:
        return equal(cmp.index, cmp.value, pass, fail);
      case CmpOp::NotEqual:
        return equal(cmp.index, cmp.value, fail, pass);
      case CmpOp::Greater:
        return greater(cmp.index, cmp.value, BPF_JGT, pass, fail);
      case CmpOp::GreaterEqual:
        return greater(cmp.index, cmp.value, BPF_JGE, pass, fail);
      case CmpOp::LessEqual:
        return greater(cmp.index, cmp.value, BPF_JGT, fail, pass);
      case CmpOp::Less:
        return greater(cmp.index, cmp.value, BPF_JGE, fail, pass);
      case CmpOp::MaskedEqual:
        return masked_equal(cmp.index, cmp.value, cmp.value_two, pass, fail);
    }
    return fail;
  }

 private:
  NodeId equal(unsigned index, uint64_t v, NodeId pass, NodeId fail) {
    if (!wide_) {
      // A 32-bit ABI's argument is its low word: it can never equal a wider constant.
      if (hi(v) != 0) return fail;
      return dag_.load(arg_lo_offset(index), dag_.jump(BPF_JEQ, lo(v), pass, fail));
    }
    // Low word first: it is where values differ in practice (flags, families, fds), so a
    // mismatch is usually settled after one load.
    NodeId high = dag_.load(arg_hi_offset(index), dag_.jump(BPF_JEQ, hi(v), pass, fail));
    return dag_.load(arg_lo_offset(index), dag_.jump(BPF_JEQ, lo(v), high, fail));
  }

  // arg > v (op = JGT) or arg >= v (op = JGE), unsigned 64-bit: decided by the high words
  // unless they are equal, then by the low words.
  NodeId greater(unsigned index, uint64_t v, uint16_t op, NodeId pass, NodeId fail) {
    if (!wide_) {
      if (hi(v) != 0) return fail;  // a 32-bit value never exceeds a 33-bit constant
      return dag_.load(arg_lo_offset(index), dag_.jump(op, lo(v), pass, fail));
    }
    NodeId low = dag_.load(arg_lo_offset(index), dag_.jump(op, lo(v), pass, fail));
    NodeId high_equal = dag_.jump(BPF_JEQ, hi(v), low, fail);
    return dag_.load(arg_hi_offset(index), dag_.jump(BPF_JGT, hi(v), pass, high_equal));
  }

  // (arg & mask) == datum, one word at a time; words the mask ignores are not loaded.
  NodeId masked_equal(unsigned index, uint64_t mask, uint64_t datum, NodeId pass, NodeId fail) {
    if ((datum & ~mask) != 0) return fail;  // bits outside the mask can never match
    // A 32-bit ABI's argument is its low word (high word zero), so the high part of the test
    // holds only for a zero datum.
    if (!wide_ && hi(datum) != 0) return fail;
    if (!wide_) return masked_word(arg_lo_offset(index), lo(mask), lo(datum), pass, fail);
    NodeId high = masked_word(arg_hi_offset(index), hi(mask), hi(datum), pass, fail);
    return masked_word(arg_lo_offset(index), lo(mask), lo(datum), high, fail);
  }

  NodeId masked_word(uint32_t offset, uint32_t mask, uint32_t datum, NodeId pass, NodeId fail) {
    if (mask == 0) return pass;  // datum is 0 here (checked above): always true
    if (datum == 0) return dag_.load(offset, dag_.jump(BPF_JSET, mask, fail, pass));
    if (mask == 0xffffffffu) return dag_.load(offset, dag_.jump(BPF_JEQ, datum, pass, fail));
    return dag_.load(offset, dag_.alu_and(mask, dag_.jump(BPF_JEQ, datum, pass, fail)));
  }

  Dag& dag_;
  bool wide_;
};

// A run of equal EQ tests on one argument (personality's five allowed values) compiles to one
// load of each word and a chain of jeq, instead of one full comparison per rule.
struct EqualityGroup {
  unsigned index;
  std::vector<std::pair<uint64_t, NodeId>> cases;  // value -> decision, first rule wins
};

NodeId compile_equality_group(Dag& dag, bool wide, const EqualityGroup& group, NodeId otherwise) {
  // Group values by high word, then chain the low words under each.
  std::map<uint32_t, std::vector<std::pair<uint32_t, NodeId>>> by_high;
  for (const auto& [value, target] : group.cases) {
    if (!wide && hi(value) != 0) continue;  // can never match on a 32-bit ABI
    by_high[hi(value)].emplace_back(lo(value), target);
  }
  if (by_high.empty()) return otherwise;
  auto low_chain = [&](std::vector<std::pair<uint32_t, NodeId>> cases) {
    NodeId node = otherwise;
    if (cases.size() <= kLinearCaseLimit) {
      for (auto it = cases.rbegin(); it != cases.rend(); ++it)
        node = dag.jump(BPF_JEQ, it->first, it->second, node);
    } else {
      // Many values (socketcall's sub-calls): a tree over them, like the number tree.
      std::stable_sort(cases.begin(), cases.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<Run> runs;
      uint64_t cursor = 0;
      for (const auto& [value, target] : cases) {
        if (value < cursor) continue;  // a repeated value: the first rule won already
        if (value > cursor) runs.push_back({cursor, value - 1u, otherwise, 1.0});
        runs.push_back({value, value, target, 1.0});
        cursor = uint64_t{value} + 1;
      }
      if (cursor <= 0xffffffffu) runs.push_back({cursor, 0xffffffffu, otherwise, 1.0});
      node = best_tree(dag, runs);
    }
    return dag.load(arg_lo_offset(group.index), node);
  };
  if (!wide) return low_chain(by_high.begin()->second);
  NodeId node = otherwise;
  for (auto it = by_high.rbegin(); it != by_high.rend(); ++it)
    node = dag.jump(BPF_JEQ, it->first, low_chain(it->second), node);
  return dag.load(arg_hi_offset(group.index), node);
}

// The decision for one syscall number: a return when the number alone decides, else the
// rules in evaluation order (most restrictive first), falling back to the default action.
NodeId compile_syscall(Dag& dag, bool wide, const ResolvedSyscall& sc, const Action& fallback) {
  if (auto fixed = sc.fixed_action()) return dag.ret(*fixed);
  // Rules after the first unconditional one can never decide: it always matches.
  size_t end = sc.rules.size();
  NodeId node = dag.ret(fallback);
  for (size_t i = 0; i < sc.rules.size(); ++i) {
    if (sc.rules[i].args.empty()) {
      end = i;
      node = dag.ret(sc.rules[i].action);
      break;
    }
  }
  ArgCompiler args(dag, wide);
  auto single_equality = [&](size_t i) {
    const auto& r = sc.rules[i];
    return r.args.size() == 1 && r.args[0].op == CmpOp::Equal;
  };
  // Build from the last rule backwards so each rule's failure continues with the next.
  size_t i = end;
  while (i > 0) {
    // Largest run [start, i) of single-EQ rules on the same argument.
    size_t start = i - 1;
    if (single_equality(start)) {
      unsigned index = sc.rules[start].args[0].index;
      while (start > 0 && single_equality(start - 1) && sc.rules[start - 1].args[0].index == index)
        --start;
      if (i - start >= 2) {
        EqualityGroup group{index, {}};
        for (size_t j = start; j < i; ++j) {
          uint64_t value = sc.rules[j].args[0].value;
          bool seen = std::any_of(group.cases.begin(), group.cases.end(),
                                  [&](const auto& c) { return c.first == value; });
          if (!seen) group.cases.emplace_back(value, dag.ret(sc.rules[j].action));
        }
        node = compile_equality_group(dag, wide, group, node);
        i = start;
        continue;
      }
    }
    const auto& rule = sc.rules[i - 1];
    // A rule that repeats an earlier rule's checks can never decide: the earlier one took
    // every call it would match.
    bool repeated =
        std::any_of(sc.rules.begin(), sc.rules.begin() + static_cast<std::ptrdiff_t>(i - 1),
                    [&](const ResolvedRule& r) { return r.args == rule.args; });
    if (repeated) {
      --i;
      continue;
    }
    NodeId pass = dag.ret(rule.action);
    for (auto it = rule.args.rbegin(); it != rule.args.rend(); ++it)
      pass = args.compare(*it, pass, node);
    node = pass;
    --i;
  }
  return node;
}

double syscall_weight(TreeWeighting weighting, std::string_view name) {
  if (weighting == TreeWeighting::Uniform) return 1.0;
  const auto& freq = syscall_frequency_weights();
  auto it = freq.find(std::string(name));
  // Every number keeps some weight so rare calls do not end up absurdly deep.
  return 1.0 + (it == freq.end() ? 0.0 : it->second);
}

// Decision for every number in [base, end) of one ABI, as merged runs.
std::vector<Run> number_runs(Dag& dag, const Filter& filter, const ArchFilter& af,
                             const CompileOptions& options, uint64_t base, uint64_t end,
                             NodeId beyond_profile) {
  const auto& info = arch_info(af.arch);
  const auto& table = SyscallTable::of(af.arch);
  NodeId default_ret = dag.ret(filter.default_action);
  std::vector<Run> runs;
  auto append = [&](uint64_t first, uint64_t last, NodeId decision, double weight) {
    if (!runs.empty() && runs.back().decision == decision && runs.back().last + 1 == first) {
      runs.back().last = last;
      runs.back().weight += weight;
    } else {
      runs.push_back({first, last, decision, weight});
    }
  };
  // Every number the profile or the arch's table knows gets its own decision; the numbers
  // between them take the default action.
  std::map<uint64_t, NodeId> decisions;
  for (const auto& [nr, sc] : af.syscalls)
    decisions[nr] = compile_syscall(dag, info.wide_args, sc, filter.default_action);
  uint64_t known_end = static_cast<uint64_t>(af.highest_known) + 1;
  if (af.highest_known < base) known_end = base;
  // Numbers of syscalls the arch has but the profile never names still count for weights.
  std::map<uint64_t, double> weights;
  // x32 is rarely used (many kernels leave it out): its numbers must be correct, not fast.
  double abi_scale = af.arch == Arch::X32 ? kX32WeightScale : 1.0;
  for (const auto& [nr, name] : table.entries())
    if (nr >= base && nr < end) weights[nr] = abi_scale * syscall_weight(options.weighting, name);
  // The kernel caches allowed syscalls that the number alone decides, so at run time the
  // filter mostly runs for the ones with argument checks: keep those near the root.
  for (const auto& [nr, sc] : af.syscalls)
    if (!sc.fixed_action() && nr >= base && nr < end)
      weights[nr] += abi_scale * kArgumentCheckedWeight;

  uint64_t cursor = base;
  auto weight_between = [&](uint64_t first, uint64_t last) {
    double w = 0.0;
    for (auto it = weights.lower_bound(first); it != weights.end() && it->first <= last; ++it)
      w += it->second;
    return w;
  };
  for (const auto& [nr, decision] : decisions) {
    if (nr < cursor || nr >= known_end) continue;
    if (nr > cursor) append(cursor, nr - 1, default_ret, weight_between(cursor, nr - 1));
    append(nr, nr, decision, weight_between(nr, nr));
    cursor = nr + 1;
  }
  if (cursor < known_end)
    append(cursor, known_end - 1, default_ret, weight_between(cursor, known_end - 1));
  if (known_end < end)
    append(known_end, end - 1, beyond_profile, weight_between(known_end, end - 1));
  // Runs that hold no syscall still cost a comparison; give them a token weight so the
  // tree does not put them on the hot paths.
  for (auto& r : runs) r.weight += 1e-3;
  return runs;
}

NodeId compile_arch(Dag& dag, const Filter& filter, const ArchFilter& af,
                    const CompileOptions& options, NodeId bad_arch) {
  NodeId beyond =
      filter.unknown_action ? dag.ret(*filter.unknown_action) : dag.ret(filter.default_action);
  const auto& info = arch_info(af.arch);
  std::vector<Run> runs;
  if (af.arch == Arch::X86_64 || af.arch == Arch::X32) {
    // One audit arch, two ABIs: numbers with bit 30 set are x32's and must never be judged by
    // the x86_64 rules (and vice versa).
    const ArchFilter* x64 = filter.find(Arch::X86_64);
    const ArchFilter* x32 = filter.find(Arch::X32);
    if (x64) {
      runs = number_runs(dag, filter, *x64, options, 0, kX32SyscallBit, beyond);
    } else {
      runs.push_back({0, kX32SyscallBit - 1, bad_arch, 1e-3});
    }
    if (x32) {
      auto x32_runs = number_runs(dag, filter, *x32, options, kX32SyscallBit, kNrSpaceEnd, beyond);
      runs.insert(runs.end(), x32_runs.begin(), x32_runs.end());
    } else {
      runs.push_back({kX32SyscallBit, kNrSpaceEnd - 1, bad_arch, 1e-3});
    }
  } else {
    runs = number_runs(dag, filter, af, options, info.nr_base, kNrSpaceEnd, beyond);
  }
  return dag.load(kNrOffset, best_tree(dag, runs));
}

// ---------------------------------------------------------------------------------------------
// Layout: the DAG in an order where every jump goes forward, then concrete offsets, with
// trampolines for conditional jumps beyond 255 instructions.

struct Item {
  uint16_t code;
  uint32_t k;
  int on_true = -1;  // item ids
  int on_false = -1;
  int ja_target = -1;
};

class Layout {
 public:
  explicit Layout(const Dag& dag) : dag_(dag) {}

  Program emit(NodeId root) {
    order_nodes(root);
    // Items in node order; a load whose successor does not follow it gets an explicit `ja`.
    std::vector<int> item_of(dag_.size(), -1);
    for (NodeId n : order_) item_of[static_cast<size_t>(n)] = new_item(dag_[n].code, dag_[n].k);
    for (size_t pos = 0; pos < order_.size(); ++pos) {
      const Node& n = dag_[order_[pos]];
      int id = item_of[static_cast<size_t>(order_[pos])];
      sequence_.push_back(id);
      if (BPF_CLASS(n.code) == BPF_JMP) {
        items_[id].on_true = item_of[static_cast<size_t>(n.on_true)];
        items_[id].on_false = item_of[static_cast<size_t>(n.on_false)];
      } else if (n.next >= 0) {
        bool falls_through = pos + 1 < order_.size() && order_[pos + 1] == n.next;
        if (!falls_through) {
          int ja = new_item(BPF_JMP | BPF_JA, 0);
          items_[ja].ja_target = item_of[static_cast<size_t>(n.next)];
          sequence_.push_back(ja);
        }
      }
    }
    fix_long_jumps();
    return to_program();
  }

 private:
  // Reverse post-order of a depth-first walk: every node precedes its successors. The
  // successor visited last lands right after its predecessor, so the false branch and a
  // load's successor are visited last to fall through.
  void order_nodes(NodeId root) {
    std::vector<char> state(dag_.size(), 0);
    std::vector<NodeId> post;
    std::vector<std::pair<NodeId, int>> stack{{root, 0}};
    state[static_cast<size_t>(root)] = 1;
    while (!stack.empty()) {
      auto& [node, step] = stack.back();
      const Node& n = dag_[node];
      NodeId children[2] = {-1, -1};
      if (BPF_CLASS(n.code) == BPF_JMP) {
        children[0] = n.on_true;
        children[1] = n.on_false;
      } else {
        children[0] = n.next;
      }
      if (step < 2) {
        NodeId child = children[step++];
        if (child >= 0 && !state[static_cast<size_t>(child)]) {
          state[static_cast<size_t>(child)] = 1;
          stack.push_back({child, 0});
        }
        continue;
      }
      post.push_back(node);
      stack.pop_back();
    }
    order_.assign(post.rbegin(), post.rend());
  }

  int new_item(uint16_t code, uint32_t k) {
    items_.push_back(Item{code, k});
    return static_cast<int>(items_.size() - 1);
  }

  void fix_long_jumps() {
    while (true) {
      std::vector<size_t> pos(items_.size(), 0);
      for (size_t p = 0; p < sequence_.size(); ++p) pos[static_cast<size_t>(sequence_[p])] = p;
      bool changed = false;
      for (size_t p = 0; p < sequence_.size() && !changed; ++p) {
        int id = sequence_[p];
        const Item& item = items_[static_cast<size_t>(id)];
        if (BPF_CLASS(item.code) != BPF_JMP || BPF_OP(item.code) == BPF_JA) continue;
        for (bool true_branch : {true, false}) {
          int target = true_branch ? items_[static_cast<size_t>(id)].on_true
                                   : items_[static_cast<size_t>(id)].on_false;
          size_t distance = pos[static_cast<size_t>(target)] - p - 1;
          if (distance <= kMaxJump) continue;
          // Re-use a trampoline to the same place that is already in reach.
          int via = -1;
          for (size_t q = p + 1; q <= p + 1 + kMaxJump && q < sequence_.size(); ++q) {
            const Item& t = items_[static_cast<size_t>(sequence_[q])];
            if (t.code == (BPF_JMP | BPF_JA) && t.ja_target == target) {
              via = sequence_[q];
              break;
            }
          }
          if (via < 0) {
            Item dest = items_[static_cast<size_t>(target)];
            // A return is as short as a jump to it: copy it instead.
            if (BPF_CLASS(dest.code) == BPF_RET) {
              via = new_item(dest.code, dest.k);
            } else {
              via = new_item(BPF_JMP | BPF_JA, 0);
              items_[static_cast<size_t>(via)].ja_target = target;
            }
            sequence_.insert(sequence_.begin() + static_cast<std::ptrdiff_t>(p + 1), via);
          }
          Item& jump = items_[static_cast<size_t>(id)];
          (true_branch ? jump.on_true : jump.on_false) = via;
          changed = true;
          break;
        }
      }
      if (!changed) return;
      if (sequence_.size() > kMaxInsns * 2) return;  // hopeless; to_program reports the size
    }
  }

  Program to_program() const {
    std::vector<size_t> pos(items_.size(), 0);
    for (size_t p = 0; p < sequence_.size(); ++p) pos[static_cast<size_t>(sequence_[p])] = p;
    Program program;
    program.insns.reserve(sequence_.size());
    for (size_t p = 0; p < sequence_.size(); ++p) {
      const Item& item = items_[static_cast<size_t>(sequence_[p])];
      Insn insn{item.code, 0, 0, item.k};
      if (item.code == (BPF_JMP | BPF_JA)) {
        insn.k = static_cast<uint32_t>(pos[static_cast<size_t>(item.ja_target)] - p - 1);
      } else if (BPF_CLASS(item.code) == BPF_JMP) {
        insn.jt = static_cast<uint8_t>(pos[static_cast<size_t>(item.on_true)] - p - 1);
        insn.jf = static_cast<uint8_t>(pos[static_cast<size_t>(item.on_false)] - p - 1);
      }
      program.insns.push_back(insn);
    }
    return program;
  }

  const Dag& dag_;
  std::vector<NodeId> order_;
  std::vector<Item> items_;
  std::vector<int> sequence_;
};

}  // namespace

Program compile(const Filter& filter, const CompileOptions& options) {
  Dag dag;
  NodeId bad_arch = dag.ret(filter.bad_arch_action);
  // Arch dispatch: one `jeq` per audit arch, the first listed (native) first. x86_64 and x32
  // share an audit arch and one number tree.
  NodeId dispatch = bad_arch;
  std::vector<std::pair<uint32_t, NodeId>> blocks;
  for (const auto& af : filter.arches) {
    uint32_t audit = arch_info(af.arch).audit_arch;
    bool seen =
        std::any_of(blocks.begin(), blocks.end(), [&](const auto& b) { return b.first == audit; });
    if (!seen) blocks.emplace_back(audit, compile_arch(dag, filter, af, options, bad_arch));
  }
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it)
    dispatch = dag.jump(BPF_JEQ, it->first, it->second, dispatch);
  NodeId root = dag.load(kArchOffset, dispatch);

  Program program = Layout(dag).emit(root);
  if (program.insns.size() > kMaxInsns)
    throw Error("compiled seccomp program for " + filter.source + " has " +
                std::to_string(program.insns.size()) +
                " instructions; the kernel accepts at most " + std::to_string(kMaxInsns) +
                " (reduce argument rules or architectures)");
  validate(program.insns);
  return program;
}

const std::unordered_map<std::string, double>& syscall_frequency_weights() {
  // Relative call rates of a typical server workload (web servers, runtimes, databases),
  // in calls per thousand; what matters is the order of magnitude.
  static const std::unordered_map<std::string, double> weights = {
      {"read", 120},         {"write", 100},
      {"futex", 90},         {"epoll_wait", 60},
      {"epoll_pwait", 60},   {"recvfrom", 50},
      {"sendto", 50},        {"close", 40},
      {"openat", 35},        {"newfstatat", 30},
      {"fstat", 30},         {"statx", 20},
      {"mmap", 25},          {"munmap", 20},
      {"mprotect", 15},      {"brk", 10},
      {"madvise", 10},       {"rt_sigprocmask", 25},
      {"rt_sigaction", 8},   {"rt_sigreturn", 5},
      {"poll", 20},          {"ppoll", 15},
      {"select", 5},         {"pselect6", 5},
      {"writev", 20},        {"readv", 10},
      {"pread64", 15},       {"pwrite64", 10},
      {"lseek", 15},         {"ioctl", 15},
      {"fcntl", 15},         {"accept4", 10},
      {"accept", 5},         {"recvmsg", 20},
      {"sendmsg", 20},       {"getpid", 8},
      {"gettid", 8},         {"getrandom", 5},
      {"clock_gettime", 10}, {"gettimeofday", 5},
      {"nanosleep", 8},      {"clock_nanosleep", 8},
      {"sched_yield", 8},    {"getdents64", 8},
      {"epoll_ctl", 15},     {"io_getevents", 5},
      {"clone", 5},          {"clone3", 3},
      {"socket", 5},         {"connect", 5},
      {"setsockopt", 5},     {"getsockopt", 3},
      {"shutdown", 3},       {"dup", 3},
      {"dup2", 2},           {"dup3", 2},
      {"pipe2", 3},          {"exit_group", 1},
      {"wait4", 2},          {"execve", 1},
      {"access", 5},         {"faccessat2", 3},
      {"readlink", 3},       {"getcwd", 2},
      {"getuid", 3},         {"geteuid", 3},
      {"getppid", 2},        {"uname", 2},
      {"sendfile", 5},       {"splice", 3},
      {"fsync", 3},          {"fdatasync", 3},
      {"rseq", 1},           {"set_robust_list", 1},
      {"prctl", 1},          {"arch_prctl", 1},
      {"personality", 1},
  };
  return weights;
}

}  // namespace bulkhead::seccomp
