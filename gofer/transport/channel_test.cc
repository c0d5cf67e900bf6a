#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gofer/transport/channel_set.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/server_channel.h"
#include "gofer/transport/transport_test_util.h"
#include "gtest/gtest.h"

namespace hg::transport {
namespace {

using testing::CountMappings;
using testing::CountOpenFds;
using testing::CountThreads;
using testing::IsCloexec;
using testing::RawFlipcallPeer;
using testing::SameFile;

constexpr uint16_t kEchoMid = 100;     // reply: payload with every byte + 1
constexpr uint16_t kDonateMid = 101;   // reply: empty, donating the fixture's file
constexpr uint16_t kManyFdsMid = 102;  // reply: payload[0..1] FDs (u16), all the same file
constexpr uint32_t kEio = EIO;

// What a serving thread saw, for assertions after it ended.
struct ServeStats {
  int requests = 0;
  int answered_errors = 0;  // kMalformed / kTooLarge answered with ReplyError
  size_t largest_payload = 0;
  ErrorKind end = ErrorKind::kSystem;
  bool oversize_payload_seen = false;
};

// Serves `ch` until it ends; the loop every channel thread of the real server runs.
void Serve(ServerChannel* ch, int donor_fd, ServeStats* stats) {
  std::vector<uint8_t> resp;
  Outcome<Frame> req = ch->RecvFirst();
  for (;;) {
    if (!req.ok()) {
      if (req.error().must_reply()) {
        ++stats->answered_errors;
        req = ch->ReplyError(kEio);
        continue;
      }
      stats->end = req.error().kind;
      return;
    }
    ++stats->requests;
    stats->largest_payload = std::max(stats->largest_payload, req->payload.size());
    if (req->payload.size() > ch->max_payload()) stats->oversize_payload_seen = true;
    switch (req->mid) {
      case kEchoMid: {
        // Alternate between the copying and the in-place response paths.
        if (stats->requests % 2 == 0) {
          resp.assign(req->payload.begin(), req->payload.end());
          for (auto& b : resp) ++b;
          req = ch->SendRecv(kEchoMid, resp);
        } else {
          std::span<uint8_t> out = ch->response_buffer();
          for (size_t i = 0; i < req->payload.size(); ++i) out[i] = req->payload[i] + 1;
          req = ch->SendRecvInPlace(kEchoMid, static_cast<uint32_t>(req->payload.size()));
        }
        break;
      }
      case kDonateMid: {
        int fds[] = {donor_fd};
        req = ch->SendRecv(kDonateMid, {}, fds);
        break;
      }
      case kManyFdsMid: {
        uint16_t n = 0;
        if (req->payload.size() >= 2) std::memcpy(&n, req->payload.data(), 2);
        std::vector<int> fds(n, donor_fd);
        req = ch->SendRecv(kManyFdsMid, {}, fds);
        break;
      }
      default:
        req = ch->ReplyError(EOPNOTSUPP);
    }
  }
}

UniqueFd Memfd(const char* name) { return UniqueFd(::memfd_create(name, MFD_CLOEXEC)); }

// A ChannelSet plus serving threads, torn down in the right order.
class Fixture {
 public:
  explicit Fixture(ChannelSetOptions opts = {}) : donor_(Memfd("donor")) {
    set_ = std::move(ChannelSet::Create(opts).value());
  }
  ~Fixture() { Stop(); }

