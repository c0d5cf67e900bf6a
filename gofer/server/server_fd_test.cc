// The FD table, I/O and walk semantics: FDID kinds and lifetimes, batched
// Close, FSync's first error, PRead/PWrite/Getdents64 bounds, Walk/WalkStat
// status rules and failed-walk cleanup, resource limits.
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <set>

#include "gofer/server/server_test_util.h"
#include "gofer/wire/byte_order.h"
#include "gtest/gtest.h"

namespace hg::server::testing {
namespace {

using wire::MID;
using wire::WalkStatus;

struct Mounted {
  TempDir dir;
  Server server;
  RawClient c;
  wire::FDID root = 0;
  explicit Mounted(ConnectionOpts opts = {}, ConnectionLimits limits = {},
                   BackendOptions backend = {}, ServerOptions sopts = {})
      : server(sopts) {
    dir.Mkdir("a");
    dir.Mkdir("a/b");
    dir.WriteFile("a/b/f", "hello world");
    dir.WriteFile("g", "0123456789");
    EXPECT_EQ(::symlink("a/b", dir.Sub("link").c_str()), 0);
    c = RawClient::Start(server, dir.path(), opts, nullptr, std::move(backend), limits);
    root = c.MountOk().root.control_fd;
  }
  wire::FDID WalkOne(wire::FDID from, const std::string& name) {
    wire::WalkResp w;
    if (c.Walk(from, {name}, &w) != 0 || w.inodes.size() != 1) return 0;
    return w.inodes[0].control_fd;
  }
};

TEST(FdTest, LookupsCheckExistenceAndKind) {
  Mounted m;
  const wire::FDID g = m.WalkOne(m.root, "g");
  ASSERT_NE(g, 0u);
  wire::FDID ro = 0, wo = 0, dir_open = 0;
  ASSERT_EQ(m.c.OpenAt(g, O_RDONLY, &ro), 0);
  ASSERT_EQ(m.c.OpenAt(g, O_WRONLY, &wo), 0);
  ASSERT_EQ(m.c.OpenAt(m.root, O_RDONLY, &dir_open), 0);

  EXPECT_EQ(m.c.Stat(999), EBADF);                       // unknown
  EXPECT_EQ(m.c.PRead(g, 0, 1, nullptr), EINVAL);         // control FD where an open FD is needed
  EXPECT_EQ(m.c.Walk(ro, {"x"}, nullptr), EINVAL);        // open FD where a control FD is needed
  EXPECT_EQ(m.c.Walk(g, {"x"}, nullptr), ENOTDIR);        // control FD on a file
  EXPECT_EQ(m.c.PRead(wo, 0, 1, nullptr), EBADF);         // not readable
  EXPECT_EQ(m.c.PWrite(ro, 0, "x"), EBADF);               // not writable
  EXPECT_EQ(m.c.Getdents(ro, 100, nullptr), ENOTDIR);     // not a directory
  EXPECT_EQ(m.c.OpenAt(m.root, O_RDWR, nullptr), EISDIR);
  EXPECT_EQ(m.c.OpenAt(m.root, O_RDONLY | O_TRUNC, nullptr), EISDIR);
  EXPECT_EQ(m.c.Stat(ro), 0);                             // FStat takes both kinds
  EXPECT_EQ(m.c.Call(MID::kReadLinkAt, wire::ReadLinkAtReq{g}).err(), EINVAL);  // not a symlink
  EXPECT_EQ(m.c.Call(MID::kListen, wire::ListenReq{g, 1}).err(), EINVAL);       // not bound
  EXPECT_EQ(m.c.Call(MID::kConnect, wire::ConnectReq{g, 1}).err(), ENOTSOCK);
}

TEST(FdTest, FdidsIncreaseAndAreNeverReused) {
  Mounted m;
  std::set<wire::FDID> seen{m.root};
  wire::FDID last = m.root;
  for (int i = 0; i < 20; ++i) {
    wire::FDID id = m.WalkOne(m.root, "g");
    ASSERT_GT(id, last);
    EXPECT_TRUE(seen.insert(id).second);
    ASSERT_EQ(m.c.Close({id}), 0);
    EXPECT_EQ(m.c.Stat(id), EBADF);
    last = id;
  }
}

TEST(FdTest, BatchedCloseReleasesEverythingAndIgnoresUnknownIds) {
  Mounted m;
  const int live_before = m.c.stats->live_impls.load();
  const size_t nodes_before = m.server.node_count();
  std::vector<wire::FDID> ids;
  for (int i = 0; i < 100; ++i) {
    wire::WalkResp w;
    ASSERT_EQ(m.c.Walk(m.root, {"a", "b", "f"}, &w), 0);
    for (const auto& in : w.inodes) ids.push_back(in.control_fd);
  }
  EXPECT_EQ(m.c.conn->open_fd_count(), 301u);
  EXPECT_EQ(m.server.node_count(), nodes_before + 3);  // one node per position
  ids.push_back(123456);  // unknown: ignored
  ids.push_back(ids[0]);  // duplicate: ignored the second time
  EXPECT_EQ(m.c.Close(ids), 0);
  EXPECT_EQ(m.c.conn->open_fd_count(), 1u);
  EXPECT_EQ(m.c.stats->live_impls.load(), live_before);
  EXPECT_EQ(m.server.node_count(), nodes_before);
  EXPECT_EQ(m.c.Close({}), 0);
}

TEST(FdTest, OpenFdKeepsItsControlFdAlive) {
  Mounted m;
  const wire::FDID g = m.WalkOne(m.root, "g");
  wire::FDID ofd = 0;
  ASSERT_EQ(m.c.OpenAt(g, O_RDONLY, &ofd), 0);
  const int live = m.c.stats->live_impls.load();
  ASSERT_EQ(m.c.Close({g}), 0);
  EXPECT_EQ(m.c.stats->live_impls.load(), live);  // the control impl is still needed
  std::string got;
  EXPECT_EQ(m.c.PRead(ofd, 2, 3, &got), 0);
  EXPECT_EQ(got, "234");
  ASSERT_EQ(m.c.Close({ofd}), 0);
  EXPECT_EQ(m.c.stats->live_impls.load(), live - 2);
}

TEST(FdTest, OpenDonatesTheBackendsHostFd) {
  Mounted m;
  const wire::FDID g = m.WalkOne(m.root, "g");
  Resp r = m.c.Call(MID::kOpenAt, wire::OpenAtReq{g, O_RDONLY}, 1);
  ASSERT_EQ(r.err(), 0);
  ASSERT_EQ(r.fds.size(), 1u);
  ASSERT_TRUE(r.fds[0].valid());
  char buf[4] = {};
  EXPECT_EQ(::pread(r.fds[0].get(), buf, 4, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "0123");
  EXPECT_NE(::fcntl(r.fds[0].get(), F_GETFL) & O_NONBLOCK, 0);  // as gVisor's DonateFD
}

TEST(FdTest, FsyncSyncsEveryFdAndReturnsTheFirstError) {
  Mounted m;
  m.c.stats->fail_sync_name = "f";
  wire::FDID f = 0, g = 0;
  wire::WalkResp w;
  ASSERT_EQ(m.c.Walk(m.root, {"a", "b", "f"}, &w), 0);
  ASSERT_EQ(m.c.OpenAt(w.inodes[2].control_fd, O_RDONLY, &f), 0);
  ASSERT_EQ(m.c.OpenAt(m.WalkOne(m.root, "g"), O_RDONLY, &g), 0);
  int calls = m.c.stats->calls.load();
  EXPECT_EQ(m.c.FSync({g, f, 999}), EIO);
  EXPECT_EQ(m.c.stats->calls.load(), calls + 2);  // g and f both synced
  calls = m.c.stats->calls.load();
  EXPECT_EQ(m.c.FSync({999, f, g}), EBADF);
  EXPECT_EQ(m.c.stats->calls.load(), calls + 2);
  EXPECT_EQ(m.c.FSync({g}), 0);
  EXPECT_EQ(m.c.FSync({m.root}), EINVAL);  // a control FD
}

TEST(FdTest, PreadAndPwriteRoundTripUpToTheMessageLimit) {
  BackendOptions b;
  b.max_message_size = 64 * 1024;
  Mounted m({}, {}, b);
  wire::FDID cfd = 0, ofd = 0;
  ASSERT_EQ(m.c.OpenCreate(m.root, "new", O_RDWR, &cfd, &ofd), 0);
  std::string data(64 * 1024 - 20, 'x');  // the largest PWrite that fits
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  uint64_t written = 0;
  ASSERT_EQ(m.c.PWrite(ofd, 0, data, &written), 0);
  EXPECT_EQ(written, data.size());
  EXPECT_EQ(m.dir.ReadFile("new"), data);
  std::string got;
  ASSERT_EQ(m.c.PRead(ofd, 0, 64 * 1024 - 8, &got), 0);  // 8 + count == max: fits
  EXPECT_EQ(got, data);                                   // short read at EOF
  EXPECT_EQ(m.c.PRead(ofd, 0, 64 * 1024 - 7, nullptr), ENOBUFS);
  EXPECT_EQ(m.c.PRead(ofd, 0, UINT32_MAX, nullptr), ENOBUFS);
  ASSERT_EQ(m.c.PRead(ofd, 1 << 30, 10, &got), 0);  // past EOF: empty, not an error
  EXPECT_EQ(got, "");
}

TEST(FdTest, Getdents64ListsEveryEntryOnceAndBoundsTheCount) {
  Mounted m;
  for (int i = 0; i < 200; ++i) m.dir.WriteFile("a/e" + std::to_string(i), "");
  const wire::FDID a = m.WalkOne(m.root, "a");
  wire::FDID d = 0;
  ASSERT_EQ(m.c.OpenAt(a, O_RDONLY, &d), 0);
  // Small budgets: many calls, each entry exactly once.
  std::multiset<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    std::vector<std::string> batch;
    ASSERT_EQ(m.c.Getdents(d, 300, &batch), 0);
    if (batch.empty()) break;
    names.insert(batch.begin(), batch.end());
  }
  EXPECT_EQ(names.size(), 203u);  // e0..e199, b, ".", ".."
  for (const auto& n : names) EXPECT_EQ(names.count(n), 1u) << n;
  // A negative count rewinds; INT32_MIN (whose negation overflows 32 bits) is
  // bounded by the message size and lists the whole directory.
  std::vector<std::string> all;
  ASSERT_EQ(m.c.Getdents(d, INT32_MIN, &all), 0);
  EXPECT_EQ(all.size(), 203u);
  std::vector<std::string> again;
  ASSERT_EQ(m.c.Getdents(d, -100000, &again), 0);
  EXPECT_EQ(again.size(), 203u);
  std::vector<std::string> none;
  ASSERT_EQ(m.c.Getdents(d, 100000, &none), 0);
  EXPECT_TRUE(none.empty());  // at the end
}

TEST(WalkTest, StatusSemantics) {
  Mounted m;
  wire::WalkResp w;
  ASSERT_EQ(m.c.Walk(m.root, {"a", "b", "f"}, &w), 0);
  EXPECT_EQ(w.status, WalkStatus::kSuccess);
  ASSERT_EQ(w.inodes.size(), 3u);
  EXPECT_EQ(w.inodes[2].stat.size, 11u);
  // A missing component returns the existing prefix.
  ASSERT_EQ(m.c.Walk(m.root, {"a", "missing", "x"}, &w), 0);
  EXPECT_EQ(w.status, WalkStatus::kComponentDoesNotExist);
  EXPECT_EQ(w.inodes.size(), 1u);
  // A symlink with components after it stops the walk; as the last one it is
  // just returned.
  ASSERT_EQ(m.c.Walk(m.root, {"link", "f"}, &w), 0);
  EXPECT_EQ(w.status, WalkStatus::kComponentSymlink);
  ASSERT_EQ(w.inodes.size(), 1u);
  EXPECT_EQ(w.inodes[0].stat.mode & S_IFMT, S_IFLNK);
  ASSERT_EQ(m.c.Walk(m.root, {"link"}, &w), 0);
  EXPECT_EQ(w.status, WalkStatus::kSuccess);
  Resp rl = m.c.Call(MID::kReadLinkAt, wire::ReadLinkAtReq{w.inodes[0].control_fd});
  ASSERT_EQ(rl.err(), 0);
  EXPECT_EQ(rl.As<wire::ReadLinkAtResp>().target, "a/b");
  EXPECT_EQ(m.c.OpenAt(w.inodes[0].control_fd, O_RDONLY, nullptr), EINVAL);  // symlink
  // Empty path: nothing to do.
  ASSERT_EQ(m.c.Walk(m.root, {}, &w), 0);
  EXPECT_EQ(w.inodes.size(), 0u);
}

TEST(WalkTest, BadNamesFailTheWholeWalkBeforeAnythingIsCreated) {
  Mounted m;
  const size_t fds = m.c.conn->open_fd_count();
  const int calls = m.c.stats->calls.load();
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
        std::string("a\0b", 3)}) {
    EXPECT_EQ(m.c.Walk(m.root, {"a", bad}, nullptr), EINVAL) << bad;
  }
  EXPECT_EQ(m.c.Walk(m.root, {"a", std::string(NAME_MAX + 1, 'n')}, nullptr), ENAMETOOLONG);
  // Stricter than gVisor: a bad name after a missing component still fails.
  EXPECT_EQ(m.c.Walk(m.root, {"missing", ".."}, nullptr), EINVAL);
  EXPECT_EQ(m.c.conn->open_fd_count(), fds);
  EXPECT_EQ(m.c.stats->calls.load(), calls);
}

