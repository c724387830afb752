// The runtime floor with the real `bulkhead run`, root and rootless: the container runtime's
// socket, the host's / mounted writable and --privileged refuse to start (with a message naming
// the check and how to allow it) before anything touches the host; --allow lets one check
// through; weaker settings warn and start; a default run says nothing; a policy file changes
// all of that, and a broken one is a located error.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

constexpr const char* kImage = "builtin:busybox";

class AuditFloor : public ::testing::TestWithParam<Privilege> {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(GetParam());
    marker_ = context_->host_dir();
    state_before_ = list_directory(context_->state_dir());
  }
  void TearDown() override {
    if (!context_) return;
    EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
  }

  // `bulkhead run -v MARKER:/marker FLAGS… builtin:busybox sh -c 'touch /marker/ran'`.
  CommandResult run(const std::vector<std::string>& flags) {
    std::vector<std::string> args = {"run", "-v", marker_ + ":/marker"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kImage, "touch", "/marker/ran"});
    return context_->bulkhead(args);
  }
  bool ran() const { return list_directory(marker_) == std::vector<std::string>{"ran"}; }

  // Refused before anything happened: non-zero, the command never ran, and the state directory
  // holds nothing new (no record, no rootless image copy).
  CommandResult refused(const std::vector<std::string>& flags) {
    CommandResult r = run(flags);
    EXPECT_NE(r.status, 0) << "started: " << r.err;
    EXPECT_FALSE(ran()) << "the command ran";
    EXPECT_EQ(list_directory(context_->state_dir()), state_before_) << "left something behind";
    return r;
  }
  CommandResult started(const std::vector<std::string>& flags) {
    CommandResult r = run(flags);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(ran()) << "the command did not run: " << r.err;
    return r;
  }

  std::unique_ptr<ContainerContext> context_;
  std::string marker_;
  std::vector<std::string> state_before_;
};

// The line the floor prints for a refused check.
std::regex refusal(const std::string& id, const std::string& severity = "critical") {
  return std::regex("bulkhead: refusing to start: " + id + " \\(" + severity +
                    "\\): .*; allow with --allow " + id + "\n");
}

TEST_P(AuditFloor, DefaultRunPrintsNothing) {
  CommandResult r = started({});
  EXPECT_EQ(r.err, "");
  // Hardened further, still nothing (and --allow of a check that is not found is harmless).
  r = started({"--read-only", "--cap-drop", "ALL", "--allow", "BH-PRIVILEGED"});
  EXPECT_EQ(r.err, "");
}

