// The client library against a real Server + fsgofer on a temp dir: session,
// channels, errors, FD donation, chunked I/O, batched Close, concurrency and
// server loss.
#include "gofer/client/client.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_name.h"
#include "gofer/client/client_test_util.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::client {
namespace {

using path_walk::testing::ReadFileOrDie;
using path_walk::testing::TempTree;
using testing::ClientServer;
using testing::ServeOptions;

size_t CountEntries(const char* dir) {
  size_t n = 0;
  DIR* d = ::opendir(dir);
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.MkDir("root");
    t.MkDir("root/dir");
    t.WriteFile("root/dir/file", "client test data\n", 0644);
    t.Symlink("root/link", "dir/file");
  }
  std::string Root() const { return t.Path("root"); }
  TempTree t;
};

TEST_F(ClientTest, MountReportsTheRootTheLimitsAndStartsChannels) {
  ClientServer cs(Root());
  ASSERT_TRUE(cs.mounted()) << cs.mount_error();
  Client& c = cs.client();
  EXPECT_NE(c.root_fd(), wire::kInvalidFDID);
  struct stat st;
  ASSERT_EQ(::stat(Root().c_str(), &st), 0);
  EXPECT_EQ(c.root().stat.ino, st.st_ino);
  EXPECT_EQ(c.max_message_size(), wire::MaxMessageSize());
  EXPECT_EQ(c.supported_mids().size(), 32u);
  EXPECT_TRUE(c.IsSupported(wire::MID::kWalk));
  EXPECT_FALSE(c.IsSupported(wire::MID::kFlush));
  const size_t want = transport::DefaultMaxChannels();  // clamp(CPUs, 2, 4)
  EXPECT_EQ(c.channel_count(), want);
  EXPECT_EQ(cs.connection().channel_count(), want);
  EXPECT_FALSE(c.TakeMountHostFd().valid());
}

TEST_F(ClientTest, MountReceivesTheDonatedRootFdWithDirectfs) {
  ServeOptions o;
  o.rules.donate_mount_fd = true;
  ClientServer cs(Root(), o);
  ASSERT_TRUE(cs.mounted());
  UniqueFd fd = cs.client().TakeMountHostFd();
  ASSERT_TRUE(fd.valid());
  struct stat a, b;
  ASSERT_EQ(::fstat(fd.get(), &a), 0);
  ASSERT_EQ(::stat(Root().c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_FALSE(cs.client().TakeMountHostFd().valid()) << "given out once";
}

TEST_F(ClientTest, ServerErrnosComeBackAsIs) {
  ClientServer cs(Root());
  Client& c = cs.client();
  auto missing = c.WalkOne(c.root_fd(), "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().value(), ENOENT);
  auto badfd = c.FStat(999999);
  ASSERT_FALSE(badfd.ok());
  EXPECT_EQ(badfd.error().value(), EBADF);
  auto exists = c.MkdirAt(c.root_fd(), "dir", 0755, wire::kNoUID, wire::kNoGID);
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.error().value(), EEXIST);
  auto dotdot = c.WalkOne(c.root_fd(), "..");
  ASSERT_FALSE(dotdot.ok());
  EXPECT_EQ(dotdot.error().value(), EINVAL);
  // WalkOne from a symlink: ENOTDIR, as gVisor's ClientFD.Walk.
  auto l = c.WalkOne(c.root_fd(), "link");
  ASSERT_TRUE(l.ok());
  auto through = c.WalkOne(l->control_fd, "x");
  ASSERT_FALSE(through.ok());
}

TEST_F(ClientTest, UnadvertisedRpcsFailWithoutBeingSent) {
  ServeOptions o;
  o.allowed_mids = server::MidSet::All().Without(wire::MID::kFStatFS);
  ClientServer cs(Root(), o);
  Client& c = cs.client();
  EXPECT_FALSE(c.IsSupported(wire::MID::kFStatFS));
  auto r = c.FStatFS(c.root_fd());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), EOPNOTSUPP);
  // The server would have answered EOPNOTSUPP too; sent raw, it does.
  std::vector<uint8_t> req(8, 0);
  auto raw = c.RawCall(wire::ToRaw(wire::MID::kFStatFS), req, 0);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->mid, wire::ToRaw(wire::MID::kError));
  // Flush is not served by fsgofer: a no-op that succeeds, as in gVisor.
  auto f = c.WalkOne(c.root_fd(), "dir");
  ASSERT_TRUE(f.ok());
  auto o2 = c.OpenAt(f->control_fd, O_RDONLY);
  ASSERT_TRUE(o2.ok());
  EXPECT_TRUE(c.Flush(o2->open_fd).ok());
}

