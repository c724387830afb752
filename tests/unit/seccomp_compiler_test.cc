// Properties of the compiled program, each checked against the model (evaluate) and the
// kernel's own rules (validate, kernel_cacheable).
#include "seccomp/compiler.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include <random>

#include "base/strings.h"
#include "seccomp/default_profile.h"

namespace bulkhead::seccomp {
namespace {

// Every number of every arch of the filter, zero arguments: program == model.
void expect_agrees_on_all_numbers(const Filter& f, const Program& p) {
  for (const auto& af : f.arches) {
    const auto& info = arch_info(af.arch);
    for (uint32_t n = 0; n < 1100; ++n) {
      SyscallCall c{info.audit_arch, info.nr_base + n, {}};
      auto r = run(p.insns, SeccompInput{c.nr, c.audit_arch, 0, c.args});
      ASSERT_EQ(r.ret, evaluate(f, c).action.ret()) << info.name << " nr " << c.nr;
    }
  }
}

TEST(Compiler, EveryUnconditionalAllowIsCacheableAndLoadsNoArguments) {
  for (auto source : {"default", "/usr/share/containers/seccomp.json"}) {
    Filter f = resolve(load_profile(source),
                       ResolveOptions::for_arches({Arch::X86_64, Arch::X86, Arch::X32}));
    Program p = compile(f);
    size_t allowed = 0;
    for (const auto& af : f.arches) {
      uint32_t audit = arch_info(af.arch).audit_arch;
      for (const auto& [nr, sc] : af.syscalls) {
        auto fixed = sc.fixed_action();
        if (!fixed) continue;
        auto r = run(p.insns, SeccompInput{nr, audit, 0, {}});
        EXPECT_FALSE(r.loaded_args) << source << " " << sc.name;
        if (*fixed == Action::allow()) {
          ++allowed;
          EXPECT_TRUE(kernel_cacheable(p.insns, audit, nr)) << source << " " << sc.name;
        }
      }
    }
    EXPECT_GT(allowed, 300u) << source;
  }
}

TEST(Compiler, ArgumentCheckedSyscallsAreNotCacheable) {
  Filter f = resolve(default_profile(), ResolveOptions::for_arches({Arch::X86_64}));
  Program p = compile(f);
  uint32_t clone = *SyscallTable::of(Arch::X86_64).number("clone");
  EXPECT_FALSE(kernel_cacheable(p.insns, AUDIT_ARCH_X86_64, clone));
}

TEST(Compiler, AgreesWithModelOnEveryNumberForRealProfiles) {
  for (auto source : {"default", "/usr/share/containers/seccomp.json"}) {
    for (auto list :
         {std::vector<Arch>{Arch::X86_64}, std::vector<Arch>{Arch::X86_64, Arch::X86, Arch::X32},
          std::vector<Arch>{Arch::AArch64, Arch::Arm}}) {
      Filter f = resolve(load_profile(source), ResolveOptions::for_arches(list));
      Program p = compile(f);
      expect_agrees_on_all_numbers(f, p);
    }
  }
}

TEST(Compiler, X32NumbersGetTheBadArchActionWhenX32IsNotCovered) {
  Filter f = resolve(default_profile(), ResolveOptions::for_arches({Arch::X86_64}));
  Program p = compile(f);
  for (uint32_t nr : {kX32SyscallBit, kX32SyscallBit | 1u, kX32SyscallBit | 59u, 0xffffffffu}) {
    auto r = run(p.insns, SeccompInput{nr, AUDIT_ARCH_X86_64, 0, {}});
    EXPECT_EQ(r.ret, SECCOMP_RET_KILL_PROCESS) << hex(nr);
  }
  auto foreign = run(p.insns, SeccompInput{0, AUDIT_ARCH_PPC64LE, 0, {}});
  EXPECT_EQ(foreign.ret, SECCOMP_RET_KILL_PROCESS);
}

TEST(Compiler, SixtyFourBitComparisonsUseBothWords) {
  auto prof = parse_profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
    {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 4294967301, "op": "SCMP_CMP_EQ"}]},
    {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 4294967296, "op": "SCMP_CMP_GE"}]},
    {"names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_LE"}]},
    {"names": ["dup"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18446744069414584320, "valueTwo": 4294967296, "op": "SCMP_CMP_MASKED_EQ"}]}]})",
                            "w.json");
  for (auto list : {std::vector<Arch>{Arch::X86_64}, std::vector<Arch>{Arch::X86}}) {
    Filter f = resolve(prof, ResolveOptions::for_arches(list));
    Program p = compile(f);
    const auto& info = arch_info(list.front());
    const auto& table = SyscallTable::of(list.front());
    std::vector<uint64_t> values = {
        0,           1,           5,           0xffffffff,         0x100000000,
        0x100000005, 0x100000004, 0x1ffffffff, 0xffffffff00000000, 0xffffffffffffffff};
    for (auto name : {"read", "write", "close", "dup"}) {
      for (uint64_t v : values) {
        for (unsigned idx = 0; idx < 3; ++idx) {
          std::array<uint64_t, 6> args{};
          args[idx] = info.wide_args ? v : (v & 0xffffffff);
          uint32_t nr = *table.number(name);
          auto model = evaluate(f, SyscallCall{info.audit_arch, nr, args});
          auto r = run(p.insns, SeccompInput{nr, info.audit_arch, 0, args});
          EXPECT_EQ(r.ret, model.action.ret())
              << info.name << " " << name << " arg" << idx << "=" << hex(v);
        }
      }
    }
    if (info.wide_args) {
      // The low word alone must not decide: read(fd, 5) differs from read(fd, 0x100000005).
      uint32_t read = *table.number("read");
      EXPECT_EQ(run(p.insns, SeccompInput{read, info.audit_arch, 0, {0, 5}}).ret,
                Action::errno_(1).ret());
      EXPECT_EQ(run(p.insns, SeccompInput{read, info.audit_arch, 0, {0, 0x100000005}}).ret,
                SECCOMP_RET_ALLOW);
    }
  }
}

