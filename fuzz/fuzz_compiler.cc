// Fuzzes the seccomp compiler against the model.
//
// The input bytes drive FuzzedDataProvider to build a Profile directly (syscall names from the
// real tables, every action, argument comparisons around the interesting 32/64-bit edges,
// Docker's conditions), which is resolved and compiled. The program must pass the kernel's
// checks and fit in 4096 instructions (or compile() must have refused it with Error). Then, for
// every syscall the filter names plus numbers and argument vectors taken from the input and from
// the rules' own constants, the emulator's answer on the program must equal evaluate() on the
// filter, which defines what is correct. Unconditionally allowed syscalls must be ones the
// kernel's action cache can cache, and anything it would cache must really be allowed.
#include <fuzzer/FuzzedDataProvider.h>
#include <linux/audit.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "seccomp/compiler.h"
#include "seccomp/filter.h"
#include "seccomp/program.h"

namespace {

using namespace bulkhead;
using namespace bulkhead::seccomp;

constexpr std::array<ActionKind, 8> kKinds = {
    ActionKind::KillProcess, ActionKind::KillThread, ActionKind::Trap, ActionKind::Errno,
    ActionKind::Notify,      ActionKind::Trace,      ActionKind::Log,  ActionKind::Allow};
constexpr std::array<CmpOp, 7> kOps = {CmpOp::NotEqual,   CmpOp::Less,         CmpOp::LessEqual,
                                       CmpOp::Equal,      CmpOp::GreaterEqual, CmpOp::Greater,
                                       CmpOp::MaskedEqual};
// Syscalls that real profiles give argument rules or that exercise the x86 multiplexers.
constexpr std::array<const char*, 22> kHotNames = {
    "clone",  "clone3", "socket",  "personality", "socketcall", "ipc",       "read",  "write",
    "openat", "mmap",   "connect", "accept4",     "semop",      "shmat",     "ioctl", "prctl",
    "mount",  "kill",   "futex",   "bpf",         "getpid",     "exit_group"};
// Argument constants where 32-bit halves, signs and masks meet.
constexpr uint64_t kEdgeValues[] = {0,
                                    1,
                                    2,
                                    0x7fffffff,
                                    0x80000000,
                                    0xffffffff,
                                    0x100000000,
                                    0x7e020000,
                                    0xffffffff00000000,
                                    0x8000000000000000,
                                    0x7fffffffffffffff,
                                    UINT64_MAX};
constexpr std::array<const char*, 4> kCaps = {"CAP_SYS_ADMIN", "CAP_NET_RAW", "CAP_SYS_PTRACE",
                                              "CAP_BPF"};
constexpr std::array<const char*, 6> kGoArches = {"amd64", "386", "x32", "arm64", "arm", "s390x"};
constexpr std::array<const char*, 3> kKernels = {"4.8", "5.11", "99.0"};

template <typename Items>
const auto& pick(FuzzedDataProvider& in, const Items& items) {
  return items[in.ConsumeIntegralInRange<size_t>(0, std::size(items) - 1)];
}

uint64_t arg_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return pick(in, kEdgeValues);
    case 1:
      return in.ConsumeIntegralInRange<uint64_t>(0, 16);
    case 2:
      return pick(in, kEdgeValues) ^ (uint64_t{1} << in.ConsumeIntegralInRange(0, 63));
    default:
      return in.ConsumeIntegral<uint64_t>();
  }
}

std::string syscall_name(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return pick(in, kHotNames);
  const auto& all = all_syscall_names();
  // Now and then a name nobody knows, which ignore_unknown must skip.
  if (in.ConsumeIntegralInRange(0, 31) == 0) return "no_such_syscall";
  return all[in.ConsumeIntegralInRange<size_t>(0, all.size() - 1)];
}

