#include "gofer/transport/client_channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "gofer/transport/fd_datagram.h"

namespace hg::transport {

Result<std::unique_ptr<ClientChannel>> ClientChannel::Create(UniqueFd data_fd, int64_t offset,
                                                             uint64_t length, UniqueFd fd_sock,
                                                             EndpointOptions opts) {
  if (!data_fd.valid() || !fd_sock.valid()) return Errno(EBADF);
  const uint64_t page = PageSize();
  if (length < page || length > std::numeric_limits<uint32_t>::max() || offset < 0 ||
      static_cast<uint64_t>(offset) % page != 0) {
    return Errno(EINVAL);
  }
  struct stat st;
  if (::fstat(data_fd.get(), &st) != 0) return Errno::Last();
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) < static_cast<uint64_t>(offset) ||
      static_cast<uint64_t>(st.st_size) - static_cast<uint64_t>(offset) < length) {
    return Errno(EINVAL);  // touching the mapping past EOF would raise SIGBUS
  }
  int seals = ::fcntl(data_fd.get(), F_GET_SEALS);
  if (seals < 0 || !(seals & F_SEAL_SHRINK)) return Errno(EINVAL);  // could shrink later
  int type = 0;
  socklen_t len = sizeof(type);
  if (::getsockopt(fd_sock.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0) return Errno::Last();
  if (type != SOCK_SEQPACKET) return Errno(EPROTOTYPE);
  HG_ASSIGN_OR_RETURN(Mapping m, Mapping::Map(data_fd.get(), offset, length));
  return std::unique_ptr<ClientChannel>(new ClientChannel(std::move(m), std::move(fd_sock), opts));
}

Outcome<> ClientChannel::Connect() {
  if (connected_ || dead_) return TransportError::Of(ErrorKind::kProtocol);
  Outcome<> r = ep_.Connect();
  if (!r.ok()) {
    dead_ = true;
    ep_.Shutdown();
    return r;
  }
  connected_ = true;
  return {};
}

std::span<uint8_t> ClientChannel::request_buffer() const {
  return std::span<uint8_t>(ep_.data() + kChannelHeaderSize, max_payload());
}

Outcome<Frame> ClientChannel::Fail(ErrorKind kind) {
  dead_ = true;
  ep_.Shutdown();
  return TransportError::Of(kind);
}

Outcome<Frame> ClientChannel::Call(uint16_t mid, std::span<const uint8_t> payload,
                                   uint8_t want_fds) {
  if (payload.size() > max_payload()) {
    TransportError e = TransportError::Of(ErrorKind::kTooLarge);
    e.mid = mid;
    e.length = payload.size();
    return e;
  }
  if (!payload.empty()) std::memcpy(request_buffer().data(), payload.data(), payload.size());
  return CallInPlace(mid, static_cast<uint32_t>(payload.size()), want_fds);
}

Outcome<Frame> ClientChannel::CallInPlace(uint16_t mid, uint32_t payload_len, uint8_t want_fds) {
  if (dead_) return TransportError::Of(ErrorKind::kShutdown);
  if (!connected_) return TransportError::Of(ErrorKind::kProtocol);
  if (payload_len > max_payload()) {
    TransportError e = TransportError::Of(ErrorKind::kTooLarge);
    e.mid = mid;
    e.length = payload_len;
    return e;
  }
  ChannelHeader{mid, 0}.Encode(ep_.data());  // requests never carry FDs
  Outcome<uint32_t> n = ep_.SendRecv(static_cast<uint32_t>(kChannelHeaderSize) + payload_len);
  if (!n.ok()) {
    dead_ = true;
    ep_.Shutdown();
    return n.error();
  }
  const uint32_t data_len = *n;
  if (data_len > ep_.data_cap() || data_len < kChannelHeaderSize) return Fail(ErrorKind::kProtocol);
  if (response_.size() < data_len) response_.resize(data_len);
  std::memcpy(response_.data(), ep_.data(), data_len);
  const ChannelHeader h = ChannelHeader::Decode(response_.data());

  Frame f;
  f.mid = h.mid;
  f.payload = std::span<const uint8_t>(response_.data() + kChannelHeaderSize,
                                       data_len - kChannelHeaderSize);
  f.fds.resize(want_fds);
  for (uint8_t i = 0; i < h.num_fds; ++i) {
    Outcome<UniqueFd> fd = RecvFdDatagram(fd_sock_.get());
    if (!fd.ok()) {
      // Fewer FDs than announced: the rest stay invalid, as in gVisor. A
      // malformed FD message means the FD socket can no longer be trusted.
      if (fd.error().kind == ErrorKind::kProtocol) return Fail(ErrorKind::kProtocol);
      break;
    }
    if (i < want_fds) f.fds[i] = std::move(fd.value());
  }
  return f;
}

}  // namespace hg::transport
