// flipcall_window: the shared packet window of a flipcall channel and the
// channel header parsed out of it, with a hostile peer that rewrites the
// window while the other side reads it.
//
// The peer under test is real (ServerChannel from a ChannelSet, or
// ClientChannel); the hostile peer is this harness writing the shared mapping
// directly: connState, dataLen, the 4-byte channel header and the payload, at
// any time, plus FDs pushed into the channel's FD socket.
//
// Input:  byte 0  bit 0: 0 = server under test, 1 = client under test
//                 bits 1-2: max payload 4, 64, 4096, gVisor's default
//                 bits 3-4: handshake sent/answered: "{}\n", "{}", garbage,
//                           dataLen past the window
//         then ops, each one byte (op % 6) plus operands:
//           0 message   u16 MID, u8 numFDs, u8 dataLen mode (0 exact, 1 raw u32
//                       follows, 2 data_cap+1, 3 below the header), u8 n, n bytes
//                       (server under test: a request; client under test: the
//                       reply to the client's next call, whose want_fds is
//                       numFDs ^ the low bits of n)
//           1 mutate    u8 k, then k x (u8 spin, u16 offset, u8 value): writes
//                       a second thread makes into the window while the peer
//                       under test holds the turn of the NEXT message
//           2 scribble  u32 written into connState, then a wake
//           3 fds       u8 k: k FDs pushed into the FD socket (one datagram each)
//           4 shutdown  connState := 2 and a wake (the peer must notice)
//           5 reserved  u8 offset, u8 value written into bytes 8..15
//
// Oracles:
//   * the peer under test never crashes, never reads outside the window, and
//     never leaves us blocked: it always gives the turn back or shuts down
//     (within 10 s). Mutations may store a connState without a wake, or
//     overwrite the shutdown the server announced; neither is the peer's
//     fault, so the harness re-wakes every 20 ms while it waits and watches
//     the serving thread's exit instead of trusting the window for it;
//   * what it parses is a private copy: the server's handler hashes the
//     request payload, pauses while the mutator runs, and hashes it again;
//     the client's Call result is checked the same way;
//   * for rounds without mutation the server answers exactly as the model
//     says: a valid request (4 <= dataLen <= data_cap, numFDs 0, payload <=
//     max) is echoed with its MID, anything else gets Error(EIO), and the
//     announced numFDs equals the FDs queued on the FD socket;
//   * client under test: Frame::fds has exactly want_fds entries, each valid
//     one close-on-exec and one we sent; payload never exceeds max_payload;
//   * after each input every thread is joined and no descriptor leaked.
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "fuzz/support/fd_table.h"
#include "gofer/transport/channel_set.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/fd_datagram.h"
#include "gofer/transport/frame.h"
#include "gofer/transport/packet_window.h"
#include "gofer/transport/server_channel.h"
#include "gofer/wire/decode_any.h"

namespace {

using hg::UniqueFd;
using hg::transport::ChannelSet;
using hg::transport::kChannelHeaderSize;
using hg::transport::kPacketHeaderSize;
using hg::transport::Mapping;

constexpr uint32_t kClientActive = 0;
constexpr uint32_t kServerActive = 1;
constexpr uint32_t kShutdownState = 2;
// How long the peer under test may keep the turn before we call it a hang.
// Generous (campaigns share two cores with compilers), and below the 25 s
// -timeout fuzz/run.sh gives libFuzzer, so a hang is reported as ours.
constexpr int kHangSeconds = 10;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "flipcall_window: %s\n", what);
  std::abort();
}

uint64_t Hash(std::span<const uint8_t> s) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t b : s) h = (h ^ b) * 1099511628211ull;
  return h ^ s.size();
}

// Gives a concurrent mutator time to act without giving up the CPU: under
// nice with busy cores, a sched_yield can cost a whole timeslice per round.
inline void CpuPause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}
void Pause() {
  for (int i = 0; i < 2000; ++i) CpuPause();
}

// A file donated as an FD (server replies, pushed datagrams), made once.
int AttachFd() {
  static const int fd = [] {
    int f = ::memfd_create("fuzz-flipcall-attach", MFD_CLOEXEC);
    if (f < 0) Fail("memfd_create");
    return f;
  }();
  return fd;
}

