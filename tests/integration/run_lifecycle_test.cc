// `bulkhead run` as docker run behaves, on real containers (root and rootless where both
// apply): exit statuses and signals, --init, terminals and stdin, mounts, environment,
// network, resource limits, and ps/exec/kill on a running container. Checked from inside the
// container, and on the host where the effect is there (bind mount owners, cgroup files).
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "caps/capabilities.h"
#include "integration/container_harness.h"

namespace bulkhead::testing {
namespace {

std::string trim_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

class RunLifecycle : public ::testing::TestWithParam<Privilege> {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(GetParam());
    rootfs_ = context_->rootfs();
  }
  void TearDown() override {
    if (context_) {
      EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
    }
  }

  CommandResult sh(const std::string& script, const std::vector<std::string>& flags = {},
                   const std::string& stdin_data = "") {
    return context_->run_sh(flags, rootfs_, script, stdin_data);
  }

  // The state record of the running container `name` (from `bulkhead ps --json`), or null.
  nlohmann::json record_of(const std::string& name) {
    CommandResult ps = context_->bulkhead({"ps", "--json"});
    if (ps.status != 0) return nullptr;
    nlohmann::json records = nlohmann::json::parse(ps.out, nullptr, false);
    if (!records.is_array()) return nullptr;
    for (const auto& record : records) {
      if (record.value("name", "") == name && record.value("status", "") == "running") {
        return record;
      }
    }
    return nullptr;
  }

  // Waits until `name` is running and its command `process` is executing in it (found by
  // `pidof` through `bulkhead exec`).
  void wait_until_running(const std::string& name, BackgroundProcess& run,
                          const std::string& process) {
    bool started = poll_until([&] {
      if (run.exited()) return true;
      if (record_of(name).is_null()) return false;
      return context_->bulkhead({"exec", name, "pidof", process}).status == 0;
    });
    ASSERT_TRUE(started) << "container " << name << " did not start";
    ASSERT_FALSE(run.exited()) << "bulkhead run ended early: " << run.wait().err;
  }

