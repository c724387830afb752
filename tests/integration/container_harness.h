// Helpers for tests that start real containers with the built `bulkhead` binary: run it (as
// root or as an unprivileged user the test creates), capture its output and status, and make
// scratch root filesystems.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bulkhead::testing {

struct CommandResult {
  int status = -1;  // exit status; 128 + signal when killed
  std::string out;
  std::string err;
};

struct RunAs {
  std::optional<uid_t> uid;  // nullopt: as the test process (root)
  gid_t gid = 0;
  std::string stdin_data;
  std::vector<std::string> env;  // extra "K=V"
};

// Runs `bulkhead ARGS…` and waits for it.
CommandResult run_bulkhead(const std::vector<std::string>& args, const RunAs& as = {});
// Runs any program the same way.
CommandResult run_program(const std::vector<std::string>& argv, const RunAs& as = {});

// For harnesses that fork on their own. In a forked child whose stdin, stdout and stderr are
// set: switches to `as`'s user and environment, restores default signal handling and execs
// `argv` (exit 127 when it cannot).
[[noreturn]] void become_and_exec(const std::vector<std::string>& argv, const RunAs& as);
// A wait status as a shell reports it: the exit code, or 128 + the signal.
int status_of(int wait_status);
// Everything written to the file `fd` from its first byte.
std::string read_all_from_start(int fd);

// An unprivileged account for rootless tests ("bulkhead-test", created with useradd, which
// also gives it /etc/subuid and /etc/subgid ranges). Returns its uid and gid.
struct TestUser {
  uid_t uid;
  gid_t gid;
};
TestUser ensure_test_user();
RunAs as_test_user();

// A fresh directory under /tmp (mode 0755), removed by the caller with remove_tree().
std::string make_temp_dir();
void remove_tree(const std::string& path);
bool contains(const std::string& text, const std::string& part);
// "name: RESULT" lines (what the probe and the tests' shell checks print) → {name: RESULT}.
std::map<std::string, std::string> parse_results(const std::string& text);

// The builtin busybox image's directory (what `builtin:busybox` resolves to).
std::string builtin_rootfs_dir();
// A writable copy of the builtin busybox root filesystem, owned by `owner`.
std::string copy_busybox_rootfs(uid_t owner = 0, gid_t group = 0);

// ---- Files ----

// A fresh directory under /tmp with `mode`, owned by owner:group; for a state directory
// (BULKHEAD_STATE_DIR must be private to the user running bulkhead: 0700).
std::string make_owned_temp_dir(uid_t owner, gid_t group, mode_t mode = 0700);
// Writes `content` to `path` (replacing it) and sets its mode and owner.
void write_text_file(const std::string& path, const std::string& content, mode_t mode = 0644,
                     uid_t owner = 0, gid_t group = 0);
std::string read_text_file(const std::string& path);
// Copies the static bulkhead_probe helper (tests/probe/bulkhead_probe.c) to
// ROOTFS/`container_path` with `mode` (chmod after chown, so a setuid bit survives).
void install_probe(const std::string& rootfs, const std::string& container_path, mode_t mode = 0755,
                   uid_t owner = 0, gid_t group = 0);
// The entries of `dir` other than "." and "..", sorted; empty when it does not exist.
std::vector<std::string> list_directory(const std::string& dir);
// The container records a state directory still holds (sub-directories named by a container
// id, and name claims under names/); empty means every container was cleaned up. Other
// entries (the lock file, the seccomp program cache) are not records and are not listed.
std::vector<std::string> leftover_state(const std::string& state_dir);

// ---- /proc/<pid>/status ----

// The value of `field` ("CapEff") in a /proc/<pid>/status text, trimmed; "" when absent.
std::string status_field(const std::string& status_text, const std::string& field);
// A hex field such as CapEff as a number; nullopt when absent or malformed.
std::optional<uint64_t> status_hex(const std::string& status_text, const std::string& field);
// /proc/<pid>/uid_map text with each line's fields separated by single spaces.
std::string normalize_id_map(const std::string& map_text);

