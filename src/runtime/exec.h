// `bulkhead exec`: a new process inside a running container, in all of its namespaces and
// cgroup, under the same hardening as the container's first process (capabilities,
// no_new_privs, seccomp, Landlock, labels, rlimits), read from the container's state record.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/spec.h"

namespace bulkhead::runtime {

struct ExecOptions {
  std::vector<std::string> args;
  bool interactive = false;
  bool tty = false;
  std::optional<spec::User> user;  // default: the container's user
  std::vector<std::string> env;    // added to the container's environment
  std::string cwd;                 // "" → the container's
  std::string state_dir;           // "" → default_state_dir()
};

// Runs the process to completion; returns its exit status (128 + signal when killed).
int exec_in_container(const std::string& name_or_id, const ExecOptions& options);

}  // namespace bulkhead::runtime
