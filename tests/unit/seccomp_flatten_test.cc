// flatten(): Docker's conditional profile turned into plain OCI seccomp must give every syscall
// the rules resolve() gives it from the original, for any container.
#include "seccomp/flatten.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/strings.h"
#include "seccomp/default_profile.h"

namespace bulkhead::seccomp {
namespace {

constexpr const char* kPodmanProfile = "/usr/share/containers/seccomp.json";

std::string describe(const ResolvedRule& r) {
  std::string out = r.action.str();
  for (const auto& a : r.args) out += " " + a.str();
  return out + (r.multiplexed ? " (mux)" : "");
}

std::vector<std::string> describe(const ResolvedSyscall& sc) {
  std::vector<std::string> out;
  for (const auto& r : sc.rules) out.push_back(describe(r));
  return out;
}

// A syscall flatten() added only to keep it a known name: one rule, the default action.
bool only_keeps_known(const ResolvedSyscall& sc, const Filter& filter) {
  return sc.rules.size() == 1 && sc.rules[0].args.empty() &&
         sc.rules[0].action == filter.default_action;
}

void expect_same_filter(const Filter& original, const Filter& flat, const std::string& label) {
  SCOPED_TRACE(label);
  EXPECT_EQ(original.default_action, flat.default_action);
  EXPECT_EQ(original.unknown_action, flat.unknown_action);
  ASSERT_EQ(original.arches.size(), flat.arches.size());
  for (size_t i = 0; i < original.arches.size(); ++i) {
    const auto& a = original.arches[i];
    const auto& b = flat.arches[i];
    SCOPED_TRACE(std::string(arch_info(a.arch).name));
    ASSERT_EQ(a.arch, b.arch);
    EXPECT_EQ(a.highest_known, b.highest_known);
    for (const auto& [nr, sc] : a.syscalls) {
      auto it = b.syscalls.find(nr);
      ASSERT_NE(it, b.syscalls.end()) << sc.name;
      EXPECT_EQ(describe(sc), describe(it->second)) << sc.name;
    }
    for (const auto& [nr, sc] : b.syscalls)
      if (!a.syscalls.count(nr)) EXPECT_TRUE(only_keeps_known(sc, flat)) << sc.name;
    for (const auto& [name, sc] : a.subcalls) {
      auto it = b.subcalls.find(name);
      ASSERT_NE(it, b.subcalls.end()) << name;
      EXPECT_EQ(describe(sc), describe(it->second)) << name;
    }
    EXPECT_EQ(a.subcalls.size(), b.subcalls.size());
  }
}

std::vector<std::pair<std::string, caps::CapSet>> cap_sets() {
  return {{"default", caps::default_container_caps()},
          {"none", caps::CapSet{}},
          {"NET_BIND_SERVICE", caps::parse_cap_list("NET_BIND_SERVICE")},
          {"SYS_ADMIN", caps::parse_cap_list("SYS_ADMIN")},
          {"SYS_PTRACE,SYS_TIME,SYSLOG", caps::parse_cap_list("SYS_PTRACE,SYS_TIME,SYSLOG")},
          {"ALL", caps::CapSet::all()}};
}

void check_profile(const Profile& profile) {
  for (Arch native : {Arch::X86_64, Arch::AArch64}) {
    for (const auto& [label, set] : cap_sets()) {
      for (auto kernel : {KernelVersion{6, 18}, KernelVersion{4, 4}}) {
        ResolveOptions options;
        options.native = native;
        options.caps = set;
        options.kernel = kernel;
        Profile flat = flatten(profile, options);
        EXPECT_TRUE(flat.arch_map.empty());
        for (const auto& rule : flat.syscalls) {
          EXPECT_TRUE(rule.includes.empty());
          EXPECT_TRUE(rule.excludes.empty());
        }
        expect_same_filter(resolve(profile, options), resolve(flat, options),
                           std::string(arch_info(native).name) + " caps " + label + " kernel " +
                               std::to_string(kernel.major) + "." + std::to_string(kernel.minor));
      }
    }
  }
}

TEST(SeccompFlatten, DefaultProfileResolvesTheSame) {
  check_profile(default_profile());
}

TEST(SeccompFlatten, PodmanProfileResolvesTheSame) {
  if (!std::ifstream(kPodmanProfile).good()) GTEST_SKIP() << kPodmanProfile << " not installed";
  check_profile(parse_profile(read_file(kPodmanProfile), kPodmanProfile));
}

TEST(SeccompFlatten, ExpandsArchMapForTheNativeArchitecture) {
  ResolveOptions options;
  options.native = Arch::X86_64;
  auto flat = flatten(default_profile(), options);
  EXPECT_EQ(flat.architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  options.native = Arch::AArch64;
  EXPECT_EQ(flatten(default_profile(), options).architectures,
            (std::vector<std::string>{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
}

TEST(SeccompFlatten, DecidesCapabilityConditions) {
  auto profile = parse_profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
    ]})",
                               "p.json");
  ResolveOptions options;
  options.native = Arch::X86_64;
  options.caps = caps::CapSet{};
  auto flat = flatten(profile, options);
  ASSERT_EQ(flat.syscalls.size(), 3u);
  EXPECT_EQ(flat.syscalls[0].names, std::vector<std::string>{"read"});
  EXPECT_EQ(flat.syscalls[1].names, std::vector<std::string>{"unshare"});
  // Errno spelled out: runc would read a missing errnoRet as EPERM.
  EXPECT_EQ(flat.syscalls[1].errno_ret, std::optional<uint16_t>(38));
  // mount's rule is gone, but mount stays a known name with the default action.
  EXPECT_EQ(flat.syscalls[2].names, std::vector<std::string>{"mount"});
  EXPECT_EQ(flat.syscalls[2].action, ActionKind::Errno);
  EXPECT_EQ(flat.syscalls[2].errno_ret, std::optional<uint16_t>(38));

  options.caps = caps::parse_cap_list("SYS_ADMIN");
  flat = flatten(profile, options);
  ASSERT_EQ(flat.syscalls.size(), 3u);
  EXPECT_EQ(flat.syscalls[1].names, std::vector<std::string>{"mount"});
  EXPECT_EQ(flat.syscalls[1].action, ActionKind::Allow);
  // unshare's rule excludes SYS_ADMIN: gone, the name kept with the default action.
  EXPECT_EQ(flat.syscalls[2].names, std::vector<std::string>{"unshare"});
  EXPECT_EQ(flat.syscalls[2].errno_ret, std::optional<uint16_t>(38));
}

TEST(SeccompFlatten, UnknownCapabilityInAConditionIsAnError) {
  auto profile = parse_profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_FLY"]}}]})",
                               "p.json");
  EXPECT_THROW(flatten(profile, ResolveOptions{}), Error);
}

}  // namespace
}  // namespace bulkhead::seccomp
