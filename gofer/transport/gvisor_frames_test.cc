// Byte-level interoperability: frames captured from gVisor's own client and
// server (shared/vectors/lisafs-messages.json, kind "frame", produced at
// gVisor commit 3c5eee17) go through our transport unchanged, and our
// transport writes the exact bytes gVisor wrote.
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <thread>

#include "gofer/transport/channel_set.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/transport/transport_test_util.h"
#include "gtest/gtest.h"

namespace hg::transport {
namespace {

using testing::Hex;
using testing::RawFlipcallPeer;
using testing::SameFile;

// Socket frames as gVisor's lisafs.Client sent them and gVisor's server answered.
constexpr char kMountRequest[] = "0000000001000000";
constexpr char kFStatRequest[] = "08000000030000000807060504030201";
constexpr char kErrorEbadfResponse[] = "040000000000000009000000";
// Channel datagrams (after flipcall's 16-byte packet header).
constexpr char kChannelFStatRequest[] = "030000000807060504030201";
constexpr char kChannelOpenAtResponse[] = "070001000300000000000000";  // numFDs = 1

std::vector<uint8_t> Vec(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

TEST(GvisorFramesTest, SocketRequestsFromGvisorClientParse) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd peer(sv[1]);
  auto server = std::move(
      SocketCommunicator::Create(UniqueFd(sv[0]), Side::kServer, DefaultMaxPayload()).value());
  std::vector<uint8_t> bytes = Hex(kMountRequest);
  std::vector<uint8_t> fstat = Hex(kFStatRequest);
  bytes.insert(bytes.end(), fstat.begin(), fstat.end());
  ASSERT_EQ(::send(peer.get(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));

  Outcome<Frame> mount = server->Recv();
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->mid, 1);
  EXPECT_TRUE(mount->payload.empty());
  Outcome<Frame> stat = server->Recv();
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(stat->mid, 3);
  EXPECT_EQ(Vec(stat->payload), Hex("0807060504030201"));

  // Our answer is byte-identical to gVisor's respondError(EBADF).
  uint32_t ebadf = 9;
  uint8_t payload[4];
  std::memcpy(payload, &ebadf, 4);
  ASSERT_TRUE(server->Send(kErrorMid, payload).ok());
  std::vector<uint8_t> got(64);
  ssize_t n = ::recv(peer.get(), got.data(), got.size(), 0);
  ASSERT_GT(n, 0);
  got.resize(static_cast<size_t>(n));
  EXPECT_EQ(got, Hex(kErrorEbadfResponse));
}

TEST(GvisorFramesTest, ClientSocketRequestBytesMatchGvisorClient) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd peer(sv[1]);
  auto client = std::move(
      SocketCommunicator::Create(UniqueFd(sv[0]), Side::kClient, DefaultMaxPayload()).value());
  ASSERT_TRUE(client->Send(1, {}).ok());
  ASSERT_TRUE(client->Send(3, Hex("0807060504030201")).ok());
  std::vector<uint8_t> want = Hex(kMountRequest);
  std::vector<uint8_t> fstat = Hex(kFStatRequest);
  want.insert(want.end(), fstat.begin(), fstat.end());
  std::vector<uint8_t> got(want.size());
  ASSERT_EQ(::recv(peer.get(), got.data(), got.size(), MSG_WAITALL),
            static_cast<ssize_t>(want.size()));
  EXPECT_EQ(got, want);
  char extra;
  EXPECT_EQ(::recv(peer.get(), &extra, 1, MSG_DONTWAIT), -1);  // nothing more was sent
}

// The raw peer below follows gVisor's client step by step (ctrlConnect,
// channel.SndRcvMessage, fdchannel.RecvFDNonblock) without our code.
TEST(GvisorFramesTest, ChannelExchangeWithGvisorStyleClientIsByteExact) {
  Result<std::unique_ptr<ChannelSet>> set = ChannelSet::Create();
  ASSERT_TRUE(set.ok());
  Result<NewChannel> nc = (*set)->AddChannel();
  ASSERT_TRUE(nc.ok());
  RawFlipcallPeer client(nc->data_fd.get(), nc->data_offset, nc->data_length, false);
  ASSERT_TRUE(client.ok());
  UniqueFd donated(::memfd_create("donated", MFD_CLOEXEC));

  std::thread server([&] {
    ServerChannel* ch = nc->channel;
    Outcome<Frame> req = ch->RecvFirst();
    ASSERT_TRUE(req.ok()) << req.error().ToString();
    EXPECT_EQ(req->mid, 3);
    EXPECT_EQ(Vec(req->payload), Hex("0807060504030201"));
    int fds[] = {donated.get()};
    req = ch->SendRecv(7, Hex("0300000000000000"), fds);
    EXPECT_FALSE(req.ok());
    EXPECT_EQ(req.error().kind, ErrorKind::kShutdown);
  });

  client.WriteData(std::string("{}\n"));
  ASSERT_EQ(client.RoundTrip(3), 3u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(client.data()), 3), "{}\n");
  std::vector<uint8_t> request = Hex(kChannelFStatRequest);
  client.WriteData(request);
  std::optional<uint32_t> n = client.RoundTrip(static_cast<uint32_t>(request.size()));
  ASSERT_EQ(n, 12u);
  EXPECT_EQ(client.ReadData(*n), Hex(kChannelOpenAtResponse));

