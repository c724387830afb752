// The profile reader: formats it accepts and the errors it gives for bad input.
#include "seccomp/profile.h"

#include <gtest/gtest.h>

#include "base/strings.h"
#include "seccomp/default_profile.h"

namespace bulkhead::seccomp {
namespace {

// Parses `text` expecting an Error; returns it for inspection.
Error parse_error(const std::string& text) {
  try {
    parse_profile(text, "p.json");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error for: " << text;
  return Error("none");
}

TEST(ProfileReader, ReadsDockerFormat) {
  auto p = parse_profile(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"name": "clone", "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
       "excludes": {"caps": ["CAP_SYS_ADMIN"]}, "comment": "no namespaces"},
      {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
      {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}
    ]})",
                         "p.json");
  EXPECT_EQ(p.default_action, ActionKind::Errno);
  ASSERT_EQ(p.syscalls.size(), 4u);
  EXPECT_EQ(p.syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(p.syscalls[1].names, (std::vector<std::string>{"clone"}));
  EXPECT_EQ(p.syscalls[1].args[0].op, CmpOp::MaskedEqual);
  EXPECT_EQ(p.syscalls[1].args[0].value, 2114060288u);
  EXPECT_EQ(p.syscalls[1].excludes.caps, (std::vector<std::string>{"CAP_SYS_ADMIN"}));
  EXPECT_EQ(p.syscalls[2].includes.min_kernel, "4.8");
  EXPECT_EQ(p.rule_action(p.syscalls[3]).str(), "ERRNO(13 EACCES)");
  EXPECT_EQ(p.syscalls[3].where.line, 10);
}

TEST(ProfileReader, ReadsOciSeccompObjectAndWholeConfig) {
  auto obj = parse_profile(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS",
    "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "listenerPath": "/run/l.sock", "listenerMetadata": "meta",
    "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_NOTIFY"}]})",
                           "oci.json");
  EXPECT_EQ(obj.default_action, ActionKind::KillProcess);
  EXPECT_EQ(obj.flags, (std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"}));
  EXPECT_EQ(obj.listener_path, "/run/l.sock");
  auto config = parse_profile(R"({"ociVersion": "1.1.0", "linux": {"seccomp":
    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}}})",
                              "config.json");
  ASSERT_EQ(config.syscalls.size(), 1u);
  EXPECT_EQ(config.syscalls[0].where.line, 2);
}

TEST(ProfileReader, PodmanErrnoNamesAreUnderstood) {
  auto p = parse_profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS",
    "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22, "errno": "EINVAL"}]})",
                         "podman.json");
  EXPECT_EQ(p.default_action_value().str(), "ERRNO(38 ENOSYS)");
  EXPECT_EQ(p.rule_action(p.syscalls[0]).data, 22);
}

TEST(ProfileReader, RealWorldProfilesLoadUnmodified) {
  auto def = default_profile();
  EXPECT_GT(def.syscalls.size(), 10u);
  auto podman = parse_profile(read_file("/usr/share/containers/seccomp.json"),
                              "/usr/share/containers/seccomp.json");
  EXPECT_GT(podman.syscalls.size(), 10u);
}

TEST(ProfileReader, RoundTripsThroughJson) {
  auto def = default_profile();
  auto again = parse_profile(profile_to_json(def).dump(2), "again.json");
  ASSERT_EQ(again.syscalls.size(), def.syscalls.size());
  for (size_t i = 0; i < def.syscalls.size(); ++i) {
    EXPECT_EQ(again.syscalls[i].names, def.syscalls[i].names);
    EXPECT_EQ(again.syscalls[i].args, def.syscalls[i].args);
    EXPECT_EQ(again.syscalls[i].action, def.syscalls[i].action);
  }
}

TEST(ProfileReader, MalformedJsonNamesLineAndColumn) {
  auto e = parse_error("{\n \"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [\n}");
  ASSERT_TRUE(e.where());
  EXPECT_EQ(e.where()->file, "p.json");
  EXPECT_EQ(e.where()->line, 4);
}

TEST(ProfileReader, UnknownActionNamesTheField) {
  auto e = parse_error(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [\n  {\"names\": [\"read\"],\n   "
      "\"action\": \"SCMP_ACT_MAYBE\"}]}");
  EXPECT_EQ(e.field(), "syscalls[0].action");
  ASSERT_TRUE(e.where());
  EXPECT_EQ(e.where()->line, 4);
  EXPECT_EQ(e.where()->column, 4);
  EXPECT_NE(std::string(e.what()).find("SCMP_ACT_MAYBE"), std::string::npos);
}

TEST(ProfileReader, UnknownOperatorAndArgIndexAreErrors) {
  auto op = parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"],
    "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SORTA"}]}]})");
  EXPECT_EQ(op.field(), "syscalls[0].args[0].op");
  auto index = parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"],
    "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})");
  EXPECT_EQ(index.field(), "syscalls[0].args[0].index");
  EXPECT_NE(std::string(index.what()).find("out of range"), std::string::npos);
}

TEST(ProfileReader, MisspeltKeysAreRefusedNotIgnored) {
  // "arg" instead of "args" would otherwise turn a conditional allow into an unconditional one.
  auto e = parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["clone"],
    "action": "SCMP_ACT_ALLOW", "arg": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]})");
  EXPECT_EQ(e.field(), "syscalls[0].arg");
  EXPECT_NE(std::string(e.what()).find("unknown field"), std::string::npos);
}

TEST(ProfileReader, TypeErrorsAreReported) {
  EXPECT_EQ(parse_error(R"({"defaultAction": 5})").field(), "defaultAction");
  EXPECT_EQ(parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}})").field(),
            "syscalls");
  EXPECT_EQ(
      parse_error(
          R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [1], "action": "SCMP_ACT_ALLOW"}]})")
          .field(),
      "syscalls[0].names[0]");
  EXPECT_EQ(parse_error(R"({"syscalls": []})").field(), "defaultAction");
  EXPECT_EQ(
      parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_Z80"]})")
          .field(),
      "architectures[0]");
  EXPECT_EQ(
      parse_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_MAGIC"]})")
          .field(),
      "flags[0]");
}

TEST(ProfileReader, NotifyNeedsAListener) {
  auto e = parse_error(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]})");
  EXPECT_EQ(e.field(), "listenerPath");
}

TEST(ProfileReader, ActionNames) {
  EXPECT_EQ(parse_action_kind("SCMP_ACT_KILL"), ActionKind::KillThread);
  EXPECT_EQ(parse_action_kind("SCMP_ACT_KILL_PROCESS"), ActionKind::KillProcess);
  EXPECT_EQ(parse_action_kind("SCMP_ACT_LOG"), ActionKind::Log);
  EXPECT_FALSE(parse_action_kind("SCMP_ACT_NOPE"));
  EXPECT_EQ(Action::from_ret(Action{ActionKind::Trace, 7}.ret()), (Action{ActionKind::Trace, 7}));
  EXPECT_LT(Action::kill_process().precedence(), Action::errno_(1).precedence());
  EXPECT_LT(Action::errno_(1).precedence(), Action::allow().precedence());
}

}  // namespace
}  // namespace bulkhead::seccomp