class Input {
 public:
  explicit Input(std::span<const uint8_t> in) : in_(in) {}
  bool empty() const { return pos_ >= in_.size(); }
  uint8_t U8() { return pos_ < in_.size() ? in_[pos_++] : 0; }
  uint16_t U16() { return static_cast<uint16_t>(U8() | (U8() << 8)); }
  uint32_t U32() { return U16() | (static_cast<uint32_t>(U16()) << 16); }
  std::span<const uint8_t> Take(size_t n) {
    n = std::min(n, in_.size() - pos_);
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

// The hostile side's view of the shared window (its own mapping).
class Window {
 public:
  explicit Window(Mapping m) : m_(std::move(m)) {}
  uint8_t* base() const { return m_.data(); }
  size_t size() const { return m_.size(); }
  uint32_t data_cap() const { return static_cast<uint32_t>(m_.size() - kPacketHeaderSize); }
  uint8_t* data() const { return m_.data() + kPacketHeaderSize; }
  std::atomic_ref<uint32_t> state() const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(m_.data()));
  }
  std::atomic_ref<uint32_t> data_len() const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(m_.data() + 4));
  }
  void Wake() const {
    ::syscall(SYS_futex, m_.data(), FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0);
  }
  // Waits while connState == `while_state`; returns the new state. Fails
  // (a finding) when the peer keeps it longer than kHangSeconds.
  // With `stop`, also returns (the current state) once *stop is set: the
  // peer has ended (server under test) or the harness's own hostile peer must
  // not outlive the input (client under test).
  uint32_t WaitWhile(uint32_t while_state, const std::atomic<bool>* stop = nullptr) const {
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
      const uint32_t s = state().load(std::memory_order_acquire);
      if (s != while_state || (stop != nullptr && stop->load())) return s;
      timespec slice{0, 20 * 1000 * 1000};
      if (::syscall(SYS_futex, m_.data(), FUTEX_WAIT, while_state, &slice, nullptr, 0) != 0 &&
          errno == ETIMEDOUT) {
        // A mutation may have stored a new connState without a FUTEX_WAKE
        // (what a hostile peer does to hang its victim's own channel); the
        // peer under test may then sleep on a state that already changed.
        // That is not a bug of the peer under test, so the harness wakes
        // both sides again and lets them re-check.
        Wake();
      }
      timespec now{};
      ::clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec - start.tv_sec > kHangSeconds) {
        Fail("the peer under test never gave the turn back");
      }
    }
  }
  // Relaxed byte stores: the peer may be reading concurrently (that is the test).
  void Store(size_t off, std::span<const uint8_t> bytes) const {
    for (size_t i = 0; i < bytes.size() && off + i < size(); ++i) {
      std::atomic_ref<uint8_t>(base()[off + i]).store(bytes[i], std::memory_order_relaxed);
    }
  }
  uint8_t Load(size_t off) const {
    return std::atomic_ref<uint8_t>(base()[off]).load(std::memory_order_relaxed);
  }

 private:
  Mapping m_;
};

struct Mutation {
  uint8_t spin;
  uint16_t offset;
  uint8_t value;
};

std::vector<Mutation> ParseMutations(Input& in) {
  std::vector<Mutation> out;
  const size_t k = in.U8() % 17;
  for (size_t i = 0; i < k && !in.empty(); ++i) {
    const uint8_t spin = in.U8();
    const uint16_t off = in.U16();
    out.push_back({spin, off, in.U8()});
  }
  return out;
}

// Runs `muts` against the window from another thread while the peer works.
class Mutator {
 public:
  Mutator(const Window& w, std::vector<Mutation> muts) {
    if (muts.empty()) return;
    t_ = std::thread([&w, muts = std::move(muts)] {
      for (const Mutation& m : muts) {
        // The delay before this write: `spin` x ~20 CPU pauses.
        for (unsigned i = 0; i < m.spin; ++i) {
          for (int k = 0; k < 20; ++k) CpuPause();
        }
        const uint8_t v = m.value;
        w.Store(m.offset % w.size(), std::span<const uint8_t>(&v, 1));
      }
    });
  }
  ~Mutator() {
    if (t_.joinable()) t_.join();
  }
  bool active() const { return t_.joinable(); }

 private:
  std::thread t_;
};

struct Message {
  uint16_t mid = 0;
  uint8_t num_fds = 0;
  uint8_t len_mode = 0;
  uint32_t raw_len = 0;
  std::vector<uint8_t> payload;
};

Message ParseMessage(Input& in) {
  Message m;
  m.mid = in.U16();
  m.num_fds = in.U8();
  m.len_mode = in.U8() & 3;
  if (m.len_mode == 1) m.raw_len = in.U32();
  auto p = in.Take(in.U8());
  m.payload.assign(p.begin(), p.end());
  return m;
}