  std::unique_ptr<ContainerContext> context_;
  std::string rootfs_;
};

TEST_P(RunLifecycle, ExitStatusPropagates) {
  CommandResult r = sh("exit 42");
  EXPECT_EQ(r.status, 42) << r.err;
  r = sh("exit 0");
  EXPECT_EQ(r.status, 0) << r.err;
  r = context_->bulkhead({"run", rootfs_, "false"});
  EXPECT_EQ(r.status, 1) << r.err;
}

TEST_P(RunLifecycle, DeathBySignalIs128PlusTheSignal) {
  // Under --init the shell is not pid 1, so it can die of its own signal.
  for (int signal : {SIGKILL, SIGTERM, SIGSEGV}) {
    CommandResult r = sh("kill -" + std::to_string(signal) + " $$", {"--init"});
    EXPECT_EQ(r.status, 128 + signal) << r.err;
  }
}

TEST_P(RunLifecycle, SigtermToBulkheadRunIsForwardedUnderInit) {
  auto run = context_->start({"run", "--init", "--name", "term", rootfs_, "sleep", "100"});
  wait_until_running("term", *run, "sleep");
  run->send_signal(SIGTERM);
  CommandResult result = run->wait();
  EXPECT_EQ(result.status, 128 + SIGTERM) << result.err;
}

TEST_P(RunLifecycle, InitReapsOrphanedZombies) {
  // The subshell starts `sleep 0` in the background and exits at once, so the sleep is
  // re-parented to pid 1 (the init) and becomes a zombie when it ends, unless pid 1 reaps it.
  // The shell waits (with a generous deadline) until the orphan's /proc entry is gone.
  CommandResult r = sh(R"sh(
    (sleep 0 & echo $! >/tmp/orphan)
    orphan=$(cat /tmp/orphan)
    tries=0
    while [ -e /proc/$orphan ] && [ $tries -lt 1500 ]; do usleep 20000; tries=$((tries + 1)); done
    if [ -e /proc/$orphan ]; then echo "orphan $orphan: $(grep State /proc/$orphan/status)"; fi
    echo "zombies: $(ps -o stat | grep -c Z)"
    echo "pid1: $(cat /proc/1/comm)"
  )sh",
                       {"--init"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(contains(r.out, "orphan ")) << r.out;
  EXPECT_TRUE(contains(r.out, "zombies: 0\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "pid1: sh\n")) << "--init must put an init at pid 1\n" << r.out;
}

TEST_P(RunLifecycle, TtyGivesARealTerminal) {
  CommandResult r = run_bulkhead_on_pty(
      {"run", "-t", rootfs_, "sh", "-c",
       "tty; test -t 0 && echo stdin-is-a-tty; test -t 1 && echo stdout-is-a-tty; echo TERM=$TERM"},
      context_->run_as());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "/dev/pts/0")) << r.out;
  EXPECT_TRUE(contains(r.out, "stdin-is-a-tty")) << r.out;
  EXPECT_TRUE(contains(r.out, "stdout-is-a-tty")) << r.out;
  EXPECT_TRUE(contains(r.out, "TERM=xterm")) << r.out;
}

TEST_P(RunLifecycle, WithoutTtyThereIsNoTerminal) {
  CommandResult r = sh("tty; test -t 0 && echo stdin-is-a-tty; true");
  EXPECT_TRUE(contains(r.out, "not a tty")) << r.out;
  EXPECT_FALSE(contains(r.out, "stdin-is-a-tty"));
}

TEST_P(RunLifecycle, InteractivePassesStdin) {
  CommandResult r = context_->bulkhead({"run", "-i", rootfs_, "cat"}, "hi\nthere\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hi\nthere\n");
}

TEST_P(RunLifecycle, WithoutInteractiveStdinIsDevNull) {
  CommandResult r = context_->run_sh({}, rootfs_, "readlink /proc/self/fd/0; cat", "ignored\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "/dev/null\n");
}

TEST_P(RunLifecycle, ReadOnlyRootHolds) {
  CommandResult r = sh("touch /x", {"--read-only"});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "Read-only file system")) << r.err;
  struct stat info {};
  EXPECT_NE(stat((rootfs_ + "/x").c_str(), &info), 0);
  // The usual writable places are still there.
  CommandResult writable = sh("echo x >/dev/null && touch /dev/shm/x", {"--read-only"});
  EXPECT_EQ(writable.status, 0) << writable.err;
}

TEST_P(RunLifecycle, BindMountsReadOnlyAndReadWrite) {
  std::string ro_dir = context_->host_dir();
  std::string rw_dir = context_->host_dir();
  write_text_file(ro_dir + "/given", "from host\n", 0644, context_->uid(), context_->gid());
  CommandResult r = sh(R"sh(
    cat /ro/given
    touch /ro/new 2>&1 || echo ro-write-failed
    echo written >/rw/created && echo rw-write-ok
    mkdir /rw/sub && echo rw-mkdir-ok
  )sh",
                       {"-v", ro_dir + ":/ro:ro", "-v", rw_dir + ":/rw"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "from host")) << r.out;
  EXPECT_TRUE(contains(r.out, "Read-only file system")) << r.out;
  EXPECT_TRUE(contains(r.out, "ro-write-failed"));
  EXPECT_TRUE(contains(r.out, "rw-write-ok")) << r.out;
  EXPECT_TRUE(contains(r.out, "rw-mkdir-ok")) << r.out;
  EXPECT_EQ(list_directory(ro_dir), std::vector<std::string>{"given"});
  EXPECT_EQ(read_text_file(rw_dir + "/created"), "written\n");
  // A file the container's root creates belongs on the host to root, or rootless to the
  // invoking user.
  struct stat info {};
  ASSERT_EQ(stat((rw_dir + "/created").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, context_->uid());
  ASSERT_EQ(stat((rw_dir + "/sub").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, context_->uid());
}

TEST_P(RunLifecycle, TmpfsMount) {
  CommandResult r = sh(R"sh(
    echo x >/scratch/f && cat /scratch/f
    awk '$2 == "/scratch" {print "type=" $3}' /proc/mounts
  )sh",
                       {"--read-only", "--tmpfs", "/scratch"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "x\ntype=tmpfs\n");
}

TEST_P(RunLifecycle, EnvironmentWorkdirAndHostname) {
  std::string env_file =
      context_->host_file("env", "# a comment\nFROM_FILE=file\nOVERRIDDEN=file\n");
  CommandResult r = sh(R"(echo "$FROM_FILE $OVERRIDDEN $GIVEN"; pwd; hostname; echo "PATH=$PATH")",
                       {"--env-file", env_file, "-e", "OVERRIDDEN=flag", "-e", "GIVEN=yes", "-w",
                        "/var/www", "--hostname", "box"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "file flag yes");
  std::getline(lines, line);
  EXPECT_EQ(line, "/var/www");
  std::getline(lines, line);
  EXPECT_EQ(line, "box");
  std::getline(lines, line);
  EXPECT_TRUE(contains(line, "/bin")) << line;
  // A working directory that does not exist is made, as Docker does.
  CommandResult made = sh("pwd", {"-w", "/new/dir"});
  EXPECT_EQ(made.out, "/new/dir\n") << made.err;
}

TEST_P(RunLifecycle, NetworkNoneHasOnlyLoopbackUp) {
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{}, std::vector<std::string>{"--network", "none"}}) {
    CommandResult r = sh("ls /sys/class/net; ip -o link", flags);
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    std::string first;
    std::getline(lines, first);
    EXPECT_EQ(first, "lo") << r.out;
    std::string link;
    std::getline(lines, link);
    EXPECT_TRUE(contains(link, ": lo: <LOOPBACK,UP,LOWER_UP>")) << r.out;
    std::string more;
    EXPECT_FALSE(std::getline(lines, more)) << "only lo:\n" << r.out;
  }
}

TEST_P(RunLifecycle, UlimitNofile) {
  CommandResult r = sh("ulimit -n; ulimit -H -n", {"--ulimit", "nofile=64:64"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "64\n64\n");
}

TEST_P(RunLifecycle, PsExecAndKillARunningContainer) {
  auto run = context_->start({"run", "--name", "web", rootfs_, "sleep", "30"});
  wait_until_running("web", *run, "sleep");

  CommandResult ps = context_->bulkhead({"ps"});
  ASSERT_EQ(ps.status, 0) << ps.err;
  EXPECT_TRUE(contains(ps.out, "web")) << ps.out;
  EXPECT_TRUE(contains(ps.out, "sleep 30")) << ps.out;

  // exec joins the same confinement.
  CommandResult status = context_->bulkhead({"exec", "web", "cat", "/proc/self/status"});
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_EQ(status_hex(status.out, "CapEff"), caps::default_container_caps().mask());
  EXPECT_EQ(status_hex(status.out, "CapBnd"), caps::default_container_caps().mask());
  EXPECT_EQ(status_field(status.out, "NoNewPrivs"), "1");
  EXPECT_EQ(status_field(status.out, "Seccomp"), "2");
  // It is in the container's pid namespace: pid 1 is the container's sleep.
  CommandResult pid1 = context_->bulkhead({"exec", "web", "cat", "/proc/1/cmdline"});
  EXPECT_EQ(pid1.out, std::string("sleep\0"
                                  "30\0",
                                  9));
  // And its exit status comes back.
  EXPECT_EQ(context_->bulkhead({"exec", "web", "sh", "-c", "exit 7"}).status, 7);

  CommandResult killed = context_->bulkhead({"kill", "web"});
  EXPECT_EQ(killed.status, 0) << killed.err;
  CommandResult result = run->wait();
  EXPECT_EQ(result.status, 128 + SIGKILL) << result.err;
  CommandResult after = context_->bulkhead({"ps", "-q"});
  EXPECT_EQ(after.status, 0);
  EXPECT_EQ(after.out, "");
  EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
}

TEST_P(RunLifecycle, ContainerNamesAreUnique) {
  auto run = context_->start({"run", "--name", "once", rootfs_, "sleep", "30"});
  wait_until_running("once", *run, "sleep");
  CommandResult second = context_->bulkhead({"run", "--name", "once", rootfs_, "true"});
  EXPECT_NE(second.status, 0);
  EXPECT_TRUE(contains(second.err, "once")) << second.err;
  EXPECT_EQ(context_->bulkhead({"kill", "once"}).status, 0);
  run->wait();
}

INSTANTIATE_TEST_SUITE_P(Privileges, RunLifecycle,
                         ::testing::Values(Privilege::Root, Privilege::Rootless),
                         [](const auto& info) { return privilege_name(info.param); });

// ---- Resource limits: cgroups need root on this host ----

class RunResources : public ::testing::Test {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_CONTAINERS();
    context_ = std::make_unique<ContainerContext>(Privilege::Root);
    rootfs_ = context_->rootfs();
  }
  void TearDown() override {
    if (context_) {
      EXPECT_EQ(context_->leftover_state(), std::vector<std::string>{});
    }
  }
  std::unique_ptr<ContainerContext> context_;
  std::string rootfs_;
};

TEST_F(RunResources, PidsLimitStopsAForkLoop) {
  // Keep forking sleepers until fork fails; the container's processes are killed when the
  // shell (pid 1) exits.
  CommandResult r = context_->run_sh({"--pids-limit", "20"}, rootfs_, R"sh(
    started=0
    while [ $started -lt 100 ]; do
      sleep 1000 &
      started=$((started + 1))
    done
    echo "started: $started"
  )sh");
  EXPECT_FALSE(contains(r.out, "started: 100")) << "the fork loop never hit the limit\n"
                                                << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "can't fork")) << r.err;
}