  // Adds a channel and starts its serving thread (before the client connects,
  // as the real server does before replying to the Channel RPC).
  NewChannel Add() {
    Result<NewChannel> nc = set_->AddChannel();
    if (!nc.ok()) std::abort();
    stats_.push_back(std::make_unique<ServeStats>());
    ServeStats* st = stats_.back().get();
    ServerChannel* ch = nc->channel;
    int donor = donor_.get();
    threads_.emplace_back([ch, donor, st] { Serve(ch, donor, st); });
    return std::move(nc.value());
  }
  static std::unique_ptr<ClientChannel> Client(NewChannel& nc) {
    Result<std::unique_ptr<ClientChannel>> c = ClientChannel::Create(
        std::move(nc.data_fd), nc.data_offset, nc.data_length, std::move(nc.fd_sock));
    if (!c.ok()) std::abort();
    return std::move(c.value());
  }
  void Stop() {
    set_->ShutdownAll();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  ChannelSet& set() { return *set_; }
  const ServeStats& stats(size_t i) const { return *stats_[i]; }
  int donor() const { return donor_.get(); }

 private:
  UniqueFd donor_;
  std::unique_ptr<ChannelSet> set_;
  std::vector<std::unique_ptr<ServeStats>> stats_;
  std::vector<std::thread> threads_;
};

// Connects a raw peer the way gVisor's client does.
void RawConnect(RawFlipcallPeer& p) {
  p.WriteData(std::string("{}\n"));
  ASSERT_EQ(p.RoundTrip(3), 3u);
}

// Sends a raw datagram and expects an Error(EIO) back with no FDs.
void ExpectErrorReply(RawFlipcallPeer& p, uint32_t data_len) {
  std::optional<uint32_t> n = p.RoundTrip(data_len);
  ASSERT_EQ(n, 8u) << "dataLen " << data_len;
  std::vector<uint8_t> got = p.ReadData(8);
  EXPECT_EQ(got, std::vector<uint8_t>({0, 0, 0, 0, EIO, 0, 0, 0})) << "dataLen " << data_len;
}

// A valid echo request through a raw peer still works.
void ExpectEchoWorks(RawFlipcallPeer& p) {
  uint8_t req[] = {kEchoMid, 0, 0, 0, 10, 20};
  p.WriteData(req);
  ASSERT_EQ(p.RoundTrip(sizeof(req)), 6u);
  EXPECT_EQ(p.ReadData(6), std::vector<uint8_t>({kEchoMid, 0, 0, 0, 11, 21}));
}

TEST(ChannelSetTest, DefaultLimitIsClampedCpuCount) {
  cpu_set_t cpus;
  ASSERT_EQ(::sched_getaffinity(0, sizeof(cpus), &cpus), 0);
  EXPECT_EQ(DefaultMaxChannels(), std::clamp<size_t>(CPU_COUNT(&cpus), 2, 4));
  EXPECT_GE(DefaultMaxChannels(), 2u);  // gVisor's client needs at least one; it asks for 2+
}

TEST(ChannelSetTest, LimitIsEnforcedAndClosedSetRefusesChannels) {
  Result<std::unique_ptr<ChannelSet>> set = ChannelSet::Create({.max_channels = 2});
  ASSERT_TRUE(set.ok());
  Result<NewChannel> a = (*set)->AddChannel();
  Result<NewChannel> b = (*set)->AddChannel();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*set)->AddChannel().error(), Errno(ENOMEM));
  EXPECT_EQ((*set)->size(), 2u);
  (*set)->ShutdownAll();
  EXPECT_EQ((*set)->AddChannel().error(), Errno(ENOSYS));
  EXPECT_TRUE(a->channel->is_shutdown());
  EXPECT_TRUE(b->channel->is_shutdown());