// ---- Processes that outlive one call ----

// `bulkhead ARGS…` started without waiting: stdin is /dev/null, stdout and stderr are collected
// in memory files. The destructor SIGKILLs and reaps it when the test did not wait for it.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const RunAs& as);
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess();

  pid_t pid() const { return pid_; }
  void send_signal(int signal);
  // Waits for it to end and returns its status and output.
  CommandResult wait();
  // Whether it has ended (reaps it then; wait() still returns the result).
  bool exited();
  // What it has written to stdout so far.
  std::string output_so_far() const;
  // What it has written to stderr so far.
  std::string errors_so_far() const;

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::optional<int> wait_status_;
};
std::unique_ptr<BackgroundProcess> start_bulkhead(const std::vector<std::string>& args,
                                                  const RunAs& as = {});

// Runs `bulkhead ARGS…` with a new pseudo-terminal as its controlling terminal and stdin,
// stdout and stderr (as `script` would); `out` is everything written to the terminal, with the
// terminal's "\r\n" line ends. `input` is typed into the terminal after start.
CommandResult run_bulkhead_on_pty(const std::vector<std::string>& args, const RunAs& as = {},
                                  const std::string& input = "");

// Calls `done` every 20 ms until it returns true or `deadline_seconds` pass; returns its last
// answer. For "wait until started" only: never a timing assertion.
bool poll_until(const std::function<bool()>& done, double deadline_seconds = 30);

// ---- A root or rootless context for one test ----

enum class Privilege { Root, Rootless };
std::string privilege_name(Privilege privilege);  // "Root" / "Rootless", for test names

// Who runs bulkhead (root, or the bulkhead-test user) with a private BULKHEAD_STATE_DIR, and
// the files it owns: rootfs copies, host directories for bind mounts, policy files. Removes
// them when destroyed.
class ContainerContext {
 public:
  explicit ContainerContext(Privilege privilege);
  ContainerContext(const ContainerContext&) = delete;
  ContainerContext& operator=(const ContainerContext&) = delete;
  ~ContainerContext();

  Privilege privilege() const { return privilege_; }
  bool rootless() const { return privilege_ == Privilege::Rootless; }
  uid_t uid() const { return uid_; }  // the host uid that runs bulkhead
  gid_t gid() const { return gid_; }
  const std::string& state_dir() const { return state_dir_; }

  // How to run bulkhead as this context (with the state directory in the environment).
  RunAs run_as(const std::string& stdin_data = "") const;
  CommandResult bulkhead(const std::vector<std::string>& args,
                         const std::string& stdin_data = "") const;
  // `bulkhead run [FLAGS…] ROOTFS sh -c SCRIPT`.
  CommandResult run_sh(const std::vector<std::string>& flags, const std::string& rootfs,
                       const std::string& script, const std::string& stdin_data = "") const;
  std::unique_ptr<BackgroundProcess> start(const std::vector<std::string>& args) const;

  // A writable busybox rootfs copy owned by this context's user (root inside a rootless
  // container), with the probe at /bin/bulkhead_probe.
  std::string rootfs();
  // An empty directory owned by this context's user.
  std::string host_dir();
  // A file owned by this context's user.
  std::string host_file(const std::string& name, const std::string& content);
  // Container records left in the state directory (see leftover_state()).
  std::vector<std::string> leftover_state() const;

 private:
  std::string scratch(std::string path);

  Privilege privilege_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string state_dir_;
  std::vector<std::string> scratch_dirs_;  // removed at the end
};

// Whether this machine can run containers at all (user namespaces, the builtin rootfs); the
// reason when not. CI must fail instead of skipping.
std::optional<std::string> containers_unavailable();

}  // namespace bulkhead::testing

#define BULKHEAD_REQUIRE_CONTAINERS()                                           \
  do {                                                                          \
    if (auto why = ::bulkhead::testing::containers_unavailable()) {             \
      if (std::getenv("CI")) FAIL() << "containers cannot run in CI: " << *why; \
      GTEST_SKIP() << *why;                                                     \
    }                                                                           \
  } while (0)
