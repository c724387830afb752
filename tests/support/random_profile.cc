#include "support/random_profile.h"

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "seccomp/arch.h"
#include "seccomp/filter.h"

namespace bulkhead::testing {

namespace {

using nlohmann::json;
using seccomp::Action;
using seccomp::ActionKind;
using seccomp::Arch;
using seccomp::CmpOp;
using seccomp::SyscallTable;

// Names a profile may use: every x86_64 syscall, the x86-only ones (socketcall, ipc,
// mmap2, …), and names libseccomp knows that none of x86_64/x86/x32 has (send, recv exist
// only as socketcall sub-calls; s390_runtime_instr only on s390).
const std::vector<std::string>& name_pool() {
  static const std::vector<std::string> pool = [] {
    std::set<std::string> names;
    for (Arch arch : {Arch::X86_64, Arch::X86, Arch::X32})
      for (const auto& [nr, name] : SyscallTable::of(arch).entries()) names.insert(name);
    for (const char* name : {"send", "recv", "s390_runtime_instr", "arm_fadvise64_64"})
      names.insert(name);
    return std::vector<std::string>(names.begin(), names.end());
  }();
  return pool;
}

class Generator {
 public:
  Generator(uint64_t seed, const RandomProfileOptions& options) : rng_(seed), options_(options) {}

  json profile();

 private:
  uint64_t below(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  // The kernel accepts errno 0..4095, libseccomp only up to 4094 (it refuses ERRNO(4095)
  // with EINVAL), so the reference can be built.
  uint16_t errno_value() {
    static constexpr std::array<uint16_t, 8> kCommon = {1, 1, 13, 22, 38, 95, 0, 4094};
    if (chance(0.8)) return kCommon[below(kCommon.size())];
    return static_cast<uint16_t>(1 + below(4094));
  }

  Action random_action() {
    switch (below(10)) {
      case 0:
      case 1:
      case 2:
      case 3:
        return Action::allow();
      case 4:
      case 5:
        return Action::errno_(errno_value());
      case 6:
        return Action::kill_process();
      case 7:
        return chance(0.5) ? Action{ActionKind::KillThread, 0} : Action{ActionKind::Trap, 0};
      case 8:
        return {ActionKind::Trace, errno_value()};
      default:
        return {ActionKind::Log, 0};
    }
  }

  Action random_default_action() {
    uint64_t roll = below(20);
    if (roll < 12) return Action::errno_(errno_value());
    if (roll < 14) return Action::kill_process();
    if (roll < 16) return Action::allow();
    if (roll < 17) return {ActionKind::Log, 0};
    if (roll < 18) return {ActionKind::Trap, 0};
    if (roll < 19) return {ActionKind::Trace, errno_value()};
    return {ActionKind::KillThread, 0};
  }

  uint64_t constant() {
    static constexpr std::array<uint64_t, 18> kInteresting = {0,
                                                              1,
                                                              2,
                                                              40,
                                                              0x7e020000,
                                                              0x7fffffff,
                                                              0x80000000,
                                                              0xffffffff,
                                                              0x100000000,
                                                              0x100000001,
                                                              0xffffffff00000000,
                                                              0x8000000000000000,
                                                              ~0ull,
                                                              0x7fffffffffffffff,
                                                              0xfffffffe,
                                                              0x1ffffffff,
                                                              0x80000000ffffffff,
                                                              0xffffffff7fffffff};
    uint64_t v;
    switch (below(6)) {
      case 0:
      case 1:
        v = kInteresting[below(kInteresting.size())];
        break;
      case 2:
        v = below(64);
        break;
      case 3:
        v = uint64_t{1} << below(64);
        break;
      case 4:
        v = rng_() & 0xffffffff;
        break;
      default:
        v = rng_();
        break;
    }
    if (options_.constants_32bit) v &= 0xffffffff;
    return v;
  }

  json comparison(unsigned index) {
    static constexpr std::array<std::string_view, 7> kOps = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
    std::string_view op = kOps[below(kOps.size())];
    json cmp = {{"index", index}, {"op", op}};
    if (op == "SCMP_CMP_MASKED_EQ") {
      uint64_t mask = constant();
      // Mostly a datum inside the mask, as real profiles have; sometimes bits outside it,
      // which can never match (libseccomp masks the datum instead: a documented divergence).
      uint64_t datum = chance(0.85) ? (constant() & mask) : constant();
      cmp["value"] = mask;
      cmp["valueTwo"] = datum;
    } else {
      cmp["value"] = constant();
      if (chance(0.2)) cmp["valueTwo"] = constant();  // ignored by these operators
    }
    return cmp;
  }

  // Comparisons on the given argument indexes, in random order.
  json comparisons(std::vector<unsigned> indexes) {
    std::shuffle(indexes.begin(), indexes.end(), rng_);
    json args = json::array();
    for (unsigned i : indexes) args.push_back(comparison(i));
    return args;
  }

  // Argument indexes one syscall has not compared yet (header, case 5). Unrestricted
  // profiles draw from all six every time, repeats included.
  class IndexPool {
   public:
    IndexPool(Generator& gen, int reserved) : gen_(gen) {
      for (unsigned i = 0; i < 6; ++i)
        if (static_cast<int>(i) != reserved) free_.push_back(i);
      std::shuffle(free_.begin(), free_.end(), gen_.rng_);
    }
    std::vector<unsigned> take(size_t min, size_t max) {
      size_t want = min + gen_.below(max - min + 1);
      std::vector<unsigned> out;
      if (!gen_.options_.libseccomp_comparable) {
        for (size_t i = 0; i < want; ++i) out.push_back(static_cast<unsigned>(gen_.below(6)));
        return out;
      }
      while (out.size() < want && !free_.empty()) {
        out.push_back(free_.back());
        free_.pop_back();
      }
      return out;
    }

   private:
    Generator& gen_;
    std::vector<unsigned> free_;
  };

  json rule(const std::vector<std::string>& names, const Action& action, json args) {
    json r = json::object();
    if (names.size() == 1 && chance(0.2))
      r["name"] = names.front();
    else
      r["names"] = names;
    if (action.kind == ActionKind::KillThread)
      r["action"] = chance(0.5) ? "SCMP_ACT_KILL" : "SCMP_ACT_KILL_THREAD";
    else
      r["action"] = std::string(action.scmp_name());
    if (action.kind == ActionKind::Errno || action.kind == ActionKind::Trace) {
      // Leaving errnoRet out means the profile's defaultErrnoRet (else EPERM).
      if (action.data != implied_errno_ || chance(0.5)) r["errnoRet"] = action.data;
    }
    if (!args.empty()) r["args"] = std::move(args);
    return r;
  }

  void comparable_syscall(const std::string& name, bool may_be_conditional);
  void unrestricted_syscall(const std::string& name, bool may_be_conditional);
  json finish(json out);

  static std::pair<int, uint16_t> key(const Action& a) {
    return {static_cast<int>(a.kind), a.data};
  }

  std::mt19937_64 rng_;
  RandomProfileOptions options_;
  uint16_t implied_errno_ = 1;
  std::vector<json> rules_;
  std::map<std::pair<int, uint16_t>, std::vector<std::string>> unconditional_;  // by action
  // One-rule conditional rules other syscalls of the same action may join (index in rules_).
  std::map<std::pair<int, uint16_t>, std::vector<size_t>> shareable_;
  std::map<std::string, Action> mux_action_;  // "socketcall"/"ipc" -> its unconditional action
};

json Generator::profile() {
  json out = json::object();
  Action default_action = random_default_action();
  out["defaultAction"] = std::string(default_action.scmp_name());
  if (default_action.kind == ActionKind::Errno || default_action.kind == ActionKind::Trace) {
    // An omitted defaultErrnoRet means EPERM for the default and for rules without errnoRet.
    if (default_action.data != 1 || chance(0.5)) out["defaultErrnoRet"] = default_action.data;
    implied_errno_ = default_action.data;
  }
  out["architectures"] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};

