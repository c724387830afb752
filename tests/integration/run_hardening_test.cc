// `bulkhead run`'s hardening, seen from inside real containers started with the built binary:
// the capability sets, no_new_privs, the seccomp filter and the id map a process actually has,
// and attacks that must fail. Every test that applies to both runs as root and rootless (the
// bulkhead-test user, with its subordinate id range).
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "caps/capabilities.h"
#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

constexpr uint64_t kNetBindServiceBit = uint64_t{1} << 10;

// The first subordinate range /etc/subuid gives `user` (start), as bulkhead reads it.
std::optional<uint32_t> subuid_start(const std::string& user, uid_t uid) {
  std::istringstream lines(read_text_file("/etc/subuid"));
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string field; std::getline(parts, field, ':');) fields.push_back(field);
    if (fields.size() != 3) continue;
    if (fields[0] != user && fields[0] != std::to_string(uid)) continue;
    if (std::stoull(fields[2]) < 65536) continue;
    return static_cast<uint32_t>(std::stoull(fields[1]));
  }
  return std::nullopt;
}

class RunHardening : public ::testing::TestWithParam<Privilege> {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(GetParam());
  }
  void TearDown() override {
    if (context_) {
      EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
    }
  }

  // The uid, inside the container, of a file `container_uid` owns: in a rootless container
  // that uid lives in the subordinate range.
  uid_t host_uid_of(uid_t container_uid) {
    if (!context_->rootless()) return container_uid;
    if (container_uid == 0) return context_->uid();
    auto start = subuid_start("bulkhead-test", context_->uid());
    if (!start) throw std::runtime_error("bulkhead-test has no /etc/subuid range");
    return *start + container_uid - 1;
  }

  std::unique_ptr<ContainerContext> context_;
};

TEST_P(RunHardening, DefaultProcessHasTheDefaultCapsNoNewPrivsAndSeccomp) {
  std::string rootfs = context_->rootfs();
  CommandResult r =
      context_->run_sh({}, rootfs, "cat /proc/self/status; echo UIDMAP; cat /proc/self/uid_map");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string status = r.out.substr(0, r.out.find("UIDMAP"));
  std::string uid_map = r.out.substr(r.out.find("UIDMAP") + 7);

  uint64_t expected = caps::default_container_caps().mask();
  EXPECT_EQ(status_hex(status, "CapEff"), expected) << status;
  EXPECT_EQ(status_hex(status, "CapPrm"), expected) << status;
  EXPECT_EQ(status_hex(status, "CapBnd"), expected) << status;
  EXPECT_EQ(status_hex(status, "CapAmb"), 0u) << status;
  EXPECT_EQ(status_field(status, "NoNewPrivs"), "1");
  EXPECT_EQ(status_field(status, "Seccomp"), "2");  // SECCOMP_MODE_FILTER

  if (context_->rootless()) {
    auto start = subuid_start("bulkhead-test", context_->uid());
    ASSERT_TRUE(start.has_value()) << "the test user has no /etc/subuid range";
    EXPECT_EQ(normalize_id_map(uid_map), "0 " + std::to_string(context_->uid()) + " 1\n1 " +
                                             std::to_string(*start) + " 65536\n");
  } else {
    // No user namespace: the initial one's identity map.
    EXPECT_EQ(normalize_id_map(uid_map), "0 0 4294967295\n");
  }
}