TEST(WalkTest, FailedWalkReleasesTheFdsItCreated) {
  Mounted m;
  m.c.stats->fail_walk_name = "f";
  m.c.stats->walk_errno = EACCES;
  const size_t fds = m.c.conn->open_fd_count();
  const size_t nodes = m.server.node_count();
  const int live = m.c.stats->live_impls.load();
  EXPECT_EQ(m.c.Walk(m.root, {"a", "b", "f"}, nullptr), EACCES);
  EXPECT_EQ(m.c.conn->open_fd_count(), fds);
  EXPECT_EQ(m.server.node_count(), nodes);
  EXPECT_EQ(m.c.stats->live_impls.load(), live);
  // The FDIDs handed out internally (2 and 3) are gone, never reused.
  EXPECT_EQ(m.c.Stat(2), EBADF);
  EXPECT_EQ(m.c.Stat(3), EBADF);
  EXPECT_GT(m.WalkOne(m.root, "a"), 3u);
}

TEST(WalkTest, ComponentCountIsBoundedByTheCapAndByTheResponseSize) {
  ConnectionLimits limits;
  limits.max_walk_components = 8;
  Mounted m(ConnectionOpts{}, limits);
  std::vector<std::string> nine(9, "a");
  EXPECT_EQ(m.c.Walk(m.root, nine, nullptr), ENAMETOOLONG);
  EXPECT_EQ(m.c.WalkStat(m.root, nine, nullptr), ENAMETOOLONG);
  wire::WalkResp w;
  EXPECT_EQ(m.c.Walk(m.root, std::vector<std::string>(8, "a"), &w), 0);
  EXPECT_EQ(w.status, WalkStatus::kComponentDoesNotExist);  // a/a does not exist

  BackendOptions b;
  b.max_message_size = 4096;  // (4096 - 3) / 152 = 26 inodes, (4096 - 2) / 144 = 28 stats
  Mounted small(ConnectionOpts{}, ConnectionLimits{}, b);
  EXPECT_EQ(small.c.Walk(small.root, std::vector<std::string>(26, "x"), nullptr), 0);
  EXPECT_EQ(small.c.Walk(small.root, std::vector<std::string>(27, "x"), nullptr), EIO);
  EXPECT_EQ(small.c.WalkStat(small.root, std::vector<std::string>(28, "x"), nullptr), 0);
  EXPECT_EQ(small.c.WalkStat(small.root, std::vector<std::string>(29, "x"), nullptr), EIO);
}

