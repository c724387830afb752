// The last steps before a container's process runs: labels, Landlock, user and groups,
// capabilities, no_new_privs, seccomp, exec. Shared by `bulkhead run` (the container's first
// process) and `bulkhead exec` (a process entering a running container), so both get exactly
// the same hardening.
//
// Everything that can fail on bad input (compiling the seccomp profile, reading the Landlock
// policy, checking the kernel supports what is asked) happens in prepare_process(), in the
// parent, before any namespace exists; apply_and_exec() in the child only applies.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "mac/landlock.h"
#include "runtime/sync_socket.h"
#include "seccomp/program.h"
#include "spec/spec.h"

namespace bulkhead::runtime {

struct PreparedProcess {
  spec::Process process;
  std::optional<seccomp::Program> seccomp;
  unsigned seccomp_flags = 0;  // SECCOMP_FILTER_FLAG_*
  std::optional<mac::LandlockPolicy> landlock;
  bool init = false;  // run a reaping init as pid 1, the command as its child
  // Whether the process may call setgroups(2): not in a user namespace whose gid map was
  // written without newgidmap (the kernel then requires "deny").
  bool setgroups_allowed = true;
};

// Validates and compiles the spec's process policy. Throws Error naming what is wrong.
// Compiled seccomp programs are kept in `seccomp_cache_dir` ("" = no cache).
PreparedProcess prepare_process(const spec::Spec& spec, const std::string& seccomp_cache_dir = "");

// In the child, inside the container's namespaces and root. Applies the policy in an order
// where each step still has the privilege it needs, then execs process.args. Returns only by
// throwing. With `init`, forks first: this process stays behind as a minimal init that
// forwards signals and reaps zombies, and exits with the command's status; it closes
// `setup_channel_fd` so that only the command's successful exec ends the setup channel.
[[noreturn]] void apply_and_exec(const PreparedProcess& prepared, int setup_channel_fd);

// The command itself could not be executed (not found, not executable).
class ExecFailure : public SystemError {
 public:
  using SystemError::SystemError;
};

// In a child setting up a container process: runs `setup` (which execs or throws), sends any
// failure to the parent over `channel` — ExecFailed with the errno for an ExecFailure, Error
// otherwise — and exits. Shared by `run` and `exec` so both report failures the same way.
[[noreturn]] void run_child_setup(const SyncSocket& channel, const std::function<void()>& setup);

// In the parent: the exception for a child's Error or ExecFailed message. An exec failure keeps
// docker's statuses: 127 when the command does not exist, 126 when it cannot be run.
[[noreturn]] void raise_child_failure(const Received& message, const std::string& context);

// The process's stdio: the pty when it has a terminal, else /dev/null as stdin unless
// `interactive` (then it keeps the caller's).
void attach_stdio(const SyncSocket& channel, const spec::Process& process, bool interactive);

// Resolves args[0] against PATH from the process's own environment (not bulkhead's), as
// runc and docker do.
std::vector<std::string> executable_candidates(const spec::Process& process);

}  // namespace bulkhead::runtime
