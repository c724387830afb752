// `bulkhead inspect`: run inside a container, reports what that container may do: its user
// namespace mapping, capabilities, seccomp mode and which dangerous system calls get through,
// no_new_privs, the Landlock/AppArmor/SELinux status, reachable container runtime sockets and
// writable host mounts.
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

void register_inspect_command(CLI::App& app, int& exit_status);

}  // namespace bulkhead::cli