TEST(Compiler, AllOperatorsAgreeWithModelAroundTheirConstants) {
  std::mt19937_64 rng(7);
  const char* ops[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                       "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  std::vector<uint64_t> constants = {
      0, 1, 40, 0x7fffffff, 0xffffffff, 0x100000000, 0x123456789abcdef0, 0xffffffffffffffff};
  for (const char* op : ops) {
    for (uint64_t c : constants) {
      std::string json = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["ioctl"],
        "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": )" +
                         std::to_string(c) + R"(, "valueTwo": )" +
                         std::to_string(c & 0xff00ff00ff00ff00) + R"(, "op": ")" + op + R"("}]}]})";
      Filter f = resolve(parse_profile(json, "op.json"),
                         ResolveOptions::for_arches({Arch::X86_64, Arch::X86, Arch::X32}));
      Program p = compile(f);
      for (const auto& af : f.arches) {
        const auto& info = arch_info(af.arch);
        uint32_t nr = *SyscallTable::of(af.arch).number("ioctl");
        for (uint64_t base : {c, c ^ 0xffffffff, c ^ 0xffffffff00000000, uint64_t{0}, rng()}) {
          for (int64_t delta : {-1, 0, 1}) {
            std::array<uint64_t, 6> args{};
            args[1] = base + static_cast<uint64_t>(delta);
            if (!info.wide_args) args[1] &= 0xffffffff;
            auto model = evaluate(f, SyscallCall{info.audit_arch, nr, args});
            auto r = run(p.insns, SeccompInput{nr, info.audit_arch, 0, args});
            ASSERT_EQ(r.ret, model.action.ret())
                << op << " c=" << hex(c) << " " << info.name << " arg=" << hex(args[1]);
          }
        }
      }
    }
  }
}

TEST(Compiler, IdenticalArgumentRulesAreEmittedOnce) {
  auto one =
      R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
    {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 3, "op": "SCMP_CMP_LE"}]}]})";
  auto two =
      R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
    {"names": ["ioctl", "fcntl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 3, "op": "SCMP_CMP_LE"}]}]})";
  size_t a = compile(resolve(parse_profile(one, "1"), ResolveOptions::for_arches({Arch::X86_64})))
                 .insns.size();
  size_t b = compile(resolve(parse_profile(two, "2"), ResolveOptions::for_arches({Arch::X86_64})))
                 .insns.size();
  // The second syscall adds only its place in the number tree, not a second copy of the checks.
  EXPECT_LE(b, a + 2) << a << " vs " << b;
}

TEST(Compiler, LongProgramsGetTrampolinesAndStayCorrect) {
  // Hundreds of argument rules push targets beyond the 255-instruction reach of jt/jf.
  std::string rules;
  const auto& table = SyscallTable::of(Arch::X86_64);
  size_t count = 0;
  for (const auto& [nr, name] : table.entries()) {
    if (count++ >= 150) break;
    if (!rules.empty()) rules += ",";
    rules += R"({"names": [")" + name +
             R"("], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": )" +
             std::to_string(nr * 7) + R"(, "op": "SCMP_CMP_GT"}]})";
  }
  Filter f = resolve(
      parse_profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)" + rules + "]}", "big"),
      ResolveOptions::for_arches({Arch::X86_64}));
  Program p = compile(f);
  EXPECT_GT(p.insns.size(), 600u);
  bool has_long_jump = false;
  for (const auto& i : p.insns) has_long_jump |= i.code == (BPF_JMP | BPF_JA);
  EXPECT_TRUE(has_long_jump);
  for (const auto& [nr, sc] : f.arches[0].syscalls) {
    for (uint64_t a0 : {uint64_t{0}, uint64_t{nr} * 7, uint64_t{nr} * 7 + 1, uint64_t{1} << 40}) {
      SyscallCall c{AUDIT_ARCH_X86_64, nr, {a0}};
      ASSERT_EQ(run(p.insns, SeccompInput{nr, c.audit_arch, 0, c.args}).ret,
                evaluate(f, c).action.ret());
    }
  }
}

