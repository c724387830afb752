// The channel between `bulkhead run` and the process it is turning into a container. Setup
// runs in the child, after clone, where nothing can be printed usefully and exceptions cannot
// cross the process boundary: the child sends each failure here as a message and the parent
// raises it as an Error, so the cause reaches the CLI like any other error.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/unique_fd.h"

namespace bulkhead::runtime {

enum class SyncMessage : char {
  Go = 'G',  // parent → child: id maps written, cgroup joined (or namespaces recorded); carry on
  Error = 'E',       // child → parent: setup failed; the text says why
  Console = 'C',     // child → parent: the pty master, as SCM_RIGHTS
  Namespaces = 'N',  // child → parent: "name=inode …" of its namespaces, for the state record
  Pid = 'P',         // exec helper → parent: the pid of the process entering the container
  ExecFailed = 'X',  // child → parent: the command could not be executed; text = errno
};

struct Received {
  SyncMessage kind;
  std::string text;
  UniqueFd fd;
};

class SyncSocket {
 public:
  // A SOCK_SEQPACKET pair, close-on-exec: the child's end closes when its exec succeeds, so
  // end-of-file tells the parent "the container's process is running".
  static std::pair<SyncSocket, SyncSocket> pair();

  void send(SyncMessage kind, const std::string& text = "", int fd = -1) const;
  // nullopt on end-of-file.
  std::optional<Received> receive() const;
  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

 private:
  explicit SyncSocket(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace bulkhead::runtime