  // The FD arrives the way fdchannel reads it: controllen == CMSG_LEN(4).
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_control = control;
  msg.msg_controllen = CMSG_LEN(sizeof(int));
  ASSERT_EQ(::recvmsg(nc->fd_sock.get(), &msg, MSG_TRUNC | MSG_DONTWAIT), 0);
  ASSERT_EQ(msg.msg_controllen, CMSG_LEN(sizeof(int)));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, SOL_SOCKET);
  EXPECT_EQ(c->cmsg_type, SCM_RIGHTS);
  int raw;
  std::memcpy(&raw, CMSG_DATA(c), sizeof(int));
  UniqueFd got(raw);
  EXPECT_TRUE(SameFile(got.get(), donated.get()));

  client.Shutdown();
  server.join();
  (*set)->ShutdownAll();
}

TEST(GvisorFramesTest, ClientChannelRequestBytesMatchGvisorClient) {
  Result<std::unique_ptr<ChannelSet>> set = ChannelSet::Create();
  ASSERT_TRUE(set.ok());
  Result<NewChannel> nc = (*set)->AddChannel();
  ASSERT_TRUE(nc.ok());
  // The raw peer plays gVisor's server on its own mapping.
  RawFlipcallPeer server(nc->data_fd.get(), nc->data_offset, nc->data_length, true);
  Result<std::unique_ptr<ClientChannel>> client = ClientChannel::Create(
      std::move(nc->data_fd), nc->data_offset, nc->data_length, std::move(nc->fd_sock));
  ASSERT_TRUE(client.ok());
  std::vector<uint8_t> seen_handshake, seen_request;
  int server_fd_sock = nc->channel->fd_socket_for_testing();
  UniqueFd donated(::memfd_create("donated", MFD_CLOEXEC));
  std::thread t([&] {
    if (!server.WaitTurn()) return;
    seen_handshake = server.ReadData(server.data_len().load());
    server.WriteData(std::string("{}\n"));
    if (!server.GiveTurn(3) || !server.WaitTurn()) return;
    seen_request = server.ReadData(server.data_len().load());
    // Answer like gVisor's server: the FD datagram first, then the header.
    testing::SendWithFds(server_fd_sock, {}, {donated.get()});
    std::vector<uint8_t> resp = Hex(kChannelOpenAtResponse);
    server.WriteData(resp);
    server.GiveTurn(static_cast<uint32_t>(resp.size()));
  });
  ASSERT_TRUE((*client)->Connect().ok());
  Outcome<Frame> resp = (*client)->Call(3, Hex("0807060504030201"), /*want_fds=*/1);
  t.join();
  EXPECT_EQ(seen_handshake, std::vector<uint8_t>({'{', '}', '\n'}));
  EXPECT_EQ(seen_request, Hex(kChannelFStatRequest));
  ASSERT_TRUE(resp.ok()) << resp.error().ToString();
  EXPECT_EQ(resp->mid, 7);
  EXPECT_EQ(Vec(resp->payload), Hex("0300000000000000"));
  ASSERT_EQ(resp->fds.size(), 1u);
  ASSERT_TRUE(resp->fds[0].valid());
  EXPECT_TRUE(SameFile(resp->fds[0].get(), donated.get()));
  (*client)->Shutdown();
  (*set)->ShutdownAll();
}

}  // namespace
}  // namespace hg::transport
