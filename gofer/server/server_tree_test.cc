// The node tree shared by the connections of one Server: renames and unlinks
// through one mount are seen by the others, deleted-node rules, rename
// notifications, node reference counting, and a concurrency stress.
#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <thread>

#include "gofer/server/server_test_util.h"
#include "gtest/gtest.h"

namespace hg::server::testing {
namespace {

using wire::MID;

wire::FDID WalkPath(Caller& c, wire::FDID from, std::vector<std::string> names) {
  wire::WalkResp w;
  if (c.Walk(from, names, &w) != 0 || w.inodes.size() != names.size()) return 0;
  return w.inodes.back().control_fd;
}

struct TwoMounts {
  TempDir dir;
  Server server;
  std::shared_ptr<BackendStats> stats = std::make_shared<BackendStats>();
  RawClient c1, c2;
  wire::FDID r1 = 0, r2 = 0;
  explicit TwoMounts(ConnectionOpts opts = {}) {
    dir.Mkdir("a");
    dir.Mkdir("b");
    dir.WriteFile("a/f", "F");
    c1 = RawClient::Start(server, dir.path(), opts, stats);
    c2 = RawClient::Start(server, dir.path(), opts, stats);
    r1 = c1.MountOk().root.control_fd;
    r2 = c2.MountOk().root.control_fd;
  }
  std::string PathSeenBy(Caller& c, wire::FDID fd) {
    if (c.Stat(fd) != 0) return "stat failed";
    return stats->LastStatPath();
  }
};

TEST(TreeTest, TwoConnectionsShareOneNodePerPosition) {
  TwoMounts t;
  const size_t base = t.server.node_count();
  ASSERT_NE(WalkPath(t.c1, t.r1, {"a", "f"}), 0u);
  EXPECT_EQ(t.server.node_count(), base + 2);
  ASSERT_NE(WalkPath(t.c2, t.r2, {"a", "f"}), 0u);
  EXPECT_EQ(t.server.node_count(), base + 2);
}

TEST(TreeTest, RenameThroughOneMountMovesTheNodeForTheOther) {
  TwoMounts t;
  const wire::FDID f2 = WalkPath(t.c2, t.r2, {"a", "f"});
  ASSERT_NE(f2, 0u);
  EXPECT_EQ(t.PathSeenBy(t.c2, f2), "/a/f");
  EXPECT_EQ(t.stats->LastHostPath(), t.dir.Sub("a/f"));
  const wire::FDID a1 = WalkPath(t.c1, t.r1, {"a"});
  const wire::FDID b1 = WalkPath(t.c1, t.r1, {"b"});
  const int renamed = t.stats->renamed.load();
  ASSERT_EQ(t.c1.Rename(a1, "f", b1, "g"), 0);
  EXPECT_TRUE(t.dir.Exists("b/g"));
  EXPECT_EQ(t.stats->renamed.load(), renamed + 1);  // c2's control FD on f
  EXPECT_EQ(t.PathSeenBy(t.c2, f2), "/b/g");        // c2's FD follows the file
  // Walking to the new position finds the same node (no new one).
  const size_t nodes = t.server.node_count();
  EXPECT_NE(WalkPath(t.c2, t.r2, {"b", "g"}), 0u);
  EXPECT_EQ(t.server.node_count(), nodes);
}

TEST(TreeTest, RenamingADirectoryNotifiesEveryFdBelowIt) {
  TwoMounts t;
  t.dir.Mkdir("a/sub");
  t.dir.WriteFile("a/sub/x", "X");
  const wire::FDID x = WalkPath(t.c1, t.r1, {"a", "sub", "x"});
  wire::FDID ox = 0;
  ASSERT_EQ(t.c1.OpenAt(x, O_RDONLY, &ox), 0);
  const wire::FDID sub2 = WalkPath(t.c2, t.r2, {"a", "sub"});
  ASSERT_NE(sub2, 0u);
  const int renamed = t.stats->renamed.load();
  ASSERT_EQ(t.c1.Rename(t.r1, "a", t.r1, "z"), 0);
  // a (walked by both) + sub (both) + x (c1) + the open FD on x: the control FDs
  // of c1 on a, sub, x; of c2 on a, sub; and the open FD.
  EXPECT_EQ(t.stats->renamed.load(), renamed + 6);
  EXPECT_EQ(t.PathSeenBy(t.c1, x), "/z/sub/x");
  EXPECT_EQ(t.PathSeenBy(t.c2, sub2), "/z/sub");
}

TEST(TreeTest, RenameOntoAnExistingFileMarksTheReplacedNodeDeleted) {
  TwoMounts t;
  t.dir.WriteFile("b/f", "old");
  const wire::FDID old_f = WalkPath(t.c2, t.r2, {"b", "f"});
  const wire::FDID a1 = WalkPath(t.c1, t.r1, {"a"});
  const wire::FDID b1 = WalkPath(t.c1, t.r1, {"b"});
  ASSERT_EQ(t.c1.Rename(a1, "f", b1, "f"), 0);
  EXPECT_EQ(t.c2.OpenAt(old_f, O_RDONLY, nullptr), EINVAL);  // deleted
  EXPECT_EQ(t.c2.Stat(old_f), 0);                            // FD-based: still fine
  // The new b/f is a different, live node.
  const wire::FDID new_f = WalkPath(t.c2, t.r2, {"b", "f"});
  wire::FDID of = 0;
  ASSERT_EQ(t.c2.OpenAt(new_f, O_RDONLY, &of), 0);
  std::string got;
  ASSERT_EQ(t.c2.PRead(of, 0, 10, &got), 0);
  EXPECT_EQ(got, "F");
}

TEST(TreeTest, RenameExchangeSwapsTheNodes) {
  TwoMounts t;
  t.dir.WriteFile("b/h", "H");
  const wire::FDID f = WalkPath(t.c2, t.r2, {"a", "f"});
  const wire::FDID h = WalkPath(t.c2, t.r2, {"b", "h"});
  const wire::FDID a1 = WalkPath(t.c1, t.r1, {"a"});
  const wire::FDID b1 = WalkPath(t.c1, t.r1, {"b"});
  ASSERT_EQ(t.c1.Rename(a1, "f", b1, "h", RENAME_EXCHANGE), 0);
  EXPECT_EQ(t.dir.ReadFile("a/f"), "H");
  EXPECT_EQ(t.PathSeenBy(t.c2, f), "/b/h");
  EXPECT_EQ(t.PathSeenBy(t.c2, h), "/a/f");
  EXPECT_EQ(t.c2.OpenAt(f, O_RDONLY, nullptr), 0);  // neither is deleted
  EXPECT_EQ(t.c2.OpenAt(h, O_RDONLY, nullptr), 0);
}

TEST(TreeTest, RenameToItselfIsANoOpWithoutBackendCall) {
  TwoMounts t;
  const wire::FDID a1 = WalkPath(t.c1, t.r1, {"a"});
  const int calls = t.stats->calls.load();
  EXPECT_EQ(t.c1.Rename(a1, "f", a1, "f"), 0);
  EXPECT_EQ(t.c1.Rename(a1, "missing", a1, "missing"), 0);  // as gVisor: no check
  EXPECT_EQ(t.stats->calls.load(), calls);
  EXPECT_EQ(t.c1.Rename(a1, "f", a1, ".."), EINVAL);
  EXPECT_EQ(t.c1.Rename(WalkPath(t.c1, a1, {"f"}), "x", a1, "y"), ENOTDIR);
}

TEST(TreeTest, UnlinkMarksTheSubtreeDeletedForEveryConnection) {
  TwoMounts t;
  t.dir.Mkdir("a/d");
  t.dir.WriteFile("a/d/x", "");
  const wire::FDID d1 = WalkPath(t.c1, t.r1, {"a", "d"});
  const wire::FDID x1 = WalkPath(t.c1, d1, {"x"});
  const wire::FDID f1 = WalkPath(t.c1, t.r1, {"a", "f"});
  const wire::FDID a2 = WalkPath(t.c2, t.r2, {"a"});
  ASSERT_EQ(t.c2.Unlink(a2, "f"), 0);
  EXPECT_EQ(t.c1.OpenAt(f1, O_RDONLY, nullptr), EINVAL);
  // An external removal of x then rmdir of d through c2: c1's FDs on both are
  // deleted; walking from the deleted directory reports "does not exist".
  const wire::FDID d2 = WalkPath(t.c2, a2, {"d"});
  ASSERT_EQ(t.c2.Unlink(d2, "x"), 0);
  ASSERT_EQ(t.c2.Unlink(a2, "d", AT_REMOVEDIR), 0);
  wire::WalkResp w;
  ASSERT_EQ(t.c1.Walk(d1, {"x"}, &w), 0);
  EXPECT_EQ(w.status, wire::WalkStatus::kComponentDoesNotExist);
  EXPECT_TRUE(w.inodes.empty());
  EXPECT_EQ(t.c1.Mkdir(d1, "y"), EINVAL);
  EXPECT_EQ(t.c1.OpenAt(x1, O_RDONLY, nullptr), EINVAL);
  EXPECT_EQ(t.c2.Unlink(a2, "d", AT_REMOVEDIR), ENOENT);  // the host answers
}

TEST(TreeTest, OpenOnDeletedIsAllowedWhenTheOptionSaysSo) {
  ConnectionOpts opts;
  opts.open_on_deleted = true;
  TwoMounts t(opts);
  const wire::FDID f1 = WalkPath(t.c1, t.r1, {"a", "f"});
  ASSERT_EQ(t.c2.Unlink(WalkPath(t.c2, t.r2, {"a"}), "f"), 0);
  wire::FDID of = 0;
  ASSERT_EQ(t.c1.OpenAt(f1, O_RDONLY, &of), 0);
  std::string got;
  ASSERT_EQ(t.c1.PRead(of, 0, 10, &got), 0);
  EXPECT_EQ(got, "F");
}

// A deleted node's last reference must not evict the newer node that now
// holds its name (gVisor removes by name and would).
TEST(TreeTest, ReleasingADeletedNodeKeepsTheNewNodeWithItsName) {
  TwoMounts t;
  const wire::FDID old_f = WalkPath(t.c1, t.r1, {"a", "f"});
  const wire::FDID a2 = WalkPath(t.c2, t.r2, {"a"});
  ASSERT_EQ(t.c2.Unlink(a2, "f"), 0);
  wire::FDID new_cfd = 0, new_ofd = 0;
  ASSERT_EQ(t.c2.OpenCreate(a2, "f", O_RDWR, &new_cfd, &new_ofd), 0);
  ASSERT_EQ(t.c1.Close({old_f}), 0);  // the deleted node dies now
  const size_t nodes = t.server.node_count();
  const wire::FDID again = WalkPath(t.c1, t.r1, {"a", "f"});
  ASSERT_NE(again, 0u);
  EXPECT_EQ(t.server.node_count(), nodes);  // found the live node, made no twin
  EXPECT_EQ(t.c1.OpenAt(again, O_RDONLY, nullptr), 0);
}

TEST(TreeTest, NodesAreReleasedWithTheirLastFd) {
  TwoMounts t;
  const size_t base = t.server.node_count();
  std::vector<wire::FDID> fds1, fds2;
  wire::WalkResp w;
  ASSERT_EQ(t.c1.Walk(t.r1, {"a", "f"}, &w), 0);
  for (auto& i : w.inodes) fds1.push_back(i.control_fd);
  ASSERT_EQ(t.c2.Walk(t.r2, {"a"}, &w), 0);
  fds2.push_back(w.inodes[0].control_fd);
  EXPECT_EQ(t.server.node_count(), base + 2);
  ASSERT_EQ(t.c1.Close(fds1), 0);
  EXPECT_EQ(t.server.node_count(), base + 1);  // c2 still holds "a"
  ASSERT_EQ(t.c2.Close(fds2), 0);
  EXPECT_EQ(t.server.node_count(), base);
}

// Backends see paths relative to the mount (for path rules) and absolute host
// paths; a file renamed out of a mount's subtree by another mount is EXDEV.
TEST(TreeTest, PathInMountFollowsTheTreeAndRefusesFilesMovedOutOfTheMount) {
  TempDir dir;
  dir.Mkdir("sub");
  dir.WriteFile("sub/x", "");
  Server server;
  auto stats = std::make_shared<BackendStats>();
  RawClient outer = RawClient::Start(server, dir.path(), {}, stats);
  RawClient inner = RawClient::Start(server, dir.Sub("sub"), {}, stats);
  const wire::FDID ro = outer.MountOk().root.control_fd;
  const wire::FDID ri = inner.MountOk().root.control_fd;
  const wire::FDID x = WalkPath(inner, ri, {"x"});
  EXPECT_EQ(stats->LastWalkPath(), "/x");
  ASSERT_NE(WalkPath(outer, ro, {"sub", "x"}), 0u);
  EXPECT_EQ(stats->LastWalkPath(), "/sub/x");
  ASSERT_EQ(inner.Stat(ri), 0);
  EXPECT_EQ(stats->LastStatPath(), "/");
  ASSERT_EQ(inner.Close({ri}), 0);  // the mount node stays known to the connection
  ASSERT_EQ(inner.Stat(x), 0);
  EXPECT_EQ(stats->LastStatPath(), "/x");
  EXPECT_EQ(stats->LastHostPath(), dir.Sub("sub/x"));
  ASSERT_EQ(outer.Rename(WalkPath(outer, ro, {"sub"}), "x", ro, "y"), 0);
  ASSERT_EQ(inner.Stat(x), 0);
  EXPECT_EQ(stats->LastStatPath(), "error " + std::to_string(EXDEV));
  EXPECT_EQ(stats->LastHostPath(), dir.Sub("y"));
}

// Walks, stats, renames and unlink/create cycles from several connections at
// once (run under TSan by ./dev test). Afterwards the tree is back to its base.
TEST(TreeTest, ConcurrentRenamesWalksAndUnlinksKeepTheTreeConsistent) {
  TempDir dir;
  dir.Mkdir("p");
  dir.Mkdir("q");
  dir.WriteFile("p/x", "x");
  dir.WriteFile("q/y", "y");
  Server server;
  auto stats = std::make_shared<BackendStats>();
  constexpr int kClients = 3;
  std::vector<RawClient> clients;
  std::vector<wire::FDID> roots;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(RawClient::Start(server, dir.path(), {}, stats));
    roots.push_back(clients.back().MountOk().root.control_fd);
  }
  const size_t base = server.node_count();
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  // Renamer: swaps p and q back and forth (directories with content).
  threads.emplace_back([&] {
    Caller& c = clients[0];
    for (int i = 0; i < 200; ++i) {
      if (c.Rename(roots[0], "p", roots[0], "q", RENAME_EXCHANGE) != 0) errors++;
    }
  });
  // Walker: walks and stats whatever is there; ENOENT-style outcomes are fine.
  threads.emplace_back([&] {
    Caller& c = clients[1];
    for (int i = 0; i < 200; ++i) {
      wire::WalkResp w;
      if (c.Walk(roots[1], {i % 2 ? "p" : "q", i % 3 ? "x" : "y"}, &w) != 0) errors++;
      std::vector<wire::FDID> ids;
      for (auto& in : w.inodes) {
        if (c.Stat(in.control_fd) != 0) errors++;
        ids.push_back(in.control_fd);
      }
      if (c.Close(ids) != 0) errors++;
    }
  });
  // Creator: creates and unlinks a file in the root.
  threads.emplace_back([&] {
    Caller& c = clients[2];
    for (int i = 0; i < 200; ++i) {
      wire::FDID cfd = 0, ofd = 0;
      if (c.OpenCreate(roots[2], "tmp", O_RDWR, &cfd, &ofd) != 0) errors++;
      if (c.Unlink(roots[2], "tmp") != 0) errors++;
      if (c.Close({cfd, ofd}) != 0) errors++;
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(server.node_count(), base);
  for (auto& c : clients) EXPECT_EQ(c.conn->open_fd_count(), 1u);
}

}  // namespace
}  // namespace hg::server::testing