TEST_F(ClientTest, RawCallOfAnUnknownMidGetsEopnotsupp) {
  ClientServer cs(Root());
  auto raw = cs.client().RawCall(200, {}, 0);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->mid, 0);
  auto e = wire::ErrorResp::Decode(raw->payload);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->errnum, static_cast<uint32_t>(EOPNOTSUPP));
}

TEST_F(ClientTest, DonatedHostFdsArriveAsUniqueFds) {
  ClientServer cs(Root());
  Client& c = cs.client();
  auto w = c.Walk(c.root_fd(), {"dir", "file"});
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->inodes.size(), 2u);
  auto o = c.OpenAt(w->inodes[1].control_fd, O_RDONLY);
  ASSERT_TRUE(o.ok());
  ASSERT_TRUE(o->host_fd.valid());
  char buf[6] = {};
  EXPECT_EQ(::pread(o->host_fd.get(), buf, 6, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "client");
  EXPECT_TRUE(::fcntl(o->host_fd.get(), F_GETFD) & FD_CLOEXEC);

  auto cr =
      c.OpenCreateAt(w->inodes[0].control_fd, "new", O_WRONLY, 0644, wire::kNoUID, wire::kNoGID);
  ASSERT_TRUE(cr.ok());
  ASSERT_TRUE(cr->host_fd.valid());
  EXPECT_EQ(::write(cr->host_fd.get(), "direct", 6), 6);
  EXPECT_EQ(ReadFileOrDie(t.Path("root/dir/new")), "direct");
}

TEST_F(ClientTest, ReadAndWriteAreChunkedToTheMaxMessageSize) {
  for (size_t channels : {size_t{0}, size_t{2}}) {
    ServeOptions o;
    o.client.channels = channels;
    ClientServer cs(Root(), o);
    Client& c = cs.client();
    ASSERT_EQ(c.channel_count(), channels);
    const std::string name = "big" + std::to_string(channels);
    auto cr = c.OpenCreateAt(c.root_fd(), name, O_RDWR, 0644, wire::kNoUID, wire::kNoGID);
    ASSERT_TRUE(cr.ok());
    // 2.5 messages' worth plus an odd tail.
    std::vector<uint8_t> data(c.max_message_size() * 5 / 2 + 12345);
    std::mt19937 rng(42);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    auto n = c.PWrite(cr->open_fd, 0, data);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, data.size());
    std::string host = ReadFileOrDie(t.Path("root/" + name));
    ASSERT_EQ(host.size(), data.size());
    EXPECT_TRUE(std::equal(data.begin(), data.end(), host.begin(),
                           [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); }));
    std::vector<uint8_t> back(data.size() + 100);
    auto r = c.PRead(cr->open_fd, 0, back);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, data.size()) << "short at end of file, no error";
    back.resize(*r);
    EXPECT_EQ(back, data);
    auto past = c.PRead(cr->open_fd, data.size() + 10, back);
    ASSERT_TRUE(past.ok());
    EXPECT_EQ(*past, 0u);
  }
}

TEST_F(ClientTest, CloseFdBatchesUntilAHundredOrAFlush) {
  ServeOptions o;
  o.client.channels = 0;
  ClientServer cs(Root(), o);
  Client& c = cs.client();
  const size_t base = cs.connection().open_fd_count();
  std::vector<FDID> ids;
  for (size_t i = 0; i < kCloseBatchSize; ++i) {
    auto in = c.WalkOne(c.root_fd(), "dir");
    ASSERT_TRUE(in.ok());
    ids.push_back(in->control_fd);
  }
  EXPECT_EQ(cs.connection().open_fd_count(), base + kCloseBatchSize);
  for (size_t i = 0; i + 1 < kCloseBatchSize; ++i) c.CloseFd(ids[i]);
  EXPECT_EQ(c.pending_closes(), kCloseBatchSize - 1);
  EXPECT_EQ(cs.connection().open_fd_count(), base + kCloseBatchSize) << "nothing sent yet";
  c.CloseFd(ids.back());  // the 100th sends the batch
  EXPECT_EQ(c.pending_closes(), 0u);
  EXPECT_EQ(cs.connection().open_fd_count(), base);

  auto one = c.WalkOne(c.root_fd(), "dir");
  ASSERT_TRUE(one.ok());
  c.CloseFd(one->control_fd, /*flush=*/true);
  EXPECT_EQ(cs.connection().open_fd_count(), base);
  {
    auto two = c.WalkOne(c.root_fd(), "dir");
    ASSERT_TRUE(two.ok());
    ScopedFdId scoped(&c, two->control_fd);
    EXPECT_EQ(cs.connection().open_fd_count(), base + 1);
  }
  EXPECT_EQ(c.pending_closes(), 1u);
  ASSERT_TRUE(c.FlushCloses().ok());
  EXPECT_EQ(cs.connection().open_fd_count(), base);
}

