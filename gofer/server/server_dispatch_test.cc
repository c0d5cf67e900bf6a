// Dispatcher behaviour: order of checks, Mount first/once, unknown and
// unsupported MIDs, malformed and oversize payloads, read-only connections,
// connection configuration checks.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/log.h"
#include "base/unique_fd.h"
#include "gofer/server/server_test_util.h"
#include "gofer/wire/byte_order.h"
#include "gofer/wire/frame.h"
#include "gtest/gtest.h"

namespace hg::server::testing {
namespace {

using wire::MID;

bool Advertised(const wire::MountResp& m, MID mid) {
  return std::find(m.supported_mids.begin(), m.supported_mids.end(), mid) !=
         m.supported_mids.end();
}

TEST(DispatchTest, EverythingBeforeMountIsRefusedWithEnotconn) {
  TempDir dir;
  Server server;
  RawClient c = RawClient::Start(server, dir.path());
  ASSERT_NE(c.conn, nullptr);
  EXPECT_EQ(c.Stat(1), ENOTCONN);
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kChannel), {}, 2).err(), ENOTCONN);
  EXPECT_EQ(c.Walk(1, {"x"}, nullptr), ENOTCONN);
  EXPECT_EQ(c.stats->calls.load(), 0);  // the backend was never asked
  EXPECT_EQ(c.conn->mount_node(), nullptr);
}

TEST(DispatchTest, MountAnswersRootLimitsAndTheServedMidsThenRefusesASecondMount) {
  TempDir dir;
  Server server;
  RawClient c = RawClient::Start(server, dir.path());
  Resp r = c.CallRaw(wire::ToRaw(MID::kMount), {}, 1);
  ASSERT_EQ(r.err(), 0);
  ASSERT_EQ(r.mid, wire::ToRaw(MID::kMount));
  wire::MountResp m = r.As<wire::MountResp>();
  EXPECT_EQ(m.root.control_fd, 1u);  // FDIDs start at 1
  EXPECT_EQ(m.root.stat.mode & S_IFMT, S_IFDIR);
  EXPECT_EQ(m.max_message_size, wire::MaxMessageSize());
  // The test backend serves everything but Flush, like the stock gofer.
  EXPECT_EQ(m.supported_mids.size(), 32u);
  EXPECT_FALSE(Advertised(m, MID::kFlush));
  EXPECT_FALSE(Advertised(m, MID::kError));
  EXPECT_TRUE(std::is_sorted(m.supported_mids.begin(), m.supported_mids.end()));
  EXPECT_EQ(c.Stat(m.root.control_fd), 0);

  const int calls = c.stats->calls.load();
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kMount), {}, 1).err(), EBUSY);
  EXPECT_EQ(c.stats->calls.load(), calls);
  EXPECT_EQ(c.conn->open_fd_count(), 1u);  // no second root FD
}

TEST(DispatchTest, FailedMountCanBeRetriedAndLeavesNoFd) {
  TempDir dir;
  Server server;
  RawClient c = RawClient::Start(server, dir.Sub("missing"));
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kMount), {}, 1).err(), ENOENT);
  EXPECT_EQ(c.conn->open_fd_count(), 0u);
  EXPECT_EQ(c.Stat(1), ENOTCONN);
  dir.Mkdir("missing");
  EXPECT_EQ(c.MountOk().root.control_fd, 1u);
}

TEST(DispatchTest, UnknownMidsAndErrorMidAreEopnotsuppAndTheConnectionGoesOn) {
  TempDir dir;
  Server server;
  RawClient c = RawClient::Start(server, dir.path());
  wire::MountResp m = c.MountOk();
  for (uint16_t mid : {uint16_t{0}, uint16_t{34}, uint16_t{255}, uint16_t{256}, uint16_t{0xFFFF}}) {
    Resp r = c.CallRaw(mid, std::vector<uint8_t>(16, 0xAB), 0);
    EXPECT_EQ(r.err(), EOPNOTSUPP) << mid;
  }
  EXPECT_EQ(c.Stat(m.root.control_fd), 0);
}

