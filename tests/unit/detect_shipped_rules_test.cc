// The shipped rules (rules/bulkhead_rules.yaml): for every rule, an event sequence that must
// fire it and one that must not. Sequences are played on a simulated host with one container.
#include <fcntl.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "capture/synthetic.h"
#include "detect/engine.h"
#include "detect/shipped_rules.h"

namespace bulkhead::detect {
namespace {

using capture::EventType;
using capture::SyntheticHost;

constexpr uint32_t kTty = (136u << 8) | 3;  // /dev/pts/3
constexpr const char* kContainer =
    "8f3e1b2c4d5a6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

// A host with systemd, an sshd'd admin shell, and a container running nginx with a shell.
class ShippedRules : public ::testing::Test {
 protected:
  void SetUp() override { setup(""); }

  void setup(std::string_view extra_rules) {
    RuleSet set;
    load_rules_text(set, shipped_rules_yaml(), std::string(kShippedRulesName));
    if (!extra_rules.empty()) load_rules_text(set, extra_rules, "local.yaml");
    EngineOptions options;
    options.matching = RuleMatching::All;
    engine_ = std::make_unique<Engine>(std::move(set), options);
    host_ = std::make_unique<SyntheticHost>([this](const capture::Event& event) {
      engine_->process(event, [this](const Alert& alert) {
        fired_.push_back(alert.rule->name);
        outputs_.emplace_back(alert.output);
      });
    });
    capture::ContainerInfo container;
    container.id = kContainer;
    container.name = "web";
    container.image = "docker.io/library/nginx:1.25";
    container.image_repository = "docker.io/library/nginx";
    container.image_tag = "1.25";
    host_->add_container(container);
    init_ = host_->add_process(0, "/sbin/init", {});
    sshd_ = host_->add_process(init_, "/usr/sbin/sshd", {"-D"});
    admin_shell_ = host_->add_process(sshd_, "/bin/bash", {}, "", 0, kTty);
    runtime_ = host_->add_process(init_, "/usr/local/bin/bulkhead", {"run", "nginx"});
    nginx_ = host_->add_process(runtime_, "/usr/sbin/nginx", {"-g", "daemon off;"}, kContainer);
    container_shell_ = host_->add_process(nginx_, "/bin/sh", {}, kContainer);
    host_->snapshot(engine_->threads());
    fired_.clear();
    outputs_.clear();
  }

