// Terminals for containers: with `-t` the container's process gets a pty from the
// container's own devpts instance (so it never sees the host's ptys), and the parent relays
// between that pty and its own stdin/stdout.
#pragma once

#include <array>
#include <optional>

#include "base/unique_fd.h"
#include "runtime/sync_socket.h"
#include "spec/spec.h"

namespace bulkhead::runtime {

// In the container, after pivot_root: opens a pty from /dev/ptmx, sends the master to the
// parent over `channel`, and makes the slave the controlling terminal and stdio.
void attach_container_console(const SyncSocket& channel,
                              const std::optional<spec::ConsoleSize>& size);

// Puts the host terminal on `fd` in raw mode while alive (when it is a terminal at all).
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  ~RawTerminal();

 private:
  int fd_;
  bool changed_ = false;
  std::optional<std::array<unsigned char, 64>> saved_;
};

// Copies the host terminal's window size to the pty master.
void copy_window_size(int from_fd, int to_fd);

}  // namespace bulkhead::runtime
