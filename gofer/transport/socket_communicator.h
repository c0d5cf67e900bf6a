// Framed LisaFS messages over a connected AF_UNIX SOCK_STREAM socket (the
// "main socket" of a connection), server side and client side.
//
//   // Server: one thread per connection.
//   HG_ASSIGN_OR_RETURN(auto comm, SocketCommunicator::Create(std::move(sock), Side::kServer,
//                                                              max_payload));
//   for (;;) {
//     Outcome<Frame> req = comm->Recv();
//     if (!req.ok()) {
//       if (req.error().must_reply()) { send Error(EIO); continue; }   // kTooLarge
//       break;                            // kEof, kTruncated, kShutdown, kSystem: tear down
//     }
//     ... decode req->mid / req->payload, handle ...
//     comm->Send(resp_mid, resp_payload, donated_fds);   // then close donated_fds
//   }
//
//   // Client:
//   Outcome<Frame> resp = comm->Call(mid, payload, /*want_fds=*/1);
//
//   // Any thread, to stop the serving thread (e.g. at sandbox teardown):
//   comm->Shutdown();
//
// Wire format (gVisor pkg/lisafs/sock.go): an 8-byte SocketHeader then
// payloadLen bytes, one outstanding request at a time. Security properties:
//   * payloadLen is compared with the maximum message size before anything is
//     allocated or read; an oversize payload is read into a fixed scratch
//     buffer and thrown away, so a hostile 4 GiB length costs the attacker
//     bandwidth, not our memory, and the stream stays framed (Recv returns
//     kTooLarge; the server answers Error(EIO) like gVisor and keeps serving).
//   * The server side passes no control buffer to recvmsg, so FDs a client
//     attaches are never installed in this process (the kernel drops them and
//     reports MSG_CTRUNC, counted in dropped_control_messages()).
//   * Response FDs travel in one SCM_RIGHTS message attached to the first
//     sendmsg; on a short write the rest goes without it, so the FDs arrive
//     exactly once, with the first bytes of the frame.
//   * Every recvmsg/sendmsg uses MSG_DONTWAIT and blocks in ppoll instead, so
//     Shutdown() (an atomic flag plus shutdown(SHUT_RDWR), which wakes ppoll)
//     can stop a thread blocked in Recv or Send. The flags match the stock
//     gofer seccomp rules: recvmsg MSG_DONTWAIT|MSG_TRUNC (server), sendmsg
//     MSG_DONTWAIT|MSG_NOSIGNAL, shutdown SHUT_RDWR, ppoll.
#ifndef HARDGOFER_GOFER_TRANSPORT_SOCKET_COMMUNICATOR_H_
#define HARDGOFER_GOFER_TRANSPORT_SOCKET_COMMUNICATOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/transport/frame.h"
#include "gofer/transport/transport_error.h"

namespace hg::transport {

// The most FDs one SCM_RIGHTS message can carry (Linux SCM_MAX_FD).
inline constexpr size_t kMaxSocketFds = 253;

// Checks that `fd` is a connected AF_UNIX SOCK_STREAM socket. Meant for FDs
// inherited from a parent (`serve --fd N`): a wrong FD would otherwise fail in
// confusing ways later. EBADF/ENOTSOCK/EPROTOTYPE/ENOTCONN.
Status CheckConnectedUnixStream(int fd);

class SocketCommunicator {
 public:
  // Takes ownership of `sock`, a connected AF_UNIX SOCK_STREAM socket. Its file
  // status flags are left alone (it may be shared with a parent). max_payload
  // bounds received and sent payloads (gVisor's MaxMessageSize).
  static Result<std::unique_ptr<SocketCommunicator>> Create(UniqueFd sock, Side side,
                                                            uint32_t max_payload);

  SocketCommunicator(const SocketCommunicator&) = delete;
  SocketCommunicator& operator=(const SocketCommunicator&) = delete;
  ~SocketCommunicator() = default;

  // Receives one frame; its payload stays valid until the next Recv/Call.
  // Server: FDs are never accepted (want_fds is ignored). Client: takes up to
  // want_fds FDs from the first recvmsg that returns data (as gVisor's client
  // does); Frame::fds has exactly want_fds entries, missing ones invalid, and
  // surplus FDs are closed (installed with MSG_CMSG_CLOEXEC).
  // Errors: kEof (clean close between frames), kTruncated (close mid-frame),
  // kTooLarge (payload over max_payload, discarded, stream still framed),
  // kShutdown, kSystem.
  Outcome<Frame> Recv(uint8_t want_fds = 0);

  // Sends one frame with `fds` (borrowed; the caller closes its copies after
  // the call, whatever the result). Errors: kTooLarge (payload over
  // max_payload; nothing sent), kSystem (EINVAL for more than kMaxSocketFds
  // FDs; EPIPE/ECONNRESET when the peer is gone; no SIGPIPE), kShutdown.
  Outcome<> Send(uint16_t mid, std::span<const uint8_t> payload, std::span<const int> fds = {});

  // Client convenience: Send (no FDs; requests never carry FDs) then Recv.
  Outcome<Frame> Call(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds = 0);

  // Stops this communicator: a thread blocked in Recv/Send returns kShutdown,
  // every later call too, and the peer sees EOF. Safe from any thread,
  // idempotent; not safe concurrently with destruction.
  void Shutdown();
  bool is_shutdown() const { return stop_.load(std::memory_order_acquire); }

  // The client learns the real limit from Mount.
  uint32_t max_payload() const { return max_payload_; }
  void set_max_payload(uint32_t max_payload) { max_payload_ = max_payload; }

  int fd() const { return sock_.get(); }
  Side side() const { return side_; }
  // Received messages whose control data (FDs) was refused or cut short.
  uint64_t dropped_control_messages() const { return dropped_control_; }
  // Capacity of the reusable payload buffer (tests check that an oversize
  // length never caused an allocation).
  size_t payload_buffer_capacity() const { return buf_.capacity(); }

 private:
  SocketCommunicator(UniqueFd sock, Side side, uint32_t max_payload)
      : sock_(std::move(sock)), side_(side), max_payload_(max_payload) {}

  // Reads exactly len bytes. fds/fds_taken: client FD collection state.
  Outcome<> ReadExact(uint8_t* buf, size_t len, bool frame_start, uint8_t want_fds,
                      std::vector<UniqueFd>* fds, bool* fds_taken);
  Outcome<> Discard(uint64_t len);
  // Blocks in ppoll until `events` or shutdown.
  Outcome<> Wait(short events);

  UniqueFd sock_;
  Side side_;
  uint32_t max_payload_;
  std::atomic<bool> stop_{false};
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> scratch_;
  uint64_t dropped_control_ = 0;
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_SOCKET_COMMUNICATOR_H_