TEST_F(ClientTest, ChannelsAreBoundedByTheServer) {
  ServeOptions o;
  o.limits.max_channels = 2;
  o.client.channels = 2;
  ClientServer cs(Root(), o);
  Client& c = cs.client();
  EXPECT_EQ(c.channel_count(), 2u);
  Status more = c.AddChannel();
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().value(), ENOMEM);
  EXPECT_EQ(c.channel_count(), 2u);
}

TEST_F(ClientTest, MountFailsWhenNoChannelCanBeCreated) {
  ServeOptions o;
  o.allowed_mids = server::MidSet::All();
  o.limits.max_channels = 1;
  o.client.channels = 3;  // one succeeds: fine
  ClientServer ok(Root(), o);
  ASSERT_TRUE(ok.mounted());
  EXPECT_EQ(ok.client().channel_count(), 1u);
  // Without Channel advertised, no channel is attempted and Mount succeeds.
  ServeOptions none;
  none.allowed_mids = server::MidSet::All().Without(wire::MID::kChannel);
  ClientServer socket_only(Root(), none);
  ASSERT_TRUE(socket_only.mounted());
  EXPECT_EQ(socket_only.client().channel_count(), 0u);
  EXPECT_TRUE(socket_only.client().FStat(socket_only.client().root_fd()).ok());
}

TEST_F(ClientTest, RawChannelGrantIsASealedWindowAndAnFdSocket) {
  ServeOptions o;
  o.client.channels = 0;
  ClientServer cs(Root(), o);
  auto g = cs.client().Channel();
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->data_offset, 0);
  EXPECT_GE(g->data_length, cs.client().max_message_size() + 20u);
  EXPECT_TRUE(::fcntl(g->data_fd.get(), F_GET_SEALS) & F_SEAL_SHRINK);
  int type = 0;
  socklen_t len = sizeof(type);
  ASSERT_EQ(::getsockopt(g->fd_sock.get(), SOL_SOCKET, SO_TYPE, &type, &len), 0);
  EXPECT_EQ(type, SOCK_SEQPACKET);
}

TEST_F(ClientTest, Getdents64ThroughTheClient) {
  ClientServer cs(Root());
  Client& c = cs.client();
  auto d = c.WalkOne(c.root_fd(), "dir");
  ASSERT_TRUE(d.ok());
  auto o = c.OpenAt(d->control_fd, O_RDONLY);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->host_fd.valid()) << "directories are not donated";
  auto ents = c.Getdents64(o->open_fd, 4096);
  ASSERT_TRUE(ents.ok());
  std::set<std::string> names;
  for (const Dirent& e : *ents) names.insert(e.name);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "file"}));
  auto end = c.Getdents64(o->open_fd, 4096);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->empty());
}