// Writes header + payload and returns the dataLen to publish.
uint32_t WriteMessage(const Window& w, const Message& m) {
  uint8_t hdr[kChannelHeaderSize];
  hg::transport::ChannelHeader{m.mid, m.num_fds}.Encode(hdr);
  w.Store(kPacketHeaderSize, hdr);
  w.Store(kPacketHeaderSize + kChannelHeaderSize, m.payload);
  const uint32_t exact = static_cast<uint32_t>(kChannelHeaderSize + m.payload.size());
  switch (m.len_mode) {
    case 0:
      return std::min(exact, w.data_cap());
    case 1:
      return m.raw_len;
    case 2:
      return w.data_cap() + 1;
    default:
      return static_cast<uint32_t>(m.payload.size() % kChannelHeaderSize);
  }
}

void PushFds(int sock, size_t k) {
  for (size_t i = 0; i < k; ++i) {
    if (!hg::transport::SendFdDatagram(sock, AttachFd()).ok()) return;  // buffer full
  }
}

// Receives the FDs queued on our end of the FD socket; closes them.
size_t DrainFds(int sock) {
  size_t n = 0;
  for (;;) {
    auto fd = hg::transport::RecvFdDatagram(sock);
    if (!fd.ok()) return n;
    if (!hg::fuzz::IsCloexec(fd->get())) Fail("FD datagram installed without FD_CLOEXEC");
    ++n;
  }
}

bool WriteHandshake(const Window& w, uint8_t kind) {
  switch (kind) {
    case 0:
      w.Store(kPacketHeaderSize, std::span<const uint8_t>(
                                     reinterpret_cast<const uint8_t*>("{}\n"), 3));
      w.data_len().store(3);
      return true;
    case 1:
      w.Store(kPacketHeaderSize, std::span<const uint8_t>(
                                     reinterpret_cast<const uint8_t*>("{}"), 2));
      w.data_len().store(2);
      return true;
    case 2:
      w.Store(kPacketHeaderSize, std::span<const uint8_t>(
                                     reinterpret_cast<const uint8_t*>("{x}"), 3));
      w.data_len().store(3);
      return false;
    default:
      w.data_len().store(w.data_cap() + 8);
      return false;
  }
}

// ---- server under test ------------------------------------------------------

// Shared between the harness and the serving thread, for the round oracle.
struct ServerView {
  // Set when the serving thread has returned. A mutation may overwrite the
  // shutdown the server announced (connState 2), so the harness cannot rely
  // on the window to learn that nobody will answer any more.
  std::atomic<bool> done{false};
  std::atomic<bool> saw_request{false};
  uint16_t mid = 0;
  std::vector<uint8_t> payload;
};

void Serve(hg::transport::ServerChannel* ch, ServerView* view) {
  struct Done {
    ServerView* v;
    ~Done() { v->done.store(true); }
  } done{view};
  auto req = ch->RecvFirst();
  std::vector<uint8_t> echo;
  for (;;) {
    if (!req.ok()) {
      if (req.error().must_reply()) {
        req = ch->ReplyError(EIO);
        continue;
      }
      return;  // shut down, protocol violation: the channel is over
    }
    // The frame is ours alone: the client rewriting the window must not change it.
    const uint64_t h1 = Hash(req->payload);
    Pause();
    if (Hash(req->payload) != h1) Fail("request payload changed under the server (not a private copy)");
    view->mid = req->mid;
    view->payload.assign(req->payload.begin(), req->payload.end());
    view->saw_request.store(true, std::memory_order_release);
    (void)hg::wire::DecodeAny(static_cast<hg::wire::MID>(req->mid), req->payload);
    echo.assign(req->payload.begin(), req->payload.begin() + std::min<size_t>(req->payload.size(), 64));
    std::vector<int> fds(req->payload.empty() ? 0 : req->payload[0] % 3, AttachFd());
    req = ch->SendRecv(req->mid, echo, fds);
  }
}

