// Flipcall channels: the Channel RPC over the socket and over a channel,
// per-connection limits with 1, 2 and 8 channels and concurrent callers,
// malformed channel requests answered with an Error, and a client rewriting
// the shared window while the server reads it.
#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <random>
#include <thread>

#include "gofer/server/server_test_util.h"
#include "gofer/transport/transport_test_util.h"
#include "gofer/wire/byte_order.h"
#include "gtest/gtest.h"

namespace hg::server::testing {
namespace {

using transport::testing::RawFlipcallPeer;
using wire::MID;

TEST(ChannelTest, ChannelRpcWorksOverTheSocketAndOverAChannel) {
  TempDir dir;
  dir.WriteFile("f", "payload");
  Server server;
  RawClient c = RawClient::Start(server, dir.path());
  const wire::FDID root = c.MountOk().root.control_fd;
  std::unique_ptr<transport::ClientChannel> ch1, ch2;
  wire::ChannelResp where1, where2;
  ASSERT_EQ(c.OpenChannel(&ch1, nullptr, &where1), 0);
  ChannelCaller cc1(std::move(ch1));
  ASSERT_EQ(cc1.OpenChannel(&ch2, nullptr, &where2), 0);  // asked on a channel
  ChannelCaller cc2(std::move(ch2));
  EXPECT_EQ(c.conn->channel_count(), 2u);
  EXPECT_EQ(where1.data_offset, 0);
  EXPECT_EQ(where2.data_offset, static_cast<int64_t>(where1.data_length));  // back to back
  for (Caller* caller : {static_cast<Caller*>(&cc1), static_cast<Caller*>(&cc2),
                         static_cast<Caller*>(&c)}) {
    wire::WalkResp w;
    ASSERT_EQ(caller->Walk(root, {"f"}, &w), 0);
    wire::FDID ofd = 0;
    ASSERT_EQ(caller->OpenAt(w.inodes[0].control_fd, O_RDONLY, &ofd), 0);
    std::string got;
    ASSERT_EQ(caller->PRead(ofd, 0, 100, &got), 0);
    EXPECT_EQ(got, "payload");
    // Errors travel back on the channel too.
    EXPECT_EQ(caller->Stat(987654), EBADF);
  }
  // Donated FDs arrive over the channel's FD socket.
  wire::WalkResp w;
  ASSERT_EQ(cc2.Walk(root, {"f"}, &w), 0);
  Resp r = cc2.Call(MID::kOpenAt, wire::OpenAtReq{w.inodes[0].control_fd, O_RDONLY}, 1);
  ASSERT_EQ(r.err(), 0);
  ASSERT_EQ(r.fds.size(), 1u);
  ASSERT_TRUE(r.fds[0].valid());
  char buf[7];
  EXPECT_EQ(::pread(r.fds[0].get(), buf, 7, 0), 7);
}

class ChannelCountTest : public ::testing::TestWithParam<int> {};

TEST_P(ChannelCountTest, LimitIsEnomemAndEveryChannelServesConcurrentCallers) {
  const int n = GetParam();
  TempDir dir;
  for (int i = 0; i < n; ++i) dir.WriteFile("f" + std::to_string(i), std::string(1000, 'a' + i));
  Server server;
  ConnectionLimits limits;
  limits.max_channels = static_cast<size_t>(n);
  RawClient c = RawClient::Start(server, dir.path(), {}, nullptr, {}, limits);
  const wire::FDID root = c.MountOk().root.control_fd;
  const size_t threads_before = CountThreads();
  std::vector<std::unique_ptr<ChannelCaller>> callers;
  for (int i = 0; i < n; ++i) {
    std::unique_ptr<transport::ClientChannel> ch;
    ASSERT_EQ(c.OpenChannel(&ch), 0) << i;
    callers.push_back(std::make_unique<ChannelCaller>(std::move(ch)));
  }
  EXPECT_EQ(CountThreads(), threads_before + n);  // one serving thread per channel
  std::unique_ptr<transport::ClientChannel> extra;
  EXPECT_EQ(c.OpenChannel(&extra), ENOMEM);
  EXPECT_EQ(callers[0]->OpenChannel(&extra), ENOMEM);  // over a channel too

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  constexpr int kIterations = 50;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      Caller& cc = *callers[i];
      const std::string name = "f" + std::to_string(i);
      for (int k = 0; k < kIterations; ++k) {
        wire::WalkResp w;
        if (cc.Walk(root, {name}, &w) != 0 || w.inodes.size() != 1) {
          failures++;
          continue;
        }
        wire::FDID ofd = 0;
        std::string got;
        if (cc.OpenAt(w.inodes[0].control_fd, O_RDONLY, &ofd) != 0 ||
            cc.PRead(ofd, 0, 2000, &got) != 0 || got != std::string(1000, 'a' + i) ||
            cc.Close({ofd, w.inodes[0].control_fd}) != 0) {
          failures++;
        }
      }
    });
  }
  // The socket is served concurrently as well.
  for (int k = 0; k < kIterations; ++k) {
    if (c.Stat(root) != 0) failures++;
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(c.conn->open_fd_count(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Channels, ChannelCountTest, ::testing::Values(1, 2, 8));

// A raw peer on the window: connect, then send requests by hand.
struct RawChannel {
  UniqueFd memfd;
  UniqueFd fd_sock;
  wire::ChannelResp where;
  std::unique_ptr<RawFlipcallPeer> peer;

  static std::unique_ptr<RawChannel> Open(RawClient& c) {
    auto rc = std::make_unique<RawChannel>();
    Resp r = c.CallRaw(wire::ToRaw(MID::kChannel), {}, 2);
    if (r.err() != 0 || r.fds.size() != 2) return nullptr;
    rc->where = r.As<wire::ChannelResp>();
    rc->memfd = std::move(r.fds[0]);
    rc->fd_sock = std::move(r.fds[1]);
    rc->peer = std::make_unique<RawFlipcallPeer>(rc->memfd.get(), rc->where.data_offset,
                                                 rc->where.data_length, /*server=*/false);
    rc->peer->WriteData(std::string("{}\n"));
    if (!rc->peer->GiveTurn(3) || !rc->peer->WaitTurn()) return nullptr;
    return rc;
  }
  // Sends {mid, num_fds, payload}; returns {mid, payload} of the answer.
  std::optional<std::pair<uint16_t, std::vector<uint8_t>>> Send(uint16_t mid, uint8_t num_fds,
                                                                std::vector<uint8_t> payload) {
    std::vector<uint8_t> d(4 + payload.size());
    wire::StoreU16(d.data(), mid);
    d[2] = num_fds;
    std::copy(payload.begin(), payload.end(), d.begin() + 4);
    peer->WriteData(d);
    std::optional<uint32_t> n = peer->RoundTrip(static_cast<uint32_t>(d.size()));
    if (!n || *n < 4 || *n > peer->data_cap()) return std::nullopt;
    std::vector<uint8_t> resp = peer->ReadData(*n);
    return std::make_pair(wire::LoadU16(resp.data()),
                          std::vector<uint8_t>(resp.begin() + 4, resp.end()));
  }
};

uint32_t ErrnoOf(const std::vector<uint8_t>& p) { return p.size() >= 4 ? wire::LoadU32(p.data()) : 0; }

TEST(ChannelTest, MalformedChannelRequestsAreAnsweredAndTheChannelStaysUsable) {
  TempDir dir;
  Server server;
  RawClient c = RawClient::Start(server, dir.path());
  const wire::FDID root = c.MountOk().root.control_fd;
  auto rc = RawChannel::Open(c);
  ASSERT_NE(rc, nullptr);
  std::vector<uint8_t> stat(8);
  wire::StoreU64(stat.data(), root);
  // A request claiming FDs: Error(EIO), and the FD socket is never read.
  auto r = rc->Send(wire::ToRaw(MID::kFStat), 1, stat);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 0);
  EXPECT_EQ(ErrnoOf(r->second), static_cast<uint32_t>(EIO));
  // dataLen shorter than the channel header, and larger than the window.
  for (uint32_t bad_len : {2u, rc->peer->data_cap() + 1}) {
    std::optional<uint32_t> n = rc->peer->RoundTrip(bad_len);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 8u);
    std::vector<uint8_t> resp = rc->peer->ReadData(*n);
    EXPECT_EQ(wire::LoadU16(resp.data()), 0);
    EXPECT_EQ(wire::LoadU32(resp.data() + 4), static_cast<uint32_t>(EIO));
  }
  // A malformed payload is the handler's EIO; an unknown MID EOPNOTSUPP.
  r = rc->Send(wire::ToRaw(MID::kFStat), 0, {1, 2, 3});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(ErrnoOf(r->second), static_cast<uint32_t>(EIO));
  r = rc->Send(999, 0, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(ErrnoOf(r->second), static_cast<uint32_t>(EOPNOTSUPP));
  // And a good request still works on the same channel.
  r = rc->Send(wire::ToRaw(MID::kFStat), 0, stat);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, wire::ToRaw(MID::kFStat));
  EXPECT_EQ(r->second.size(), wire::Statx::kSize);
  rc->peer->Shutdown();
}