TEST_P(RunHardening, TheUltimateCommandLeavesOnlyNetBindService) {
  // The seed's ultimate command: a root process that can bind low ports and nothing else.
  std::string rootfs = context_->rootfs();
  // A root-only secret of another user: reading it needs CAP_DAC_OVERRIDE (or DAC_READ_SEARCH).
  write_text_file(rootfs + "/home/secret", "s3cret\n", 0600, host_uid_of(1234), host_uid_of(1234));
  std::vector<std::string> flags = {"--cap-drop=ALL", "--cap-add=NET_BIND_SERVICE",
                                    "--security-opt", "no-new-privileges"};
  CommandResult r = context_->run_sh(flags, rootfs, R"sh(
    cat /proc/self/status
    echo "bind80: $(bulkhead_probe bind 80)"
    touch /tmp/f
    chown 1234 /tmp/f 2>/dev/null && echo "chown: OK" || echo "chown: failed"
    mknod /tmp/null c 1 3 2>/dev/null && echo "mknod: OK" || echo "mknod: failed"
    cat /home/secret >/dev/null 2>&1 && echo "read-other: OK" || echo "read-other: failed"
    echo "setuid-nobody: $(bulkhead_probe ptrace-attach)"
    echo "reboot: $(bulkhead_probe reboot)"
  )sh");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(status_hex(r.out, "CapEff"), kNetBindServiceBit) << r.out;
  EXPECT_EQ(status_hex(r.out, "CapPrm"), kNetBindServiceBit) << r.out;
  EXPECT_EQ(status_hex(r.out, "CapBnd"), kNetBindServiceBit) << r.out;
  EXPECT_EQ(status_hex(r.out, "CapAmb"), 0u) << r.out;
  EXPECT_EQ(status_field(r.out, "NoNewPrivs"), "1");
  EXPECT_EQ(status_field(r.out, "Seccomp"), "2");
  auto results = parse_results(r.out);
  EXPECT_EQ(results["bind80"], "OK") << "root in the container binds port 80";
  EXPECT_EQ(results["chown"], "failed") << "chown to another uid needs CAP_CHOWN";
  EXPECT_EQ(results["mknod"], "failed") << "mknod needs CAP_MKNOD";
  EXPECT_EQ(results["read-other"], "failed") << "another uid's 0600 file needs DAC_OVERRIDE";
  // Without CAP_SETUID the probe's child cannot even become another user to be attached to.
  EXPECT_EQ(results["setuid-nobody"], "SETUP-FAILED");
  EXPECT_EQ(results["reboot"], "EPERM");
}

TEST_P(RunHardening, TheUltimateCommandCannotSignalAnotherUsersProcess) {
  // CAP_KILL is what signalling another uid's process takes: start one as uid 1234 with
  // `bulkhead exec -u` and try to kill it from the container's root.
  std::string rootfs = context_->rootfs();
  auto container =
      context_->start({"run", "--name", "ultimate", "--cap-drop=ALL", "--cap-add=NET_BIND_SERVICE",
                       "--security-opt", "no-new-privileges", rootfs, "sleep", "60"});
  ASSERT_TRUE(poll_until([&] {
    return context_->bulkhead({"exec", "ultimate", "true"}).status == 0 || container->exited();
  })) << "the container did not start";
  ASSERT_FALSE(container->exited()) << container->wait().err;
  auto other = context_->start({"exec", "-u", "1234", "ultimate", "sleep", "61"});
  const std::string find_other =
      R"(ps -o pid,user,args | awk '$2 == "1234" && /sleep 61/ {print $1}')";
  std::string pid;
  ASSERT_TRUE(poll_until([&] {
    CommandResult found = context_->bulkhead({"exec", "ultimate", "sh", "-c", find_other});
    pid = found.out.substr(0, found.out.find('\n'));
    return !pid.empty() || other->exited();
  })) << "the uid 1234 process did not start";
  ASSERT_FALSE(pid.empty()) << other->wait().err;

  CommandResult killed = context_->bulkhead({"exec", "ultimate", "kill", pid});
  EXPECT_NE(killed.status, 0);
  EXPECT_TRUE(contains(killed.err, "Operation not permitted")) << killed.err;
  EXPECT_FALSE(other->exited()) << "the uid 1234 process was killed";

  ASSERT_EQ(context_->bulkhead({"kill", "ultimate"}).status, 0);
  EXPECT_EQ(container->wait().status, 128 + SIGKILL);
  other->wait();
}