Condition condition(FuzzedDataProvider& in) {
  Condition c;
  if (in.ConsumeIntegralInRange(0, 3) != 0) return c;
  if (in.ConsumeBool()) c.caps.push_back(pick(in, kCaps));
  if (in.ConsumeBool()) c.arches.push_back(pick(in, kGoArches));
  if (in.ConsumeBool()) c.min_kernel = pick(in, kKernels);
  return c;
}

std::optional<uint16_t> errno_value(FuzzedDataProvider& in) {
  if (!in.ConsumeBool()) return std::nullopt;
  return in.ConsumeIntegralInRange<uint16_t>(0, 4095);
}

Profile random_profile(FuzzedDataProvider& in) {
  Profile p;
  p.source = "fuzz";
  p.default_action = pick(in, kKinds);
  p.default_errno_ret = errno_value(in);
  for (Arch arch : supported_arches())
    if (in.ConsumeBool()) p.architectures.emplace_back(arch_info(arch).scmp_name);
  size_t rules = in.ConsumeIntegralInRange<size_t>(0, 24);
  for (size_t r = 0; r < rules && in.remaining_bytes() > 0; ++r) {
    SyscallRule rule;
    size_t names = in.ConsumeIntegralInRange<size_t>(1, 4);
    for (size_t n = 0; n < names; ++n) rule.names.push_back(syscall_name(in));
    rule.action = pick(in, kKinds);
    if (rule.action == ActionKind::Errno || rule.action == ActionKind::Trace)
      rule.errno_ret = errno_value(in);
    size_t args = in.ConsumeIntegralInRange<size_t>(0, 3);
    for (size_t a = 0; a < args; ++a) {
      ArgCmp cmp;
      cmp.index = in.ConsumeIntegralInRange(0u, 5u);
      cmp.op = pick(in, kOps);
      cmp.value = arg_value(in);
      if (cmp.op == CmpOp::MaskedEqual)
        cmp.value_two = in.ConsumeBool() ? cmp.value & arg_value(in) : arg_value(in);
      rule.args.push_back(cmp);
    }
    rule.includes = condition(in);
    rule.excludes = condition(in);
    p.syscalls.push_back(std::move(rule));
  }
  return p;
}

ResolveOptions random_options(FuzzedDataProvider& in) {
  ResolveOptions o;
  o.native =
      in.ConsumeBool()
          ? Arch::X86_64
          : supported_arches()[in.ConsumeIntegralInRange<size_t>(0, supported_arches().size() - 1)];
  if (in.ConsumeIntegralInRange(0, 3) == 0)
    for (Arch arch : supported_arches())
      if (in.ConsumeBool()) o.only_arches.push_back(arch);
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
      o.caps = caps::default_container_caps();
      break;
    case 1:
      o.caps = caps::CapSet::all();
      break;
    default:
      o.caps = caps::CapSet();
      break;
  }
  o.kernel = in.ConsumeBool() ? KernelVersion{5, 10} : KernelVersion{6, 1};
  o.ignore_unknown = true;
  o.unknown_syscalls = in.ConsumeBool() ? UnknownSyscalls::Enosys : UnknownSyscalls::Default;
  return o;
}

std::string describe(const Filter& filter) {
  std::string out = "default " + filter.default_action.str() + ", bad arch " +
                    filter.bad_arch_action.str() + ", unknown " +
                    (filter.unknown_action ? filter.unknown_action->str() : "-") + "\n";
  for (const auto& af : filter.arches) {
    out += std::string(arch_info(af.arch).name) + " (highest known " +
           std::to_string(af.highest_known) + "):\n";
    for (const auto& [nr, sc] : af.syscalls) {
      out += "  " + std::to_string(nr) + " " + sc.name + ":";
      for (const auto& rule : sc.rules) {
        out += " [" + rule.action.str();
        for (const auto& cmp : rule.args) out += " " + cmp.str();
        out += rule.multiplexed ? " mux]" : "]";
      }
      out += "\n";
    }
  }
  return out;
}

class Checker {
 public:
  Checker(const Filter& filter, const Program& program) : filter_(filter), program_(program) {}

