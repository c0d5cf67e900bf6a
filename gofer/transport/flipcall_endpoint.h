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
// Window layout: u32 connState (futex word) | u32 dataLen | u32 client waiter
// flag | u32 server waiter flag | data. connState: 0 = client active, 1 =
// server active, 2 = shut down -- exactly gVisor's values: its client fails on
// any other value, so nothing else is ever stored there. The futex calls are
// FUTEX_WAIT/FUTEX_WAKE *without* FUTEX_PRIVATE_FLAG because the peer is
// another process mapping the same memfd pages; a private futex would key on
// our address space and never see the peer's wakes.
//
// Bounded adaptive spin (EndpointOptions::spin_ns): before FUTEX_WAIT a
// waiter polls connState for at most spin_ns, so a reply that comes back
// within that time costs no sleep and no cross-CPU wake-up. Each side
// advertises in its waiter flag (gVisor's 8 reserved header bytes, which
// gVisor never reads or writes) whether it may be inside FUTEX_WAIT; the
// waker skips FUTEX_WAKE only while the peer's flag reads kWaiterPolling.
// Race-free by a Dekker pair of seq_cst accesses: the waker stores connState
// then loads the flag, the waiter stores kWaiterSleeping then loads connState,
// so at least one of them sees the other's store. A gVisor peer leaves its
// flag 0, which is "may sleep": it is always woken. A hostile peer that lies
// in its flag only goes unwoken itself; we never read our own flag back.
// Polling backs off when it does not pay, is capped at CPUs - 1 pollers per
// process, and is skipped when the peer's flag says it shares our CPU (see
// EndpointOptions; docs/performance.md has the measurements).
//
// The peer is untrusted and shares the window: every value read from it
// (connState, dataLen, data) may change at any moment. This class loads
// dataLen exactly once per message and returns it unchecked; the caller checks
// it against data_cap() and copies the data out once before parsing it.
#ifndef HARDGOFER_GOFER_TRANSPORT_FLIPCALL_ENDPOINT_H_
#define HARDGOFER_GOFER_TRANSPORT_FLIPCALL_ENDPOINT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "gofer/transport/frame.h"
#include "gofer/transport/packet_window.h"
#include "gofer/transport/transport_error.h"

namespace hg::transport {

struct EndpointOptions {
  // Longest time (ns, CLOCK_MONOTONIC via the vDSO) to poll connState with a
  // CPU pause before sleeping in FUTEX_WAIT. 0: never poll. Bounded so a
  // channel that goes idle sleeps after at most this much CPU.
  uint32_t spin_ns = 0;
  // The window after a hand-off that had to FUTEX_WAKE a sleeping peer (0:
  // spin_ns). Waking a halted vCPU takes 20-40 us on a KVM guest, longer than
  // spin_ns, so with spin_ns alone a pair that once fell asleep stays in a
  // "wake each other" cycle for good: each side's poll ends before the woken
  // peer answers, so each hand-off wakes a sleeper again (measured: 1 run in
  // 8 at 9x the p50 of the polling mode). One longer poll right after a wake
  // outlasts the wake-up, sees the answer, and the pair is back to polling.
  // Costs at most this much CPU per wake. A miss of this window counts
  // toward back-off (it covered the wake-up, so it says the peer is slow).
  uint32_t wake_spin_ns = 0;
  // Back off after polls that did not see the peer answer in time: after
  // two failures in a row the next 1, 2, 4 ... 1024 waits skip polling
  // (reset by a success). Keeps an idle or overloaded channel from burning
  // CPU on every wait. A failure right after we handed over to a peer
  // asleep in FUTEX_WAIT does not count (its wake-up time is in the wait;
  // counting it locks two backed-off peers into sleeping), so polling costs
  // at most spin_ns per hand-off, never per unit of idle time. Tests turn it
  // off to make spinning deterministic.
  bool adaptive = true;
  // Threads of this process polling at once, over all endpoints. -1: the
  // CPUs this thread may run on (sched_getaffinity) minus one, so with more
  // waiters than cores the extra ones sleep at once instead of spinning on a
  // CPU the peer needs, and a 1-CPU process never spins.
  int32_t max_spinners = -1;
  // Do not poll while the peer's flag says it last ran on our CPU: it would
  // need this CPU to answer (the scheduler keeps a futex ping-pong pair on one
  // CPU when the others are busy). Tests turn it off to force polling.
  bool skip_when_colocated = true;
};

// Default spin for both sides of our channels: covers an RPC the server
// answers from the page cache (1-3 us) plus the hand-off with room to spare,
// and bounds what a miss costs. docs/performance.md has the measurements.
inline constexpr uint32_t kDefaultSpinNs = 10000;
// Default EndpointOptions::wake_spin_ns: one wake-up of an idle vCPU (20-30 us
// typical; a cross-CPU futex round trip, two wakes, is 50-65 us at p50) plus
// an RPC's work, with room for the slow 1%: at 25 or 35 us the 1-thread p99
// stayed at 25-54 / 37-40 us (the window ran out, then a sleep); at 50 us it
// is 21-35 us. The price is the 4-thread p99 (docs/performance.md).
inline constexpr uint32_t kDefaultWakeSpinNs = 50000;

// Per-endpoint counters (relaxed; read them after the calls finished).
struct EndpointStats {
  uint64_t waits = 0;          // times the endpoint had to wait for the peer
  uint64_t spins = 0;          // waits that polled
  uint64_t spin_hits = 0;      // polls that saw the peer answer
  uint64_t futex_waits = 0;    // FUTEX_WAIT calls made
  uint64_t wakes = 0;          // FUTEX_WAKE calls made on hand-off
  uint64_t wakes_skipped = 0;  // hand-offs to a peer that was polling
  uint64_t colocated = 0;      // waits that did not poll: peer on our CPU
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
  EndpointStats stats() const;

