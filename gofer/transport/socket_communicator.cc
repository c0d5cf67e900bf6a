#include "gofer/transport/socket_communicator.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hg::transport {
namespace {

// Control buffer big enough for the most FDs a client may ask for (u8 count).
constexpr size_t kMaxWantFds = 255;
constexpr size_t kRecvControlSize = CMSG_SPACE(sizeof(int) * kMaxWantFds);
constexpr size_t kSendControlSize = CMSG_SPACE(sizeof(int) * kMaxSocketFds);
// Oversize payloads are discarded through a buffer of this size.
constexpr size_t kScratchSize = 64 * 1024;

// Closes every FD carried by SCM_RIGHTS messages in `msg` (defensive: used when
// control data arrives where none was asked for).
void CloseAllRights(msghdr* msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      UniqueFd close_me(fd);
    }
  }
}

// Moves SCM_RIGHTS FDs into fds[0..want) in order; closes the surplus.
void TakeRights(msghdr* msg, std::vector<UniqueFd>* fds) {
  size_t slot = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      UniqueFd owned(fd);
      if (slot < fds->size()) (*fds)[slot++] = std::move(owned);
    }
  }
}

}  // namespace

Status CheckConnectedUnixStream(int fd) {
  int domain = 0, type = 0;
  socklen_t len = sizeof(domain);
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return Errno::Last();
  len = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return Errno::Last();
  if (domain != AF_UNIX || type != SOCK_STREAM) return Errno(EPROTOTYPE);
  sockaddr_storage peer{};
  socklen_t plen = sizeof(peer);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) return Errno::Last();
  return Status::Ok();
}

Result<std::unique_ptr<SocketCommunicator>> SocketCommunicator::Create(UniqueFd sock, Side side,
                                                                       uint32_t max_payload) {
  if (!sock.valid()) return Errno(EBADF);
  return std::unique_ptr<SocketCommunicator>(
      new SocketCommunicator(std::move(sock), side, max_payload));
}

void SocketCommunicator::Shutdown() {
  if (stop_.exchange(true, std::memory_order_acq_rel)) return;
  // Wakes a thread blocked in ppoll (POLLHUP) and tells the peer we are gone.
  ::shutdown(sock_.get(), SHUT_RDWR);
}

Outcome<> SocketCommunicator::Wait(short events) {
  pollfd pfd{sock_.get(), events, 0};
  int r = ::ppoll(&pfd, 1, nullptr, nullptr);
  if (r < 0 && errno != EINTR) return TransportError::LastSystem();
  if (is_shutdown()) return TransportError::Of(ErrorKind::kShutdown);
  if (r > 0 && (pfd.revents & POLLNVAL)) return TransportError::System(EBADF);
  // POLLHUP/POLLERR: the next recvmsg/sendmsg reports EOF or the error.
  return {};
}

Outcome<> SocketCommunicator::ReadExact(uint8_t* buf, size_t len, bool frame_start,
                                        uint8_t want_fds, std::vector<UniqueFd>* fds,
                                        bool* fds_taken) {
  alignas(cmsghdr) uint8_t control[kRecvControlSize];
  size_t got = 0;
  while (got < len) {
    if (is_shutdown()) return TransportError::Of(ErrorKind::kShutdown);
    iovec iov{buf + got, len - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    int flags = MSG_DONTWAIT | MSG_TRUNC;
    const bool take_fds = side_ == Side::kClient && !*fds_taken && want_fds > 0;
    if (take_fds) {
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * want_fds);
      flags |= MSG_CMSG_CLOEXEC;
    }
    // Server: no control buffer at all, so the kernel never installs FDs a
    // client attaches; it drops them and sets MSG_CTRUNC.
    ssize_t n = ::recvmsg(sock_.get(), &msg, flags);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        Outcome<> w = Wait(POLLIN);
        if (!w.ok()) return w;
        continue;
      }
      return TransportError::LastSystem();
    }
    if (msg.msg_controllen > 0) {
      if (take_fds && n > 0) {
        TakeRights(&msg, fds);
      } else {
        CloseAllRights(&msg);
      }
    }
    if (msg.msg_flags & MSG_CTRUNC) ++dropped_control_;
    if (n == 0) {
      return TransportError::Of(got == 0 && frame_start ? ErrorKind::kEof : ErrorKind::kTruncated);
    }
    if (static_cast<size_t>(n) > len - got) {
      // MSG_TRUNC reported more than fits: only possible on a non-stream socket.
      return TransportError::Of(ErrorKind::kProtocol);
    }
    if (side_ == Side::kClient) *fds_taken = true;
    got += static_cast<size_t>(n);
  }
  return {};
}