  void check(uint32_t audit_arch, uint32_t nr, std::array<uint64_t, 6> args) {
    // 32-bit ABIs: the kernel zero-extends arguments, so no real call has a high word.
    if (audit_arch == AUDIT_ARCH_I386 || audit_arch == AUDIT_ARCH_ARM)
      for (auto& a : args) a &= 0xffffffffu;
    SeccompInput input;
    input.nr = nr;
    input.arch = audit_arch;
    input.args = args;
    RunResult got = run(program_.insns, input);
    Verdict want = evaluate(filter_, SyscallCall{audit_arch, nr, args});
    if (got.ret != want.action.ret())
      fail("program and model disagree", audit_arch, nr, args,
           "program returned " + Action::from_ret(got.ret).str() + ", model says " +
               want.action.str());
    if (want.action.kind != ActionKind::Allow && cacheable(audit_arch, nr))
      fail("kernel_cacheable() claims a syscall that is not always allowed", audit_arch, nr, args,
           "model says " + want.action.str());
  }

  bool cacheable(uint32_t audit_arch, uint32_t nr) {
    auto key = (uint64_t{audit_arch} << 32) | nr;
    auto it = cacheable_.find(key);
    if (it != cacheable_.end()) return it->second;
    bool yes = kernel_cacheable(program_.insns, audit_arch, nr);
    cacheable_.emplace(key, yes);
    return yes;
  }

  [[noreturn]] void fail(const std::string& what, uint32_t audit_arch, uint32_t nr,
                         const std::array<uint64_t, 6>& args, const std::string& detail) const {
    std::fprintf(stderr, "fuzz_compiler: %s\narch 0x%08x nr %u (0x%x) args", what.c_str(),
                 audit_arch, nr, nr);
    for (uint64_t a : args) std::fprintf(stderr, " 0x%llx", static_cast<unsigned long long>(a));
    std::fprintf(stderr, "\n%s\nfilter:\n%s\nprogram (%zu instructions):\n%s", detail.c_str(),
                 describe(filter_).c_str(), program_.insns.size(),
                 program_.c_array("program").c_str());
    std::abort();
  }

 private:
  const Filter& filter_;
  const Program& program_;
  std::map<uint64_t, bool> cacheable_;
};