void ServerUnderTest(uint32_t max_payload, uint8_t handshake, Input& in) {
  auto set = ChannelSet::Create({.max_payload = max_payload, .max_channels = 1});
  if (!set.ok()) Fail("ChannelSet::Create");
  auto nc = (*set)->AddChannel();
  if (!nc.ok()) Fail("AddChannel");
  auto mapped = Mapping::Map(nc->data_fd.get(), nc->data_offset, nc->data_length);
  if (!mapped.ok()) Fail("Mapping::Map");
  const Window w(std::move(mapped).value());
  const int fd_sock = nc->fd_sock.get();
  const uint32_t server_max = nc->channel->max_payload();

  ServerView view;
  std::thread server(Serve, nc->channel, &view);

  bool alive = WriteHandshake(w, handshake);
  w.state().store(kServerActive, std::memory_order_release);
  w.Wake();
  uint32_t st = w.WaitWhile(kServerActive, &view.done);
  if (alive && st != kClientActive) Fail("a valid handshake was not answered");
  if (!alive && st != kShutdownState) Fail("a bad handshake did not shut the channel down");
  if (st == kClientActive && (w.data_len().load() != 3 || w.Load(kPacketHeaderSize) != '{')) {
    Fail("handshake answer is not \"{}\\n\"");
  }

  bool trusted = true;  // no mutation or scribble so far: the round oracle holds
  std::vector<Mutation> pending;
  while (alive && !in.empty()) {
    switch (in.U8() % 6) {
      case 0: {
        const Message m = ParseMessage(in);
        const uint32_t len = WriteMessage(w, m);
        // What the server must see, before the window is handed over.
        std::vector<uint8_t> written;
        if (len >= kChannelHeaderSize && len <= w.data_cap()) {
          written.assign(w.data() + kChannelHeaderSize, w.data() + len);
        }
        DrainFds(fd_sock);
        view.saw_request.store(false);
        w.data_len().store(len);
        const bool mutated = !pending.empty();
        trusted &= !mutated;
        {
          w.state().store(kServerActive, std::memory_order_release);
          w.Wake();
          Mutator mut(w, std::move(pending));
          pending.clear();
          st = w.WaitWhile(kServerActive, &view.done);
        }
        if (st != kClientActive || view.done.load()) {
          alive = false;
          if (trusted) Fail("the server abandoned the channel on a request it must answer");
          break;
        }
        if (!trusted) break;
        const uint32_t rlen = w.data_len().load();
        if (rlen > w.data_cap() || rlen < kChannelHeaderSize) Fail("response dataLen out of range");
        const auto h = hg::transport::ChannelHeader::Decode(w.data());
        const size_t fds = DrainFds(fd_sock);
        if (h.num_fds != fds) Fail("response numFDs differs from the FDs queued");
        const bool valid = len >= kChannelHeaderSize && len <= w.data_cap() && m.num_fds == 0 &&
                           len - kChannelHeaderSize <= server_max;
        if (valid) {
          const size_t plen = len - kChannelHeaderSize;
          if (!view.saw_request.load(std::memory_order_acquire) || view.mid != m.mid ||
              view.payload != written) {
            Fail("the server saw a different request from the one written");
          }
          if (h.mid != m.mid || rlen - kChannelHeaderSize != std::min<size_t>(plen, 64)) {
            Fail("a valid request was not echoed");
          }
        } else {
          uint32_t err = 0;
          std::memcpy(&err, w.data() + kChannelHeaderSize, sizeof(err));
          if (h.mid != 0 || rlen != kChannelHeaderSize + 4 || err != EIO || h.num_fds != 0) {
            Fail("a malformed request was not answered with Error(EIO)");
          }
          if (view.saw_request.load()) Fail("a malformed request reached the handler");
        }
        break;
      }
      case 1:
        pending = ParseMutations(in);
        break;
      case 2:
        w.state().store(in.U32(), std::memory_order_release);
        w.Wake();
        trusted = false;
        // The server may be asleep waiting for the client: garbage or a
        // "server active" value must not leave it stuck or confused for long.
        st = w.WaitWhile(kServerActive, &view.done);
        alive = st == kClientActive && !view.done.load();
        break;
      case 3:
        PushFds(fd_sock, in.U8() % 8);
        break;
      case 4:
        w.state().store(kShutdownState, std::memory_order_release);
        w.Wake();
        alive = false;
        break;
      default: {
        const uint8_t off = 8 + in.U8() % 8;
        const uint8_t v = in.U8();
        w.Store(off, std::span<const uint8_t>(&v, 1));
        break;
      }
    }
  }
  (*set)->ShutdownAll();
  server.join();
}

// ---- client under test ------------------------------------------------------