TEST_P(RunHardening, AttacksFailInADefaultContainer) {
  std::string rootfs = context_->rootfs();
  CommandResult r = context_->run_sh({}, rootfs, R"sh(
    for probe in ptrace-attach keyctl bpf reboot init_module finit_module open_by_handle_at \
                 unshare-user unshare-mount mount-tmpfs; do
      echo "$probe: $(bulkhead_probe $probe)"
    done
    mount -t tmpfs none /tmp 2>/dev/null && echo "busybox-mount: OK" || echo "busybox-mount: failed"
    unshare -U true 2>/dev/null && echo "busybox-unshare-U: OK" || echo "busybox-unshare-U: failed"
    unshare -m true 2>/dev/null && echo "busybox-unshare-m: OK" || echo "busybox-unshare-m: failed"
    echo h 2>/dev/null >/proc/sysrq-trigger && echo "sysrq: OK" || echo "sysrq: failed"
    echo bulkhead 2>/dev/null >/proc/sys/kernel/domainname && echo "sysctl: OK" || echo "sysctl: failed"
    for masked in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
      if [ -e $masked ]; then
        echo "$masked: size=$(stat -c %s $masked) bytes=$(head -c 64 $masked 2>/dev/null | wc -c)"
      else
        echo "$masked: absent"
      fi
    done
    echo "sys-mount: $(awk '$2 == "/sys" {print $4}' /proc/mounts | cut -d, -f1)"
    touch /sys/bulkhead-probe 2>/dev/null && echo "sys-write: OK" || echo "sys-write: failed"
  )sh");
  ASSERT_EQ(r.status, 0) << r.err;
  auto results = parse_results(r.out);
  // Each of these is refused by the seccomp filter or for want of a capability; both give EPERM.
  for (const char* probe :
       {"ptrace-attach", "keyctl", "bpf", "reboot", "init_module", "finit_module",
        "open_by_handle_at", "unshare-user", "unshare-mount", "mount-tmpfs"}) {
    EXPECT_EQ(results[probe], "EPERM") << probe << "\n" << r.out;
  }
  EXPECT_EQ(results["busybox-mount"], "failed");
  EXPECT_EQ(results["busybox-unshare-U"], "failed");
  EXPECT_EQ(results["busybox-unshare-m"], "failed");
  EXPECT_EQ(results["sysrq"], "failed");
  EXPECT_EQ(results["sysctl"], "failed");
  // Masked files read as empty; a file this kernel does not have must stay absent (masking must
  // not create it).
  for (const std::string masked :
       {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"}) {
    struct stat info {};
    bool on_host = stat(masked.c_str(), &info) == 0;
    EXPECT_EQ(results[masked], on_host ? "size=0 bytes=0" : "absent") << masked << "\n" << r.out;
  }
  EXPECT_EQ(results["sys-mount"], "ro");
  EXPECT_EQ(results["sys-write"], "failed");
}

TEST_P(RunHardening, SeccompIsWhatRefusesKeyctlAndUserNamespaces) {
  // The contrast for the test above: these two need no capability, so without the seccomp
  // filter the container's root may make them.
  std::string rootfs = context_->rootfs();
  const std::string script =
      R"sh(echo "keyctl: $(bulkhead_probe keyctl)"; echo "unshare-user: $(bulkhead_probe unshare-user)")sh";
  CommandResult filtered = context_->run_sh({}, rootfs, script);
  ASSERT_EQ(filtered.status, 0) << filtered.err;
  EXPECT_EQ(filtered.out, "keyctl: EPERM\nunshare-user: EPERM\n");
  CommandResult unfiltered =
      context_->run_sh({"--security-opt", "seccomp=unconfined"}, rootfs, script);
  ASSERT_EQ(unfiltered.status, 0) << unfiltered.err;
  EXPECT_EQ(unfiltered.out, "keyctl: OK\nunshare-user: OK\n");
}

TEST_P(RunHardening, ProcSysAndSysrqAreReadOnlyMounts) {
  // The writes above fail; here the reason: read-only mounts, not just file permissions.
  std::string rootfs = context_->rootfs();
  CommandResult r = context_->run_sh({}, rootfs, R"sh(
    echo h >/proc/sysrq-trigger
    echo bulkhead >/proc/sys/kernel/domainname
    touch /sys/bulkhead-probe
    true
  )sh");
  ASSERT_EQ(r.status, 0) << r.err;
  struct stat info {};
  if (stat("/proc/sysrq-trigger", &info) == 0) {  // this kernel may be built without it
    EXPECT_TRUE(contains(r.err, "can't create /proc/sysrq-trigger: Read-only file system"))
        << r.err;
  }
  EXPECT_TRUE(contains(r.err, "can't create /proc/sys/kernel/domainname: Read-only file system"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "/sys/bulkhead-probe: Read-only file system")) << r.err;
}

TEST_P(RunHardening, SetuidBinaryCannotRaisePrivilegesUnderNoNewPrivs) {
  std::string rootfs = context_->rootfs();
  // Owned by the container's root (the test user's uid, rootless) and setuid.
  install_probe(rootfs, "/bin/suid_probe", 04755, host_uid_of(0), host_uid_of(0));
  struct stat info {};
  ASSERT_EQ(stat((rootfs + "/bin/suid_probe").c_str(), &info), 0);
  ASSERT_TRUE(info.st_mode & S_ISUID);

  CommandResult confined =
      context_->bulkhead({"run", "--user", "1000", rootfs, "/bin/suid_probe", "ids"});
  ASSERT_EQ(confined.status, 0) << confined.err;
  EXPECT_EQ(confined.out, "uid=1000 euid=1000 suid=1000\n") << "no_new_privs ignores setuid";
  CommandResult setuid_call =
      context_->bulkhead({"run", "--user", "1000", rootfs, "bulkhead_probe", "setuid-root"});
  EXPECT_EQ(setuid_call.out, "EPERM\n") << setuid_call.err;

  // The contrast: with no_new_privs turned off the setuid bit works again. As root without a
  // user namespace that makes the process root on the host too (with the container's bounding
  // set); rootless, the container's root is the invoking user, so nothing is gained on the host.
  CommandResult unconfined =
      context_->bulkhead({"run", "--user", "1000", "--security-opt", "no-new-privileges=false",
                          rootfs, "/bin/suid_probe", "ids"});
  ASSERT_EQ(unconfined.status, 0) << unconfined.err;
  EXPECT_EQ(unconfined.out, "uid=1000 euid=0 suid=0\n");
}

TEST_P(RunHardening, NonRootUserHasNoCapabilities) {
  std::string rootfs = context_->rootfs();
  CommandResult r =
      context_->bulkhead({"run", "--user", "1000:1000", rootfs, "cat", "/proc/self/status"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(status_hex(r.out, "CapEff"), 0u);
  EXPECT_EQ(status_hex(r.out, "CapPrm"), 0u);
  EXPECT_EQ(status_hex(r.out, "CapAmb"), 0u);
  EXPECT_EQ(status_hex(r.out, "CapBnd"), caps::default_container_caps().mask());
  EXPECT_EQ(status_field(r.out, "NoNewPrivs"), "1");
  EXPECT_EQ(status_field(r.out, "Seccomp"), "2");
  EXPECT_TRUE(contains(status_field(r.out, "Uid"), "1000"));
}

INSTANTIATE_TEST_SUITE_P(Privileges, RunHardening,
                         ::testing::Values(Privilege::Root, Privilege::Rootless),
                         [](const auto& info) { return privilege_name(info.param); });

// Root asking for --userns=auto: container root is an unprivileged host uid.
TEST(RunHardeningUserns, RootWithUsernsAutoMapsRootToAnUnprivilegedRange) {
  BULKHEAD_REQUIRE_CONTAINERS();
  ContainerContext context(Privilege::Root);
  std::string rootfs = context.rootfs();
  CommandResult r = context.run_sh({"--userns=auto"}, rootfs,
                                   "cat /proc/self/status; echo UIDMAP; cat /proc/self/uid_map");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string status = r.out.substr(0, r.out.find("UIDMAP"));
  std::istringstream map(normalize_id_map(r.out.substr(r.out.find("UIDMAP") + 7)));
  uint64_t inside = 1, outside = 0, count = 0;
  map >> inside >> outside >> count;
  EXPECT_EQ(inside, 0u);
  EXPECT_GE(outside, 65536u) << "container root must not be a host system or user account uid";
  EXPECT_GE(count, 65536u);
  std::string rest;
  EXPECT_FALSE(map >> rest) << "a single range";
  EXPECT_EQ(status_hex(status, "CapEff"), caps::default_container_caps().mask());
  EXPECT_EQ(status_field(status, "NoNewPrivs"), "1");
  EXPECT_EQ(status_field(status, "Seccomp"), "2");
  EXPECT_EQ(context.leftover_state(), std::vector<std::string>{});
}

}  // namespace
}  // namespace bulkhead::testing
