#include "gofer/transport/server_channel.h"

#include <cstring>

#include "gofer/transport/fd_datagram.h"

namespace hg::transport {

ServerChannel::ServerChannel(Mapping window, UniqueFd fd_sock, uint32_t max_payload,
                             EndpointOptions opts)
    : ep_(std::move(window), Side::kServer, opts),
      fd_sock_(std::move(fd_sock)),
      max_payload_(max_payload) {
  // The payload area cannot exceed what the window holds.
  if (max_payload_ > ep_.data_cap() - kChannelHeaderSize) {
    max_payload_ = ep_.data_cap() - kChannelHeaderSize;
  }
}

std::span<uint8_t> ServerChannel::response_buffer() const {
  return std::span<uint8_t>(ep_.data() + kChannelHeaderSize, max_payload_);
}

Outcome<Frame> ServerChannel::Fail(const TransportError& e) {
  turn_ = Turn::kDead;
  // Never leave the client blocked: whatever went wrong, it gets a shutdown.
  ep_.Shutdown();
  return e;
}

Outcome<Frame> ServerChannel::TakeRequest(uint32_t data_len) {
  turn_ = Turn::kOurs;
  TransportError bad = TransportError::Of(ErrorKind::kMalformed);
  bad.length = data_len;
  if (data_len > ep_.data_cap() || data_len < kChannelHeaderSize) return bad;
  // The one and only read of the request bytes from shared memory.
  if (request_.size() < data_len) request_.resize(data_len);
  std::memcpy(request_.data(), ep_.data(), data_len);
  const ChannelHeader h = ChannelHeader::Decode(request_.data());
  bad.mid = h.mid;
  // Requests never donate FDs; a claim that they do is malformed, and the FD
  // socket is not touched.
  if (h.num_fds != 0) return bad;
  const uint32_t payload_len = data_len - kChannelHeaderSize;
  if (payload_len > max_payload_) {
    TransportError big = TransportError::Of(ErrorKind::kTooLarge);
    big.mid = h.mid;
    big.length = payload_len;
    return big;
  }
  Frame f;
  f.mid = h.mid;
  f.payload = std::span<const uint8_t>(request_.data() + kChannelHeaderSize, payload_len);
  return f;
}

Outcome<Frame> ServerChannel::RecvFirst() {
  if (turn_ != Turn::kNotStarted) {
    return TransportError::Of(turn_ == Turn::kDead ? ErrorKind::kShutdown : ErrorKind::kProtocol);
  }
  Outcome<uint32_t> n = ep_.RecvFirst();
  if (!n.ok()) return Fail(n.error());
  return TakeRequest(*n);
}

uint8_t ServerChannel::SendFds(std::span<const int> fds) {
  if (fds.empty() || fds.size() > UINT8_MAX) return 0;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (!SendFdDatagram(fd_sock_.get(), fds[i]).ok()) return static_cast<uint8_t>(i);
  }
  return static_cast<uint8_t>(fds.size());
}

Outcome<Frame> ServerChannel::Finish(uint16_t mid, uint32_t payload_len, std::span<const int> fds) {
  // FDs first, so they are queued before the client learns numFDs.
  const uint8_t num_fds = SendFds(fds);
  ChannelHeader{mid, num_fds}.Encode(ep_.data());
  turn_ = Turn::kTheirs;
  Outcome<uint32_t> n = ep_.SendRecv(static_cast<uint32_t>(kChannelHeaderSize) + payload_len);
  if (!n.ok()) return Fail(n.error());
  return TakeRequest(*n);
}

Outcome<Frame> ServerChannel::SendRecv(uint16_t mid, std::span<const uint8_t> payload,
                                       std::span<const int> fds) {
  if (turn_ != Turn::kOurs) {
    return TransportError::Of(turn_ == Turn::kDead ? ErrorKind::kShutdown : ErrorKind::kProtocol);
  }
  if (payload.size() > max_payload_) {
    TransportError e = TransportError::Of(ErrorKind::kTooLarge);
    e.mid = mid;
    e.length = payload.size();
    return e;  // the turn is still ours
  }
  if (!payload.empty())
    std::memcpy(ep_.data() + kChannelHeaderSize, payload.data(), payload.size());
  return Finish(mid, static_cast<uint32_t>(payload.size()), fds);
}

Outcome<Frame> ServerChannel::SendRecvInPlace(uint16_t mid, uint32_t payload_len,
                                              std::span<const int> fds) {
  if (turn_ != Turn::kOurs) {
    return TransportError::Of(turn_ == Turn::kDead ? ErrorKind::kShutdown : ErrorKind::kProtocol);
  }
  if (payload_len > max_payload_) {
    TransportError e = TransportError::Of(ErrorKind::kTooLarge);
    e.mid = mid;
    e.length = payload_len;
    return e;
  }
  return Finish(mid, payload_len, fds);
}

Outcome<Frame> ServerChannel::ReplyError(uint32_t errno_value) {
  uint8_t payload[kErrorPayloadSize];
  std::memcpy(payload, &errno_value, sizeof(payload));
  return SendRecv(kErrorMid, payload);
}

}  // namespace hg::transport
