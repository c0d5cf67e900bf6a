// One end of a flipcall connection: the futex state machine on a shared packet
// window that hands control back and forth between client and server
// (gVisor pkg/flipcall). Used by ServerChannel and ClientChannel; most code
// wants those instead.
//
//   FlipcallEndpoint ep(std::move(window), Side::kServer, {});
//   Outcome<uint32_t> n = ep.RecvFirst();         // handshake + first request
//   while (n.ok()) { ... read ep.data()[0..*n) once, write the reply ...
//                    n = ep.SendRecv(reply_len); }
//   ep.Shutdown();                                 // from any thread
//
// Window layout: u32 connState (futex word) | u32 dataLen | 8 reserved | data.
// connState: 0 = client active, 1 = server active, 2 = shut down. The futex
// calls are FUTEX_WAIT/FUTEX_WAKE *without* FUTEX_PRIVATE_FLAG because the peer
// is another process mapping the same memfd pages; a private futex would key
// on our address space and never see the peer's wakes.
//
// The peer is untrusted and shares the window: every value read from it
// (connState, dataLen, data) may change at any moment. This class loads
// dataLen exactly once per message and returns it unchecked; the caller checks
// it against data_cap() and copies the data out once before parsing it.
#ifndef HARDGOFER_GOFER_TRANSPORT_FLIPCALL_ENDPOINT_H_
#define HARDGOFER_GOFER_TRANSPORT_FLIPCALL_ENDPOINT_H_

#include <atomic>
#include <cstdint>

#include "gofer/transport/frame.h"
#include "gofer/transport/packet_window.h"
#include "gofer/transport/transport_error.h"

namespace hg::transport {

struct EndpointOptions {
  // Times to re-check the futex word (with a CPU pause) before sleeping in
  // FUTEX_WAIT. 0 disables spinning. See bench/transport for the measurement
  // behind each side's default.
  uint32_t spin_iterations = 0;
};

// The connection-handshake datagram: what Go's json.Encoder writes for an
// empty struct. gVisor's client sends it, the server answers the same.
inline constexpr char kHandshake[] = "{}\n";
inline constexpr uint32_t kHandshakeLen = 3;

class FlipcallEndpoint {
 public:
  // `window` must be at least one page and at most UINT32_MAX bytes and read
  // as zeros before the first call (flipcall's contract); the caller checks.
  FlipcallEndpoint(Mapping window, Side side, EndpointOptions opts);
  FlipcallEndpoint(const FlipcallEndpoint&) = delete;
  FlipcallEndpoint& operator=(const FlipcallEndpoint&) = delete;

  // Bytes available after the 16-byte packet header.
  uint32_t data_cap() const { return data_cap_; }
  // The shared datagram area. Read each byte at most once; never read back what
  // you wrote (the peer may have changed it).
  uint8_t* data() const { return window_.data() + kPacketHeaderSize; }

  // Client: sends the handshake and waits for the server's answer.
  Outcome<> Connect();
  // Server: waits for the handshake, answers it, then waits for the first real
  // message and returns its dataLen (loaded once, unchecked). A handshake other
  // than "{}\n" (or "{}") is kProtocol.
  Outcome<uint32_t> RecvFirst();
  // Publishes data_len (<= data_cap(), else kProtocol without sending), gives
  // control to the peer and waits for it to come back; returns the peer's
  // dataLen (loaded once, unchecked).
  Outcome<uint32_t> SendRecv(uint32_t data_len);

  // Makes every concurrent and future call here and in the peer return
  // kShutdown. Any thread; idempotent; returns once a thread blocked here has
  // left FUTEX_WAIT (it wakes it repeatedly with sched_yield in between, since
  // a single wake can race with the waiter entering FUTEX_WAIT).
  void Shutdown();
  bool is_shutdown() const { return shutdown_.load(std::memory_order_acquire); }

  // For tests and the rogue-peer checks: the current futex word.
  uint32_t LoadConnState() const;

 private:
  Outcome<> EnterBlocking();
  void ExitBlocking();
  Outcome<> SetPeerActive();
  void WakePeer();
  Outcome<> WaitUntilActive();
  void ShutdownConn();
  uint32_t* state_word() const { return reinterpret_cast<uint32_t*>(window_.data()); }
  uint32_t* data_len_word() const { return reinterpret_cast<uint32_t*>(window_.data() + 4); }
  uint32_t LoadDataLen() const;
  void StoreDataLen(uint32_t n);

  Mapping window_;
  uint32_t data_cap_;
  uint32_t active_;    // our "I hold control" connState value
  uint32_t inactive_;  // the peer's
  uint32_t spin_;
  // Local control bits: kBlocked while a call is between EnterBlocking and
  // ExitBlocking, kShutdownBit once Shutdown was called.
  std::atomic<uint32_t> ctrl_{0};
  std::atomic<bool> shutdown_{false};
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_FLIPCALL_ENDPOINT_H_