// One call of every RPC method the client has, each checked against the
// host, so each request encoder and response decoder is exercised end to end.
TEST_F(ClientTest, EveryRpcMethodRoundTrips) {
  ServeOptions o;
  o.rules.host_uds = fsgofer::HostUds::kAll;
  ClientServer cs(Root(), o);
  Client& c = cs.client();
  const FDID root = c.root_fd();
  auto host = [&](const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::lstat(t.Path("root/" + rel).c_str(), &st), 0) << rel;
    return st;
  };

  // MkdirAt, MknodAt, SymlinkAt, LinkAt.
  auto d = c.MkdirAt(root, "m", 0750, wire::kNoUID, wire::kNoGID);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->stat.ino, host("m").st_ino);
  auto n = c.MknodAt(d->control_fd, "node", S_IFREG | 0600, wire::kNoUID, wire::kNoGID, 0, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(S_ISREG(host("m/node").st_mode));
  auto s = c.SymlinkAt(d->control_fd, "sym", "node", wire::kNoUID, wire::kNoGID);
  ASSERT_TRUE(s.ok());
  auto target = c.ReadLinkAt(s->control_fd);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(*target, "node");
  auto l = c.LinkAt(d->control_fd, n->control_fd, "hard");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(host("m/hard").st_ino, host("m/node").st_ino);

  // SetStat, FStat, FStatFS.
  wire::SetStatReq ss{};
  ss.fd = n->control_fd;
  ss.mask = STATX_MODE | STATX_SIZE;
  ss.mode = 0640;
  ss.size = 3;
  auto ssr = c.SetStat(ss);
  ASSERT_TRUE(ssr.ok());
  EXPECT_EQ(ssr->failure_mask, 0u);
  auto st = c.FStat(n->control_fd);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode & 07777, 0640u);
  EXPECT_EQ(st->size, 3u);
  auto fs = c.FStatFS(root);
  ASSERT_TRUE(fs.ok());
  EXPECT_GT(fs->name_length, 0u);

  // OpenAt, PWrite, PRead, FSync, FAllocate, Flush.
  auto of = c.OpenAt(n->control_fd, O_RDWR);
  ASSERT_TRUE(of.ok());
  const std::string text = "abcdef";
  auto w = c.PWrite(of->open_fd, 0,
                    std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), 6));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, 6u);
  std::vector<uint8_t> buf(6);
  auto r = c.PRead(of->open_fd, 2, buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*r)), "cdef");
  const FDID both[] = {of->open_fd};
  EXPECT_TRUE(c.FSync(both).ok());
  EXPECT_TRUE(c.FAllocate(of->open_fd, 0, 0, 4096).ok());
  EXPECT_EQ(host("m/node").st_size, 4096);
  EXPECT_TRUE(c.Flush(of->open_fd).ok());

  // Xattrs.
  ASSERT_TRUE(c.FSetXattr(n->control_fd, "user.k", "v", 0).ok());
  auto gx = c.FGetXattr(n->control_fd, "user.k", 0);
  ASSERT_TRUE(gx.ok());
  EXPECT_EQ(*gx, "v");
  auto lx = c.FListXattr(n->control_fd, 0);
  ASSERT_TRUE(lx.ok());
  EXPECT_EQ(*lx, std::vector<std::string>{"user.k"});
  EXPECT_TRUE(c.FRemoveXattr(n->control_fd, "user.k").ok());

  // WalkStat, RenameAt, RenameAt2, UnlinkAt.
  auto ws = c.WalkStat(root, {"", "m", "hard"});
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->size(), 3u);
  EXPECT_EQ((*ws)[2].ino, host("m/hard").st_ino);
  EXPECT_TRUE(c.RenameAt(d->control_fd, "hard", root, "hard2").ok());
  EXPECT_EQ(host("hard2").st_ino, host("m/node").st_ino);
  auto noreplace = c.RenameAt2(root, "hard2", d->control_fd, "node", RENAME_NOREPLACE);
  ASSERT_FALSE(noreplace.ok());
  EXPECT_EQ(noreplace.error().value(), EEXIST);
  EXPECT_TRUE(c.UnlinkAt(root, "hard2", 0).ok());

  // BindAt, Listen, Connect, Accept, ConnectWithCreds.
  auto b = c.BindAt(d->control_fd, "sock", SOCK_STREAM, 0600, wire::kNoUID, wire::kNoGID);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_TRUE(S_ISSOCK(host("m/sock").st_mode));
  ASSERT_TRUE(c.Listen(b->bound_socket_fd, 8).ok());
  auto conn = c.Connect(b->child.control_fd, SOCK_STREAM);
  ASSERT_TRUE(conn.ok()) << conn.error().ToString();
  auto acc = c.Accept(b->bound_socket_fd);
  ASSERT_TRUE(acc.ok()) << acc.error().ToString();
  ASSERT_EQ(::write(conn->get(), "x", 1), 1);
  char ch = 0;
  for (int i = 0; i < 1000 && ::read(acc->fd.get(), &ch, 1) != 1; ++i) ::usleep(1000);
  EXPECT_EQ(ch, 'x');
  auto cred = c.ConnectWithCreds(b->child.control_fd, SOCK_STREAM, 0, 0);
  EXPECT_TRUE(cred.ok());

  // Close (unbatched).
  const size_t before = cs.connection().open_fd_count();
  const FDID ids[] = {of->open_fd, l->control_fd};
  ASSERT_TRUE(c.Close(ids).ok());
  EXPECT_EQ(cs.connection().open_fd_count(), before - 2);
}