TEST(DispatchTest, UnsupportedAndDisallowedMidsAreRefusedBeforeDecodingAndNotAdvertised) {
  TempDir dir;
  Server server;
  BackendOptions b;
  for (uint16_t m = 1; m < wire::kNumMids; ++m) {
    if (m != wire::ToRaw(MID::kMkdirAt)) b.supported.push_back(static_cast<MID>(m));
  }
  ConnectionOpts opts;
  opts.allowed_mids = MidSet::All().Without(MID::kUnlinkAt).Without(MID::kChannel);
  RawClient c = RawClient::Start(server, dir.path(), opts, nullptr, b);
  wire::MountResp m = c.MountOk();
  EXPECT_FALSE(Advertised(m, MID::kMkdirAt));    // backend does not support it
  EXPECT_FALSE(Advertised(m, MID::kUnlinkAt));   // not allowed (seccomp)
  EXPECT_FALSE(Advertised(m, MID::kChannel));
  EXPECT_TRUE(Advertised(m, MID::kFlush));       // this backend lists it
  EXPECT_EQ(m.supported_mids.size(), 30u);
  EXPECT_EQ(c.conn->served_mids(), m.supported_mids);

  const int calls = c.stats->calls.load();
  // Well-formed and malformed payloads alike: EOPNOTSUPP, not EIO, so the
  // payload was never looked at; and the backend was never called.
  EXPECT_EQ(c.Mkdir(m.root.control_fd, "d"), EOPNOTSUPP);
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kMkdirAt), {}, 0).err(), EOPNOTSUPP);
  EXPECT_EQ(c.Unlink(m.root.control_fd, "d"), EOPNOTSUPP);
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kChannel), {}, 2).err(), EOPNOTSUPP);
  EXPECT_EQ(c.stats->calls.load(), calls);
  EXPECT_FALSE(dir.Exists("d"));
  // Flush is served and reaches the backend default: ENOSYS.
  dir.WriteFile("f", "x");
  wire::WalkResp w;
  ASSERT_EQ(c.Walk(m.root.control_fd, {"f"}, &w), 0);
  wire::FDID ofd = 0;
  ASSERT_EQ(c.OpenAt(w.inodes[0].control_fd, O_RDONLY, &ofd), 0);
  EXPECT_EQ(c.Call(MID::kFlush, wire::FlushReq{ofd}).err(), ENOSYS);
}

TEST(DispatchTest, MalformedPayloadsAreEioAndTheConnectionGoesOn) {
  TempDir dir;
  Server server;
  RawClient c = RawClient::Start(server, dir.path());
  wire::MountResp m = c.MountOk();
  // Truncated fixed-size request.
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kFStat), std::vector<uint8_t>{1, 0, 0}, 0).err(), EIO);
  // Walk whose StringArray count promises more names than there are bytes.
  std::vector<uint8_t> walk = {1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 0, 'a'};
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kWalk), walk, 0).err(), EIO);
  // PWrite whose NumBytes runs past the payload.
  std::vector<uint8_t> pw(20, 0);
  wire::StoreU32(pw.data() + 16, 1000);
  EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kPWrite), pw, 0).err(), EIO);
  EXPECT_EQ(c.Stat(m.root.control_fd), 0);
  EXPECT_EQ(c.conn->open_fd_count(), 1u);
}

TEST(DispatchTest, OversizePayloadLenIsEioWithoutAllocationAndTheStreamStaysFramed) {
  TempDir dir;
  Server server;
  BackendOptions b;
  b.max_message_size = 4096;
  RawClient c = RawClient::Start(server, dir.path(), {}, nullptr, b);
  wire::MountResp m = c.MountOk();
  EXPECT_EQ(m.max_message_size, 4096u);
  // A hand-made frame: payloadLen 4097 (over the limit), MID FStat, then the
  // 4097 bytes the header promised.
  std::vector<uint8_t> frame(8 + 4097, 0x5A);
  wire::SocketHeader{4097, MID::kFStat}.StoreTo(frame.data());
  ASSERT_EQ(::send(c.fd(), frame.data(), frame.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(frame.size()));
  transport::Outcome<transport::Frame> r = c.comm->Recv();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mid, 0);
  ASSERT_EQ(r->payload.size(), 4u);
  EXPECT_EQ(wire::LoadU32(r->payload.data()), static_cast<uint32_t>(EIO));
  // Still framed: the next request is answered normally.
  EXPECT_EQ(c.Stat(m.root.control_fd), 0);
}

