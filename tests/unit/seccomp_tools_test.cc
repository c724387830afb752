// The library halves of the `bulkhead seccomp` tools: disassembler, diff, stats, explanations.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <regex>
#include <set>

#include "base/strings.h"
#include "seccomp/compiler.h"
#include "seccomp/default_profile.h"
#include "seccomp/diff.h"
#include "seccomp/disasm.h"
#include "seccomp/explain.h"
#include "seccomp/stats.h"

namespace bulkhead::seccomp {
namespace {

Filter tiny_filter(std::string_view json, std::vector<Arch> arches = {Arch::X86_64}) {
  return resolve(parse_profile(json, "tiny.json"), ResolveOptions::for_arches(std::move(arches)));
}

Insn stmt(uint16_t code, uint32_t k) {
  return {code, 0, 0, k};
}
Insn jump(uint16_t op, uint32_t k, uint8_t jt, uint8_t jf) {
  return {static_cast<uint16_t>(BPF_JMP | op | BPF_K), jt, jf, k};
}
constexpr uint32_t kArg0Lo = offsetof(struct seccomp_data, args);

std::vector<std::string> lines_of(const std::string& text) {
  auto lines = split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// ---------------------------------------------------------------------------------------------
// disassemble

// A hand-made program, so the listing is checked independently of the compiler: 11 is munmap
// on x86_64 but execve on x86, which only comes out right if the arch blocks are tracked.
Program two_arch_program() {
  return Program{{
      stmt(BPF_LD | BPF_W | BPF_ABS, 4),                // 0 ld [arch]
      jump(BPF_JEQ, AUDIT_ARCH_X86_64, 0, 5),           // 1 -> 7
      stmt(BPF_LD | BPF_W | BPF_ABS, 0),                // 2 ld [nr]
      jump(BPF_JEQ, 59, 2, 0),                          // 3 execve -> 6
      jump(BPF_JEQ, 11, 1, 0),                          // 4 munmap -> 6
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),         // 5
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),     // 6
      jump(BPF_JEQ, AUDIT_ARCH_I386, 0, 6),             // 7 -> 14
      stmt(BPF_LD | BPF_W | BPF_ABS, 0),                // 8 ld [nr]
      jump(BPF_JEQ, 11, 0, 4),                          // 9 execve -> 14
      stmt(BPF_LD | BPF_W | BPF_ABS, kArg0Lo),          // 10 ld [arg0.lo]
      jump(BPF_JSET, 0x7e020000, 0, 1),                 // 11 -> 13
      stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),  // 12
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),         // 13
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),     // 14
  }};
}

TEST(Disassemble, NamesArchesSyscallsActionsAndLabels) {
  auto lines = lines_of(disassemble(two_arch_program()));
  ASSERT_EQ(lines.size(), 15u);
  auto expect_line = [&](size_t i, std::vector<std::string> parts) {
    for (const auto& part : parts)
      EXPECT_NE(lines[i].find(part), std::string::npos)
          << "line " << i << ": " << lines[i] << "\nmissing: " << part;
  };
  expect_line(0, {"0", "ld [arch]"});
  expect_line(1, {"jeq #0xc000003e (x86_64)", "jt next", "jf L7"});
  expect_line(2, {"ld [nr]"});
  expect_line(3, {"jeq #59 (execve)", "jt L6", "jf next"});
  expect_line(4, {"jeq #11 (munmap)", "jt L6"});
  expect_line(5, {"ret ALLOW"});
  expect_line(6, {"L6:", "ret ERRNO(1 EPERM)"});
  expect_line(7, {"L7:", "jeq #0x40000003 (x86)", "jf L14"});
  expect_line(9, {"jeq #11 (execve)"});
  expect_line(10, {"ld [arg0.lo]", "; execve"});
  expect_line(11, {"jset #0x7e020000", "jf L13"});
  expect_line(12, {"ret KILL_PROCESS"});
  expect_line(14, {"L14:", "ret ERRNO(1 EPERM)"});
  // Only jump targets get labels.
  EXPECT_EQ(lines[2].find("L2:"), std::string::npos);
  EXPECT_EQ(lines[5].find("L5:"), std::string::npos);
}

