#include "gofer/transport/fd_datagram.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace hg::transport {

Status SendFdDatagram(int sock, int fd) {
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_control = control;
  msg.msg_controllen = CMSG_LEN(sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return Status::Ok();
    if (errno != EINTR) return Errno::Last();
  }
}

Outcome<UniqueFd> RecvFdDatagram(int sock) {
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_control = control;
  // Exactly one int's worth, like gVisor: the kernel then reports
  // msg_controllen == CMSG_LEN(4) for a well-formed message.
  msg.msg_controllen = CMSG_LEN(sizeof(int));
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return TransportError::LastSystem();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  UniqueFd fd;
  if (c != nullptr && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
      c->cmsg_len >= CMSG_LEN(sizeof(int))) {
    int raw;
    std::memcpy(&raw, CMSG_DATA(c), sizeof(int));
    fd.reset(raw);  // owned from here, so every failure path below closes it
  }
  if (msg.msg_controllen != CMSG_LEN(sizeof(int)) || c == nullptr ||
      c->cmsg_len != CMSG_LEN(sizeof(int)) || !fd.valid() || (msg.msg_flags & MSG_CTRUNC)) {
    return TransportError::Of(ErrorKind::kProtocol);
  }
  return fd;
}

}  // namespace hg::transport
