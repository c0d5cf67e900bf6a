#include "gofer/transport/flipcall_endpoint.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace hg::transport {
namespace {

constexpr uint32_t kClientActive = 0;
constexpr uint32_t kServerActive = 1;
constexpr uint32_t kConnShutdown = 2;

constexpr uint32_t kBlocked = 1;
constexpr uint32_t kShutdownBit = 2;

// Shared (non-private) futex ops: the peer is another process.
long FutexWait(uint32_t* addr, uint32_t expected) {
  return ::syscall(SYS_futex, addr, FUTEX_WAIT, expected, nullptr, nullptr, 0);
}
long FutexWake(uint32_t* addr, int count) {
  return ::syscall(SYS_futex, addr, FUTEX_WAKE, count, nullptr, nullptr, 0);
}

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Failed polls in a row before adaptive back-off skips polling, and the cap
// on how many waits it skips.
constexpr uint32_t kMissesBeforeBackoff = 2;
constexpr uint32_t kMaxBackoff = 1024;
// Pauses between clock reads while polling (a pause is ~10-150 cycles).
constexpr uint32_t kPausesPerClockRead = 16;

uint64_t NowNs() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no syscall, no seccomp rule
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Threads of this process polling right now, over every endpoint.
std::atomic<int32_t> g_spinners{0};

// CPUs the calling thread may run on, minus one: the default cap on pollers.
int32_t DefaultMaxSpinners() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return 0;  // unknown: never poll
  return CPU_COUNT(&set) - 1;
}

// Holds one of the process-wide polling slots, if one is free.
class SpinSlot {
 public:
  explicit SpinSlot(int32_t cap) : held_(g_spinners.fetch_add(1, std::memory_order_acq_rel) < cap) {
    if (!held_) g_spinners.fetch_sub(1, std::memory_order_acq_rel);
  }
  ~SpinSlot() {
    if (held_) g_spinners.fetch_sub(1, std::memory_order_acq_rel);
  }
  SpinSlot(const SpinSlot&) = delete;
  SpinSlot& operator=(const SpinSlot&) = delete;
  bool held() const { return held_; }

 private:
  bool held_;
};

bool IsHandshake(const uint8_t* p, uint32_t len) {
  // Copied out first: the peer may rewrite the window while we compare.
  if (len != 2 && len != kHandshakeLen) return false;
  char copy[kHandshakeLen] = {};
  std::memcpy(copy, p, len);
  return copy[0] == '{' && copy[1] == '}' && (len == 2 || copy[2] == '\n');
}

}  // namespace

FlipcallEndpoint::FlipcallEndpoint(Mapping window, Side side, EndpointOptions opts)
    : window_(std::move(window)),
      data_cap_(static_cast<uint32_t>(window_.size() - kPacketHeaderSize)),
      active_(side == Side::kServer ? kServerActive : kClientActive),
      inactive_(side == Side::kServer ? kClientActive : kServerActive),
      own_flag_off_(side == Side::kServer ? 12 : 8),
      peer_flag_off_(side == Side::kServer ? 8 : 12),
      spin_ns_(opts.spin_ns),
      wake_spin_ns_(opts.spin_ns == 0 ? 0 : std::max(opts.spin_ns, opts.wake_spin_ns)),
      adaptive_(opts.adaptive),
      max_spinners_(opts.max_spinners >= 0 ? opts.max_spinners
                    : opts.spin_ns == 0    ? 0
                                           : DefaultMaxSpinners()),
      skip_when_colocated_(opts.skip_when_colocated) {}

EndpointStats FlipcallEndpoint::stats() const {
  auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  return EndpointStats{get(counters_.waits),     get(counters_.spins),
                       get(counters_.spin_hits), get(counters_.futex_waits),
                       get(counters_.wakes),     get(counters_.wakes_skipped),
                       get(counters_.colocated)};
}

uint32_t FlipcallEndpoint::LoadConnState() const {
  return std::atomic_ref<uint32_t>(*state_word()).load(std::memory_order_acquire);
}

uint32_t FlipcallEndpoint::LoadDataLen() const {
  // An atomic load, so the compiler cannot re-read a value the peer may change.
  return std::atomic_ref<uint32_t>(*data_len_word()).load(std::memory_order_relaxed);
}

void FlipcallEndpoint::StoreDataLen(uint32_t n) {
  std::atomic_ref<uint32_t>(*data_len_word()).store(n, std::memory_order_relaxed);
}

Outcome<> FlipcallEndpoint::EnterBlocking() {
  uint32_t s = ctrl_.fetch_add(kBlocked, std::memory_order_acq_rel) + kBlocked;
  if (s == kBlocked) return {};
  ctrl_.fetch_sub(kBlocked, std::memory_order_acq_rel);
  if (s == (kBlocked | kShutdownBit)) return TransportError::Of(ErrorKind::kShutdown);
  // Two threads in one endpoint at once: a caller bug, refused rather than raced.
  return TransportError::Of(ErrorKind::kProtocol);
}