  std::vector<std::string> names = name_pool();
  std::shuffle(names.begin(), names.end(), rng_);
  names.resize(1 + below(std::min(options_.max_syscalls, names.size())));
  // socketcall/ipc first: their action constrains their sub-calls (header, case 6).
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& n) { return n == "socketcall" || n == "ipc"; });
  size_t conditional = 0;
  for (const auto& name : names) {
    bool may = conditional < options_.max_conditional_syscalls;
    size_t before = rules_.size();
    if (options_.libseccomp_comparable)
      comparable_syscall(name, may);
    else
      unrestricted_syscall(name, may);
    if (rules_.size() != before) ++conditional;
  }
  return finish(std::move(out));
}

void Generator::comparable_syscall(const std::string& name, bool may_be_conditional) {
  auto mux = seccomp::x86_multiplexed(name);
  bool is_mux_call = name == "socketcall" || name == "ipc";
  uint64_t kind = is_mux_call || !may_be_conditional ? 0 : below(20);
  if (kind < 11) {  // unconditional
    Action action = random_action();
    if (is_mux_call) mux_action_[name] = action;
    if (mux) {
      auto it = mux_action_.find(mux->mux_nr == 102 ? "socketcall" : "ipc");
      if (it != mux_action_.end()) action = it->second;
    }
    unconditional_[key(action)].push_back(name);
    if (!is_mux_call && may_be_conditional && chance(0.2)) {
      // Shadowed by the unconditional rule: same action, so the outcome is unchanged.
      IndexPool pool(*this, -1);
      size_t extra = 1 + below(2);
      for (size_t i = 0; i < extra; ++i) {
        auto indexes = pool.take(1, 2);
        if (indexes.empty()) break;
        rules_.push_back(rule({name}, action, comparisons(indexes)));
      }
    }
    return;
  }
  if (kind < 16) {  // conditional, one action
    Action action = random_action();
    size_t count = 1 + below(3);
    auto& shared = shareable_[key(action)];
    if (count == 1 && !shared.empty() && chance(0.4)) {
      // Join a rule another syscall made: one rule compiled for several syscalls.
      json& r = rules_[pick(shared)];
      r["names"].push_back(name);
      return;
    }
    IndexPool pool(*this, -1);
    for (size_t i = 0; i < count; ++i) {
      auto indexes = pool.take(1, 3);
      if (indexes.empty()) break;
      json r = rule({name}, action, comparisons(indexes));
      if (r.contains("name")) {  // joinable rules need "names"
        r["names"] = {r["name"]};
        r.erase("name");
      }
      rules_.push_back(std::move(r));
      if (count == 1) shared.push_back(rules_.size() - 1);
    }
    return;
  }
  // Conditional, several actions told apart by a discriminator argument (header, case 3).
  int discriminator;
  do discriminator = static_cast<int>(below(6));
  while (mux && discriminator == 0);
  std::vector<uint64_t> values(16);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i;
  std::shuffle(values.begin(), values.end(), rng_);
  IndexPool pool(*this, discriminator);
  size_t groups = 2 + below(2);
  for (size_t g = 0; g < groups; ++g) {
    Action action = random_action();
    size_t count = 1 + below(2);
    for (size_t i = 0; i < count; ++i) {
      json args = comparisons(pool.take(0, 2));
      json discriminate = {{"index", discriminator}, {"op", "SCMP_CMP_EQ"}, {"value", values[g]}};
      args.insert(args.begin() + static_cast<long>(below(args.size() + 1)), discriminate);
      rules_.push_back(rule({name}, action, std::move(args)));
    }
  }
}