TEST(Disassemble, MarksJumpsOutOfRangeAndUnknownReturns) {
  Program broken{{stmt(BPF_LD | BPF_W | BPF_ABS, 0), jump(BPF_JEQ, 1, 9, 0),
                  stmt(BPF_RET | BPF_K, 0x00ab0000)}};
  auto lines = lines_of(disassemble(broken));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find("L11 (out of range)"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("unknown action"), std::string::npos) << lines[2];
}

TEST(Disassemble, CompiledDefaultHasOneLinePerInstructionAndEveryLabelDefined) {
  Filter f =
      resolve(default_profile(), ResolveOptions::for_arches({Arch::X86_64, Arch::X86, Arch::X32}));
  Program p = compile(f);
  std::string text = disassemble(p);
  auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), p.insns.size());
  std::set<std::string> defined;
  std::set<std::string> used;
  std::regex def(R"(^(L\d+):)");
  std::regex use(R"((?:jt |jf |ja )(L\d+))");
  for (const auto& line : lines) {
    std::smatch m;
    if (std::regex_search(line, m, def)) defined.insert(m[1]);
    for (auto it = std::sregex_iterator(line.begin(), line.end(), use);
         it != std::sregex_iterator(); ++it)
      used.insert((*it)[1]);
  }
  EXPECT_FALSE(used.empty());
  EXPECT_EQ(defined, used);
  // Comparisons in the x86_64 and x86 blocks are named from their own tables.
  EXPECT_NE(text.find("(x86_64)"), std::string::npos);
  EXPECT_NE(text.find("(x86)"), std::string::npos);
  EXPECT_NE(text.find("ld [arg0.lo]  ; clone"), std::string::npos) << text;
  EXPECT_NE(text.find("ld [arg0.lo]  ; socket"), std::string::npos) << text;
  EXPECT_NE(text.find("ret ERRNO(38 ENOSYS)"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// diff_filters

constexpr std::string_view kProfileA = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["read", "write", "close"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}
  ]
})";

// `text` with the first `from` replaced by `to`; the test is broken if `from` is missing.
std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  size_t at = out.find(from);
  if (at == std::string::npos) throw std::logic_error("test profile lacks " + std::string(from));
  return out.replace(at, from.size(), to);
}

TEST(Diff, IdenticalProfilesAreEmpty) {
  Filter a = tiny_filter(kProfileA, {Arch::X86_64, Arch::X86});
  Filter b = tiny_filter(kProfileA, {Arch::X86_64, Arch::X86});
  FilterDiff d = diff_filters(a, b);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(format_diff(d), "");
  Filter def =
      resolve(default_profile(), ResolveOptions::for_arches({Arch::X86_64, Arch::X86, Arch::X32}));
  EXPECT_TRUE(diff_filters(def, def).empty());
}

TEST(Diff, FindsAChangedUnconditionalAction) {
  std::string changed = replaced(kProfileA, R"("read", "write", "close")", R"("read", "close")");
  Filter a = tiny_filter(kProfileA);
  Filter b = tiny_filter(changed);
  FilterDiff d = diff_filters(a, b);
  ASSERT_EQ(d.entries.size(), 1u) << format_diff(d);
  EXPECT_EQ(d.entries[0].syscall, "write");
  EXPECT_EQ(d.entries[0].a, Action::allow());
  EXPECT_EQ(d.entries[0].b, Action::errno_(1));
  EXPECT_TRUE(d.entries[0].cases.empty());
  EXPECT_EQ(format_diff(d), "x86_64 write: A=ALLOW B=ERRNO(1 EPERM)\n");
}