  EXPECT_EQ(ChannelSet::Create({.max_channels = 0}).error(), Errno(EINVAL));
  EXPECT_EQ(ChannelSet::Create({.max_payload = 3}).error(), Errno(EINVAL));
  EXPECT_EQ(ChannelSet::Create({.max_payload = 0xFFFFFFF0u}).error(), Errno(EINVAL));
}

TEST(ChannelSetTest, ChannelRpcResultMatchesGvisorLayout) {
  Result<std::unique_ptr<ChannelSet>> set = ChannelSet::Create({.max_channels = 3});
  ASSERT_TRUE(set.ok());
  const uint64_t window = WindowSizeFor(DefaultMaxPayload());
  for (int k = 0; k < 3; ++k) {
    Result<NewChannel> nc = (*set)->AddChannel();
    ASSERT_TRUE(nc.ok());
    EXPECT_EQ(nc->data_offset, static_cast<int64_t>(k * window));
    EXPECT_EQ(nc->data_length, window);
    // FD 1: a separate descriptor of the sealed memfd.
    EXPECT_NE(nc->data_fd.get(), (*set)->memfd());
    EXPECT_TRUE(SameFile(nc->data_fd.get(), (*set)->memfd()));
    EXPECT_TRUE(IsCloexec(nc->data_fd.get()));
    EXPECT_EQ(::fcntl(nc->data_fd.get(), F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_SEAL);
    EXPECT_EQ(::ftruncate(nc->data_fd.get(), 4096), -1);
    EXPECT_EQ(errno, EPERM);
    // FD 2: a SEQPACKET socket.
    int type = 0;
    socklen_t len = sizeof(type);
    ASSERT_EQ(::getsockopt(nc->fd_sock.get(), SOL_SOCKET, SO_TYPE, &type, &len), 0);
    EXPECT_EQ(type, SOCK_SEQPACKET);
    EXPECT_TRUE(IsCloexec(nc->fd_sock.get()));
    EXPECT_EQ(nc->channel->max_payload(), DefaultMaxPayload());
  }
  (*set)->ShutdownAll();
}

TEST(ClientChannelTest, RefusesWindowsThatCouldFaultOrShrink) {
  Result<std::unique_ptr<ChannelSet>> set = ChannelSet::Create();
  ASSERT_TRUE(set.ok());
  Result<NewChannel> nc = (*set)->AddChannel();
  ASSERT_TRUE(nc.ok());
  auto dup = [&] { return UniqueFd(::fcntl(nc->data_fd.get(), F_DUPFD_CLOEXEC, 0)); };
  auto sock = [&] { return UniqueFd(::fcntl(nc->fd_sock.get(), F_DUPFD_CLOEXEC, 0)); };
  const int64_t off = nc->data_offset;
  const uint64_t len = nc->data_length;
  EXPECT_EQ(ClientChannel::Create(dup(), off, 100, sock()).error(), Errno(EINVAL));
  EXPECT_EQ(ClientChannel::Create(dup(), off + 1, len, sock()).error(), Errno(EINVAL));
  EXPECT_EQ(ClientChannel::Create(dup(), off + static_cast<int64_t>(len), len, sock()).error(),
            Errno(EINVAL));  // past the end of the file
  EXPECT_EQ(ClientChannel::Create(dup(), -4096, len, sock()).error(), Errno(EINVAL));
  UniqueFd unsealed(::memfd_create("unsealed", MFD_CLOEXEC));
  ASSERT_EQ(::ftruncate(unsealed.get(), static_cast<off_t>(len)), 0);
  EXPECT_EQ(ClientChannel::Create(std::move(unsealed), 0, len, sock()).error(), Errno(EINVAL));
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd other(sv[1]);
  EXPECT_EQ(ClientChannel::Create(dup(), off, len, UniqueFd(sv[0])).error(), Errno(EPROTOTYPE));
  EXPECT_TRUE(ClientChannel::Create(dup(), off, len, sock()).ok());
  (*set)->ShutdownAll();
}

class ChannelConcurrencyTest : public ::testing::TestWithParam<int> {};

TEST_P(ChannelConcurrencyTest, ConcurrentCallersOnSeparateChannels) {
  const int channels = GetParam();
  constexpr int kCalls = 300;
  Fixture fx({.max_payload = 8192, .max_channels = static_cast<size_t>(channels)});
  std::vector<NewChannel> ncs;
  for (int i = 0; i < channels; ++i) ncs.push_back(fx.Add());
  EXPECT_EQ(fx.set().AddChannel().error(), Errno(ENOMEM));

  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < channels; ++i) {
    callers.emplace_back([&, i] {
      std::unique_ptr<ClientChannel> c = Fixture::Client(ncs[i]);
      if (!c->Connect().ok()) {
        ++failures;
        return;
      }
      std::mt19937 rng(static_cast<uint32_t>(i));
      std::vector<uint8_t> payload;
      for (int k = 0; k < kCalls; ++k) {
        if (k % 25 == 24) {
          Outcome<Frame> r = c->Call(kDonateMid, {}, 1);
          if (!r.ok() || r->mid != kDonateMid || r->fds.size() != 1 || !r->fds[0].valid() ||
              !SameFile(r->fds[0].get(), fx.donor())) {
            ++failures;
          }
          continue;
        }
        payload.resize(rng() % 8193);
        for (auto& b : payload) b = static_cast<uint8_t>(rng());
        Outcome<Frame> r = TransportError::Of(ErrorKind::kSystem);
        if (k % 2 == 0) {
          r = c->Call(kEchoMid, payload);
        } else {
          std::memcpy(c->request_buffer().data(), payload.data(), payload.size());
          r = c->CallInPlace(kEchoMid, static_cast<uint32_t>(payload.size()));
        }
        if (!r.ok() || r->mid != kEchoMid || r->payload.size() != payload.size()) {
          ++failures;
          continue;
        }
        for (size_t j = 0; j < payload.size(); ++j) {
          if (r->payload[j] != static_cast<uint8_t>(payload[j] + 1)) {
            ++failures;
            break;
          }
        }
      }
    });
  }
  for (auto& t : callers) t.join();  // each client channel's destructor shut it down
  fx.Stop();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < channels; ++i) {
    EXPECT_EQ(fx.stats(i).requests, kCalls) << i;
    EXPECT_EQ(fx.stats(i).end, ErrorKind::kShutdown) << i;
    EXPECT_EQ(fx.stats(i).answered_errors, 0) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Channels, ChannelConcurrencyTest, ::testing::Values(1, 2, 8));

TEST(ServerChannelTest, RequestClaimingFdsIsAnsweredWithEioAndFdSocketIsNeverRead) {
  Fixture fx({.max_payload = 4096});
  NewChannel nc = fx.Add();
  RawFlipcallPeer client(nc.data_fd.get(), nc.data_offset, nc.data_length, false);
  RawConnect(client);
  // The client pushes an FD at the server, then claims the request carries it.
  UniqueFd bait = Memfd("bait");
  ASSERT_EQ(testing::SendWithFds(nc.fd_sock.get(), {}, {bait.get()}), 0);
  uint8_t req[] = {kEchoMid, 0, /*numFDs=*/1, 0, 7};
  client.WriteData(req);
  ExpectErrorReply(client, sizeof(req));
  // Still queued: the server never looked at its FD socket.
  char c;
  EXPECT_EQ(::recv(nc.channel->fd_socket_for_testing(), &c, 1, MSG_PEEK | MSG_DONTWAIT), 0);
  ExpectEchoWorks(client);
  client.Shutdown();
  fx.Stop();
  EXPECT_EQ(fx.stats(0).answered_errors, 1);
  EXPECT_EQ(fx.stats(0).requests, 1);
}

TEST(ServerChannelTest, BadDataLengthsAreAnsweredAndTheChannelKeepsWorking) {
  Fixture fx({.max_payload = 1000});  // one-page window: dataCap 4080, payload cap 1000
  NewChannel nc = fx.Add();
  RawFlipcallPeer client(nc.data_fd.get(), nc.data_offset, nc.data_length, false);
  RawConnect(client);
  const uint32_t cap = client.data_cap();
  ASSERT_EQ(cap, PageSize() - 16);
  uint8_t hdr[] = {kEchoMid, 0, 0, 0};
  client.WriteData(hdr);
  const uint32_t bad[] = {0,        1,          2,         3,  // shorter than the channel header
                          4 + 1001, cap,                       // payload over max_payload
                          cap + 1,  0x7FFFFFFF, 0xFFFFFFFF};   // past the window
  for (uint32_t len : bad) {
    ExpectErrorReply(client, len);
    client.WriteData(hdr);
    ExpectEchoWorks(client);
  }
  // The largest legal payload still goes through.
  std::vector<uint8_t> full(4 + 1000, 1);
  full[0] = kEchoMid;
  full[1] = full[2] = full[3] = 0;
  client.WriteData(full);
  ASSERT_EQ(client.RoundTrip(static_cast<uint32_t>(full.size())), full.size());
  client.Shutdown();
  fx.Stop();
  EXPECT_EQ(fx.stats(0).answered_errors, static_cast<int>(std::size(bad)));
  EXPECT_EQ(fx.stats(0).largest_payload, 1000u);
  EXPECT_FALSE(fx.stats(0).oversize_payload_seen);
}

TEST(ServerChannelTest, OversizeResponseKeepsTheTurnForAnErrorReply) {
  Result<std::unique_ptr<ChannelSet>> set = ChannelSet::Create({.max_payload = 64});
  ASSERT_TRUE(set.ok());
  Result<NewChannel> nc = (*set)->AddChannel();
  ASSERT_TRUE(nc.ok());
  ServerChannel* ch = nc->channel;
  // Out of turn: nothing to answer yet.
  EXPECT_EQ(ch->SendRecv(1, {}).error().kind, ErrorKind::kProtocol);
  std::thread server([&] {
    Outcome<Frame> req = ch->RecvFirst();
    ASSERT_TRUE(req.ok());
    std::vector<uint8_t> big(65);
    Outcome<Frame> r = ch->SendRecv(req->mid, big);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kTooLarge);
    r = ch->SendRecvInPlace(req->mid, 65);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kTooLarge);
    r = ch->ReplyError(EIO);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kShutdown);
  });
  Result<std::unique_ptr<ClientChannel>> c = ClientChannel::Create(
      std::move(nc->data_fd), nc->data_offset, nc->data_length, std::move(nc->fd_sock));
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Connect().ok());
  Outcome<Frame> r = (*c)->Call(5, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mid, kErrorMid);
  EXPECT_EQ(std::vector<uint8_t>(r->payload.begin(), r->payload.end()),
            std::vector<uint8_t>({EIO, 0, 0, 0}));
  (*c)->Shutdown();
  server.join();
  (*set)->ShutdownAll();
}

