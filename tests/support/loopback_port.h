// A TCP port on 127.0.0.1 that nothing listens on right now: bound once to let the kernel pick
// a free number, then closed. For tests that need a port to give a daemon, or one whose
// connections are refused.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>

#include "base/error.h"
#include "base/unique_fd.h"

namespace bulkhead::testing {

inline uint16_t free_loopback_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw_errno("finding a free loopback port");
  return ntohs(address.sin_port);
}

}  // namespace bulkhead::testing