// A second thread of a hostile client scribbles over the request area and
// dataLen (not the futex word) while another thread sends 500 requests. The
// server copies each request out of the window once before parsing it, so
// whatever it sees it answers: every round trip completes. Afterwards the
// connection still serves on the socket and tears down cleanly. (The two
// client threads map the window at their own addresses, as another process
// would, so the race is between mappings, not a TSan report.)
TEST(ChannelTest, ClientRewritingTheWindowWhileTheServerReadsLeavesItHealthy) {
  TempDir dir;
  dir.WriteFile("f", "contents");
  Server server;
  auto stats = std::make_shared<BackendStats>();
  {
    RawClient c = RawClient::Start(server, dir.path(), {}, stats);
    const wire::FDID root = c.MountOk().root.control_fd;
    auto rc = RawChannel::Open(c);
    ASSERT_NE(rc, nullptr);
    RawFlipcallPeer rogue(rc->memfd.get(), rc->where.data_offset, rc->where.data_length, false);
    ASSERT_TRUE(rogue.ok());
    std::atomic<bool> stop{false};
    std::thread scribbler([&] {
      std::mt19937 rng(42);
      uint64_t i = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        ++i;
        // Any MID but Close (which could close the root FD we check with).
        uint8_t mid = static_cast<uint8_t>(rng() % 40);
        rogue.data()[0] = mid == wire::ToRaw(MID::kClose) ? 3 : mid;
        rogue.data()[2] = static_cast<uint8_t>(rng() % 2);
        rogue.data()[4 + rng() % 64] = static_cast<uint8_t>(rng());
        if (i % 4 == 0) rogue.data_len().store(static_cast<uint32_t>(rng()), std::memory_order_relaxed);
        if (i % 128 == 0) std::this_thread::yield();
      }
    });
    // A well-formed Walk each time (before the scribbler rewrites it).
    std::vector<uint8_t> req(4 + 8 + 2 + 3);
    wire::StoreU16(req.data(), wire::ToRaw(MID::kWalk));
    wire::StoreU64(req.data() + 4, root);
    wire::StoreU16(req.data() + 12, 1);
    wire::StoreU16(req.data() + 14, 1);
    req[16] = 'f';
    int completed = 0;
    for (int k = 0; k < 500; ++k) {
      rc->peer->WriteData(req);
      if (!rc->peer->RoundTrip(static_cast<uint32_t>(req.size())).has_value()) break;
      ++completed;
    }
    stop = true;
    scribbler.join();
    EXPECT_EQ(completed, 500);  // every request, however mangled, was answered
    // The server is healthy: the channel and the socket still answer.
    auto r = rc->Send(wire::ToRaw(MID::kFStat), 0, [&] {
      std::vector<uint8_t> p(8);
      wire::StoreU64(p.data(), root);
      return p;
    }());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->first, wire::ToRaw(MID::kFStat));
    EXPECT_EQ(c.Stat(root), 0);
    c.Hangup();
    server.Wait();
    EXPECT_TRUE(c.conn->closed());
  }
  EXPECT_EQ(stats->live_impls.load(), 0);
  EXPECT_EQ(server.node_count(), 1u);
}

}  // namespace
}  // namespace hg::server::testing