void Generator::unrestricted_syscall(const std::string& name, bool may_be_conditional) {
  // Any mix: unconditional rules of several actions, overlapping conditional rules,
  // repeated argument indexes. The model's precedence decides; only it can judge.
  size_t unconditional = below(10) < 6 ? 1 + below(2) : 0;
  if (!may_be_conditional && unconditional == 0) unconditional = 1;
  for (size_t i = 0; i < unconditional; ++i) unconditional_[key(random_action())].push_back(name);
  if (!may_be_conditional) return;
  size_t conditional = unconditional == 0 ? 1 + below(4) : below(3);
  IndexPool pool(*this, -1);
  for (size_t i = 0; i < conditional; ++i)
    rules_.push_back(rule({name}, random_action(), comparisons(pool.take(1, 3))));
}

json Generator::finish(json out) {
  for (auto& [k, list] : unconditional_) {
    Action action{static_cast<ActionKind>(k.first), k.second};
    std::shuffle(list.begin(), list.end(), rng_);
    // Split each action's names over 1..3 rules, as real profiles group them.
    size_t parts = std::min<size_t>(list.size(), 1 + below(3));
    for (size_t p = 0; p < parts; ++p) {
      std::vector<std::string> part;
      for (size_t i = p; i < list.size(); i += parts) part.push_back(list[i]);
      rules_.push_back(rule(part, action, json::array()));
    }
  }
  // Rules switched off by their conditions (the default container lacks CAP_SYS_ADMIN and
  // CAP_SYS_BOOT). They must change nothing except how high the profile's known numbers go.
  size_t inactive = below(4);
  for (size_t i = 0; i < inactive; ++i) {
    IndexPool pool(*this, -1);
    json r = rule({pick(name_pool())}, random_action(), comparisons(pool.take(0, 2)));
    r["includes"] = {{"caps", {chance(0.5) ? "CAP_SYS_ADMIN" : "CAP_SYS_BOOT"}}};
    rules_.push_back(std::move(r));
  }
  std::shuffle(rules_.begin(), rules_.end(), rng_);
  out["syscalls"] = std::move(rules_);
  return out;
}

}  // namespace

RandomProfile random_profile(uint64_t seed, const RandomProfileOptions& options) {
  RandomProfile result;
  result.seed = seed;
  result.json = Generator(seed, options).profile().dump(1);
  result.profile = seccomp::parse_profile(result.json, "random:" + std::to_string(seed));
  return result;
}

}  // namespace bulkhead::testing
