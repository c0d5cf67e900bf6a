// Clean shutdown: a peer that goes away (between frames, mid-frame, with
// channels open) leaves no FD, thread, node or backend impl behind; Stop()
// lets in-flight requests finish; many short connections do not accumulate.
#include <fcntl.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "gofer/server/server_test_util.h"
#include "gofer/wire/byte_order.h"
#include "gofer/wire/frame.h"
#include "gtest/gtest.h"

namespace hg::server::testing {
namespace {

using wire::MID;

TEST(TeardownTest, PeerHangupReleasesFdsThreadsNodesAndImpls) {
  const size_t fds_before = CountOpenFds();
  const size_t threads_before = CountThreads();
  auto stats = std::make_shared<BackendStats>();
  {
    TempDir dir;
    dir.Mkdir("d");
    dir.WriteFile("d/f", "x");
    Server server;
    RawClient c = RawClient::Start(server, dir.path(), {}, stats);
    const wire::FDID root = c.MountOk().root.control_fd;
    std::vector<std::unique_ptr<ChannelCaller>> channels;
    for (int i = 0; i < 2; ++i) {
      std::unique_ptr<transport::ClientChannel> ch;
      ASSERT_EQ(c.OpenChannel(&ch), 0);
      channels.push_back(std::make_unique<ChannelCaller>(std::move(ch)));
    }
    wire::WalkResp w;
    ASSERT_EQ(channels[0]->Walk(root, {"d", "f"}, &w), 0);
    wire::FDID ofd = 0;
    ASSERT_EQ(channels[1]->OpenAt(w.inodes[1].control_fd, O_RDWR, &ofd), 0);
    EXPECT_EQ(CountThreads(), threads_before + 3);  // socket + 2 channels
    EXPECT_GT(stats->live_impls.load(), 0);

    c.Hangup();  // the channels stay mapped on our side: only the socket goes
    server.Wait();
    EXPECT_TRUE(c.conn->closed());
    EXPECT_EQ(c.conn->open_fd_count(), 0u);
    EXPECT_EQ(stats->live_impls.load(), 0);
    EXPECT_EQ(server.node_count(), 1u);
    EXPECT_EQ(server.active_connections(), 0u);
    EXPECT_EQ(CountThreads(), threads_before);
    // Our channel ends now see a shut-down peer.
    EXPECT_FALSE(channels[0]->CallRaw(wire::ToRaw(MID::kFStat), {}, 0).transport_ok);
  }
  EXPECT_EQ(CountOpenFds(), fds_before);
  EXPECT_EQ(CountThreads(), threads_before);
}

TEST(TeardownTest, PeerDyingMidFrameEndsOnlyItsConnection) {
  const size_t fds_before = CountOpenFds();
  auto stats = std::make_shared<BackendStats>();
  {
    TempDir dir;
    Server server;
    RawClient healthy = RawClient::Start(server, dir.path(), {}, stats);
    const wire::FDID root = healthy.MountOk().root.control_fd;
    // Mid-header.
    RawClient a = RawClient::Start(server, dir.path(), {}, stats);
    a.MountOk();
    uint8_t partial[5] = {8, 0, 0, 0, 3};
    ASSERT_EQ(::send(a.fd(), partial, sizeof(partial), MSG_NOSIGNAL), 5);
    a.Hangup();
    // Mid-payload.
    RawClient b = RawClient::Start(server, dir.path(), {}, stats);
    b.MountOk();
    std::vector<uint8_t> frame(8 + 10, 0);
    wire::SocketHeader{100, MID::kWalk}.StoreTo(frame.data());
    ASSERT_EQ(::send(b.fd(), frame.data(), frame.size(), MSG_NOSIGNAL), 18);
    b.Hangup();
    EXPECT_TRUE(Eventually([&] { return a.conn->closed() && b.conn->closed(); }));
    EXPECT_EQ(server.active_connections(), 1u);
    EXPECT_EQ(healthy.Stat(root), 0);
    healthy.Hangup();
    server.Wait();
    EXPECT_EQ(stats->live_impls.load(), 0);
  }
  EXPECT_EQ(CountOpenFds(), fds_before);
}

TEST(TeardownTest, StopLetsInFlightRequestsFinishThenTearsEverythingDown) {
  const size_t threads_before = CountThreads();
  auto stats = std::make_shared<BackendStats>();
  TempDir dir;
  dir.WriteFile("f", "abc");
  Server server;
  RawClient c = RawClient::Start(server, dir.path(), {}, stats);
  const wire::FDID root = c.MountOk().root.control_fd;
  std::unique_ptr<transport::ClientChannel> ch;
  ASSERT_EQ(c.OpenChannel(&ch), 0);
  ChannelCaller cc(std::move(ch));
  wire::WalkResp w;
  ASSERT_EQ(cc.Walk(root, {"f"}, &w), 0);
  wire::FDID ofd = 0;
  ASSERT_EQ(cc.OpenAt(w.inodes[0].control_fd, O_RDONLY, &ofd), 0);

  stats->block_reads = true;
  std::thread reader([&] { cc.PRead(ofd, 0, 3, nullptr); });  // blocks in the backend
  ASSERT_TRUE(Eventually([&] { return stats->reads_blocked.load() == 1; }));
  const int calls = stats->calls.load();
  server.Stop();
  // The connection is closing: new requests are refused or find it gone.
  EXPECT_NE(c.Stat(root), 0);
  std::thread waiter([&] { server.Wait(); });
  ::usleep(20000);
  EXPECT_FALSE(c.conn->closed());  // waits for the in-flight read
  stats->block_reads = false;
  waiter.join();
  reader.join();
  EXPECT_EQ(stats->calls.load(), calls);  // nothing new reached the backend
  EXPECT_TRUE(c.conn->closed());
  EXPECT_EQ(stats->live_impls.load(), 0);
  EXPECT_EQ(CountThreads(), threads_before);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd peer(sv[1]);
  auto again = server.StartConnection(UniqueFd(sv[0]), {dir.path(), {}, {}, MakeTestBackend(stats)});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), Errno(ESHUTDOWN));
}

TEST(TeardownTest, ManyShortConnectionsDoNotAccumulate) {
  const size_t fds_before = CountOpenFds();
  const size_t threads_before = CountThreads();
  TempDir dir;
  Server server;
  for (int i = 0; i < 30; ++i) {
    RawClient c = RawClient::Start(server, dir.path());
    ASSERT_EQ(c.MountOk().root.control_fd, 1u);
    if (i % 3 == 0) {
      std::unique_ptr<transport::ClientChannel> ch;
      ASSERT_EQ(c.OpenChannel(&ch), 0);
    }
    c.Hangup();
    ASSERT_TRUE(Eventually([&] { return c.conn->closed(); }));
  }
  EXPECT_TRUE(Eventually([&] { return CountThreads() == threads_before; }));
  EXPECT_EQ(server.active_connections(), 0u);
  server.Wait();
  EXPECT_EQ(server.node_count(), 1u);
  EXPECT_EQ(CountOpenFds(), fds_before + 0);
}

}  // namespace
}  // namespace hg::server::testing
