#include "runtime/console.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "base/error.h"

namespace bulkhead::runtime {

static_assert(sizeof(termios) <= 64, "termios fits the saved buffer");

void attach_container_console(const SyncSocket& channel,
                              const std::optional<spec::ConsoleSize>& size) {
  UniqueFd master(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) throw_errno("opening /dev/ptmx in the container");
  if (unlockpt(master.get()) != 0) throw_errno("unlockpt");
  UniqueFd slave(ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY));
  if (!slave) throw_errno("opening the pty slave");
  if (size && size->height && size->width) {
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(size->height);
    ws.ws_col = static_cast<unsigned short>(size->width);
    ioctl(slave.get(), TIOCSWINSZ, &ws);
  }
  channel.send(SyncMessage::Console, "", master.get());
  master.reset();
  if (ioctl(slave.get(), TIOCSCTTY, 0) != 0) throw_errno("making the pty the controlling terminal");
  for (int fd = 0; fd <= 2; ++fd) {
    if (dup2(slave.get(), fd) < 0) throw_errno("dup2 of the pty slave");
  }
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  termios current{};
  if (!isatty(fd) || tcgetattr(fd, &current) != 0) return;
  std::array<unsigned char, 64> buffer{};
  std::memcpy(buffer.data(), &current, sizeof(current));
  saved_ = buffer;
  termios raw = current;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSADRAIN, &raw) == 0) changed_ = true;
}

RawTerminal::~RawTerminal() {
  if (!changed_ || !saved_) return;
  termios original{};
  std::memcpy(&original, saved_->data(), sizeof(original));
  tcsetattr(fd_, TCSADRAIN, &original);
}

void copy_window_size(int from_fd, int to_fd) {
  winsize ws{};
  if (ioctl(from_fd, TIOCGWINSZ, &ws) == 0) ioctl(to_fd, TIOCSWINSZ, &ws);
}

}  // namespace bulkhead::runtime