void ClientUnderTest(uint32_t max_payload, uint8_t handshake, Input& in) {
  // The server end: a sealed memfd window, as ChannelSet makes them.
  auto set = ChannelSet::Create({.max_payload = max_payload, .max_channels = 1});
  if (!set.ok()) Fail("ChannelSet::Create");
  auto nc = (*set)->AddChannel();
  if (!nc.ok()) Fail("AddChannel");
  // Our hostile server writes through its own mapping; the real ServerChannel
  // of the set is never run (it stays idle until ShutdownAll).
  auto mapped = Mapping::Map((*set)->memfd(), nc->data_offset, nc->data_length);
  if (!mapped.ok()) Fail("Mapping::Map");
  const Window w(std::move(mapped).value());
  const int server_fd_sock = nc->channel->fd_socket_for_testing();
  auto client = hg::transport::ClientChannel::Create(std::move(nc->data_fd), nc->data_offset,
                                                     nc->data_length, std::move(nc->fd_sock));
  if (!client.ok()) Fail("ClientChannel::Create");
  const uint32_t client_max = (*client)->max_payload();

  // Hostile server: answer the handshake as told, then replies from the script.
  std::vector<Message> replies;
  std::vector<std::vector<Mutation>> muts;
  std::vector<size_t> pushes;
  std::vector<Mutation> pending;
  size_t push = 0;
  while (!in.empty()) {
    switch (in.U8() % 6) {
      case 0:
        replies.push_back(ParseMessage(in));
        muts.push_back(std::move(pending));
        pending.clear();
        pushes.push_back(push);
        push = 0;
        break;
      case 1:
        pending = ParseMutations(in);
        break;
      case 3:
        push += in.U8() % 8;
        break;
      default:
        in.U8();
        break;
    }
  }

  // Set once the client is done. The hostile server may have overwritten the
  // client's shutdown (state 2) with a reply of its own, so it cannot rely on
  // seeing the connection end: it stops waiting when told.
  std::atomic<bool> stop{false};
  std::thread server([&] {
    // However the script ends, the client must not be left waiting for a
    // reply that will never come (a hostile server can do that to a client
    // forever; the harness must not): shut the connection down on the way out.
    struct ShutdownOnExit {
      const Window& w;
      ~ShutdownOnExit() {
        w.state().store(kShutdownState, std::memory_order_release);
        w.Wake();
      }
    } guard{w};
    if (w.WaitWhile(kClientActive, &stop) != kServerActive || stop.load()) return;
    WriteHandshake(w, handshake);
    w.state().store(kClientActive, std::memory_order_release);
    w.Wake();
    for (size_t i = 0; i < replies.size(); ++i) {
      if (w.WaitWhile(kClientActive, &stop) != kServerActive || stop.load()) return;
      PushFds(server_fd_sock, pushes[i]);
      const uint32_t len = WriteMessage(w, replies[i]);
      w.data_len().store(len);
      w.state().store(kClientActive, std::memory_order_release);
      w.Wake();
      Mutator mut(w, muts[i]);
    }
  });

  auto connected = (*client)->Connect();
  for (size_t i = 0; connected.ok() && i < replies.size(); ++i) {
    const uint8_t want = static_cast<uint8_t>((replies[i].num_fds ^ replies[i].payload.size()) & 7);
    const uint8_t req[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    auto f = (*client)->Call(static_cast<uint16_t>(i), req, want);
    if (!f.ok()) break;  // a bad reply ends the channel
    const uint64_t h1 = Hash(f->payload);
    Pause();
    if (Hash(f->payload) != h1) Fail("response payload changed under the client (not a private copy)");
    if (f->payload.size() > client_max) Fail("client accepted a payload over max_payload");
    if (f->fds.size() != want) Fail("client Frame::fds does not have want_fds entries");
    for (const UniqueFd& fd : f->fds) {
      if (!fd.valid()) continue;
      if (!hg::fuzz::IsCloexec(fd.get())) Fail("client installed an FD without FD_CLOEXEC");
      if (hg::fuzz::FileId::Of(fd.get()) != hg::fuzz::FileId::Of(AttachFd())) {
        Fail("client returned an FD the server never sent");
      }
    }
  }
  (*client)->Shutdown();
  stop.store(true);
  w.Wake();
  server.join();
  client->reset();
  (*set)->ShutdownAll();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  AttachFd();
  const size_t baseline = hg::fuzz::CountOpenFds();
  static const uint32_t kMax[4] = {4, 64, 4096, hg::transport::DefaultMaxPayload()};
  Input in(std::span<const uint8_t>(data, size));
  const uint8_t cfg = in.U8();
  const uint32_t max_payload = kMax[(cfg >> 1) & 3];
  const uint8_t handshake = (cfg >> 3) & 3;
  if (cfg & 1) {
    ClientUnderTest(max_payload, handshake, in);
  } else {
    ServerUnderTest(max_payload, handshake, in);
  }
  hg::fuzz::ExpectFdCount(baseline, "after the input");
  return 0;
}