void FlipcallEndpoint::ExitBlocking() {
  uint32_t s = ctrl_.fetch_sub(kBlocked, std::memory_order_acq_rel) - kBlocked;
  // Shutdown() ran while we were blocked and left announcing it to us.
  if (s & kShutdownBit) ShutdownConn();
}

Outcome<> FlipcallEndpoint::SetPeerActive() {
  // Publish where we run before handing over, even if we will not wait
  // afterwards: a peer deciding whether to poll reads this CPU (a flag left
  // at 0 by a side that never had to wait would hide a shared CPU).
  const int cpu = ::sched_getcpu();
  cpu_ = cpu < 0 ? 0xFFFF : static_cast<uint32_t>(cpu);
  std::atomic_ref<uint32_t>(*own_flag()).store(Flag(kWaiterBusy), std::memory_order_relaxed);
  uint32_t expected = active_;
  if (std::atomic_ref<uint32_t>(*state_word())
          .compare_exchange_strong(expected, inactive_, std::memory_order_seq_cst)) {
    return {};
  }
  if (expected == kConnShutdown) return TransportError::Of(ErrorKind::kShutdown);
  return TransportError::Of(ErrorKind::kProtocol);
}

void FlipcallEndpoint::WakePeer() {
  // Dekker half 1: SetPeerActive's seq_cst CAS on connState, then this seq_cst
  // load of the peer's flag. If it still reads kWaiterPolling, the peer's
  // store of kWaiterSleeping comes later in the total order, so its
  // following load of connState sees our CAS and it never sleeps on it.
  const uint32_t peer = std::atomic_ref<uint32_t>(*peer_flag()).load(std::memory_order_seq_cst);
  peer_was_awake_ = WaiterKind(peer) != kWaiterSleeping;
  if (WaiterKind(peer) == kWaiterPolling) {
    Bump(counters_.wakes_skipped);
    return;
  }
  Bump(counters_.wakes);
  FutexWake(state_word(), 1);
}

bool FlipcallEndpoint::Spin() {
  if (spin_ns_ == 0) return false;
  if (skip_ > 0) {
    --skip_;
    return false;
  }
  // More pollers than spare CPUs: sleep now rather than take the CPU the
  // peer (or another channel's peer) needs to answer. Not counted as a miss.
  SpinSlot slot(max_spinners_);
  if (!slot.held()) return false;
  Bump(counters_.spins);
  std::atomic_ref<uint32_t> state(*state_word());
  // No sched_yield in here: measured, it made things worse whenever another
  // process kept the CPUs busy (a yield to a CPU hog costs its whole slice,
  // and a peer that finds us polling skips the wake that would have got us
  // the CPU back quickly). docs/performance.md has the numbers.
  const bool after_wake = !peer_was_awake_ && wake_spin_ns_ > spin_ns_;
  const uint64_t deadline = NowNs() + (after_wake ? wake_spin_ns_ : spin_ns_);
  for (uint32_t i = 1;; ++i) {
    if (state.load(std::memory_order_acquire) != inactive_ || is_shutdown()) {
      Bump(counters_.spin_hits);
      misses_ = 0;
      backoff_ = 1;
      return true;
    }
    CpuRelax();
    if (i % kPausesPerClockRead == 0 && NowNs() >= deadline) break;
  }
  // A miss counts against polling only if the window covered the peer's
  // wake-up: the peer was not asleep when we handed over, or we polled the
  // longer after-wake window. A short window after a wake has the wake-up
  // latency (tens of us for an idle vCPU) in it and says nothing about what
  // polling gains once both sides poll; counting it would lock two
  // backed-off peers into sleeping forever, each one's probe timing out on
  // the other's wake-up.
  if (adaptive_ && (peer_was_awake_ || after_wake) && ++misses_ >= kMissesBeforeBackoff) {
    misses_ = 0;
    skip_ = backoff_;
    backoff_ = backoff_ >= kMaxBackoff ? kMaxBackoff : backoff_ * 2;
  }
  return false;
}

Outcome<> FlipcallEndpoint::WaitUntilActive() {
  std::atomic_ref<uint32_t> state(*state_word());
  if (state.load(std::memory_order_acquire) != inactive_) return WaitLoop();
  Bump(counters_.waits);
  const int cpu = ::sched_getcpu();  // rseq area or vDSO: no syscall
  cpu_ = cpu < 0 ? 0xFFFF : static_cast<uint32_t>(cpu);
  std::atomic_ref<uint32_t> flag(*own_flag());
  // Polling: a hand-off from now on may skip FUTEX_WAKE.
  flag.store(Flag(kWaiterPolling), std::memory_order_seq_cst);
  const uint32_t peer = std::atomic_ref<uint32_t>(*peer_flag()).load(std::memory_order_relaxed);
  const uint32_t kind = WaiterKind(peer);
  if (skip_when_colocated_ && spin_ns_ != 0 && cpu >= 0 &&
      (kind == kWaiterPolling || kind == kWaiterSleeping || kind == kWaiterBusy) &&
      WaiterCpu(peer) == cpu_) {
    Bump(counters_.colocated);
  } else {
    Spin();
  }
  Outcome<> r = WaitLoop();
  // Not waiting any more. Relaxed is enough: a peer that still reads
  // kWaiterPolling skips a wake nobody needs, and before we next sleep we
  // store kWaiterSleeping and re-check (WaitLoop).
  flag.store(Flag(kWaiterBusy), std::memory_order_relaxed);
  return r;
}

