#include "gofer/transport/flipcall_endpoint.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

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
      spin_(opts.spin_iterations) {}

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
  uint32_t expected = active_;
  if (std::atomic_ref<uint32_t>(*state_word())
          .compare_exchange_strong(expected, inactive_, std::memory_order_seq_cst)) {
    return {};
  }
  if (expected == kConnShutdown) return TransportError::Of(ErrorKind::kShutdown);
  return TransportError::Of(ErrorKind::kProtocol);
}

void FlipcallEndpoint::WakePeer() { FutexWake(state_word(), 1); }

Outcome<> FlipcallEndpoint::WaitUntilActive() {
  std::atomic_ref<uint32_t> state(*state_word());
  for (uint32_t i = 0; i < spin_; ++i) {
    if (state.load(std::memory_order_acquire) != inactive_ || is_shutdown()) break;
    CpuRelax();
  }
  for (;;) {
    uint32_t cs = state.load(std::memory_order_acquire);
    if (cs == active_) return {};
    if (cs == inactive_) {
      if (is_shutdown()) return TransportError::Of(ErrorKind::kShutdown);
      if (FutexWait(state_word(), inactive_) != 0 && errno != EAGAIN && errno != EINTR) {
        return TransportError::LastSystem();
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
