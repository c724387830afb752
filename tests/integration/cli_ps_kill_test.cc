// `bulkhead ps` and `bulkhead kill` as a user runs them, against a state directory of the test's
// own (BULKHEAD_STATE_DIR) holding records of real processes: sleeping children of the test.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "integration/container_harness.h"
#include "runtime/state.h"
#include "support/temp_dir.h"

extern char** environ;

namespace bulkhead::runtime {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int status = -1;  // exit status; 128+N when killed by signal N
  std::string out;
  std::string err;
};

std::string read_back(const UniqueFd& fd) {
  std::string data;
  char buf[65536];
  lseek(fd.get(), 0, SEEK_SET);
  for (ssize_t n; (n = read(fd.get(), buf, sizeof buf)) > 0;) data.append(buf, n);
  return data;
}

using testing::contains;
using testing::TempDir;

// A sleeping child, killed and reaped when the test ends whatever happened.
class Sleeper {
 public:
  Sleeper() {
    pid_ = fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0) {
      execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Sleeper() {
    if (reaped_) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  int reap() {
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

class CliPsKill : public ::testing::Test {
 protected:
  // Runs the built CLI with the test's state directory; stdout and stderr go to memory files.
  CliResult bulkhead(const std::vector<std::string>& args) {
    UniqueFd out(memfd_create("stdout", MFD_CLOEXEC));
    UniqueFd err(memfd_create("stderr", MFD_CLOEXEC));
    if (!out || !err) throw_errno("memfd_create");
    std::vector<std::string> env_strings = {"BULKHEAD_STATE_DIR=" + state_.path().string()};
    for (char** e = environ; *e; ++e)
      if (!std::string_view(*e).starts_with("BULKHEAD_STATE_DIR=")) env_strings.emplace_back(*e);
    std::vector<char*> env;
    for (auto& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    std::vector<std::string> argv_strings = {BULKHEAD_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
      if (dup2(out.get(), 1) < 0 || dup2(err.get(), 2) < 0) _exit(126);
      execve(argv[0], argv.data(), env.data());
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CliResult r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_back(out);
    r.err = read_back(err);
    return r;
  }

  ContainerRecord record_for(const Sleeper& sleeper, const std::string& name) {
    ContainerRecord r;
    r.id = generate_container_id();
    r.name = name;
    r.pid = sleeper.pid();
    r.pid_start_time = process_start_time(sleeper.pid());
    r.monitor_pid = getpid();
    r.namespaces = namespace_inodes(sleeper.pid());
    r.rootfs = "/";
    r.created = current_time_rfc3339();
    r.owner_uid = geteuid();
    r.spec = {{"process", {{"args", {"sleep", "1000"}}}}};
    r.status = "running";
    return r;
  }

  TempDir state_{"bulkhead-ps-test"};
  StateStore store_{state_.path().string()};
};

TEST_F(CliPsKill, PsListsAndKillStopsARealProcess) {
  Sleeper sleeper;
  ContainerRecord record = record_for(sleeper, "sleeper");
  store_.create(record);

  CliResult ps = bulkhead({"ps"});
  ASSERT_EQ(ps.status, 0) << ps.err;
  EXPECT_TRUE(ps.out.starts_with("CONTAINER ID")) << ps.out;
  for (const char* column : {"NAME", "PID", "CREATED", "STATUS", "ROOTFS", "COMMAND"})
    EXPECT_TRUE(contains(ps.out, column)) << column;
  EXPECT_TRUE(contains(ps.out, record.id.substr(0, 12))) << ps.out;
  EXPECT_FALSE(contains(ps.out, record.id)) << "ids are shortened: " << ps.out;
  EXPECT_TRUE(contains(ps.out, "sleeper")) << ps.out;
  EXPECT_TRUE(contains(ps.out, " " + std::to_string(sleeper.pid()) + " ")) << ps.out;
  EXPECT_TRUE(contains(ps.out, "sleep 1000")) << ps.out;
  EXPECT_TRUE(contains(ps.out, "running")) << ps.out;

  CliResult quiet = bulkhead({"ps", "-q"});
  EXPECT_EQ(quiet.out, record.id.substr(0, 12) + "\n");
  CliResult json = bulkhead({"ps", "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0]["id"], record.id);
  EXPECT_EQ(parsed[0]["pid"], sleeper.pid());

  CliResult killed = bulkhead({"kill", "sleeper", "TERM"});
  ASSERT_EQ(killed.status, 0) << killed.err;
  EXPECT_EQ(killed.out, "sleeper\n");
  int status = sleeper.reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;

  // The record of the dead process is stale: ps drops it and removes it from the directory.
  CliResult after = bulkhead({"ps"});
  ASSERT_EQ(after.status, 0) << after.err;
  EXPECT_FALSE(contains(after.out, "sleeper")) << after.out;
  EXPECT_FALSE(fs::exists(state_.sub(record.id)));
  EXPECT_FALSE(fs::exists(fs::symlink_status(state_.sub("names/sleeper"))));
}

TEST_F(CliPsKill, SignalSpellingsAndIdPrefixes) {
  struct Case {
    std::string signal;
    int expected;
  };
  for (const Case& c :
       {Case{"15", SIGTERM}, Case{"sigint", SIGINT}, Case{"SIGUSR1", SIGUSR1}, Case{"", SIGKILL}}) {
    Sleeper sleeper;
    ContainerRecord record = record_for(sleeper, "s" + std::to_string(c.expected));
    store_.create(record);
    std::vector<std::string> args = {"kill", record.id.substr(0, 8)};
    if (!c.signal.empty()) args.push_back(c.signal);
    CliResult r = bulkhead(args);
    ASSERT_EQ(r.status, 0) << c.signal << ": " << r.err;
    int status = sleeper.reap();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == c.expected)
        << "'" << c.signal << "' gave status " << status;
    store_.remove(record.id);
  }
}

TEST_F(CliPsKill, UsageAndLookupErrors) {
  Sleeper sleeper;
  store_.create(record_for(sleeper, "sleeper"));
  CliResult unknown_signal = bulkhead({"kill", "sleeper", "SIGBOGUS"});
  EXPECT_EQ(unknown_signal.status, 2) << unknown_signal.err;
  EXPECT_TRUE(contains(unknown_signal.err, "SIGBOGUS")) << unknown_signal.err;
  EXPECT_EQ(bulkhead({"kill", "sleeper", "0"}).status, 2);
  EXPECT_EQ(bulkhead({"kill", "sleeper", "65"}).status, 2);

  CliResult missing = bulkhead({"kill", "nobody"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(contains(missing.err, "no such container: nobody")) << missing.err;
  EXPECT_EQ(bulkhead({"kill"}).status, 2);
  // None of that touched the sleeper.
  EXPECT_GT(process_start_time(sleeper.pid()), 0u);
}

// A record whose pid is now some other process (the start time differs) must not make `kill`
// signal that process.
TEST_F(CliPsKill, KillNeverHitsAReusedPid) {
  Sleeper bystander;
  ContainerRecord record = record_for(bystander, "gone");
  record.pid_start_time += 1;
  store_.create(record);
  CliResult r = bulkhead({"kill", "gone"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "not running")) << r.err;
  EXPECT_GT(process_start_time(bystander.pid()), 0u) << "the bystander was killed";
  EXPECT_FALSE(store_.find("gone")) << "the stale record is removed";
  CliResult ps = bulkhead({"ps", "-q"});
  EXPECT_EQ(ps.out, "");
}

}  // namespace
}  // namespace bulkhead::runtime