TEST(Compiler, ProgramsOverTheKernelLimitAreRefusedClearly) {
  std::string rules;
  const auto& table = SyscallTable::of(Arch::X86_64);
  for (const auto& [nr, name] : table.entries()) {
    for (int k = 0; k < 3; ++k) {
      if (!rules.empty()) rules += ",";
      rules += R"({"names": [")" + name + R"("], "action": "SCMP_ACT_ALLOW", "args": [{"index": )" +
               std::to_string(k) + R"(, "value": )" + std::to_string(nr * 1000 + k) +
               R"(, "op": "SCMP_CMP_LT"},
               {"index": 3, "value": 77, "op": "SCMP_CMP_NE"}]})";
    }
  }
  Filter f =
      resolve(parse_profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)" + rules + "]}",
                            "huge.json"),
              ResolveOptions::for_arches({Arch::X86_64}));
  try {
    compile(f);
    FAIL() << "expected the 4096-instruction limit to be hit";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("4096"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("huge.json"), std::string::npos) << e.what();
  }
}

TEST(Compiler, DecisionTreeKeepsPathsShort) {
  // Structural bound, not timing: a balanced tree over the default profile's ~60 runs.
  Filter f = resolve(default_profile(), ResolveOptions::for_arches({Arch::X86_64}));
  Program p = compile(f);
  double total = 0;
  size_t count = 0, worst = 0;
  for (const auto& [nr, name] : SyscallTable::of(Arch::X86_64).entries()) {
    auto r = run(p.insns, SeccompInput{nr, AUDIT_ARCH_X86_64, 0, {}});
    total += static_cast<double>(r.executed);
    worst = std::max(worst, r.executed);
    ++count;
  }
  EXPECT_LT(total / static_cast<double>(count), 12.0);
  EXPECT_LE(worst, 20u);
  EXPECT_LT(p.insns.size(), 208u);  // half of libseccomp's 415 on a Docker-equivalent profile
}

TEST(Compiler, FrequencyWeightingMovesHotSyscallsUp) {
  Filter f = resolve(default_profile(), ResolveOptions::for_arches({Arch::X86_64}));
  Program uniform = compile(f);
  CompileOptions weighted;
  weighted.weighting = TreeWeighting::Frequency;
  Program freq = compile(f, weighted);
  expect_agrees_on_all_numbers(f, freq);
  uint32_t read = *SyscallTable::of(Arch::X86_64).number("read");
  EXPECT_LE(run(freq.insns, SeccompInput{read, AUDIT_ARCH_X86_64, 0, {}}).executed,
            run(uniform.insns, SeccompInput{read, AUDIT_ARCH_X86_64, 0, {}}).executed);
}

TEST(Program, BytesRoundTripAndValidation) {
  Program p = compile(resolve(default_profile(), ResolveOptions::for_arches({Arch::X86_64})));
  Program q = Program::from_bytes(p.bytes());
  ASSERT_EQ(q.insns.size(), p.insns.size());
  EXPECT_THROW(Program::from_bytes("1234567"), Error);
  EXPECT_NE(p.c_array("filter").find("struct sock_filter filter["), std::string::npos);
  std::vector<Insn> bad = {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 64}, {BPF_RET | BPF_K, 0, 0, 0}};
  EXPECT_THROW(validate(bad), Error);  // load beyond seccomp_data
  std::vector<Insn> no_ret = {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0}};
  EXPECT_THROW(validate(no_ret), Error);
  std::vector<Insn> far = {{BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 0}, {BPF_RET | BPF_K, 0, 0, 0}};
  EXPECT_THROW(validate(far), Error);
}

}  // namespace
}  // namespace bulkhead::seccomp
