#include "gofer/transport/flipcall_endpoint.h"

#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "gofer/transport/packet_window.h"
#include "gofer/transport/transport_test_util.h"
#include "gtest/gtest.h"

namespace hg::transport {
namespace {

using testing::RawFlipcallPeer;

// One zero-filled window in a fresh memfd.
struct Window {
  PacketWindowAllocator alloc;
  PacketWindow w;

  static Window Make(size_t size) {
    Window win{std::move(PacketWindowAllocator::Create().value()), {}};
    win.w = win.alloc.Allocate(size).value();
    return win;
  }
  Mapping Map() const { return std::move(Mapping::Map(alloc.fd(), w.offset, w.length).value()); }
};

std::string DataString(const RawFlipcallPeer& p, uint32_t len) {
  return std::string(reinterpret_cast<const char*>(p.data()), len);
}

TEST(FlipcallEndpointTest, ServerHandshakeAndRoundTripsAgainstRawClient) {
  Window win = Window::Make(PageSize());
  FlipcallEndpoint server(win.Map(), Side::kServer, {});
  EXPECT_EQ(server.data_cap(), PageSize() - 16);
  RawFlipcallPeer client(win.alloc.fd(), win.w.offset, win.w.length, /*server=*/false);
  ASSERT_TRUE(client.ok());

  Outcome<uint32_t> first = TransportError::Of(ErrorKind::kSystem);
  std::string first_data;
  std::thread t([&] {
    first = server.RecvFirst();
    if (first.ok()) first_data.assign(reinterpret_cast<char*>(server.data()), *first);
  });
  // Handshake exactly as gVisor's client writes it: "{}\n", dataLen 3.
  client.WriteData(std::string("{}\n"));
  ASSERT_EQ(client.RoundTrip(3), 3u);
  EXPECT_EQ(DataString(client, 3), "{}\n");
  // First real message.
  client.WriteData(std::string("abcd"));
  ASSERT_TRUE(client.GiveTurn(4));
  t.join();
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(*first, 4u);
  EXPECT_EQ(first_data, "abcd");

  // Reply and receive the next one; the endpoint returns dataLen unchecked
  // (the channel layer checks it), so a hostile length comes through as is.
  Outcome<uint32_t> next = TransportError::Of(ErrorKind::kSystem);
  std::memcpy(server.data(), "xy", 2);
  std::thread t2([&] { next = server.SendRecv(2); });
  ASSERT_TRUE(client.WaitTurn());
  EXPECT_EQ(client.data_len().load(), 2u);
  EXPECT_EQ(DataString(client, 2), "xy");
  ASSERT_TRUE(client.GiveTurn(0xFFFFFFF0u));
  t2.join();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 0xFFFFFFF0u);

  // The client goes away: the server's next wait ends with kShutdown.
  std::thread t3([&] { next = server.SendRecv(0); });
  ASSERT_TRUE(client.WaitTurn());
  client.Shutdown();
  t3.join();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().kind, ErrorKind::kShutdown);
  EXPECT_EQ(server.LoadConnState(), RawFlipcallPeer::kShutdown);
}

TEST(FlipcallEndpointTest, ClientConnectAgainstRawServer) {
  Window win = Window::Make(PageSize());
  FlipcallEndpoint client(win.Map(), Side::kClient, {});
  RawFlipcallPeer server(win.alloc.fd(), win.w.offset, win.w.length, /*server=*/true);
  std::string handshake;
  uint32_t handshake_len = 0;
  std::string request;
  std::thread t([&] {
    if (!server.WaitTurn()) return;
    handshake_len = server.data_len().load();
    handshake = DataString(server, handshake_len);
    server.WriteData(std::string("{}\n"));
    if (!server.GiveTurn(3) || !server.WaitTurn()) return;
    request = DataString(server, server.data_len().load());
    server.WriteData(std::string("pong"));
    server.GiveTurn(4);
  });
  ASSERT_TRUE(client.Connect().ok());
  std::memcpy(client.data(), "ping!", 5);
  Outcome<uint32_t> n = client.SendRecv(5);
  t.join();
  EXPECT_EQ(handshake_len, 3u);
  EXPECT_EQ(handshake, "{}\n");
  EXPECT_EQ(request, "ping!");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(client.data()), 4), "pong");
}