TEST(ServerChannelTest, ResponseFdsArriveInOrderAndMoreThan255AreDropped) {
  Fixture fx({.max_payload = 4096});
  NewChannel nc = fx.Add();
  std::unique_ptr<ClientChannel> c = Fixture::Client(nc);
  ASSERT_TRUE(c->Connect().ok());
  for (uint16_t n : {uint16_t{1}, uint16_t{16}, uint16_t{255}}) {
    uint8_t req[2];
    std::memcpy(req, &n, 2);
    Outcome<Frame> r = c->Call(kManyFdsMid, req, 255);
    ASSERT_TRUE(r.ok()) << n;
    for (uint16_t i = 0; i < 255; ++i) {
      if (i < n) {
        ASSERT_TRUE(r->fds[i].valid()) << n << " " << i;
        EXPECT_TRUE(SameFile(r->fds[i].get(), fx.donor()));
      } else {
        EXPECT_FALSE(r->fds[i].valid());
      }
    }
  }
  const size_t before = CountOpenFds();
  uint16_t too_many = 256;
  uint8_t req[2];
  std::memcpy(req, &too_many, 2);
  Outcome<Frame> r = c->Call(kManyFdsMid, req, 4);
  ASSERT_TRUE(r.ok());
  for (auto& fd : r->fds) EXPECT_FALSE(fd.valid());
  EXPECT_EQ(CountOpenFds(), before);
  char ch;
  EXPECT_EQ(::recv(c->fd_socket(), &ch, 1, MSG_DONTWAIT), -1);  // nothing queued
  EXPECT_EQ(errno, EAGAIN);
  // Asking for fewer than sent: the surplus is closed.
  std::memcpy(req, &(too_many = 3), 2);
  r = c->Call(kManyFdsMid, req, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(CountOpenFds(), before + 1);
}

TEST(ClientChannelTest, MalformedFdDatagramIsRefusedAndClosed) {
  Fixture fx({.max_payload = 4096});
  NewChannel nc = fx.Add();
  int server_sock = nc.channel->fd_socket_for_testing();
  std::unique_ptr<ClientChannel> c = Fixture::Client(nc);
  ASSERT_TRUE(c->Connect().ok());
  // A hostile server queues one datagram carrying two FDs ahead of the real one.
  UniqueFd a = Memfd("a"), b = Memfd("b");
  ASSERT_EQ(testing::SendWithFds(server_sock, {}, {a.get(), b.get()}), 0);
  const size_t before = CountOpenFds();
  Outcome<Frame> r = c->Call(kDonateMid, {}, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  EXPECT_EQ(CountOpenFds(), before);  // the one FD that fit was closed, the other dropped
  EXPECT_TRUE(c->is_shutdown());
  EXPECT_EQ(c->Call(kEchoMid, {}).error().kind, ErrorKind::kShutdown);
  fx.Stop();
  EXPECT_EQ(fx.stats(0).end, ErrorKind::kShutdown);
}

TEST(ServerChannelTest, HandshakeOtherThanEmptyJsonShutsTheChannelDown) {
  Fixture fx;
  NewChannel nc = fx.Add();
  RawFlipcallPeer client(nc.data_fd.get(), nc.data_offset, nc.data_length, false);
  client.WriteData(std::string("{\"evil\":1}\n"));
  EXPECT_EQ(client.RoundTrip(11), std::nullopt);  // woken with shutdown, not left waiting
  EXPECT_EQ(client.state().load(), RawFlipcallPeer::kShutdown);
  fx.Stop();
  EXPECT_EQ(fx.stats(0).end, ErrorKind::kProtocol);
}

// A second thread of a hostile client rewrites the window (data and dataLen)
// as fast as it can while requests are served. The server must answer every
// request exactly once, never return a payload past the limit, and stay up.
void RunRogueWindowWriter(bool also_scribble_state) {
  Fixture fx({.max_payload = 1000});
  NewChannel nc = fx.Add();
  RawFlipcallPeer client(nc.data_fd.get(), nc.data_offset, nc.data_length, false);
  RawFlipcallPeer rogue(nc.data_fd.get(), nc.data_offset, nc.data_length, false);
  RawConnect(client);
  const uint32_t cap = client.data_cap();

  std::atomic<bool> stop{false};
  std::thread scribbler([&] {
    std::mt19937 rng(1234);
    const uint32_t lens[] = {0, 1, 3, 4, 5, 1004, 1005, cap - 1, cap, cap + 1, 0xFFFFFFFF};
    uint64_t i = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      ++i;
      rogue.data()[rng() % 64] = static_cast<uint8_t>(rng());
      rogue.data()[2] = static_cast<uint8_t>(rng() % 3);  // numFDs flips
      rogue.data_len().store(i % 3 == 0 ? lens[rng() % std::size(lens)] : rng(),
                             std::memory_order_relaxed);
      if (also_scribble_state && i % 8192 == 0) {
        rogue.state().store(rng() % 5);
        rogue.WakeAll();
      }
      if (i % 256 == 0) std::this_thread::yield();
    }
  });

  constexpr int kRequests = 1000;
  std::atomic<int> sent{0};
  std::atomic<bool> client_done{false};
  std::thread caller([&] {
    uint8_t req[] = {kEchoMid, 0, 0, 0, 1, 2, 3};
    for (int k = 0; k < kRequests; ++k) {
      client.WriteData(req);
      if (!client.RoundTrip(sizeof(req)).has_value()) break;
      sent.fetch_add(1);
    }
    client_done = true;
  });
  // Time cap only for the hostile-state variant, whose client may stall by
  // design; the data-only variant must complete every request.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!client_done && (!also_scribble_state || std::chrono::steady_clock::now() < deadline)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  scribbler.join();
  client.Shutdown();  // unblocks the caller if the state word was left odd
  caller.join();
  fx.Stop();  // and the server, whatever state it was left in

  const ServeStats& st = fx.stats(0);
  // How much the scribbling actually hit (scheduling decides; not asserted).
  ::testing::Test::RecordProperty("served", st.requests);
  ::testing::Test::RecordProperty("answered_errors", st.answered_errors);
  EXPECT_FALSE(st.oversize_payload_seen);
  EXPECT_LE(st.largest_payload, 1000u);
  if (!also_scribble_state) {
    EXPECT_EQ(sent.load(), kRequests);
    EXPECT_EQ(st.requests + st.answered_errors, kRequests);
    EXPECT_EQ(st.end, ErrorKind::kShutdown);
  } else {
    EXPECT_TRUE(st.end == ErrorKind::kShutdown || st.end == ErrorKind::kProtocol)
        << static_cast<int>(st.end);
  }
}

TEST(ServerChannelTest, ClientRewritingTheWindowConcurrentlyLeavesServerHealthy) {
  RunRogueWindowWriter(false);
}

TEST(ServerChannelTest, ClientScribblingTheFutexWordEndsTheChannelCleanly) {
  RunRogueWindowWriter(true);
}

TEST(ChannelShutdownTest, ClientShutdownUnblocksServerBeforeAndAfterConnect) {
  {
    Fixture fx;
    NewChannel nc = fx.Add();
    std::unique_ptr<ClientChannel> c = Fixture::Client(nc);
    ::usleep(10000);  // the server is (most likely) in FUTEX_WAIT in RecvFirst
    c->Shutdown();
    c.reset();
    fx.Stop();
    EXPECT_EQ(fx.stats(0).end, ErrorKind::kShutdown);
    EXPECT_EQ(fx.stats(0).requests, 0);
  }
  {
    Fixture fx({.max_payload = 4096});
    NewChannel nc = fx.Add();
    std::unique_ptr<ClientChannel> c = Fixture::Client(nc);
    ASSERT_TRUE(c->Connect().ok());
    ASSERT_TRUE(c->Call(kEchoMid, {}).ok());
    c->Shutdown();  // the server waits in SendRecv for the next request
    EXPECT_EQ(c->Call(kEchoMid, {}).error().kind, ErrorKind::kShutdown);
    // Only the client side is gone; join the server without ShutdownAll first.
    ServerChannel* ch = nc.channel;
    for (int i = 0; i < 1000 && ch->conn_state_for_testing() != 2; ++i) ::usleep(1000);
    EXPECT_EQ(ch->conn_state_for_testing(), 2u);
    fx.Stop();
    EXPECT_EQ(fx.stats(0).end, ErrorKind::kShutdown);
  }
}

TEST(ChannelShutdownTest, ServerShutdownUnblocksClientMidCall) {
  Result<std::unique_ptr<ChannelSet>> set = ChannelSet::Create({.max_payload = 4096});
  ASSERT_TRUE(set.ok());
  Result<NewChannel> nc = (*set)->AddChannel();
  ASSERT_TRUE(nc.ok());
  ServerChannel* ch = nc->channel;
  std::mutex mu;
  std::condition_variable cv;
  bool got_request = false, release = false;
  Outcome<Frame> server_end = TransportError::Of(ErrorKind::kSystem);
  std::thread server([&] {
    Outcome<Frame> req = ch->RecvFirst();
    ASSERT_TRUE(req.ok());
    std::unique_lock<std::mutex> l(mu);
    got_request = true;
    cv.notify_all();
    cv.wait(l, [&] { return release; });  // hold the turn: the client is blocked
    server_end = ch->SendRecv(req->mid, {});
  });
  Result<std::unique_ptr<ClientChannel>> c = ClientChannel::Create(
      std::move(nc->data_fd), nc->data_offset, nc->data_length, std::move(nc->fd_sock));
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Connect().ok());
  std::thread shutter([&] {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return got_request; });
    l.unlock();
    ::usleep(10000);
    (*set)->ShutdownAll();  // the server ends the channel while holding the turn
  });
  Outcome<Frame> r = (*c)->Call(1, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kShutdown);
  shutter.join();
  {
    std::lock_guard<std::mutex> l(mu);
    release = true;
  }
  cv.notify_all();
  server.join();
  ASSERT_FALSE(server_end.ok());
  EXPECT_EQ(server_end.error().kind, ErrorKind::kShutdown);
}