// Argument values on both sides of every constant a syscall's rules compare with.
std::vector<std::array<uint64_t, 6>> argument_vectors(const ResolvedSyscall& sc,
                                                      FuzzedDataProvider& in) {
  std::vector<std::array<uint64_t, 6>> out;
  out.push_back({});
  std::array<uint64_t, 6> satisfying{};  // tries to meet every comparison of a rule at once
  for (const auto& rule : sc.rules) {
    satisfying = {};
    for (const auto& cmp : rule.args) {
      uint64_t v = cmp.value;
      std::vector<uint64_t> near = {v - 1,
                                    v,
                                    v + 1,
                                    v ^ (uint64_t{1} << 32),
                                    v ^ 0xffffffffu,
                                    cmp.value_two,
                                    cmp.value_two | ~v,
                                    v >> 32,
                                    v << 32};
      for (uint64_t n : near) {
        auto args = out.front();
        args[cmp.index] = n;
        out.push_back(args);
      }
      switch (cmp.op) {
        case CmpOp::NotEqual:
          satisfying[cmp.index] = v + 1;
          break;
        case CmpOp::Less:
          satisfying[cmp.index] = v - 1;
          break;
        case CmpOp::Greater:
          satisfying[cmp.index] = v + 1;
          break;
        case CmpOp::MaskedEqual:
          satisfying[cmp.index] = cmp.value_two;
          break;
        default:
          satisfying[cmp.index] = v;
          break;
      }
    }
    out.push_back(satisfying);
    // The same with one comparison nudged off its edge.
    if (!rule.args.empty()) {
      auto nudged = satisfying;
      const auto& cmp = rule.args[in.ConsumeIntegralInRange<size_t>(0, rule.args.size() - 1)];
      nudged[cmp.index] ^= uint64_t{1} << in.ConsumeIntegralInRange(0, 63);
      out.push_back(nudged);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Profile profile = random_profile(in);
  ResolveOptions options = random_options(in);
  CompileOptions compile_options;
  compile_options.weighting = in.ConsumeBool() ? TreeWeighting::Uniform : TreeWeighting::Frequency;

  // The generator only uses names, capabilities and kernel versions resolve() accepts, so an
  // Error here is a bug like any other exception.
  Filter filter = resolve(profile, options);
  Program program;
  try {
    program = compile(filter, compile_options);
  } catch (const Error& e) {
    return 0;  // refused (the instruction limit): allowed, the program never reaches a kernel
  }
  if (program.insns.size() > kMaxInsns) {
    std::fprintf(stderr, "fuzz_compiler: compile() returned %zu instructions without an Error\n",
                 program.insns.size());
    std::abort();
  }
  try {
    validate(program.insns);
  } catch (const Error& e) {
    std::fprintf(stderr, "fuzz_compiler: compiled program fails the kernel's checks: %s\n%s",
                 e.what(), program.c_array("program").c_str());
    std::abort();
  }

  Checker checker(filter, program);
  for (const auto& af : filter.arches) {
    const auto& info = arch_info(af.arch);
    for (const auto& [nr, sc] : af.syscalls) {
      for (const auto& args : argument_vectors(sc, in)) checker.check(info.audit_arch, nr, args);
      // The kernel builds its action cache for the native and compat ABIs (never for x32's
      // bit-30 numbers): there every unconditional ALLOW must be decided by nr alone.
      auto fixed = sc.fixed_action();
      if (af.arch != Arch::X32 && fixed && fixed->kind == ActionKind::Allow &&
          !checker.cacheable(info.audit_arch, nr))
        checker.fail("unconditionally allowed syscall is not kernel-cacheable", info.audit_arch, nr,
                     {}, "");
    }
    // Where the default allows, every number the profile does not name is an unconditional
    // ALLOW as well.
    if (af.arch != Arch::X32 && filter.default_action.kind == ActionKind::Allow)
      for (const auto& [nr, name] : SyscallTable::of(af.arch).entries())
        if (!af.syscalls.count(nr) && !checker.cacheable(info.audit_arch, nr))
          checker.fail("syscall allowed by the default action is not kernel-cacheable",
                       info.audit_arch, nr, {}, name);
    // Numbers the profile does not name: around the known range, the x32 bit, the extremes.
    const uint32_t table_max = SyscallTable::of(af.arch).max_number();
    for (uint32_t nr : {info.nr_base, af.highest_known, af.highest_known + 1, table_max,
                        table_max + 1, info.nr_base ^ kX32SyscallBit, 0xffffffffu, 0x7fffffffu}) {
      checker.check(info.audit_arch, nr, {});
    }
  }
  // Calls drawn from the input, on the filter's arches, a foreign one, or any value at all.
  while (in.remaining_bytes() > 0) {
    uint32_t audit_arch;
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 0:
        audit_arch = in.ConsumeIntegral<uint32_t>();
        break;
      case 1:
        audit_arch = AUDIT_ARCH_PPC64LE;
        break;
      default:
        audit_arch =
            filter.arches.empty()
                ? AUDIT_ARCH_X86_64
                : arch_info(
                      filter.arches[in.ConsumeIntegralInRange<size_t>(0, filter.arches.size() - 1)]
                          .arch)
                      .audit_arch;
    }
    uint32_t nr = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint32_t>(0, 1100)
                                   : in.ConsumeIntegral<uint32_t>();
    if (in.ConsumeBool()) nr ^= kX32SyscallBit;
    std::array<uint64_t, 6> args{};
    for (auto& a : args) a = arg_value(in);
    checker.check(audit_arch, nr, args);
  }
  return 0;
}
