#include "runtime/sync_socket.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.h"

namespace bulkhead::runtime {

namespace {
constexpr size_t kMaxMessage = 8192;
}

std::pair<SyncSocket, SyncSocket> SyncSocket::pair() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw_errno("socketpair for container setup");
  }
  return {SyncSocket(UniqueFd(fds[0])), SyncSocket(UniqueFd(fds[1]))};
}

void SyncSocket::send(SyncMessage kind, const std::string& text, int fd) const {
  std::string payload(1, static_cast<char>(kind));
  payload += text.substr(0, kMaxMessage - 1);
  iovec iov{payload.data(), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  }
  ssize_t sent;
  do {
    sent = sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) throw_errno("sending to the container setup channel");
}

std::optional<Received> SyncSocket::receive() const {
  std::vector<char> buffer(kMaxMessage);
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t got;
  do {
    got = recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) throw_errno("reading the container setup channel");
  if (got == 0) return std::nullopt;
  Received received{static_cast<SyncMessage>(buffer[0]), std::string(buffer.data() + 1, got - 1),
                    UniqueFd()};
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
      received.fd.reset(fd);
    }
  }
  return received;
}

}  // namespace bulkhead::runtime
