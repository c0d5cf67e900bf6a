#include "gofer/transport/socket_communicator.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gofer/transport/transport_test_util.h"
#include "gtest/gtest.h"

namespace hg::transport {
namespace {

using testing::CountOpenFds;
using testing::IsCloexec;
using testing::SameFile;
using testing::SendWithFds;

struct Pair {
  std::unique_ptr<SocketCommunicator> server;
  std::unique_ptr<SocketCommunicator> client;
};

Pair MakePair(uint32_t max_payload = 4096) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
  Pair p;
  p.server =
      std::move(SocketCommunicator::Create(UniqueFd(sv[0]), Side::kServer, max_payload).value());
  p.client =
      std::move(SocketCommunicator::Create(UniqueFd(sv[1]), Side::kClient, max_payload).value());
  return p;
}

// A raw stream pair where the test plays a hand-written peer.
struct RawPair {
  std::unique_ptr<SocketCommunicator> comm;
  UniqueFd peer;
};
RawPair MakeRaw(Side side, uint32_t max_payload = 4096) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
  RawPair p;
  p.comm = std::move(SocketCommunicator::Create(UniqueFd(sv[0]), side, max_payload).value());
  p.peer.reset(sv[1]);
  return p;
}

std::vector<uint8_t> Bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::vector<uint8_t> HeaderBytes(uint32_t len, uint16_t mid) {
  std::vector<uint8_t> h(kSocketHeaderSize);
  SocketHeader{len, mid}.Encode(h.data());
  return h;
}

void WriteAll(int fd, const std::vector<uint8_t>& b) {
  ASSERT_EQ(::send(fd, b.data(), b.size(), MSG_NOSIGNAL), static_cast<ssize_t>(b.size()));
}

UniqueFd MemfdWith(const std::string& content) {
  UniqueFd fd(::memfd_create("transport_test", MFD_CLOEXEC));
  if (!fd.valid() ||
      ::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    std::abort();
  }
  return fd;
}

TEST(SocketCommunicatorTest, RoundTripWithoutFds) {
  Pair p = MakePair();
  auto req = Bytes("hello");
  ASSERT_TRUE(p.client->Send(7, req).ok());
  Outcome<Frame> got = p.server->Recv();
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->mid, 7);
  EXPECT_EQ(std::vector<uint8_t>(got->payload.begin(), got->payload.end()), req);
  EXPECT_TRUE(got->fds.empty());

  auto resp = Bytes("world!");
  ASSERT_TRUE(p.server->Send(7, resp).ok());
  Outcome<Frame> back = p.client->Recv();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mid, 7);
  EXPECT_EQ(std::vector<uint8_t>(back->payload.begin(), back->payload.end()), resp);

  // Empty payloads are frames too.
  std::thread server([&] {
    Outcome<Frame> r = p.server->Recv();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->payload.empty());
    ASSERT_TRUE(p.server->Send(r->mid, {}).ok());
  });
  Outcome<Frame> call = p.client->Call(1, {});
  server.join();
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->mid, 1);
  EXPECT_TRUE(call->payload.empty());
}

TEST(SocketCommunicatorTest, ResponseFdsReferToTheSameFiles) {
  Pair p = MakePair();
  UniqueFd file = MemfdWith("donated contents");
  int pipefd[2];
  ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
  UniqueFd pr(pipefd[0]), pw(pipefd[1]);

  int fds[] = {file.get(), pr.get()};
  auto payload = Bytes("resp");
  ASSERT_TRUE(p.server->Send(7, payload, fds).ok());
  Outcome<Frame> got = p.client->Recv(2);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_EQ(got->fds.size(), 2u);
  ASSERT_TRUE(got->fds[0].valid());
  ASSERT_TRUE(got->fds[1].valid());
  EXPECT_TRUE(SameFile(got->fds[0].get(), file.get()));
  EXPECT_TRUE(SameFile(got->fds[1].get(), pr.get()));
  EXPECT_TRUE(IsCloexec(got->fds[0].get()));
  EXPECT_TRUE(IsCloexec(got->fds[1].get()));
  char buf[32] = {};
  ASSERT_EQ(::pread(got->fds[0].get(), buf, sizeof(buf), 0), 16);
  EXPECT_STREQ(buf, "donated contents");
  ASSERT_EQ(::write(pw.get(), "x", 1), 1);
  ASSERT_EQ(::read(got->fds[1].get(), buf, 1), 1);
  EXPECT_EQ(buf[0], 'x');
}