TEST(ChannelShutdownTest, ShutdownAllReleasesServerWhoseClientVanished) {
  Fixture fx({.max_payload = 4096});
  NewChannel nc = fx.Add();
  {
    // A client process that connects, calls once and dies: its mapping goes
    // away without any shutdown, so only the connection teardown can wake us.
    RawFlipcallPeer client(nc.data_fd.get(), nc.data_offset, nc.data_length, false);
    RawConnect(client);
    ExpectEchoWorks(client);
  }
  nc.data_fd.reset();
  nc.fd_sock.reset();
  ::usleep(10000);
  fx.Stop();
  EXPECT_EQ(fx.stats(0).end, ErrorKind::kShutdown);
}

TEST(ChannelLeakTest, NoFdsMappingsOrThreadsOutliveTheConnection) {
  // Sanitizer runtimes start a helper thread with the first std::thread; do
  // that before the baseline so only our threads are counted.
  std::thread([] {}).join();
  const size_t fds = CountOpenFds();
  const size_t maps = CountMappings("flipcall_packet_windows");
  const size_t threads = CountThreads();
  {
    Fixture fx({.max_payload = 8192, .max_channels = 3});
    std::vector<NewChannel> ncs;
    std::vector<std::unique_ptr<ClientChannel>> clients;
    for (int i = 0; i < 3; ++i) {
      ncs.push_back(fx.Add());
      clients.push_back(Fixture::Client(ncs.back()));
      ASSERT_TRUE(clients.back()->Connect().ok());
      Outcome<Frame> r = clients.back()->Call(kDonateMid, {}, 1);
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(r->fds[0].valid());
    }
    EXPECT_GT(CountMappings("flipcall_packet_windows"), maps);
    // Teardown as the server does on socket EOF, with the clients still mapped.
    fx.Stop();
    for (auto& c : clients) EXPECT_EQ(c->Call(kEchoMid, {}).error().kind, ErrorKind::kShutdown);
  }
  EXPECT_EQ(CountOpenFds(), fds);
  EXPECT_EQ(CountMappings("flipcall_packet_windows"), maps);
  EXPECT_EQ(CountThreads(), threads);
}

}  // namespace
}  // namespace hg::transport