// Concurrent callers over the socket only and over 1, 2 and 8 channels.
class ClientConcurrencyTest : public ClientTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(ClientConcurrencyTest, ManyThreadsGetTheirOwnAnswers) {
  const size_t channels = GetParam();
  constexpr int kThreads = 8;
  constexpr int kIters = 60;
  for (int i = 0; i < kThreads; ++i) {
    t.WriteFile("root/dir/t" + std::to_string(i), "thread " + std::to_string(i), 0644);
  }
  ServeOptions o;
  o.limits.max_channels = 8;
  o.client.channels = channels;
  ClientServer cs(Root(), o);
  Client& c = cs.client();
  ASSERT_EQ(c.channel_count(), channels);
  auto d = c.WalkOne(c.root_fd(), "dir");
  ASSERT_TRUE(d.ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string name = "t" + std::to_string(i);
      const std::string want = "thread " + std::to_string(i);
      for (int k = 0; k < kIters; ++k) {
        auto f = c.WalkOne(d->control_fd, name);
        if (!f.ok()) {
          ++failures;
          continue;
        }
        ScopedFdId fid(&c, f->control_fd);
        auto st = c.FStat(fid.get());
        if (!st.ok() || st->size != want.size()) ++failures;
        auto op = c.OpenAt(fid.get(), O_RDONLY);
        if (!op.ok()) {
          ++failures;
          continue;
        }
        ScopedFdId oid(&c, op->open_fd);
        std::vector<uint8_t> buf(64);
        auto n = c.PRead(oid.get(), 0, buf);
        if (!n.ok() || std::string(buf.begin(), buf.begin() + static_cast<long>(*n)) != want) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(c.FlushCloses().ok());
  EXPECT_EQ(cs.connection().open_fd_count(), 2u) << "root and dir only: nothing leaked";
}

INSTANTIATE_TEST_SUITE_P(Channels, ClientConcurrencyTest, ::testing::Values(0, 1, 2, 8),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           return "channels" + std::to_string(i.param);
                         });

TEST_F(ClientTest, CallsFailWithEioOnceTheServerIsGone) {
  for (size_t channels : {size_t{0}, size_t{2}}) {
    ServeOptions o;
    o.client.channels = channels;
    ClientServer cs(Root(), o);
    Client& c = cs.client();
    ASSERT_TRUE(c.FStat(c.root_fd()).ok());
    cs.connection().Shutdown();
    cs.server().Wait();
    // The connection is gone: every call fails, none hangs.
    for (int i = 0; i < 5; ++i) {
      auto r = c.FStat(c.root_fd());
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().value(), EIO);
    }
    for (int i = 0; i < 1000 && !c.hung_up(); ++i) ::usleep(1000);
    EXPECT_TRUE(c.hung_up()) << "the watchdog saw the hang-up";
    EXPECT_EQ(c.channel_count(), 0u);
  }
}

TEST_F(ClientTest, DestroyingTheClientLeavesNoFdOrThreadBehind) {
  const size_t fds = CountEntries("/proc/self/fd");
  const size_t threads = CountThreadsNamed("hg-");
  {
    ClientServer cs(Root());
    Client& c = cs.client();
    for (int i = 0; i < 10; ++i) {
      auto w = c.Walk(c.root_fd(), {"dir", "file"});
      ASSERT_TRUE(w.ok());
      auto o = c.OpenAt(w->inodes[1].control_fd, O_RDONLY);
      ASSERT_TRUE(o.ok());
    }
    EXPECT_GT(CountThreadsNamed("hg-"), threads);
    cs.DisconnectClient();
    EXPECT_EQ(cs.server().node_count(), 1u);
  }
  EXPECT_EQ(CountEntries("/proc/self/fd"), fds);
  EXPECT_EQ(CountThreadsNamed("hg-"), threads);
}

}  // namespace
}  // namespace hg::client