TEST(SocketCommunicatorTest, MissingFdsAreInvalidAndSurplusFdsAreClosed) {
  Pair p = MakePair();
  UniqueFd a = MemfdWith("a"), b = MemfdWith("b"), c = MemfdWith("c");

  int one[] = {a.get()};
  ASSERT_TRUE(p.server->Send(7, {}, one).ok());
  Outcome<Frame> got = p.client->Recv(3);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->fds.size(), 3u);
  EXPECT_TRUE(SameFile(got->fds[0].get(), a.get()));
  EXPECT_FALSE(got->fds[1].valid());
  EXPECT_FALSE(got->fds[2].valid());
  got = Outcome<Frame>(TransportError::Of(ErrorKind::kEof));  // drop the FDs

  const size_t before = CountOpenFds();
  int three[] = {a.get(), b.get(), c.get()};
  ASSERT_TRUE(p.server->Send(7, {}, three).ok());
  got = p.client->Recv(1);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->fds.size(), 1u);
  EXPECT_TRUE(SameFile(got->fds[0].get(), a.get()));
  EXPECT_EQ(CountOpenFds(), before + 1);  // only the one asked for is open

  // Not asking for FDs at all: none are installed.
  ASSERT_TRUE(p.server->Send(7, {}, three).ok());
  Outcome<Frame> none = p.client->Recv(0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->fds.empty());
  EXPECT_EQ(CountOpenFds(), before + 1);
}

TEST(SocketCommunicatorTest, ServerNeverAcceptsFdsFromClient) {
  RawPair p = MakeRaw(Side::kServer);
  UniqueFd a = MemfdWith("a"), b = MemfdWith("b");
  const size_t before = CountOpenFds();

  std::vector<uint8_t> frame = HeaderBytes(3, 9);
  frame.push_back('x');
  frame.push_back('y');
  frame.push_back('z');
  ASSERT_EQ(SendWithFds(p.peer.get(), frame, {a.get(), b.get()}),
            static_cast<ssize_t>(frame.size()));
  Outcome<Frame> got = p.comm->Recv(/*want_fds=*/2);  // ignored on the server side
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->mid, 9);
  EXPECT_EQ(got->payload.size(), 3u);
  EXPECT_TRUE(got->fds.empty());
  EXPECT_EQ(p.comm->dropped_control_messages(), 1u);
  EXPECT_EQ(CountOpenFds(), before);  // nothing was installed

  // The same through a client-side communicator that "donates" FDs.
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto server = std::move(SocketCommunicator::Create(UniqueFd(sv[0]), Side::kServer, 64).value());
  auto client = std::move(SocketCommunicator::Create(UniqueFd(sv[1]), Side::kClient, 64).value());
  const size_t before2 = CountOpenFds();
  int fds[] = {a.get()};
  ASSERT_TRUE(client->Send(4, Bytes("p"), fds).ok());
  got = server->Recv();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(server->dropped_control_messages(), 1u);
  EXPECT_EQ(CountOpenFds(), before2);
}

TEST(SocketCommunicatorTest, PayloadOfExactlyMaxSizeIsAccepted) {
  const uint32_t max = 100000;  // larger than one socket buffer: exercises partial reads
  Pair p = MakePair(max);
  std::vector<uint8_t> big(max);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  std::thread sender([&] { ASSERT_TRUE(p.client->Send(5, big).ok()); });
  Outcome<Frame> got = p.server->Recv();
  sender.join();
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->payload.size(), max);
  EXPECT_TRUE(std::equal(big.begin(), big.end(), got->payload.begin()));
}