  // Waiter-flag values (header bytes 8..11 client, 12..15 server). Anything
  // but kWaiterPolling -- 0 from a peer that does not know the scheme --
  // means "may be in FUTEX_WAIT: wake me" (kWaiterBusy: not waiting; a wake
  // is then merely unneeded).
  // A flag is kind << 16 | (CPU the writer ran on & 0xFFFF): the CPU lets a
  // waiter see that its peer shares its CPU, where polling would only keep
  // the peer from running.
  static constexpr uint32_t kWaiterPolling = 0x6870;   // "hp"
  static constexpr uint32_t kWaiterSleeping = 0x6873;  // "hs"
  static constexpr uint32_t kWaiterBusy = 0x6862;      // "hb": between waits
  static constexpr uint32_t WaiterKind(uint32_t flag) { return flag >> 16; }
  static constexpr uint32_t WaiterCpu(uint32_t flag) { return flag & 0xFFFF; }

 private:
  Outcome<> EnterBlocking();
  void ExitBlocking();
  Outcome<> SetPeerActive();
  void WakePeer();
  Outcome<> WaitUntilActive();
  // The futex part of WaitUntilActive: load, re-check, FUTEX_WAIT, repeat.
  Outcome<> WaitLoop();
  // Polls connState for up to spin_ns (wake_spin_ns after a hand-off that
  // woke the peer); true once it is no longer the peer's.
  bool Spin();
  void ShutdownConn();
  uint32_t* state_word() const { return reinterpret_cast<uint32_t*>(window_.data()); }
  uint32_t* data_len_word() const { return reinterpret_cast<uint32_t*>(window_.data() + 4); }
  uint32_t* own_flag() const { return reinterpret_cast<uint32_t*>(window_.data() + own_flag_off_); }
  uint32_t* peer_flag() const {
    return reinterpret_cast<uint32_t*>(window_.data() + peer_flag_off_);
  }
  static void Bump(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }
  uint32_t Flag(uint32_t kind) const { return kind << 16 | (cpu_ & 0xFFFF); }
  uint32_t LoadDataLen() const;
  void StoreDataLen(uint32_t n);

  Mapping window_;
  uint32_t data_cap_;
  uint32_t active_;    // our "I hold control" connState value
  uint32_t inactive_;  // the peer's
  size_t own_flag_off_;
  size_t peer_flag_off_;
  uint32_t spin_ns_;
  uint32_t wake_spin_ns_;  // >= spin_ns_
  bool adaptive_;
  int32_t max_spinners_;
  bool skip_when_colocated_;
  uint32_t cpu_ = 0;  // ours, read at the start of each wait (rseq/vDSO)
  // Adaptive state; touched only by the one thread inside a call.
  uint32_t skip_ = 0;           // waits left that do not poll
  uint32_t backoff_ = 1;        // next skip_ after repeated failures
  uint32_t misses_ = 0;         // failed polls in a row
  bool peer_was_awake_ = true;  // our last hand-off found the peer not asleep
  struct Counters {
    std::atomic<uint64_t> waits{0}, spins{0}, spin_hits{0}, futex_waits{0}, wakes{0},
        wakes_skipped{0}, colocated{0};
  } counters_;
  // Local control bits: kBlocked while a call is between EnterBlocking and
  // ExitBlocking, kShutdownBit once Shutdown was called.
  std::atomic<uint32_t> ctrl_{0};
  std::atomic<bool> shutdown_{false};
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_FLIPCALL_ENDPOINT_H_