TEST(DispatchTest, ReadonlyConnectionRefusesMutationsWithErofsBeforeDecoding) {
  TempDir dir;
  dir.WriteFile("f", "data");
  Server server;
  ConnectionOpts opts;
  opts.readonly = true;
  RawClient c = RawClient::Start(server, dir.path(), opts);
  wire::MountResp m = c.MountOk();
  const int calls = c.stats->calls.load();
  // Empty (malformed) payloads: EROFS, not EIO.
  for (MID mid : {MID::kSetStat, MID::kOpenCreateAt, MID::kPWrite, MID::kMkdirAt, MID::kMknodAt,
                  MID::kSymlinkAt, MID::kLinkAt, MID::kFAllocate, MID::kUnlinkAt, MID::kRenameAt,
                  MID::kFSetXattr, MID::kFRemoveXattr, MID::kBindAt, MID::kRenameAt2}) {
    EXPECT_EQ(c.CallRaw(wire::ToRaw(mid), {}, 0).err(), EROFS) << wire::MidName(mid);
  }
  EXPECT_EQ(c.stats->calls.load(), calls);
  wire::WalkResp w;
  ASSERT_EQ(c.Walk(m.root.control_fd, {"f"}, &w), 0);
  const wire::FDID f = w.inodes[0].control_fd;
  EXPECT_EQ(c.OpenAt(f, O_WRONLY, nullptr), EROFS);
  EXPECT_EQ(c.OpenAt(f, O_RDWR, nullptr), EROFS);
  EXPECT_EQ(c.OpenAt(f, O_RDONLY | O_TRUNC, nullptr), EROFS);
  wire::FDID ofd = 0;
  ASSERT_EQ(c.OpenAt(f, O_RDONLY | O_APPEND, &ofd), 0);  // other flags are dropped
  std::string got;
  EXPECT_EQ(c.PRead(ofd, 0, 100, &got), 0);
  EXPECT_EQ(got, "data");
  EXPECT_EQ(dir.ReadFile("f"), "data");
}

TEST(DispatchTest, ReadonlyRefusalsWriteOneDebugLine) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  UniqueFd r(p[0]), w(p[1]);
  const log::Config saved = log::Current();
  log::Configure({.fd = w.get(), .min_level = log::Level::kDebug, .format = log::Format::kText});
  {
    TempDir dir;
    Server server;
    ConnectionOpts opts;
    opts.readonly = true;
    RawClient c = RawClient::Start(server, dir.path(), opts);
    c.MountOk();
    EXPECT_EQ(c.CallRaw(wire::ToRaw(MID::kMkdirAt), {}, 0).err(), EROFS);
  }
  log::Configure(saved);
  char buf[4096];
  ssize_t n = ::read(r.get(), buf, sizeof(buf));
  ASSERT_GT(n, 0);
  std::string out(buf, static_cast<size_t>(n));
  EXPECT_NE(out.find(" debug refused op=MkdirAt mount="), std::string::npos) << out;
  EXPECT_NE(out.find(" rule=readonly errno=EROFS\n"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(DispatchTest, ConnectionConfigurationIsValidated) {
  TempDir dir;
  Server server;
  auto start = [&](ConnectionConfig cfg) {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    UniqueFd peer(sv[1]);
    auto r = server.StartConnection(UniqueFd(sv[0]), std::move(cfg));
    return r.ok() ? 0 : r.error().value();
  };
  auto stats = std::make_shared<BackendStats>();
  EXPECT_EQ(start({"relative/path", {}, {}, MakeTestBackend(stats)}), EINVAL);
  EXPECT_EQ(start({"/a/\n/../b", {}, {}, MakeTestBackend(stats)}), 0);  // "\n" is a valid name
  EXPECT_EQ(start({dir.path(), {}, {}, nullptr}), EINVAL);
  BackendOptions tiny;
  tiny.max_message_size = 100;
  EXPECT_EQ(start({dir.path(), {}, {}, MakeTestBackend(stats, tiny)}), EINVAL);
  BackendOptions no_mount;
  no_mount.supported = {MID::kFStat, MID::kWalk};
  EXPECT_EQ(start({dir.path(), {}, {}, MakeTestBackend(stats, no_mount)}), EINVAL);
  ConnectionOpts mount_forbidden;
  mount_forbidden.allowed_mids = MidSet::All().Without(MID::kMount);
  EXPECT_EQ(start({dir.path(), mount_forbidden, {}, MakeTestBackend(stats)}), EINVAL);
  // Lexical cleaning: "/x/./y/../" serves "/x".
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd peer(sv[1]);
  auto r = server.StartConnection(UniqueFd(sv[0]),
                                  {dir.path() + "/./y/../", {}, {}, MakeTestBackend(stats)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->mount_path(), dir.path());
  server.Stop();
  server.Wait();
  EXPECT_EQ(start({dir.path(), {}, {}, MakeTestBackend(stats)}), ESHUTDOWN);
}

}  // namespace
}  // namespace hg::server::testing
