// Server end of one LisaFS flipcall channel: packet window + FD socket, served
// by one thread.
//
//   Outcome<Frame> req = ch->RecvFirst();          // blocks until the client connects
//   for (;;) {
//     if (!req.ok()) {
//       if (req.error().must_reply()) { req = ch->ReplyError(EIO); continue; }
//       break;                                     // shut down or peer gone: thread ends
//     }
//     ... decode req->mid / req->payload (a private copy), handle ...
//     req = ch->SendRecv(resp_mid, resp_payload, donated_fds);  // then close donated_fds
//   }
//
// Hardening over gVisor's server (lisafs-protocol.md §9):
//   * Each request is copied out of the shared window exactly once, into memory
//     the client cannot reach, before anything looks at it; dataLen is loaded
//     once and checked against the window first.
//   * A request with numFDs != 0, dataLen < 4, dataLen > dataCap or a payload
//     over max_payload is kMalformed/kTooLarge and the channel stays ours to
//     answer: ReplyError sends an Error frame and control goes back to the
//     client, which gVisor's server never does (its client stays blocked).
//   * The FD socket is never read: requests cannot donate FDs. FDs a client
//     pushes into it anyway stay queued, charged to the client's socket
//     buffer, and are released when the channel is destroyed.
//   * Any unanswerable failure (bad futex state, bad handshake) shuts the
//     channel down, so the client is woken instead of left waiting.
//
// Threading: one thread makes the RecvFirst/SendRecv/ReplyError calls;
// Shutdown may come from any thread.
#ifndef HARDGOFER_GOFER_TRANSPORT_SERVER_CHANNEL_H_
#define HARDGOFER_GOFER_TRANSPORT_SERVER_CHANNEL_H_

#include <cstdint>
#include <span>
#include <vector>

#include "base/unique_fd.h"
#include "gofer/transport/flipcall_endpoint.h"
#include "gofer/transport/frame.h"
#include "gofer/transport/packet_window.h"
#include "gofer/transport/transport_error.h"

namespace hg::transport {

class ServerChannel {
 public:
  // Normally made by ChannelSet::AddChannel. `window` is this channel's
  // mapping (zero-filled), `fd_sock` the server end of the SEQPACKET pair.
  ServerChannel(Mapping window, UniqueFd fd_sock, uint32_t max_payload, EndpointOptions opts);
  ServerChannel(const ServerChannel&) = delete;
  ServerChannel& operator=(const ServerChannel&) = delete;
  // Wakes the client if it is still waiting, then unmaps and closes.
  // Precondition: no thread is inside a call on this channel any more.
  ~ServerChannel() { ep_.Shutdown(); }

  // Waits for the client's handshake, answers it, and returns the first
  // request. Call once, first.
  Outcome<Frame> RecvFirst();

  // Answers the current request and returns the next one. `fds` (borrowed;
  // close them afterwards whatever the result) go on the FD socket first, one
  // datagram each; more than 255 ⇒ none are sent; if the i-th cannot be sent,
  // i are announced and the rest dropped (order matters to the client).
  // kTooLarge when payload exceeds max_payload(): nothing was sent and the turn
  // is still ours (answer with ReplyError). Other errors end the channel.
  Outcome<Frame> SendRecv(uint16_t mid, std::span<const uint8_t> payload,
                          std::span<const int> fds = {});

  // Zero-copy variant: write up to max_payload() bytes of the response into
  // response_buffer() (shared memory: write only, never read back), then
  // SendRecvInPlace with its length. Valid only while the turn is ours.
  std::span<uint8_t> response_buffer() const;
  Outcome<Frame> SendRecvInPlace(uint16_t mid, uint32_t payload_len, std::span<const int> fds = {});

  // Answers the current request with an Error frame (MID 0, u32 errno).
  Outcome<Frame> ReplyError(uint32_t errno_value);

  // Ends the channel from any thread: a thread blocked in RecvFirst/SendRecv
  // returns kShutdown, and so does the client. Idempotent.
  void Shutdown() { ep_.Shutdown(); }
  bool is_shutdown() const { return ep_.is_shutdown(); }

  uint32_t max_payload() const { return max_payload_; }
  uint32_t data_cap() const { return ep_.data_cap(); }
  // Tests only: the server end of the FD socket (to prove it is never read).
  int fd_socket_for_testing() const { return fd_sock_.get(); }
  uint32_t conn_state_for_testing() const { return ep_.LoadConnState(); }

 private:
  enum class Turn { kNotStarted, kOurs, kTheirs, kDead };
  // Validates and copies the request of length data_len out of the window.
  Outcome<Frame> TakeRequest(uint32_t data_len);
  Outcome<Frame> Finish(uint16_t mid, uint32_t payload_len, std::span<const int> fds);
  Outcome<Frame> Fail(const TransportError& e);
  uint8_t SendFds(std::span<const int> fds);

  FlipcallEndpoint ep_;
  UniqueFd fd_sock_;
  uint32_t max_payload_;
  Turn turn_ = Turn::kNotStarted;
  std::vector<uint8_t> request_;  // private copy of the current request
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_SERVER_CHANNEL_H_
