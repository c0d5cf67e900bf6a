// Client-side path resolution against a real server: symlinks (relative,
// absolute, chained, looping), lexical "..", and the root as a ceiling.
#include "gofer/client/path_resolver.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "gofer/client/client_test_util.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::client {
namespace {

using path_walk::testing::TempTree;
using testing::ClientServer;

class PathResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.MkDir("root");
    t.MkDir("root/dir");
    t.MkDir("root/dir/sub");
    t.MkDir("root/etc");
    t.WriteFile("root/dir/file", "the file", 0644);
    t.WriteFile("root/etc/passwd", "inside the root", 0644);
    t.Symlink("root/link", "dir/file");
    t.Symlink("root/abs", "/dir/file");
    t.Symlink("root/dirlink", "dir");
    t.Symlink("root/dir/escape", "../../../../../etc");
    t.Symlink("root/loop1", "loop2");
    t.Symlink("root/loop2", "loop1");
    // c0 -> c1 -> ... -> c39 -> dir/file: 40 symlinks, Linux's limit.
    for (int i = 0; i < 40; ++i) {
      t.Symlink("root/c" + std::to_string(i),
                i == 39 ? std::string("dir/file") : "c" + std::to_string(i + 1));
    }
    t.Symlink("root/c-extra", "c0");  // 41
    cs_ = std::make_unique<ClientServer>(t.Path("root"));
    ASSERT_TRUE(cs_->mounted());
  }

  Client& c() { return cs_->client(); }

  // Inode number of what `path` resolves to, or -errno.
  int64_t Ino(std::string_view path, bool follow_last = true) {
    ResolveOptions o;
    o.follow_last = follow_last;
    auto r = ResolvePath(c(), path, o);
    if (!r.ok()) return -r.error().value();
    auto st = c().FStat(r->get());
    if (!st.ok()) return -st.error().value();
    return static_cast<int64_t>(st->ino);
  }

  int64_t HostIno(const std::string& rel) {
    struct stat st;
    if (::lstat(t.Path("root/" + rel).c_str(), &st) != 0) return -1;
    return static_cast<int64_t>(st.st_ino);
  }

  TempTree t;
  std::unique_ptr<ClientServer> cs_;
};

TEST_F(PathResolverTest, PlainPathsAndTheRoot) {
  EXPECT_EQ(Ino("dir/file"), HostIno("dir/file"));
  EXPECT_EQ(Ino("/dir/sub/"), HostIno("dir/sub"));
  EXPECT_EQ(Ino(""), HostIno(""));
  EXPECT_EQ(Ino("/"), HostIno(""));
  EXPECT_EQ(Ino("./dir/./file"), HostIno("dir/file"));
  EXPECT_EQ(Ino("dir/missing"), -ENOENT);
  EXPECT_EQ(Ino("dir/file/x"), -ENOTDIR);
}

TEST_F(PathResolverTest, SymlinksAreFollowedOnTheClientSide) {
  EXPECT_EQ(Ino("link"), HostIno("dir/file"));
  EXPECT_EQ(Ino("link", /*follow_last=*/false), HostIno("link"));
  EXPECT_EQ(Ino("abs"), HostIno("dir/file")) << "absolute targets start at the served root";
  EXPECT_EQ(Ino("dirlink/file"), HostIno("dir/file"));
  EXPECT_EQ(Ino("dirlink/../link"), HostIno("dir/file"));
  EXPECT_EQ(Ino("dirlink", false), HostIno("dirlink"));
}

TEST_F(PathResolverTest, DotDotNeverLeavesTheRoot) {
  EXPECT_EQ(Ino("../../.."), HostIno(""));
  EXPECT_EQ(Ino("../etc/passwd"), HostIno("etc/passwd"));
  // dir/escape -> ../../../../../etc: clamped at the root, so it names
  // root/etc, never the host's /etc.
  EXPECT_EQ(Ino("dir/escape/passwd"), HostIno("etc/passwd"));
  auto r = ResolvePath(c(), "dir/escape/passwd");
  ASSERT_TRUE(r.ok());
  auto o = c().OpenAt(r->get(), O_RDONLY);
  ASSERT_TRUE(o.ok());
  std::vector<uint8_t> buf(64);
  auto n = c().PRead(o->open_fd, 0, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*n)), "inside the root");
}

TEST_F(PathResolverTest, LoopsAndLongChainsStopAtFortySymlinks) {
  EXPECT_EQ(Ino("loop1"), -ELOOP);
  EXPECT_EQ(Ino("c0"), HostIno("dir/file")) << "exactly 40 symlinks resolve";
  EXPECT_EQ(Ino("c-extra"), -ELOOP) << "the 41st does not";
  EXPECT_EQ(Ino("loop1", /*follow_last=*/false), HostIno("loop1"));
}

TEST_F(PathResolverTest, ParentAndNameForCreatingVerbs) {
  auto p = ResolveParent(c(), "dirlink/new");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "new");
  auto st = c().FStat(p->dir.get());
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(static_cast<int64_t>(st->ino), HostIno("dir"));
  auto top = ResolveParent(c(), "/top");
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->dir.get(), c().root_fd());
  EXPECT_FALSE(top->dir.owned()) << "the root belongs to the Client";
  for (const char* bad : {"", "/", "dir/..", "dir/."}) {
    auto r = ResolveParent(c(), bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().value(), EINVAL) << bad;
  }
}

TEST_F(PathResolverTest, ResolvingLeavesNoFdidBehind) {
  const size_t base = cs_->connection().open_fd_count();
  for (const char* p : {"c0", "dirlink/../link", "dir/escape/passwd", "loop1", "dir/missing"}) {
    (void)ResolvePath(c(), p);
  }
  ASSERT_TRUE(c().FlushCloses().ok());
  EXPECT_EQ(cs_->connection().open_fd_count(), base);
}

}  // namespace
}  // namespace hg::client
