// The monitor's loop while a container process runs: forwards signals to it, relays its
// terminal, and returns its wait status once it has exited.
#pragma once

#include <sys/types.h>

#include "base/unique_fd.h"

namespace bulkhead::runtime {

// `signal_fd` is a signalfd for SIGCHLD and the forwarded signals (SIGINT, SIGTERM, SIGHUP,
// SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH). `console` is the pty master when the process has a
// terminal; stdin is relayed to it when `interactive`.
int relay_until_exit(pid_t pid, int signal_fd, const UniqueFd& console, bool interactive);

}  // namespace bulkhead::runtime
