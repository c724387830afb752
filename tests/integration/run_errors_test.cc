// `bulkhead run` refusing what it cannot do exactly as asked, root and rootless: each bad flag
// or input is a clear error on stderr with a non-zero status, the command never runs (a bind
// mounted marker directory stays empty), and nothing is left in the state directory.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

class RunErrors : public ::testing::TestWithParam<Privilege> {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(GetParam());
    rootfs_ = context_->rootfs();
    marker_ = context_->host_dir();
  }
  void TearDown() override {
    if (!context_) return;
    EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
    CommandResult ps = context_->bulkhead({"ps", "-q"});
    EXPECT_EQ(ps.status, 0) << ps.err;
    EXPECT_EQ(ps.out, "");
  }

  // `bulkhead run FLAGS… ROOTFS touch /marker/ran`, expected to fail before the command runs.
  CommandResult run_refused(const std::vector<std::string>& flags, const std::string& rootfs = "") {
    std::vector<std::string> args = {"run", "-v", marker_ + ":/marker"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {rootfs.empty() ? rootfs_ : rootfs, "touch", "/marker/ran"});
    CommandResult r = context_->bulkhead(args);
    EXPECT_NE(r.status, 0) << "accepted: " << r.out << r.err;
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(list_directory(marker_), std::vector<std::string>{}) << "the command ran";
    return r;
  }

  std::unique_ptr<ContainerContext> context_;
  std::string rootfs_;
  std::string marker_;
};

TEST_P(RunErrors, TheMarkerCommandRunsWhenNothingIsWrong) {
  // The control for every test below: the same command line without the bad flag works.
  CommandResult r =
      context_->bulkhead({"run", "-v", marker_ + ":/marker", rootfs_, "touch", "/marker/ran"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(list_directory(marker_), std::vector<std::string>{"ran"});
}

TEST_P(RunErrors, UnknownCapability) {
  CommandResult r = run_refused({"--cap-add", "CAP_FLY"});
  EXPECT_TRUE(contains(r.err, "FLY")) << r.err;
  r = run_refused({"--cap-drop", "NET_RAW,BOGUS"});
  EXPECT_TRUE(contains(r.err, "BOGUS")) << r.err;
}

TEST_P(RunErrors, UnknownSecurityOption) {
  CommandResult r = run_refused({"--security-opt", "bogus-key=1"});
  EXPECT_TRUE(contains(r.err, "bogus-key")) << r.err;
  r = run_refused({"--security-opt", "no-new-privileges=maybe"});
  EXPECT_TRUE(contains(r.err, "maybe")) << r.err;
}

TEST_P(RunErrors, MalformedSeccompProfileNamesFileLineAndColumn) {
  // The comma after the first member is missing: the error is on line 3 (the column is where
  // the JSON parser stopped, at the end of the unexpected "syscalls").
  std::string profile = context_->host_file("broken.json", R"({
  "defaultAction": "SCMP_ACT_ERRNO"
  "syscalls": []
}
)");
  CommandResult r = run_refused({"--security-opt", "seccomp=" + profile});
  EXPECT_TRUE(std::regex_search(r.err, std::regex(profile + ":3:[0-9]+: "))) << r.err;
  EXPECT_TRUE(contains(r.err, "JSON")) << r.err;
}

TEST_P(RunErrors, SeccompProfileThatIsMissing) {
  CommandResult r = run_refused({"--security-opt", "seccomp=/nonexistent/profile.json"});
  EXPECT_TRUE(contains(r.err, "/nonexistent/profile.json")) << r.err;
}

TEST_P(RunErrors, UnsupportedNetwork) {
  CommandResult r = run_refused({"--network", "bridge"});
  EXPECT_TRUE(contains(r.err, "bridge")) << r.err;
}

TEST_P(RunErrors, UserByName) {
  CommandResult r = run_refused({"--user", "nobody"});
  EXPECT_TRUE(contains(r.err, "nobody")) << r.err;
}

TEST_P(RunErrors, BadMemoryValue) {
  CommandResult r = run_refused({"--memory", "lots"});
  EXPECT_TRUE(contains(r.err, "lots")) << r.err;
}

TEST_P(RunErrors, AppArmorProfileWithoutAppArmor) {
  // This machine has no AppArmor: asking for a profile cannot be honoured.
  CommandResult r = run_refused({"--security-opt", "apparmor=foo"});
  EXPECT_TRUE(contains(r.err, "AppArmor") || contains(r.err, "apparmor")) << r.err;
}

TEST_P(RunErrors, SelinuxLabelWithoutSelinux) {
  CommandResult r = run_refused({"--security-opt", "label=type:x"});
  EXPECT_TRUE(contains(r.err, "SELinux") || contains(r.err, "selinux")) << r.err;
}

TEST_P(RunErrors, MissingRootfs) {
  std::string missing = marker_ + "-no-such-rootfs";
  CommandResult r = run_refused({}, missing);
  EXPECT_TRUE(contains(r.err, missing)) << r.err;
}

TEST_P(RunErrors, BadBindMountSource) {
  CommandResult r = run_refused({"-v", "/nonexistent/source:/data"});
  EXPECT_TRUE(contains(r.err, "/nonexistent/source")) << r.err;
}

TEST_P(RunErrors, CommandNotFoundIs127) {
  CommandResult r = context_->bulkhead({"run", rootfs_, "/bin/no-such-command", "arg"});
  EXPECT_EQ(r.status, 127);
  EXPECT_TRUE(contains(r.err, "no-such-command")) << r.err;
  r = context_->bulkhead({"run", rootfs_, "no-such-command-on-path"});
  EXPECT_EQ(r.status, 127);
  EXPECT_TRUE(contains(r.err, "no-such-command-on-path")) << r.err;
}

TEST_P(RunErrors, CommandNotExecutableIs126) {
  // docker run: 126 when the file exists but cannot be executed.
  write_text_file(rootfs_ + "/data.txt", "not a program\n", 0644, context_->uid(), context_->gid());
  CommandResult r = context_->bulkhead({"run", rootfs_, "/data.txt"});
  EXPECT_EQ(r.status, 126) << r.err;
  EXPECT_TRUE(contains(r.err, "/data.txt")) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Privileges, RunErrors,
                         ::testing::Values(Privilege::Root, Privilege::Rootless),
                         [](const auto& info) { return privilege_name(info.param); });

}  // namespace
}  // namespace bulkhead::testing