TEST_F(RunResources, MemoryAndPidsLimitsAreInTheContainersCgroup) {
  auto run = context_->start({"run", "--name", "limited", "--memory", "64m", "--pids-limit", "20",
                              rootfs_, "sleep", "30"});
  nlohmann::json record;
  ASSERT_TRUE(poll_until([&] {
    if (run->exited()) return true;
    CommandResult ps = context_->bulkhead({"ps", "--json"});
    nlohmann::json records = nlohmann::json::parse(ps.out, nullptr, false);
    if (!records.is_array()) return false;
    for (const auto& entry : records) {
      if (entry.value("name", "") == "limited" && entry.value("status", "") == "running") {
        record = entry;
      }
    }
    return !record.is_null();
  }));
  ASSERT_FALSE(run->exited()) << run->wait().err;
  ASSERT_TRUE(record.contains("cgroup_paths")) << record.dump(2);

  bool saw_memory = false, saw_pids = false;
  for (const auto& path_json : record["cgroup_paths"]) {
    std::string path = path_json.get<std::string>();
    struct stat info {};
    for (const char* file : {"memory.max", "memory.limit_in_bytes"}) {
      if (stat((path + "/" + file).c_str(), &info) == 0) {
        EXPECT_EQ(trim_newline(read_text_file(path + "/" + file)), "67108864") << path;
        saw_memory = true;
      }
    }
    if (stat((path + "/pids.max").c_str(), &info) == 0) {
      EXPECT_EQ(trim_newline(read_text_file(path + "/pids.max")), "20") << path;
      saw_pids = true;
    }
    // The container's processes are in it.
    std::string procs = read_text_file(path + "/cgroup.procs");
    EXPECT_TRUE(contains(procs, std::to_string(record["pid"].get<int>()))) << path << ": " << procs;
  }
  EXPECT_TRUE(saw_memory) << record["cgroup_paths"].dump();
  EXPECT_TRUE(saw_pids) << record["cgroup_paths"].dump();

  // Inside, /proc/self/cgroup names the container's own cgroups.
  CommandResult inside = context_->bulkhead({"exec", "limited", "cat", "/proc/self/cgroup"});
  EXPECT_EQ(inside.status, 0) << inside.err;

  EXPECT_EQ(context_->bulkhead({"kill", "limited"}).status, 0);
  run->wait();
  for (const auto& path_json : record["cgroup_paths"]) {
    struct stat info {};
    EXPECT_NE(stat(path_json.get<std::string>().c_str(), &info), 0)
        << "cgroup left behind: " << path_json.get<std::string>();
  }
}

TEST(RunResourcesRootless, MemoryLimitIsAClearError) {
  BULKHEAD_REQUIRE_CONTAINERS();
  ContainerContext context(Privilege::Rootless);
  std::string rootfs = context.rootfs();
  std::string marker = context.host_dir();
  CommandResult r = context.bulkhead(
      {"run", "--memory", "64m", "-v", marker + ":/marker", rootfs, "touch", "/marker/ran"});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "memory")) << r.err;
  EXPECT_TRUE(contains(r.err, "cgroup")) << r.err;
  EXPECT_EQ(list_directory(marker), std::vector<std::string>{}) << "ran without the limit";
  EXPECT_EQ(context.leftover_state(), std::vector<std::string>{});
}

}  // namespace
}  // namespace bulkhead::testing
