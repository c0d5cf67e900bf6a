// Client end of one LisaFS flipcall channel, for our own C++ client, tests and
// benchmarks (the sandbox side of gVisor's pkg/lisafs/channel.go).
//
//   // After a Channel RPC returned {dataOffset, dataLength} and FDs {memfd, fdSock}:
//   HG_ASSIGN_OR_RETURN(auto ch, ClientChannel::Create(std::move(memfd), off, len,
//                                                     std::move(fd_sock)));
//   if (!ch->Connect().ok()) ...                  // handshake; then usable
//   Outcome<Frame> resp = ch->Call(mid, payload, /*want_fds=*/1);
//
// One call at a time per channel (callers take a free channel under a lock).
// The server is less hostile than a client but is still checked: the window
// must be backed by a memfd sealed against shrinking and large enough (or a
// server could SIGBUS us), dataLen is bounds-checked and the response copied
// out once, and each FD datagram must be exactly one SCM_RIGHTS int.
#ifndef HARDGOFER_GOFER_TRANSPORT_CLIENT_CHANNEL_H_
#define HARDGOFER_GOFER_TRANSPORT_CLIENT_CHANNEL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/transport/flipcall_endpoint.h"
#include "gofer/transport/frame.h"
#include "gofer/transport/transport_error.h"

namespace hg::transport {

class ClientChannel {
 public:
  // Maps [offset, offset+length) of `data_fd` (closed once mapped) and takes
  // `fd_sock`, the client end of the FD socket. EINVAL for a window smaller
  // than a page, over UINT32_MAX, unaligned, past the end of the file, or a
  // file without F_SEAL_SHRINK; EPROTOTYPE when fd_sock is not SEQPACKET.
  static Result<std::unique_ptr<ClientChannel>> Create(UniqueFd data_fd, int64_t offset,
                                                       uint64_t length, UniqueFd fd_sock,
                                                       EndpointOptions opts = {});
  ClientChannel(const ClientChannel&) = delete;
  ClientChannel& operator=(const ClientChannel&) = delete;
  // Tells the server the channel is gone (its thread then ends) and unmaps.
  ~ClientChannel() { ep_.Shutdown(); }

  // The handshake. Must succeed before any Call.
  Outcome<> Connect();

  // Sends a request (never with FDs) and waits for the response. The response
  // payload is a private copy valid until the next call; Frame::fds has exactly
  // want_fds entries (missing ones invalid, surplus closed). Errors: kTooLarge
  // (payload over max_payload(); nothing sent), kShutdown, kProtocol (bad
  // response; the channel is shut down), kSystem.
  Outcome<Frame> Call(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds = 0);

  // Zero-copy variant: encode into request_buffer(), then CallInPlace.
  std::span<uint8_t> request_buffer() const;
  Outcome<Frame> CallInPlace(uint16_t mid, uint32_t payload_len, uint8_t want_fds = 0);

  void Shutdown() { ep_.Shutdown(); }
  bool is_shutdown() const { return ep_.is_shutdown(); }
  uint32_t max_payload() const { return ep_.data_cap() - kChannelHeaderSize; }
  uint32_t data_cap() const { return ep_.data_cap(); }
  int fd_socket() const { return fd_sock_.get(); }

 private:
  ClientChannel(Mapping window, UniqueFd fd_sock, EndpointOptions opts)
      : ep_(std::move(window), Side::kClient, opts), fd_sock_(std::move(fd_sock)) {}
  Outcome<Frame> Fail(ErrorKind kind);

  FlipcallEndpoint ep_;
  UniqueFd fd_sock_;
  bool connected_ = false;
  bool dead_ = false;
  std::vector<uint8_t> response_;
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_CLIENT_CHANNEL_H_