Outcome<> SocketCommunicator::Discard(uint64_t len) {
  if (scratch_.empty()) scratch_.resize(kScratchSize);
  bool unused_taken = true;
  while (len > 0) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(len, scratch_.size()));
    Outcome<> r = ReadExact(scratch_.data(), chunk, false, 0, nullptr, &unused_taken);
    if (!r.ok()) return r;
    len -= chunk;
  }
  return {};
}

Outcome<Frame> SocketCommunicator::Recv(uint8_t want_fds) {
  if (is_shutdown()) return TransportError::Of(ErrorKind::kShutdown);
  Frame frame;
  if (side_ == Side::kClient) {
    frame.fds.resize(want_fds);
  } else {
    want_fds = 0;
  }
  bool fds_taken = false;
  uint8_t raw[kSocketHeaderSize];
  Outcome<> r = ReadExact(raw, sizeof(raw), true, want_fds, &frame.fds, &fds_taken);
  if (!r.ok()) return r.error();
  const SocketHeader h = SocketHeader::Decode(raw);
  frame.mid = h.mid;
  // The length check comes before any allocation or read of the payload.
  if (h.payload_len > max_payload_) {
    r = Discard(h.payload_len);
    if (!r.ok()) return r.error();
    TransportError e = TransportError::Of(ErrorKind::kTooLarge);
    e.mid = h.mid;
    e.length = h.payload_len;
    return e;  // FDs that came with it are closed with `frame`
  }
  if (buf_.size() < h.payload_len) buf_.resize(h.payload_len);
  if (h.payload_len > 0) {
    r = ReadExact(buf_.data(), h.payload_len, false, want_fds, &frame.fds, &fds_taken);
    if (!r.ok()) return r.error();
  }
  frame.payload = std::span<const uint8_t>(buf_.data(), h.payload_len);
  return frame;
}

Outcome<> SocketCommunicator::Send(uint16_t mid, std::span<const uint8_t> payload,
                                   std::span<const int> fds) {
  if (is_shutdown()) return TransportError::Of(ErrorKind::kShutdown);
  if (payload.size() > max_payload_) {
    TransportError e = TransportError::Of(ErrorKind::kTooLarge);
    e.mid = mid;
    e.length = payload.size();
    return e;
  }
  if (fds.size() > kMaxSocketFds) return TransportError::System(EINVAL);

  uint8_t raw[kSocketHeaderSize];
  SocketHeader{static_cast<uint32_t>(payload.size()), mid}.Encode(raw);
  iovec iov[2] = {{raw, sizeof(raw)}, {const_cast<uint8_t*>(payload.data()), payload.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;

  alignas(cmsghdr) uint8_t control[kSendControlSize];
  if (!fds.empty()) {
    // All FDs in one SCM_RIGHTS message, on the first sendmsg only.
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    std::memset(control, 0, msg.msg_controllen);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }

  size_t remaining = sizeof(raw) + payload.size();
  while (remaining > 0) {
    if (is_shutdown()) return TransportError::Of(ErrorKind::kShutdown);
    ssize_t n = ::sendmsg(sock_.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        Outcome<> w = Wait(POLLOUT);
        if (!w.ok()) return w;
        continue;
      }
      return TransportError::LastSystem();
    }
    if (n == 0) return TransportError::System(EIO);  // cannot happen on a stream
    // The FDs went with the first bytes; never send them twice.
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
    remaining -= static_cast<size_t>(n);
    size_t advance = static_cast<size_t>(n);
    while (advance > 0 && msg.msg_iovlen > 0) {
      iovec& v = msg.msg_iov[0];
      if (advance >= v.iov_len) {
        advance -= v.iov_len;
        ++msg.msg_iov;
        --msg.msg_iovlen;
      } else {
        v.iov_base = static_cast<uint8_t*>(v.iov_base) + advance;
        v.iov_len -= advance;
        advance = 0;
      }
    }
  }
  return {};
}

Outcome<Frame> SocketCommunicator::Call(uint16_t mid, std::span<const uint8_t> payload,
                                        uint8_t want_fds) {
  Outcome<> s = Send(mid, payload);
  if (!s.ok()) return s.error();
  return Recv(want_fds);
}

}  // namespace hg::transport