class WalkStatTest : public ::testing::TestWithParam<bool> {};

TEST_P(WalkStatTest, SelfEntryStopsAndNonDirectoryRules) {
  ConnectionOpts opts;
  opts.walk_stat_supported = GetParam();
  Mounted m(opts);
  const size_t fds = m.c.conn->open_fd_count();
  wire::WalkStatResp r;
  ASSERT_EQ(m.c.WalkStat(m.root, {"", "a", "b", "f"}, &r), 0);
  ASSERT_EQ(r.stats.size(), 4u);
  EXPECT_EQ(r.stats[0].mode & S_IFMT, S_IFDIR);  // the start directory itself
  EXPECT_EQ(r.stats[3].size, 11u);
  ASSERT_EQ(m.c.WalkStat(m.root, {"a", "nope", "f"}, &r), 0);
  EXPECT_EQ(r.stats.size(), 1u);
  ASSERT_EQ(m.c.WalkStat(m.root, {"link", "f"}, &r), 0);  // stops after the symlink
  ASSERT_EQ(r.stats.size(), 1u);
  EXPECT_EQ(r.stats[0].mode & S_IFMT, S_IFLNK);
  EXPECT_EQ(m.c.WalkStat(m.root, {"a", ""}, nullptr), EINVAL);  // "" only first
  EXPECT_EQ(m.c.WalkStat(m.root, {"a", ".."}, nullptr), EINVAL);
  const wire::FDID g = m.WalkOne(m.root, "g");
  ASSERT_EQ(m.c.WalkStat(g, {""}, &r), 0);  // a file may stat itself
  EXPECT_EQ(r.stats.size(), 1u);
  ASSERT_EQ(m.c.WalkStat(g, {}, &r), 0);
  EXPECT_EQ(r.stats.size(), 0u);
  EXPECT_EQ(m.c.WalkStat(g, {"x"}, nullptr), ENOTDIR);
  EXPECT_EQ(m.c.WalkStat(g, {"", "x"}, nullptr), ENOTDIR);
  // No FD was handed out (only the walk to g).
  EXPECT_EQ(m.c.conn->open_fd_count(), fds + 1);
}