TEST_P(AuditFloor, RuntimeSocketIsRefusedWhetherOrNotItExists) {
  // Not on this host (no Docker): the floor refuses it, not a failed mount.
  CommandResult r = refused({"-v", "/var/run/docker.sock:/var/run/docker.sock"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-RUNTIME-SOCKET"))) << r.err;
  EXPECT_TRUE(contains(r.err, "/var/run/docker.sock")) << r.err;
  EXPECT_FALSE(contains(r.err, "No such file")) << r.err;
  // Read-only changes nothing: connecting to a socket is not writing to a file.
  r = refused({"-v", "/var/run/docker.sock:/var/run/docker.sock:ro"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-RUNTIME-SOCKET"))) << r.err;
  // A directory that exists and holds the runtimes' sockets (/run) counts as well.
  r = refused({"-v", "/run:/host-run:ro"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-RUNTIME-SOCKET"))) << r.err;
}

TEST_P(AuditFloor, HostRootWritableIsRefusedReadOnlyWarns) {
  CommandResult r = refused({"-v", "/:/host"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-MOUNT-HOST-ROOT-RW"))) << r.err;
  r = refused({"-v", "/:/host:rw"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-MOUNT-HOST-ROOT-RW"))) << r.err;

  r = started({"-v", "/:/host:ro"});
  EXPECT_TRUE(contains(r.err, "bulkhead: warning: BH-MOUNT-HOST-ROOT (high): ")) << r.err;
  EXPECT_FALSE(contains(r.err, "refusing")) << r.err;
}

TEST_P(AuditFloor, PrivilegedIsRefusedUnlessAllowed) {
  CommandResult r = refused({"--privileged"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-PRIVILEGED"))) << r.err;

  r = started({"--allow", "BH-PRIVILEGED", "--privileged"});
  EXPECT_TRUE(contains(r.err, "bulkhead: warning: BH-PRIVILEGED (critical): ")) << r.err;
  EXPECT_TRUE(contains(r.err, "(allowed with --allow BH-PRIVILEGED)")) << r.err;
}

TEST_P(AuditFloor, SeveralRefusalsAreListedAndEachMustBeAllowed) {
  CommandResult r = refused({"--privileged", "-v", "/:/host"});
  EXPECT_TRUE(contains(r.err, "bulkhead: refusing to start: 2 findings the audit policy enforces:"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "\n  BH-PRIVILEGED (critical): ")) << r.err;
  EXPECT_TRUE(contains(r.err, "; allow with --allow BH-MOUNT-HOST-ROOT-RW\n")) << r.err;
  // Allowing one leaves the other.
  r = refused({"--allow", "bh-privileged", "--privileged", "-v", "/:/host"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-MOUNT-HOST-ROOT-RW"))) << r.err;
}

TEST_P(AuditFloor, DangerousCapabilityWarnsAndStarts) {
  CommandResult r = started({"--cap-add", "SYS_ADMIN"});
  EXPECT_TRUE(contains(r.err, "bulkhead: warning: BH-CAP-SYSADMIN (high): ")) << r.err;
  // One line per finding, nothing else.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_P(AuditFloor, PolicyFileEnforcesOrSilences) {
  std::string enforce = context_->host_file(
      "enforce.yaml", "version: 1\nchecks:\n  BH-CAP-SYSADMIN: enforce\n  BH-RUN-AS-ROOT: off\n");
  CommandResult r = refused({"--audit-policy", enforce, "--cap-add", "SYS_ADMIN"});
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-CAP-SYSADMIN", "high"))) << r.err;
  // --allow still lifts it.
  started({"--audit-policy", enforce, "--allow", "BH-CAP-SYSADMIN", "--cap-add", "SYS_ADMIN"});

  std::string off = context_->host_file(
      "off.yaml", "version: 1\nchecks:\n  BH-CAP-SYSADMIN: off\n  BH-RUN-AS-ROOT: off\n");
  r = started({"--audit-policy", off, "--cap-add", "SYS_ADMIN"});
  EXPECT_EQ(r.err, "");
}

TEST_P(AuditFloor, MalformedPolicyIsALocatedErrorAndNothingStarts) {
  std::string policy =
      context_->host_file("broken.yaml", "version: 1\nchecks:\n  BH-CAP-SYSADMIN: refuse\n");
  CommandResult r = refused({"--audit-policy", policy});
  EXPECT_TRUE(contains(r.err, policy + ":3:20: checks.BH-CAP-SYSADMIN: unknown action")) << r.err;

  std::string unknown =
      context_->host_file("unknown.yaml", "version: 1\nchecks:\n  BH-NOPE: warn\n");
  r = refused({"--audit-policy", unknown});
  EXPECT_TRUE(contains(r.err, unknown + ":3:3: checks.BH-NOPE: unknown check id")) << r.err;

  r = refused({"--audit-policy", marker_ + "-missing.yaml"});
  EXPECT_TRUE(contains(r.err, marker_ + "-missing.yaml")) << r.err;
}

TEST_P(AuditFloor, UnknownAllowIdIsAnError) {
  CommandResult r = refused({"--allow", "BH-PRIVILEDGED", "--privileged"});
  EXPECT_TRUE(contains(r.err, "--allow: unknown check id \"BH-PRIVILEDGED\"")) << r.err;
  r = refused({"--allow", "BH-PRIVILEGED,BH-NOPE"});
  EXPECT_TRUE(contains(r.err, "BH-NOPE")) << r.err;
}

TEST_P(AuditFloor, DryRunShowsWhatWouldHappen) {
  // Refused: no spec, the same message, a failing status.
  CommandResult r = context_->bulkhead({"run", "--dry-run", "--privileged", kImage});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(std::regex_search(r.err, refusal("BH-PRIVILEGED"))) << r.err;
  // Warned: the warning, then the spec.
  r = context_->bulkhead({"run", "--dry-run", "--cap-add", "SYS_ADMIN", kImage});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "bulkhead: warning: BH-CAP-SYSADMIN (high): ")) << r.err;
  EXPECT_TRUE(contains(r.out, "\"CAP_SYS_ADMIN\"")) << r.out;
  EXPECT_EQ(list_directory(context_->state_dir()), state_before_);
}

INSTANTIATE_TEST_SUITE_P(Privileges, AuditFloor,
                         ::testing::Values(Privilege::Root, Privilege::Rootless),
                         [](const auto& info) { return privilege_name(info.param); });

}  // namespace
}  // namespace bulkhead::testing