  bool fired(std::string_view rule) const {
    return std::find(fired_.begin(), fired_.end(), rule) != fired_.end();
  }
  std::string all_fired() const {
    std::string text;
    for (const auto& name : fired_) text += "[" + name + "] ";
    return text;
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<SyntheticHost> host_;
  std::vector<std::string> fired_, outputs_;
  int64_t init_ = 0, sshd_ = 0, admin_shell_ = 0, runtime_ = 0, nginx_ = 0, container_shell_ = 0;
};

TEST_F(ShippedRules, LoadWithoutErrorsOrWarnings) {
  for (const auto& diagnostic : engine_->diagnostics()) ADD_FAILURE() << diagnostic.str();
  EXPECT_GE(engine_->rules().size(), 16u);
  for (const auto& rule : engine_->rules()) EXPECT_FALSE(rule.event_types.all()) << rule.name;
}

TEST_F(ShippedRules, KernelModuleLoaded) {
  int64_t insmod = host_->spawn(container_shell_, "/sbin/insmod", {"x.ko"});
  int64_t fd = host_->open(insmod, "/x.ko", O_RDONLY);
  host_->finit_module(insmod, fd, "");
  EXPECT_TRUE(fired("Kernel module loaded")) << all_fired();
  fired_.clear();
  int64_t host_insmod = host_->spawn(admin_shell_, "/sbin/insmod", {"/tmp/rootkit.ko"});
  host_->init_module(host_insmod, 4096, "");
  EXPECT_TRUE(fired("Kernel module loaded")) << all_fired();
}

TEST_F(ShippedRules, KernelModuleLoadedNotForModprobeFromModuleDirectory) {
  int64_t modprobe = host_->spawn(init_, "/sbin/modprobe", {"overlay"});
  int64_t fd = host_->open(modprobe, "/lib/modules/6.1.0/kernel/fs/overlay/overlay.ko", O_RDONLY);
  host_->finit_module(modprobe, fd, "");
  EXPECT_FALSE(fired("Kernel module loaded")) << all_fired();
}

TEST_F(ShippedRules, RuntimeSocketFromContainer) {
  int64_t curl =
      host_->spawn(container_shell_, "/usr/bin/curl", {"--unix-socket", "/run/docker.sock"});
  int64_t fd = host_->socket(curl, AF_UNIX, SOCK_STREAM);
  host_->connect(curl, fd, "/var/run/docker.sock", 0);
  EXPECT_TRUE(fired("Container runtime socket accessed from container")) << all_fired();
}

TEST_F(ShippedRules, RuntimeSocketNotForOtherSocketsOrTheHost) {
  int64_t app = host_->spawn(container_shell_, "/usr/bin/app", {});
  int64_t fd = host_->socket(app, AF_UNIX, SOCK_STREAM);
  host_->connect(app, fd, "/run/app/app.sock", 0);
  int64_t docker = host_->spawn(admin_shell_, "/usr/bin/docker", {"ps"});
  int64_t host_fd = host_->socket(docker, AF_UNIX, SOCK_STREAM);
  host_->connect(docker, host_fd, "/var/run/docker.sock", 0);
  EXPECT_FALSE(fired("Container runtime socket accessed from container")) << all_fired();
}

TEST_F(ShippedRules, ReleaseAgentAndCorePattern) {
  host_->open(container_shell_, "/sys/fs/cgroup/rdma/release_agent", O_WRONLY | O_TRUNC);
  EXPECT_TRUE(fired("Release agent or core pattern written")) << all_fired();
  fired_.clear();
  host_->open(container_shell_, "/proc/sys/kernel/core_pattern", O_WRONLY);
  EXPECT_TRUE(fired("Release agent or core pattern written")) << all_fired();
}

TEST_F(ShippedRules, ReleaseAgentNotForReadsOrSysctlOnTheHost) {
  host_->open(container_shell_, "/sys/fs/cgroup/rdma/release_agent", O_RDONLY);
  int64_t sysctl = host_->spawn(init_, "/usr/lib/systemd/systemd-sysctl", {});
  host_->open(sysctl, "/proc/sys/kernel/core_pattern", O_WRONLY);
  EXPECT_FALSE(fired("Release agent or core pattern written")) << all_fired();
}

TEST_F(ShippedRules, FilelessExecution) {
  int64_t loader = host_->spawn(container_shell_, "/tmp/loader", {});
  int64_t fd = host_->memfd_create(loader, "payload");
  host_->write(loader, fd, 100000);
  host_->execveat(loader, fd, "", {"payload"});
  EXPECT_TRUE(fired("Fileless execution via memfd")) << all_fired();
}

TEST_F(ShippedRules, FilelessExecutionNotForOrdinaryExec) {
  int64_t ls = host_->spawn(container_shell_, "/bin/ls", {"-l"});
  host_->exit(ls);
  EXPECT_FALSE(fired("Fileless execution via memfd")) << all_fired();
}

TEST_F(ShippedRules, MountInContainerEvenWhenRefused) {
  int64_t mount = host_->spawn(container_shell_, "/bin/mount", {"/dev/sda1", "/mnt"});
  host_->mount(mount, "/dev/sda1", "/mnt", "ext4", 0, -EPERM);
  EXPECT_TRUE(fired("Mount in container")) << all_fired();
}

TEST_F(ShippedRules, MountNotOnTheHostOrByTheRuntime) {
  int64_t mount = host_->spawn(admin_shell_, "/bin/mount", {"/dev/sdb1", "/srv"});
  host_->mount(mount, "/dev/sdb1", "/srv", "ext4", 0);
  EXPECT_FALSE(fired("Mount in container")) << all_fired();
}

TEST_F(ShippedRules, NamespaceChangeInContainer) {
  int64_t unshare = host_->spawn(container_shell_, "/usr/bin/unshare", {"-Ur", "sh"});
  host_->unshare(unshare, CLONE_NEWUSER | CLONE_NEWNS, -EPERM);
  EXPECT_TRUE(fired("Namespace change in container")) << all_fired();
}

TEST_F(ShippedRules, NamespaceChangeNotOnTheHost) {
  int64_t unshare = host_->spawn(admin_shell_, "/usr/bin/unshare", {"-n", "true"});
  host_->unshare(unshare, CLONE_NEWNET);
  EXPECT_FALSE(fired("Namespace change in container")) << all_fired();
}

TEST_F(ShippedRules, HostNamespaceFilesFromContainer) {
  int64_t nsenter = host_->spawn(container_shell_, "/usr/bin/nsenter", {"-t", "1", "-m"});
  host_->open(nsenter, "/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
  EXPECT_TRUE(fired("Host namespace files opened from container")) << all_fired();
}

TEST_F(ShippedRules, HostNamespaceFilesNotForOtherProcFiles) {
  host_->open(container_shell_, "/proc/1/status", O_RDONLY);
  host_->open(container_shell_, "/proc/self/ns/net", O_RDONLY);
  EXPECT_FALSE(fired("Host namespace files opened from container")) << all_fired();
}

TEST_F(ShippedRules, PtraceAttach) {
  int64_t tracer = host_->spawn(container_shell_, "/tmp/inject", {});
  host_->ptrace(tracer, PTRACE_ATTACH, nginx_);
  EXPECT_TRUE(fired("Ptrace attach")) << all_fired();
  fired_.clear();
  int64_t gdb = host_->spawn(admin_shell_, "/usr/bin/gdb", {"-p", "1"});
  host_->ptrace(gdb, PTRACE_SEIZE, 1);
  EXPECT_TRUE(fired("Ptrace attach")) << all_fired();
}

TEST_F(ShippedRules, PtraceNotForDebuggersOnTheHostOrPeeks) {
  int64_t gdb = host_->spawn(admin_shell_, "/usr/bin/gdb", {"-p", "4000"});
  host_->ptrace(gdb, PTRACE_ATTACH, 4000);
  int64_t tracer = host_->spawn(container_shell_, "/tmp/x", {});
  host_->ptrace(tracer, PTRACE_PEEKDATA, nginx_);
  EXPECT_FALSE(fired("Ptrace attach")) << all_fired();
}

TEST_F(ShippedRules, BpfInContainer) {
  int64_t loader = host_->spawn(container_shell_, "/tmp/bpfload", {});
  host_->bpf(loader, 5 /* BPF_PROG_LOAD */);
  EXPECT_TRUE(fired("BPF program loaded in container")) << all_fired();
}

TEST_F(ShippedRules, BpfNotOnTheHost) {
  int64_t bpftool = host_->spawn(admin_shell_, "/usr/sbin/bpftool", {"prog"});
  host_->bpf(bpftool, 5);
  EXPECT_FALSE(fired("BPF program loaded in container")) << all_fired();
}

TEST_F(ShippedRules, SetuidBit) {
  int64_t chmod = host_->spawn(container_shell_, "/bin/chmod", {"u+s", "/tmp/sh"});
  host_->chmod(chmod, "/tmp/sh", 04755, EventType::fchmodat);
  EXPECT_TRUE(fired("Setuid or setgid bit set")) << all_fired();
}

TEST_F(ShippedRules, SetuidBitNotForPlainModesOrPackageManagers) {
  int64_t chmod = host_->spawn(container_shell_, "/bin/chmod", {"755", "/tmp/sh"});
  host_->chmod(chmod, "/tmp/sh", 0755, EventType::fchmodat);
  int64_t dpkg = host_->spawn(admin_shell_, "/usr/bin/dpkg", {"-i", "sudo.deb"});
  host_->chmod(dpkg, "/usr/bin/sudo", 04755, EventType::chmod);
  EXPECT_FALSE(fired("Setuid or setgid bit set")) << all_fired();
}

TEST_F(ShippedRules, WriteBelowBinaryDirectory) {
  host_->open(container_shell_, "/bin/busybox-evil", O_WRONLY | O_CREAT | O_TRUNC, 0755);
  EXPECT_TRUE(fired("Write below binary directory")) << all_fired();
}

TEST_F(ShippedRules, WriteBelowBinaryDirectoryNotForReadsOtherDirsOrPackageManagers) {
  host_->open(container_shell_, "/bin/sh", O_RDONLY);
  host_->open(container_shell_, "/tmp/binary", O_WRONLY | O_CREAT, 0755);
  host_->open(container_shell_, "/usr/binary", O_WRONLY | O_CREAT, 0755);
  int64_t dpkg = host_->spawn(admin_shell_, "/usr/bin/dpkg", {"-i", "x.deb"});
  host_->open(dpkg, "/usr/bin/x.dpkg-new", O_WRONLY | O_CREAT, 0755);
  EXPECT_FALSE(fired("Write below binary directory")) << all_fired();
}

TEST_F(ShippedRules, BinaryDirectoryModified) {
  host_->rename(container_shell_, "/tmp/evil", "/usr/local/bin/ls", EventType::renameat2);
  EXPECT_TRUE(fired("Binary directory modified")) << all_fired();
  fired_.clear();
  host_->unlink(container_shell_, "/usr/bin/sudo", EventType::unlinkat);
  EXPECT_TRUE(fired("Binary directory modified")) << all_fired();
}

TEST_F(ShippedRules, BinaryDirectoryModifiedNotElsewhere) {
  host_->rename(container_shell_, "/tmp/a", "/tmp/b", EventType::renameat2);
  host_->unlink(container_shell_, "/var/tmp/x", EventType::unlinkat);
  EXPECT_FALSE(fired("Binary directory modified")) << all_fired();
}

TEST_F(ShippedRules, SensitiveFileRead) {
  int64_t cat = host_->spawn(container_shell_, "/bin/cat", {"/etc/shadow"});
  host_->open(cat, "/etc/shadow", O_RDONLY);
  EXPECT_TRUE(fired("Sensitive file read")) << all_fired();
  fired_.clear();
  host_->open(cat, "/root/.ssh/id_ed25519", O_RDONLY);
  EXPECT_TRUE(fired("Sensitive file read")) << all_fired();
}

TEST_F(ShippedRules, SensitiveFileReadNotForTrustedReadersOrOtherFiles) {
  int64_t cat = host_->spawn(container_shell_, "/bin/cat", {"/etc/passwd"});
  host_->open(cat, "/etc/passwd", O_RDONLY);
  host_->open(sshd_, "/etc/shadow", O_RDONLY);
  host_->open(cat, "/etc/shadow", O_RDONLY, 0, EventType::openat, -100, -EACCES);
  EXPECT_FALSE(fired("Sensitive file read")) << all_fired();
}

TEST_F(ShippedRules, TerminalShellInContainer) {
  int64_t sh = host_->fork(runtime_);
  host_->set_tty(sh, kTty);
  host_->exec(sh, "/bin/sh", {});
  // The runtime's child runs in the host's model here, so place it in the container the way a
  // runtime's exec does: spawn from a container process with a terminal.
  int64_t exec_shell = host_->fork(nginx_);
  host_->set_tty(exec_shell, kTty);
  host_->exec(exec_shell, "/bin/sh", {});
  EXPECT_TRUE(fired("Terminal shell in container")) << all_fired();
}

TEST_F(ShippedRules, TerminalShellNotWithoutTerminalOrOnTheHost) {
  int64_t bash = host_->spawn(admin_shell_, "/bin/bash", {});
  host_->exit(bash);
  int64_t sh = host_->spawn(container_shell_, "/bin/sh", {"-c", "true"});
  host_->exit(sh);
  EXPECT_FALSE(fired("Terminal shell in container")) << all_fired();
}

TEST_F(ShippedRules, ShellSpawnedByNonShellProgram) {
  int64_t sh = host_->spawn(nginx_, "/bin/sh", {"-c", "id"});
  host_->exit(sh);
  EXPECT_TRUE(fired("Shell spawned by non-shell program in container")) << all_fired();
}

TEST_F(ShippedRules, ShellSpawnedNotByShellsOrBuildTools) {
  int64_t make = host_->spawn(container_shell_, "/usr/bin/make", {"all"});
  int64_t sh = host_->spawn(make, "/bin/sh", {"-c", "cc -c x.c"});
  host_->exit(sh);
  int64_t nested = host_->spawn(container_shell_, "/bin/sh", {"-c", "true"});
  host_->exit(nested);
  EXPECT_FALSE(fired("Shell spawned by non-shell program in container")) << all_fired();
}

TEST_F(ShippedRules, OutboundConnection) {
  int64_t nc = host_->spawn(container_shell_, "/usr/bin/nc", {"198.51.100.7", "4444"});
  int64_t fd = host_->socket(nc, AF_INET, SOCK_STREAM, 6);
  host_->connect(nc, fd, "198.51.100.7", 4444, -EINPROGRESS);
  EXPECT_TRUE(fired("Outbound connection to unexpected destination")) << all_fired();
  ASSERT_FALSE(outputs_.empty());
  EXPECT_NE(outputs_.back().find("destination=198.51.100.7 port=4444"), std::string::npos)
      << outputs_.back();
}

TEST_F(ShippedRules, OutboundConnectionNotToAllowedNetworksFailuresOrFromTheHost) {
  int64_t psql = host_->spawn(container_shell_, "/usr/bin/psql", {});
  int64_t fd = host_->socket(psql, AF_INET, SOCK_STREAM, 6);
  host_->connect(psql, fd, "10.1.2.3", 5432);
  int64_t refused = host_->socket(psql, AF_INET, SOCK_STREAM, 6);
  host_->connect(psql, refused, "198.51.100.7", 80, -ECONNREFUSED);
  int64_t curl = host_->spawn(admin_shell_, "/usr/bin/curl", {"https://deb.debian.org"});
  int64_t host_fd = host_->socket(curl, AF_INET, SOCK_STREAM, 6);
  host_->connect(curl, host_fd, "151.101.2.132", 443);
  EXPECT_FALSE(fired("Outbound connection to unexpected destination")) << all_fired();
}

TEST_F(ShippedRules, OutboundAllowListIsConfigurable) {
  setup(R"(
- list: allowed_outbound_networks
  items: ["198.51.100.0/24"]
  override:
    items: append
- list: allowed_outbound_ports
  items: [53]
  override:
    items: replace
)");
  int64_t app = host_->spawn(container_shell_, "/usr/bin/app", {});
  int64_t fd = host_->socket(app, AF_INET, SOCK_STREAM, 6);
  host_->connect(app, fd, "198.51.100.7", 443);
  int64_t dns = host_->socket(app, AF_INET, SOCK_DGRAM, 17);
  host_->connect(app, dns, "203.0.113.53", 53);
  EXPECT_FALSE(fired("Outbound connection to unexpected destination")) << all_fired();
  int64_t other = host_->socket(app, AF_INET, SOCK_STREAM, 6);
  host_->connect(app, other, "203.0.113.9", 443);
  EXPECT_TRUE(fired("Outbound connection to unexpected destination")) << all_fired();
}

// Every attack scenario of the generator raises at least one alert; the benign workloads
// (shells, package installs, web servers, compilers) raise none.
TEST(ShippedRulesWorkloads, AttacksFireBenignWorkloadsDoNot) {
  RuleSet set;
  load_rules_text(set, shipped_rules_yaml(), std::string(kShippedRulesName));
  Engine engine(std::move(set), EngineOptions{});
  capture::GeneratorOptions options;
  options.events = 300000;
  options.mix.attack = 0;
  std::vector<std::string> benign_alerts;
  capture::generate_events(options, engine.threads(), [&](const capture::Event& event) {
    engine.process(event, [&](const Alert& alert) { benign_alerts.emplace_back(alert.output); });
  });
  EXPECT_TRUE(benign_alerts.empty())
      << benign_alerts.size()
      << " alerts, first: " << (benign_alerts.empty() ? "" : benign_alerts.front());
  for (auto name : capture::attack_scenario_names()) {
    RuleSet attack_set;
    load_rules_text(attack_set, shipped_rules_yaml(), std::string(kShippedRulesName));
    Engine attack_engine(std::move(attack_set), EngineOptions{});
    int alerts = 0;
    SyntheticHost host([&](const capture::Event& event) {
      attack_engine.process(event, [&](const Alert&) { ++alerts; });
    });
    capture::ContainerInfo container;
    container.id = kContainer;
    container.name = "victim";
    host.add_container(container);
    int64_t init = host.add_process(0, "/sbin/init", {});
    int64_t shell = host.add_process(init, "/bin/bash", {}, "", 1000, kTty);
    int64_t container_shell = host.add_process(init, "/bin/sh", {}, kContainer);
    host.snapshot(attack_engine.threads());
    capture::run_attack_scenario(host, name, shell, container_shell);
    EXPECT_GT(alerts, 0) << "attack scenario " << name << " raised no alert";
  }
}

}  // namespace
}  // namespace bulkhead::detect