TEST(Diff, FindsAChangedArgumentRule) {
  // B's mask leaves out CLONE_NEWUSER (0x10000000): only that flag is treated differently.
  std::string changed = replaced(kProfileA, "2114060288", std::to_string(0x7e020000 & ~0x10000000));
  Filter a = tiny_filter(kProfileA);
  Filter b = tiny_filter(changed);
  FilterDiff d = diff_filters(a, b);
  ASSERT_EQ(d.entries.size(), 1u) << format_diff(d);
  const DiffEntry& e = d.entries[0];
  EXPECT_EQ(e.syscall, "clone");
  EXPECT_EQ(e.arg_indices, std::vector<unsigned>{0});
  EXPECT_EQ(e.a, Action::errno_(1));
  EXPECT_EQ(e.b, Action::allow());
  ASSERT_FALSE(e.cases.empty());
  for (const auto& args : e.cases) {
    EXPECT_TRUE(args[0] & 0x10000000) << hex(args[0]);
    EXPECT_FALSE(args[0] & 0x6e020000) << hex(args[0]);
  }
  EXPECT_NE(format_diff(d).find("x86_64 clone: arg0=0x10000000"), std::string::npos)
      << format_diff(d);
  EXPECT_NE(format_diff(d).find("A=ERRNO(1 EPERM) B=ALLOW"), std::string::npos);
}

TEST(Diff, ReportsDefaultActionAndArchitectures) {
  std::string changed = replaced(kProfileA, "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS");
  FilterDiff d = diff_filters(tiny_filter(kProfileA, {Arch::X86_64, Arch::X86}),
                              tiny_filter(changed, {Arch::X86_64}));
  ASSERT_TRUE(d.default_action.has_value());
  EXPECT_EQ(d.default_action->second, Action::kill_process());
  ASSERT_TRUE(d.arches.has_value());
  std::string text = format_diff(d);
  EXPECT_NE(text.find("defaultAction: A=ERRNO(1 EPERM) B=KILL_PROCESS"), std::string::npos);
  EXPECT_NE(text.find("architectures: A=x86_64,x86 B=x86_64"), std::string::npos);
  // Unnamed syscalls below the highest named one (clone) differ now; named ones do not.
  EXPECT_NE(text.find("x86_64 open: A=ERRNO(1 EPERM) B=KILL_PROCESS"), std::string::npos);
  EXPECT_EQ(text.find("x86_64 read:"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// compute_stats

TEST(Stats, AgreeWithTheEmulatorOnATinyProfile) {
  Filter f = tiny_filter(kProfileA);
  Program p = compile(f);
  ProgramStats s = compute_stats(f, p);
  EXPECT_EQ(s.length, p.insns.size());
  ASSERT_EQ(s.arches.size(), 1u);
  const ArchStats& a = s.arches[0];
  const auto& table = SyscallTable::of(Arch::X86_64);
  ASSERT_EQ(a.syscalls.size(), table.entries().size());

  double total = 0, total_allowed = 0;
  size_t max = 0, allowed = 0;
  for (const auto& cost : a.syscalls) {
    auto r = run(p.insns, SeccompInput{cost.nr, AUDIT_ARCH_X86_64, 0, {}});
    EXPECT_EQ(cost.executed, r.executed) << cost.name;
    EXPECT_EQ(cost.ret, r.ret) << cost.name;
    total += static_cast<double>(r.executed);
    max = std::max(max, r.executed);
    if (r.ret == SECCOMP_RET_ALLOW) {
      ++allowed;
      total_allowed += static_cast<double>(r.executed);
    }
  }
  EXPECT_DOUBLE_EQ(a.summary.mean_executed, total / static_cast<double>(a.syscalls.size()));
  EXPECT_EQ(a.summary.max_executed, max);
  // read, write, close; clone with zero flags too (but it is conditional).
  EXPECT_EQ(allowed, 4u);
  EXPECT_EQ(a.summary.allowed, 4u);
  EXPECT_DOUBLE_EQ(a.summary.mean_executed_allowed, total_allowed / 4);
  EXPECT_EQ(a.summary.unconditional_allows, 3u);
  EXPECT_EQ(a.summary.cacheable_allows, 3u);
  EXPECT_TRUE(a.summary.not_cacheable.empty());
  EXPECT_EQ(s.overall.numbers, a.summary.numbers);
  ASSERT_NE(a.find("clone"), nullptr);
  EXPECT_FALSE(a.find("clone")->unconditional_allow);
  EXPECT_TRUE(a.find("read")->cacheable);
}

TEST(Stats, WorkOnAForeignProgramAndListWhatIsNotCacheable) {
  // A hand-made program for the tiny profile's x86_64 model that loads arg0 before allowing
  // anything: right answers, but nothing the kernel can cache.
  Filter f = tiny_filter(kProfileA);
  Program p{{
      stmt(BPF_LD | BPF_W | BPF_ABS, 4),                // 0
      jump(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0),           // 1 -> 3
      stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),  // 2
      stmt(BPF_LD | BPF_W | BPF_ABS, kArg0Lo),          // 3
      stmt(BPF_LD | BPF_W | BPF_ABS, 0),                // 4
      jump(BPF_JEQ, 0, 3, 0),                           // 5 read -> 9
      jump(BPF_JEQ, 1, 2, 0),                           // 6 write -> 9
      jump(BPF_JEQ, 3, 1, 0),                           // 7 close -> 9
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),     // 8
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),         // 9
  }};
  validate(p.insns);
  ProgramStats s = compute_stats(f, p);
  EXPECT_EQ(s.length, 10u);
  EXPECT_EQ(s.overall.unconditional_allows, 3u);
  EXPECT_EQ(s.overall.cacheable_allows, 0u);
  EXPECT_EQ(s.overall.not_cacheable,
            (std::vector<std::string>{"x86_64:read", "x86_64:write", "x86_64:close"}));
  EXPECT_EQ(s.overall.max_executed, 8u);  // close: 0,1,3,4,5,6,7,9
  EXPECT_NE(format_stats(s).find("0 of 3 unconditionally allowed syscalls cacheable"),
            std::string::npos);
  EXPECT_NE(format_stats(s).find("not cacheable: x86_64:read, x86_64:write, x86_64:close"),
            std::string::npos);
  EXPECT_EQ(stats_to_json(s)["overall"]["cacheable_allows"], 0);
}

