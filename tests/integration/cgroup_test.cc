// Container cgroups on the real kernel: the limits are written where the host offers their
// controllers (v2, or v1 on hybrid hosts), a process added to the cgroup is in it, the kernel
// enforces the limits on it, and the destructor kills what is left and removes the directories.
// Needs root (cgroup directories are root's); in CI a skip would hide a broken setup, so it
// fails there.
#include "runtime/cgroup.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/strings.h"
#include "runtime/state.h"

namespace bulkhead::runtime {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMemoryLimit = 64 << 20;
constexpr int64_t kPidsLimit = 16;
constexpr int kMaxForks = 64;

std::optional<std::string> cgroup_test_unavailable() {
  if (geteuid() != 0) return "cgroup limits need root";
  return std::nullopt;
}

#define SKIP_UNLESS_CGROUP_TEST_RUNS()                                         \
  if (auto why = cgroup_test_unavailable()) {                                  \
    if (std::getenv("CI")) FAIL() << "cgroup test cannot run in CI: " << *why; \
    GTEST_SKIP() << *why;                                                      \
  }

std::string test_id() {
  return "test-" + generate_container_id().substr(0, 16);
}

// Orphaned grandchildren come back to the test, which reaps them: nothing is left behind.
class Subreaper {
 public:
  Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
};

// Whether /proc/<pid>/cgroup puts the process in `dir` (some hierarchy's line is dir's tail).
bool process_in(pid_t pid, const std::string& dir) {
  for (const auto& entry : parse_proc_cgroup(read_file("/proc/" + std::to_string(pid) + "/cgroup")))
    if (entry.path != "/" && dir.ends_with(entry.path)) return true;
  return false;
}

std::string read_trimmed(const std::string& path) {
  return std::string(trim(read_file(path)));
}

void write_all(int fd, const void* data, size_t size) {
  if (write(fd, data, size) != static_cast<ssize_t>(size)) _exit(120);
}

// Forks until the kernel refuses; reports how many forks worked and the errno of the refusal.
// The grandchildren wait on `hold` and die with the cgroup.
[[noreturn]] void fork_until_refused(int go, int hold, int report) {
  char byte;
  if (read(go, &byte, 1) != 1) _exit(121);
  int forks = 0;
  int refusal = 0;
  for (; forks < kMaxForks; ++forks) {
    pid_t pid = fork();
    if (pid < 0) {
      refusal = errno;
      break;
    }
    if (pid == 0) {
      (void)!read(hold, &byte, 1);
      _exit(0);
    }
  }
  int numbers[2] = {forks, refusal};
  write_all(report, numbers, sizeof numbers);
  pause();
  _exit(0);
}

TEST(CgroupKernel, PidsAndMemoryLimitsAreWrittenJoinedEnforcedAndRemoved) {
  SKIP_UNLESS_CGROUP_TEST_RUNS();
  Subreaper reaper;
  spec::Resources resources;
  resources.memory_limit = kMemoryLimit;
  resources.pids_limit = kPidsLimit;
  const std::string id = test_id();

  int go[2], hold[2], report[2];
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(hold), 0);
  ASSERT_EQ(pipe(report), 0);
  std::vector<std::string> paths;
  pid_t child = -1;
  {
    Cgroup cgroup = Cgroup::create(id, resources);
    paths = cgroup.paths();
    ASSERT_FALSE(paths.empty());
    bool saw_pids = false, saw_memory = false;
    for (const auto& path : paths) {
      EXPECT_TRUE(path.ends_with("/bulkhead/" + id)) << path;
      if (fs::exists(path + "/pids.max")) {
        saw_pids = true;
        EXPECT_EQ(read_trimmed(path + "/pids.max"), std::to_string(kPidsLimit));
      }
      for (const char* file : {"/memory.max", "/memory.limit_in_bytes"}) {
        if (!fs::exists(path + file)) continue;
        saw_memory = true;
        EXPECT_EQ(read_trimmed(path + file), std::to_string(kMemoryLimit));
      }
    }
    EXPECT_TRUE(saw_pids);
    EXPECT_TRUE(saw_memory);

    child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(go[1]);
      close(report[0]);
      close(hold[1]);
      fork_until_refused(go[0], hold[0], report[1]);
    }
    close(go[0]);
    close(report[1]);
    close(hold[0]);
    cgroup.add_process(child);  // before the child does anything, as the runtime does
    for (const auto& path : paths) EXPECT_TRUE(process_in(child, path)) << path;
    EXPECT_FALSE(process_in(getpid(), paths.front()));

