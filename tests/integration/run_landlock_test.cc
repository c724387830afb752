// `bulkhead run --security-opt landlock=FILE` on real containers, root and rootless: the nginx
// example policy confines files and TCP ports inside the container (checked from inside, with
// the same rootfs run without the policy as the contrast), and a bad policy is a clear error
// that starts nothing.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

// The nginx example, adapted to the busybox rootfs (which has no /lib): the web root readable,
// the log directory writable, the programs and their configuration readable and executable.
// TCP: bind 8080 and 9090, connect only to 8080.
constexpr const char* kNginxPolicy = R"(# nginx-like confinement
version: 1
paths:
  - path: /var/www/html
    access: [read]
  - path: /var/log/nginx
    access: [read, write]
  - path: [/bin, /sbin, /usr, /etc]
    access: [read, execute]
network:
  bind: [8080, 9090]
  connect: [8080]
)";

// Every check prints "name: OK" or "name: failed"; the TCP probes print what the kernel said.
constexpr const char* kChecks = R"sh(
  # Output goes through command substitution (a pipe): /dev/null is outside the policy.
  check() { name=$1; shift; if output=$("$@" 2>&1); then echo "$name: OK"; else echo "$name: failed"; fi; }
  check read-webroot cat /var/www/html/index.html
  check read-etc cat /etc/passwd
  check read-root-secret cat /root/secret
  check read-srv cat /srv/data
  check list-root ls /root
  check write-log sh -c 'echo request >>/var/log/nginx/access.log'
  check read-log grep -q request /var/log/nginx/access.log
  check mkdir-log mkdir /var/log/nginx/old
  check write-tmp sh -c 'echo x >/tmp/x'
  check write-webroot sh -c 'echo x >/var/www/html/new.html'
  check overwrite-etc sh -c 'echo x >>/etc/hostname'
  echo "tcp-8080: $(bulkhead_probe bind-connect 8080 | tr '\n' ' ')"
  echo "tcp-9090: $(bulkhead_probe bind-connect 9090 | tr '\n' ' ')"
  echo "tcp-7070: $(bulkhead_probe bind-connect 7070 | tr '\n' ' ')"
)sh";

class RunLandlock : public ::testing::TestWithParam<Privilege> {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(GetParam());
    rootfs_ = context_->rootfs();
    uid_t owner = context_->uid();
    gid_t group = context_->gid();
    write_text_file(rootfs_ + "/var/www/html/index.html", "<h1>hello</h1>\n", 0644, owner, group);
    write_text_file(rootfs_ + "/root/secret", "s3cret\n", 0600, owner, group);
    run_program({"mkdir", "-p", rootfs_ + "/srv"});
    write_text_file(rootfs_ + "/srv/data", "data\n", 0644, owner, group);
    run_program(
        {"chown", "-R", std::to_string(owner) + ":" + std::to_string(group), rootfs_ + "/srv"});
  }
  void TearDown() override {
    if (context_) {
      EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
    }
  }

  std::unique_ptr<ContainerContext> context_;
  std::string rootfs_;
};

TEST_P(RunLandlock, NginxPolicyConfinesFilesAndTcpPorts) {
  std::string policy = context_->host_file("nginx.yaml", kNginxPolicy);
  CommandResult r = context_->run_sh({"--security-opt", "landlock=" + policy}, rootfs_, kChecks);
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  auto results = parse_results(r.out);
  // Granted.
  EXPECT_EQ(results["read-webroot"], "OK") << r.out;
  EXPECT_EQ(results["read-etc"], "OK");
  EXPECT_EQ(results["write-log"], "OK");
  EXPECT_EQ(results["read-log"], "OK");
  EXPECT_EQ(results["mkdir-log"], "OK");
  // Everything else is denied, though the container's root could do it without the policy.
  EXPECT_EQ(results["read-root-secret"], "failed");
  EXPECT_EQ(results["read-srv"], "failed");
  EXPECT_EQ(results["list-root"], "failed");
  EXPECT_EQ(results["write-tmp"], "failed");
  EXPECT_EQ(results["write-webroot"], "failed");
  EXPECT_EQ(results["overwrite-etc"], "failed");
  // TCP: 8080 may be bound and connected to; 9090 bound only; 7070 not at all.
  EXPECT_EQ(results["tcp-8080"], "bind=OK connect=OK ");
  EXPECT_EQ(results["tcp-9090"], "bind=OK connect=EACCES ");
  EXPECT_EQ(results["tcp-7070"], "bind=EACCES ");
}

TEST_P(RunLandlock, WithoutThePolicyTheSameRootfsAllowsAll) {
  // The contrast for the test above: nothing else in the container denies these.
  CommandResult r = context_->run_sh({}, rootfs_, kChecks);
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  auto results = parse_results(r.out);
  for (const char* check :
       {"read-webroot", "read-etc", "read-root-secret", "read-srv", "list-root", "write-log",
        "read-log", "mkdir-log", "write-tmp", "write-webroot", "overwrite-etc"}) {
    EXPECT_EQ(results[check], "OK") << check << "\n" << r.out;
  }
  EXPECT_EQ(results["tcp-8080"], "bind=OK connect=OK ");
  EXPECT_EQ(results["tcp-9090"], "bind=OK connect=OK ");
  EXPECT_EQ(results["tcp-7070"], "bind=OK connect=OK ");
}

TEST_P(RunLandlock, TheDeniedAccessIsEacces) {
  std::string policy = context_->host_file("nginx.yaml", kNginxPolicy);
  CommandResult r = context_->run_sh({"--security-opt", "landlock=" + policy}, rootfs_,
                                     "cat /root/secret; echo x >/tmp/x; true");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "cat: can't open '/root/secret': Permission denied")) << r.err;
  EXPECT_TRUE(contains(r.err, "can't create /tmp/x: Permission denied")) << r.err;
}

TEST_P(RunLandlock, BadPolicyIsAClearErrorAndStartsNothing) {
  // Line 4: the misspelt access word.
  std::string policy = context_->host_file("bad.yaml", R"(version: 1
paths:
  - path: /var/www/html
    access: [read, raed]
)");
  std::string marker = context_->host_dir();
  CommandResult r = context_->bulkhead({"run", "--security-opt", "landlock=" + policy, "-v",
                                        marker + ":/marker", rootfs_, "touch", "/marker/ran"});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, policy + ":4:20")) << r.err;
  EXPECT_TRUE(contains(r.err, "raed")) << r.err;
  EXPECT_EQ(list_directory(marker), std::vector<std::string>{}) << "the command ran";
  CommandResult ps = context_->bulkhead({"ps", "-q"});
  EXPECT_EQ(ps.status, 0) << ps.err;
  EXPECT_EQ(ps.out, "");
}

TEST_P(RunLandlock, PolicyPathMissingFromTheRootfsIsAnError) {
  std::string policy = context_->host_file("missing.yaml", R"(version: 1
paths:
  - path: [/bin, /usr]
    access: [read, execute]
  - path: /does/not/exist
    access: [read]
)");
  std::string marker = context_->host_dir();
  CommandResult r = context_->bulkhead({"run", "--security-opt", "landlock=" + policy, "-v",
                                        marker + ":/marker", rootfs_, "touch", "/marker/ran"});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "/does/not/exist")) << r.err;
  EXPECT_EQ(list_directory(marker), std::vector<std::string>{}) << "the command ran";
}

INSTANTIATE_TEST_SUITE_P(Privileges, RunLandlock,
                         ::testing::Values(Privilege::Root, Privilege::Rootless),
                         [](const auto& info) { return privilege_name(info.param); });

}  // namespace
}  // namespace bulkhead::testing