Outcome<> FlipcallEndpoint::WaitLoop() {
  std::atomic_ref<uint32_t> state(*state_word());
  std::atomic_ref<uint32_t> flag(*own_flag());
  for (;;) {
    uint32_t cs = state.load(std::memory_order_acquire);
    if (cs == active_) return {};
    if (cs == inactive_) {
      if (is_shutdown()) return TransportError::Of(ErrorKind::kShutdown);
      // Dekker half 2 (see WakePeer): announce the sleep, then re-check.
      flag.store(Flag(kWaiterSleeping), std::memory_order_seq_cst);
      long rc = 0;
      int err = 0;
      if (state.load(std::memory_order_seq_cst) == inactive_ && !is_shutdown()) {
        Bump(counters_.futex_waits);
        rc = FutexWait(state_word(), inactive_);
        err = errno;
      }
      flag.store(Flag(kWaiterPolling), std::memory_order_seq_cst);
      if (rc != 0 && err != EAGAIN && err != EINTR) {
        return TransportError::System(err);
      }
      continue;
    }
    if (cs == kConnShutdown) return TransportError::Of(ErrorKind::kShutdown);
    return TransportError::Of(ErrorKind::kProtocol);  // the peer wrote garbage
  }
}

Outcome<> FlipcallEndpoint::Connect() {
  Outcome<> r = EnterBlocking();
  if (!r.ok()) return r;
  std::memcpy(data(), kHandshake, kHandshakeLen);
  StoreDataLen(kHandshakeLen);
  r = SetPeerActive();
  if (r.ok()) {
    WakePeer();
    r = WaitUntilActive();
  }
  ExitBlocking();
  if (!r.ok()) return r;
  uint32_t len = LoadDataLen();
  if (len > data_cap_ || !IsHandshake(data(), len)) return TransportError::Of(ErrorKind::kProtocol);
  return {};
}

Outcome<uint32_t> FlipcallEndpoint::RecvFirst() {
  Outcome<> r = EnterBlocking();
  if (!r.ok()) return r.error();
  r = WaitUntilActive();
  if (r.ok()) {
    uint32_t len = LoadDataLen();
    if (len > data_cap_ || !IsHandshake(data(), len)) {
      r = TransportError::Of(ErrorKind::kProtocol);
    } else {
      std::memcpy(data(), kHandshake, kHandshakeLen);
      StoreDataLen(kHandshakeLen);
      r = SetPeerActive();
      if (r.ok()) {
        WakePeer();
        r = WaitUntilActive();
      }
    }
  }
  ExitBlocking();
  if (!r.ok()) return r.error();
  return LoadDataLen();
}

Outcome<uint32_t> FlipcallEndpoint::SendRecv(uint32_t data_len) {
  if (data_len > data_cap_) return TransportError::Of(ErrorKind::kProtocol);
  Outcome<> r = EnterBlocking();
  if (!r.ok()) return r.error();
  StoreDataLen(data_len);
  r = SetPeerActive();
  if (r.ok()) {
    WakePeer();
    r = WaitUntilActive();
  }
  ExitBlocking();
  if (!r.ok()) return r.error();
  return LoadDataLen();
}

void FlipcallEndpoint::Shutdown() {
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return;
  if (ctrl_.fetch_add(kShutdownBit, std::memory_order_acq_rel) & kBlocked) {
    // A thread is (about to be) in FUTEX_WAIT. One wake can land before it
    // sleeps, so keep waking until it has left; it then announces the shutdown
    // to the peer itself (ExitBlocking). INT_MAX: a hostile peer waiting on the
    // same word from many threads cannot swallow our wake.
    for (;;) {
      if (FutexWake(state_word(), INT_MAX) < 0) break;
      ::sched_yield();
      if (!(ctrl_.load(std::memory_order_acquire) & kBlocked)) break;
    }
  } else {
    ShutdownConn();
  }
}

void FlipcallEndpoint::ShutdownConn() {
  uint32_t old = std::atomic_ref<uint32_t>(*state_word()).exchange(kConnShutdown);
  // If we held control the peer is asleep waiting for it: wake it to see 2. If
  // the peer held control it notices at its next state change; waking anyway
  // costs nothing and also covers a peer that scribbled on the word while
  // asleep. INT_MAX so extra waiters on the word cannot swallow the wake.
  if (old != kConnShutdown) FutexWake(state_word(), INT_MAX);
}

}  // namespace hg::transport