INSTANTIATE_TEST_SUITE_P(GenericAndBackend, WalkStatTest, ::testing::Bool());

TEST(LimitTest, OpenFdLimitIsEmfileAndCheckedBeforeTheBackendCreatesAnything) {
  ConnectionLimits limits;
  limits.max_open_fds = 4;
  Mounted m(ConnectionOpts{}, limits);  // the root FD is 1 of 4
  wire::WalkResp w;
  EXPECT_EQ(m.c.Walk(m.root, {"a", "b", "f", "x"}, nullptr), EMFILE);  // all or nothing
  EXPECT_EQ(m.c.conn->open_fd_count(), 1u);
  ASSERT_EQ(m.c.Walk(m.root, {"a", "b"}, &w), 0);
  // Three FDIDs used, one free: OpenCreateAt needs two.
  EXPECT_EQ(m.c.OpenCreate(m.root, "created", O_RDWR, nullptr, nullptr), EMFILE);
  EXPECT_FALSE(m.dir.Exists("created"));
  wire::FDID d = 0;
  ASSERT_EQ(m.c.Mkdir(m.root, "newdir", &d), 0);
  EXPECT_EQ(m.c.Mkdir(m.root, "newdir2"), EMFILE);
  EXPECT_FALSE(m.dir.Exists("newdir2"));
  EXPECT_EQ(m.c.Close({d}), 0);
  EXPECT_EQ(m.c.Mkdir(m.root, "newdir2"), 0);
}

TEST(LimitTest, NodeLimitIsEnfileAndCheckedBeforeTheBackendCreatesAnything) {
  TempDir probe;
  ServerOptions sopts;
  // Root + one node per mount-path component, plus 2 more.
  size_t depth = std::count(probe.path().begin(), probe.path().end(), '/');
  sopts.max_nodes = 1 + depth + 2;
  Mounted m(ConnectionOpts{}, ConnectionLimits{}, BackendOptions{}, sopts);
  EXPECT_EQ(m.server.node_count(), 1 + depth);
  EXPECT_EQ(m.c.Walk(m.root, {"a", "b", "f"}, nullptr), ENFILE);
  wire::WalkResp w;
  ASSERT_EQ(m.c.Walk(m.root, {"a", "b"}, &w), 0);
  EXPECT_EQ(m.server.node_count(), sopts.max_nodes);
  EXPECT_EQ(m.c.Mkdir(m.root, "newdir"), ENFILE);
  EXPECT_FALSE(m.dir.Exists("newdir"));
  EXPECT_EQ(m.c.Walk(m.root, {"a"}, &w), 0);  // an existing node costs nothing
  EXPECT_EQ(m.server.node_count(), sopts.max_nodes);
}

}  // namespace
}  // namespace hg::server::testing
