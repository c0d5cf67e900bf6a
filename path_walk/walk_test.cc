#include "path_walk/walk.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "path_walk/testing/root_fixture.h"

namespace hg::path_walk {
namespace {

using testing::CountOpenFds;
using testing::Names;

ino_t InoOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

class WalkTest : public testing::RootFixture {};

TEST_P(WalkTest, WalksEveryComponentWithDepthAndStat) {
  t.MkDir("root/a");
  t.MkDir("root/a/b");
  t.WriteFile("root/a/b/f", "data", 0640);
  auto w = Walk(root(), Names({"a", "b", "f"}));
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_EQ(w->status, WalkStatus::kSuccess);
  ASSERT_EQ(w->steps.size(), 3u);
  const char* paths[] = {"root/a", "root/a/b", "root/a/b/f"};
  for (std::size_t i = 0; i < 3; ++i) {
    const Child& c = w->steps[i];
    EXPECT_EQ(c.handle.depth(), i + 1);
    EXPECT_EQ(c.handle.ino(), InoOf(t.Path(paths[i])));
    EXPECT_EQ(c.stat.stx_ino, c.handle.ino());
    EXPECT_NE(::fcntl(c.handle.fd(), F_GETFL) & O_PATH, 0);
    EXPECT_NE(::fcntl(c.handle.fd(), F_GETFD) & FD_CLOEXEC, 0);
  }
  EXPECT_TRUE(w->steps[1].handle.is_dir());
  EXPECT_TRUE(w->steps[2].handle.is_regular());
  EXPECT_EQ(w->steps[2].stat.stx_mode & 07777, 0640u);
  EXPECT_EQ(w->steps[2].stat.stx_size, 4u);
  EXPECT_NE(w->steps[2].stat.stx_mask & STATX_BASIC_STATS, 0u);
}

TEST_P(WalkTest, EmptyListIsSuccessWithNoSteps) {
  auto w = Walk(root(), {});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kSuccess);
  EXPECT_TRUE(w->steps.empty());
}

TEST_P(WalkTest, MissingComponentReturnsExistingPrefix) {
  t.MkDir("root/a");
  auto w = Walk(root(), Names({"a", "missing", "c"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kComponentDoesNotExist);
  ASSERT_EQ(w->steps.size(), 1u);
  EXPECT_EQ(w->steps[0].handle.ino(), InoOf(t.Path("root/a")));
  auto first = Walk(root(), Names({"missing"}));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, WalkStatus::kComponentDoesNotExist);
  EXPECT_TRUE(first->steps.empty());
}

TEST_P(WalkTest, StopsAtSymlinkWhenMoreComponentsRemain) {
  t.MkDir("root/a");
  t.MkDir("root/a/real");
  t.Symlink("root/a/link", "real");
  auto w = Walk(root(), Names({"a", "link", "x"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kComponentSymlink);
  ASSERT_EQ(w->steps.size(), 2u);
  EXPECT_TRUE(w->steps[1].handle.is_symlink());
  EXPECT_EQ(w->steps[1].handle.ino(), InoOf(t.Path("root/a/link")));
  EXPECT_TRUE(S_ISLNK(w->steps[1].stat.stx_mode));
}

TEST_P(WalkTest, TrailingSymlinkIsReturnedAsItself) {
  t.Symlink("root/link", "/etc/passwd");
  auto w = Walk(root(), Names({"link"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kSuccess);
  ASSERT_EQ(w->steps.size(), 1u);
  EXPECT_TRUE(w->steps[0].handle.is_symlink());
  EXPECT_EQ(w->steps[0].handle.ino(), InoOf(t.Path("root/link")));
}

TEST_P(WalkTest, RegularFileInTheMiddleIsEnotdir) {
  t.WriteFile("root/f", "x");
  auto w = Walk(root(), Names({"f", "x"}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error(), Errno(ENOTDIR));
}

TEST_P(WalkTest, StartMustBeADirectory) {
  t.WriteFile("root/f", "x");
  auto f = Walk(root(), Names({"f"}));
  ASSERT_TRUE(f.ok());
  auto w = Walk(f->steps[0].handle, Names({"x"}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error(), Errno(ENOTDIR));
}

TEST_P(WalkTest, FailedWalkClosesTheHandlesItOpened) {
  // ENOTDIR after two successful steps: both step handles must be closed.
  t.MkDir("root/a");
  t.WriteFile("root/a/f", "x");
  const int before = CountOpenFds();
  for (int i = 0; i < 50; ++i) {
    auto w = Walk(root(), Names({"a", "f", "g"}));
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error(), Errno(ENOTDIR));
  }
  EXPECT_EQ(CountOpenFds(), before);
}

TEST_P(WalkTest, WalksFromAnyDirectoryHandle) {
  t.MkDir("root/a");
  t.MkDir("root/a/b");
  auto a = Walk(root(), Names({"a"}));
  ASSERT_TRUE(a.ok());
  auto b = Walk(a->steps[0].handle, Names({"b"}));
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->steps.size(), 1u);
  EXPECT_EQ(b->steps[0].handle.depth(), 2u);
}

TEST_P(WalkTest, HandleDupAndStat) {
  t.MkDir("root/a");
  auto a = Walk(root(), Names({"a"}));
  ASSERT_TRUE(a.ok());
  auto d = a->steps[0].handle.Dup();
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d->fd(), a->steps[0].handle.fd());
  EXPECT_EQ(d->ino(), a->steps[0].handle.ino());
  EXPECT_EQ(d->depth(), 1u);
  EXPECT_NE(::fcntl(d->fd(), F_GETFD) & FD_CLOEXEC, 0);
  auto st = d->Stat();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(d->SameObjectAs(*st));
}

TEST_P(WalkTest, WalkStatRecordsEachComponent) {
  t.MkDir("root/a");
  t.WriteFile("root/a/f", "12345");
  auto s = WalkStat(root(), Names({"a", "f"}));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].stx_ino, InoOf(t.Path("root/a")));
  EXPECT_EQ((*s)[1].stx_ino, InoOf(t.Path("root/a/f")));
  EXPECT_EQ((*s)[1].stx_size, 5u);
}

TEST_P(WalkTest, WalkStatWithStartRecordsTheStartFirst) {
  t.MkDir("root/a");
  auto s = WalkStat(root(), Names({"a"}), /*stat_start=*/true);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].stx_ino, root().ino());
  EXPECT_EQ((*s)[1].stx_ino, InoOf(t.Path("root/a")));
}

TEST_P(WalkTest, WalkStatOfNonDirectoryStartNeedsNoNames) {
  t.WriteFile("root/f", "x");
  auto f = Walk(root(), Names({"f"}));
  ASSERT_TRUE(f.ok());
  auto s = WalkStat(f->steps[0].handle, {}, /*stat_start=*/true);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_TRUE(S_ISREG((*s)[0].stx_mode));
  auto bad = WalkStat(f->steps[0].handle, Names({"x"}), true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), Errno(ENOTDIR));
}

TEST_P(WalkTest, WalkStatStopsAfterSymlinkAndAtMissing) {
  t.MkDir("root/a");
  t.Symlink("root/a/l", "/");
  auto s = WalkStat(root(), Names({"a", "l", "etc", "passwd"}));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_TRUE(S_ISLNK((*s)[1].stx_mode));
  auto last = WalkStat(root(), Names({"a", "l"}));
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u);
  EXPECT_TRUE(S_ISLNK((*last)[1].stx_mode));
  auto m = WalkStat(root(), Names({"a", "nope", "x"}));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, WalkTest, testing::AllResolvers(), testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