TEST(FlipcallEndpointTest, EndpointPairWithAndWithoutSpinning) {
  for (uint32_t spin : {0u, 20000u}) {
    Window win = Window::Make(PageSize());
    const EndpointOptions opts{
        .spin_ns = spin, .adaptive = false, .max_spinners = 8, .skip_when_colocated = false};
    FlipcallEndpoint server(win.Map(), Side::kServer, opts);
    FlipcallEndpoint client(win.Map(), Side::kClient, opts);
    constexpr uint32_t kRounds = 500;
    std::thread t([&] {
      Outcome<uint32_t> n = server.RecvFirst();
      while (n.ok()) {
        uint32_t v;
        std::memcpy(&v, server.data(), 4);
        ++v;
        std::memcpy(server.data(), &v, 4);
        n = server.SendRecv(4);
      }
      EXPECT_EQ(n.error().kind, ErrorKind::kShutdown);
    });
    ASSERT_TRUE(client.Connect().ok());
    for (uint32_t i = 0; i < kRounds; ++i) {
      std::memcpy(client.data(), &i, 4);
      Outcome<uint32_t> n = client.SendRecv(4);
      ASSERT_TRUE(n.ok());
      ASSERT_EQ(*n, 4u);
      uint32_t v;
      std::memcpy(&v, client.data(), 4);
      ASSERT_EQ(v, i + 1) << "spin " << spin;
    }
    client.Shutdown();
    t.join();
  }
}

TEST(FlipcallEndpointTest, ShutdownWakesOwnBlockedThreadAndThePeer) {
  Window win = Window::Make(PageSize());
  FlipcallEndpoint server(win.Map(), Side::kServer, {});
  RawFlipcallPeer client(win.alloc.fd(), win.w.offset, win.w.length, false);
  Outcome<uint32_t> r = 0u;
  std::thread t([&] { r = server.RecvFirst(); });  // blocks: nobody connects
  ::usleep(20000);
  server.Shutdown();  // returns only once the thread left FUTEX_WAIT
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kShutdown);
  EXPECT_EQ(client.state().load(), RawFlipcallPeer::kShutdown);
  EXPECT_FALSE(client.GiveTurn(3));  // the peer sees the shutdown
  // Every later call fails fast.
  EXPECT_EQ(server.SendRecv(0).error().kind, ErrorKind::kShutdown);
  server.Shutdown();  // idempotent
}

TEST(FlipcallEndpointTest, ClientShutdownWhileWaitingForServer) {
  Window win = Window::Make(PageSize());
  FlipcallEndpoint client(win.Map(), Side::kClient, {});
  RawFlipcallPeer server(win.alloc.fd(), win.w.offset, win.w.length, true);
  Outcome<> r;
  std::thread t([&] { r = client.Connect(); });  // the raw server never answers
  ASSERT_TRUE(server.WaitTurn());
  client.Shutdown();
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kShutdown);
  EXPECT_EQ(server.state().load(), RawFlipcallPeer::kShutdown);
}

TEST(FlipcallEndpointTest, GarbageConnStateAndBadHandshakeAreProtocolErrors) {
  {
    Window win = Window::Make(PageSize());
    FlipcallEndpoint server(win.Map(), Side::kServer, {});
    RawFlipcallPeer client(win.alloc.fd(), win.w.offset, win.w.length, false);
    client.state().store(7);
    Outcome<uint32_t> r = server.RecvFirst();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  }
  for (const std::string& bad :
       {std::string("hello"), std::string("{ }\n"), std::string(""), std::string("{}\nX")}) {
    Window win = Window::Make(PageSize());
    FlipcallEndpoint server(win.Map(), Side::kServer, {});
    RawFlipcallPeer client(win.alloc.fd(), win.w.offset, win.w.length, false);
    client.WriteData(bad);
    ASSERT_TRUE(client.GiveTurn(static_cast<uint32_t>(bad.size())));
    Outcome<uint32_t> r = server.RecvFirst();
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kProtocol) << bad;
  }
  {
    // A handshake length past the window is refused before anything is read.
    Window win = Window::Make(PageSize());
    FlipcallEndpoint server(win.Map(), Side::kServer, {});
    RawFlipcallPeer client(win.alloc.fd(), win.w.offset, win.w.length, false);
    ASSERT_TRUE(client.GiveTurn(0xFFFFFFFFu));
    EXPECT_EQ(server.RecvFirst().error().kind, ErrorKind::kProtocol);
  }
  {
    // "{}" without the newline is accepted too.
    Window win = Window::Make(PageSize());
    FlipcallEndpoint server(win.Map(), Side::kServer, {});
    RawFlipcallPeer client(win.alloc.fd(), win.w.offset, win.w.length, false);
    client.WriteData(std::string("{}"));
    std::thread t([&] {
      if (client.RoundTrip(2) == std::optional<uint32_t>(3u)) client.GiveTurn(0);
    });
    Outcome<uint32_t> r = server.RecvFirst();
    t.join();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 0u);
  }
}

TEST(FlipcallEndpointTest, SendingMoreThanTheWindowHoldsIsRefusedWithoutSwitching) {
  Window win = Window::Make(PageSize());
  FlipcallEndpoint client(win.Map(), Side::kClient, {});
  Outcome<uint32_t> r = client.SendRecv(client.data_cap() + 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  EXPECT_EQ(client.LoadConnState(), RawFlipcallPeer::kClientActive);
}

}  // namespace
}  // namespace hg::transport