    ASSERT_EQ(write(go[1], "g", 1), 1);
    int numbers[2] = {-1, -1};
    ASSERT_EQ(read(report[0], numbers, sizeof numbers), static_cast<ssize_t>(sizeof numbers));
    // The child itself is one of the 16 tasks.
    EXPECT_EQ(numbers[0], kPidsLimit - 1);
    EXPECT_EQ(numbers[1], EAGAIN) << std::strerror(numbers[1]);
    // Leaving scope kills the child and its 15 children and removes the cgroups.
  }
  for (const auto& path : paths) {
    EXPECT_FALSE(fs::exists(path)) << path;
    // The shared parent goes too unless another container still uses it.
    std::string parent = fs::path(path).parent_path().string();
    if (fs::exists(parent)) {
      EXPECT_FALSE(fs::is_empty(parent)) << parent;
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  close(go[1]);
  close(report[0]);
  close(hold[1]);
}

TEST(CgroupKernel, MemoryLimitKillsAProcessThatExceedsIt) {
  SKIP_UNLESS_CGROUP_TEST_RUNS();
  spec::Resources resources;
  resources.memory_limit = 32 << 20;
  resources.memory_swap = 32 << 20;  // memory plus swap: no swap at all
  Cgroup cgroup = Cgroup::create(test_id(), resources);
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(go[1]);
    char byte;
    if (read(go[0], &byte, 1) != 1) _exit(121);
    constexpr size_t kSize = 128 << 20;
    std::vector<char> big(kSize);
    for (size_t i = 0; i < kSize; i += 4096) big[i] = 1;  // touch every page
    _exit(big[kSize / 2] == 1 ? 0 : 1);
  }
  close(go[0]);
  cgroup.add_process(child);
  ASSERT_EQ(write(go[1], "g", 1), 1);
  close(go[1]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "a process that touched 128 MiB under a 32 MiB limit ended with status " << status;
}

TEST(CgroupKernel, JoinMovesAnotherProcessIn) {
  SKIP_UNLESS_CGROUP_TEST_RUNS();
  spec::Resources resources;
  resources.pids_limit = 8;
  Cgroup cgroup = Cgroup::create(test_id(), resources);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  Cgroup::join(cgroup.paths(), child);
  for (const auto& path : cgroup.paths()) EXPECT_TRUE(process_in(child, path)) << path;
  cgroup.remove();  // kills the child
  EXPECT_TRUE(cgroup.paths().empty());
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

TEST(CgroupKernel, NoLimitsStillGroupsTheContainer) {
  SKIP_UNLESS_CGROUP_TEST_RUNS();
  Cgroup cgroup = Cgroup::create(test_id(), {});
  // Root can always write the v2 hierarchy on the hosts Bulkhead supports.
  ASSERT_EQ(cgroup.paths().size(), 1u);
  EXPECT_TRUE(fs::exists(cgroup.paths()[0] + "/cgroup.procs"));
}

// As an ordinary user nothing under /sys/fs/cgroup is writable: a limit must fail with a clear
// error, never be dropped, while no limits at all still works.
TEST(CgroupKernel, UnprivilegedLimitsAreAnErrorNotIgnored) {
  SKIP_UNLESS_CGROUP_TEST_RUNS();
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(report[0]);
    std::string message = "no error";
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(122);
    try {
      Cgroup plain = Cgroup::create(test_id(), {});
      spec::Resources resources;
      resources.pids_limit = 8;
      Cgroup limited = Cgroup::create(test_id(), resources);
    } catch (const Error& e) {
      message = e.what();
    }
    write_all(report[1], message.data(), message.size());
    _exit(0);
  }
  close(report[1]);
  std::string message;
  char buf[4096];
  for (ssize_t n; (n = read(report[0], buf, sizeof buf)) > 0;) message.append(buf, n);
  close(report[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(message.find("linux.resources.pids.limit"), std::string::npos) << message;
  EXPECT_NE(message.find("not writable"), std::string::npos) << message;
}

}  // namespace
}  // namespace bulkhead::runtime