// ---------------------------------------------------------------------------------------------
// explain_verdict

TEST(Explain, NamesTheRuleItsPlaceAndTheOtherOrigins) {
  Profile profile = parse_profile(kProfileA, "tiny.json");
  Filter f = resolve(profile, ResolveOptions::for_arches({Arch::X86_64}));
  auto explain = [&](uint32_t nr, uint64_t arg0, uint32_t arch = AUDIT_ARCH_X86_64) {
    SyscallCall call{arch, nr, {arg0}};
    return explain_verdict(profile, f, call, evaluate(f, call));
  };
  EXPECT_EQ(explain(1, 0), "syscalls[0] (names: read, write, close) at tiny.json:4");
  EXPECT_EQ(explain(56, 0),
            "syscalls[1] (names: clone; args: arg0 & 0x7e020000 == 0x0) at tiny.json:5");
  EXPECT_EQ(explain(56, 0x10000000), "defaultAction (no rule for clone matches these arguments)");
  // Numbers up to clone (56), the highest the profile names, get the default action.
  EXPECT_EQ(explain(2, 0), "defaultAction (the profile has no rule for open)");
  EXPECT_EQ(explain(1, 0, AUDIT_ARCH_I386), "bad architecture (the filter covers x86_64)");
  std::string unknown = explain(1000, 0);
  EXPECT_EQ(unknown.rfind("unknown syscall number above the profile (ENOSYS)", 0), 0u) << unknown;
  auto j = explain_verdict_json(profile, f, SyscallCall{AUDIT_ARCH_X86_64, 1, {}},
                                evaluate(f, SyscallCall{AUDIT_ARCH_X86_64, 1, {}}));
  EXPECT_EQ(j["origin"], "rule");
  EXPECT_EQ(j["rule"]["index"], 0);
  EXPECT_EQ(j["rule"]["line"], 4);
}

}  // namespace
}  // namespace bulkhead::seccomp
