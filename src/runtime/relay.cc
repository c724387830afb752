#include "runtime/relay.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "base/error.h"
#include "runtime/console.h"

namespace bulkhead::runtime {

namespace {

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, -1);
      continue;
    }
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Copies what is readable now; false at end of file or error (EIO: the pty's last holder is
// gone).
bool pump(int from, int to) {
  char buffer[16384];
  ssize_t n = read(from, buffer, sizeof(buffer));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  write_all(to, buffer, static_cast<size_t>(n));
  return true;
}

}  // namespace

int relay_until_exit(pid_t pid, int signal_fd, const UniqueFd& console, bool interactive) {
  std::optional<RawTerminal> raw;
  bool relay_stdin = console && interactive;
  if (relay_stdin) raw.emplace(STDIN_FILENO);
  if (console) copy_window_size(isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO, console.get());
  bool console_open = static_cast<bool>(console);
  std::optional<int> wait_status;
  while (!wait_status) {
    pollfd fds[3] = {{signal_fd, POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
    if (console_open) fds[1].fd = console.get();
    if (relay_stdin) fds[2].fd = STDIN_FILENO;
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll in the container monitor");
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      while (read(signal_fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGCHLD) continue;
        if (sig == SIGWINCH) {
          if (console) copy_window_size(STDIN_FILENO, console.get());
          continue;
        }
        kill(pid, sig);
      }
      int status = 0;
      pid_t reaped = waitpid(pid, &status, WNOHANG);
      if (reaped == pid) wait_status = status;
    }
    if (console_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!pump(console.get(), STDOUT_FILENO)) console_open = false;
    }
    if (relay_stdin && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buffer[4096];
      ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
      if (n > 0) {
        write_all(console.get(), buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        // End of input: the pty's EOF character tells a canonical-mode reader the same.
        const char eof = 4;
        write_all(console.get(), &eof, 1);
        relay_stdin = false;
      }
    }
  }
  // Whatever the process wrote before exiting is still in the pty.
  while (console_open) {
    pollfd p{console.get(), POLLIN, 0};
    if (poll(&p, 1, 50) <= 0 || !pump(console.get(), STDOUT_FILENO)) break;
  }
  return *wait_status;
}

}  // namespace bulkhead::runtime