TEST(SocketCommunicatorTest, OversizePayloadIsDiscardedAndStreamStaysFramed) {
  const uint32_t max = 1000;
  RawPair p = MakeRaw(Side::kServer, max);
  std::vector<uint8_t> bytes = HeaderBytes(max + 1, 12);
  bytes.resize(bytes.size() + max + 1, 0xAB);
  std::vector<uint8_t> next = HeaderBytes(2, 3);
  next.push_back(1);
  next.push_back(2);
  bytes.insert(bytes.end(), next.begin(), next.end());
  WriteAll(p.peer.get(), bytes);

  Outcome<Frame> got = p.comm->Recv();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kTooLarge);
  EXPECT_TRUE(got.error().must_reply());
  EXPECT_EQ(got.error().mid, 12);
  EXPECT_EQ(got.error().length, max + 1);
  EXPECT_EQ(got.error().ToErrno(), Errno(EIO));
  EXPECT_LE(p.comm->payload_buffer_capacity(), max);  // never sized by the bad length

  // The server answers EIO and the next frame parses normally.
  ASSERT_TRUE(p.comm->Send(kErrorMid, Bytes("\x05\x00\x00\x00")).ok());
  got = p.comm->Recv();
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->mid, 3);
  EXPECT_EQ(got->payload.size(), 2u);
}

TEST(SocketCommunicatorTest, HugeLengthThenHangupNeverAllocates) {
  RawPair p = MakeRaw(Side::kServer, DefaultMaxPayload());
  WriteAll(p.peer.get(), HeaderBytes(0xFFFFFFFFu, 3));
  WriteAll(p.peer.get(), std::vector<uint8_t>(100, 1));
  p.peer.reset();
  Outcome<Frame> got = p.comm->Recv();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kTruncated);
  EXPECT_EQ(p.comm->payload_buffer_capacity(), 0u);
}

// A forked child plays a client that dies part-way through a frame.
void DieAfterWriting(int fd, const std::vector<uint8_t>& bytes) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ::_exit(n == static_cast<ssize_t>(bytes.size()) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SocketCommunicatorTest, PeerDyingMidHeaderIsTruncatedWithoutLeak) {
  const size_t before = CountOpenFds();
  {
    RawPair p = MakeRaw(Side::kServer);
    DieAfterWriting(p.peer.get(), {0x05, 0x00, 0x00});
    p.peer.reset();  // the child's copy died with it; ours goes now
    Outcome<Frame> got = p.comm->Recv();
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().kind, ErrorKind::kTruncated);
    EXPECT_FALSE(got.error().must_reply());
    // Stays usable for the caller's teardown: further calls fail cleanly.
    got = p.comm->Recv();
    ASSERT_FALSE(got.ok());
  }
  EXPECT_EQ(CountOpenFds(), before);
}

TEST(SocketCommunicatorTest, PeerDyingMidPayloadIsTruncatedWithoutLeak) {
  const size_t before = CountOpenFds();
  {
    RawPair p = MakeRaw(Side::kServer);
    std::vector<uint8_t> bytes = HeaderBytes(100, 3);
    bytes.resize(bytes.size() + 40, 0x11);
    DieAfterWriting(p.peer.get(), bytes);
    p.peer.reset();
    Outcome<Frame> got = p.comm->Recv();
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().kind, ErrorKind::kTruncated);
  }
  EXPECT_EQ(CountOpenFds(), before);
}

TEST(SocketCommunicatorTest, CleanCloseBetweenFramesIsEof) {
  RawPair p = MakeRaw(Side::kServer);
  WriteAll(p.peer.get(), HeaderBytes(0, 1));
  p.peer.reset();
  Outcome<Frame> got = p.comm->Recv();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->mid, 1);
  got = p.comm->Recv();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kEof);
}

TEST(SocketCommunicatorTest, LargeResponseWithFdsSurvivesShortWrites) {
  const uint32_t max = DefaultMaxPayload();  // ~2 MiB, far above the socket buffer
  Pair p = MakePair(max);
  std::vector<uint8_t> big(max);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i ^ (i >> 8));
  UniqueFd file = MemfdWith("x");
  std::thread sender([&] {
    int fds[] = {file.get()};
    ASSERT_TRUE(p.server->Send(8, big, fds).ok());
  });
  Outcome<Frame> got = p.client->Recv(1);
  sender.join();
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->mid, 8);
  ASSERT_EQ(got->payload.size(), big.size());
  EXPECT_TRUE(std::equal(big.begin(), big.end(), got->payload.begin()));
  ASSERT_TRUE(got->fds[0].valid());
  EXPECT_TRUE(SameFile(got->fds[0].get(), file.get()));
}

TEST(SocketCommunicatorTest, ShutdownUnblocksRecvAndPeerSeesEof) {
  Pair p = MakePair();
  Outcome<Frame> result = TransportError::Of(ErrorKind::kSystem);
  std::thread server([&] { result = p.server->Recv(); });
  ::usleep(20000);  // let it block (the test is correct either way)
  p.server->Shutdown();
  server.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kShutdown);
  EXPECT_TRUE(p.server->is_shutdown());
  // Later calls fail the same way; the peer sees EOF.
  EXPECT_EQ(p.server->Recv().error().kind, ErrorKind::kShutdown);
  EXPECT_EQ(p.server->Send(1, {}).error().kind, ErrorKind::kShutdown);
  Outcome<Frame> peer = p.client->Recv();
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.error().kind, ErrorKind::kEof);
  p.server->Shutdown();  // idempotent
}

TEST(SocketCommunicatorTest, ShutdownUnblocksSendToAStalledPeer) {
  const uint32_t max = DefaultMaxPayload();
  Pair p = MakePair(max);
  std::vector<uint8_t> big(max, 0x5A);
  Outcome<> result;
  std::thread server([&] { result = p.server->Send(3, big); });  // client never reads
  ::usleep(20000);
  p.server->Shutdown();
  server.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kShutdown);
}

TEST(SocketCommunicatorTest, SendToVanishedPeerFailsWithoutSigpipe) {
  RawPair p = MakeRaw(Side::kServer);
  p.peer.reset();
  // SIGPIPE's default action would kill the test binary.
  Outcome<> r = p.comm->Send(3, Bytes("abc"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kSystem);
  EXPECT_EQ(r.error().sys_errno, EPIPE);
}

TEST(SocketCommunicatorTest, OversizeSendAndTooManyFdsAreRefusedBeforeSending) {
  RawPair p = MakeRaw(Side::kServer, 16);
  Outcome<> r = p.comm->Send(3, std::vector<uint8_t>(17));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTooLarge);
  std::vector<int> fds(kMaxSocketFds + 1, 0);
  r = p.comm->Send(3, {}, fds);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sys_errno, EINVAL);
  // Nothing reached the peer.
  char c;
  EXPECT_EQ(::recv(p.peer.get(), &c, 1, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST(SocketCommunicatorTest, CheckConnectedUnixStream) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd a(sv[0]), b(sv[1]);
  EXPECT_TRUE(CheckConnectedUnixStream(a.get()).ok());

  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd c(sv[0]), d(sv[1]);
  EXPECT_EQ(CheckConnectedUnixStream(c.get()).error(), Errno(EPROTOTYPE));

  UniqueFd unconnected(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(CheckConnectedUnixStream(unconnected.get()).error(), Errno(ENOTCONN));

  UniqueFd file = MemfdWith("x");
  EXPECT_EQ(CheckConnectedUnixStream(file.get()).error(), Errno(ENOTSOCK));
}

}  // namespace
}  // namespace hg::transport
