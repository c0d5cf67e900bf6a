#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path_walk/rename_at.h"
#include "path_walk/testing/root_fixture.h"
#include "path_walk/unlink_at.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::N;
using testing::Names;

class UnlinkRenameTest : public testing::RootFixture {
 protected:
  void SetUp() override {
    RootFixture::SetUp();
    if (IsSkipped()) return;
    t.WriteFile("outside", "secret");
    t.MkDir("root/d");
    t.WriteFile("root/f", "f");
    t.WriteFile("root/g", "g");
    t.Symlink("root/abs", t.Path("outside"));
  }
  bool Exists(const char* rel) {
    struct stat st {};
    return ::lstat(t.Path(rel).c_str(), &st) == 0;
  }
};

TEST_P(UnlinkRenameTest, UnlinksFilesAndDirectories) {
  ASSERT_TRUE(UnlinkAt(root(), N("f"), 0).ok());
  EXPECT_FALSE(Exists("root/f"));
  auto notdir = UnlinkAt(root(), N("d"), 0);
  ASSERT_FALSE(notdir.ok());
  EXPECT_EQ(notdir.error(), Errno(EISDIR));
  ASSERT_TRUE(UnlinkAt(root(), N("d"), AT_REMOVEDIR).ok());
  EXPECT_FALSE(Exists("root/d"));
  auto bad = UnlinkAt(root(), N("g"), AT_SYMLINK_NOFOLLOW);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), Errno(EINVAL));
}

TEST_P(UnlinkRenameTest, UnlinkingASymlinkLeavesItsTarget) {
  ASSERT_TRUE(UnlinkAt(root(), N("abs"), 0).ok());
  EXPECT_FALSE(Exists("root/abs"));
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("outside")), "secret");
}

TEST_P(UnlinkRenameTest, RenamesWithAndWithoutFlags) {
  auto d = Walk(root(), Names({"d"}));
  ASSERT_TRUE(d.ok());
  const Handle& dh = d->steps[0].handle;
  ASSERT_TRUE(RenameAt(root(), N("f"), dh, N("f2"), 0).ok());
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("root/d/f2")), "f");
  auto noreplace = RenameAt(root(), N("g"), dh, N("f2"), RENAME_NOREPLACE);
  ASSERT_FALSE(noreplace.ok());
  EXPECT_EQ(noreplace.error(), Errno(EEXIST));
  ASSERT_TRUE(RenameAt(root(), N("g"), dh, N("f2"), RENAME_EXCHANGE).ok());
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("root/d/f2")), "g");
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("root/g")), "f");
  // A symlink moves as itself.
  ASSERT_TRUE(RenameAt(root(), N("abs"), dh, N("abs"), 0).ok());
  struct stat st {};
  ASSERT_EQ(::lstat(t.Path("root/d/abs").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("outside")), "secret");
}

TEST_P(UnlinkRenameTest, RenameRefusesOtherFlagsAndOtherMounts) {
  for (unsigned flags :
       {unsigned{RENAME_WHITEOUT}, unsigned{RENAME_NOREPLACE | RENAME_EXCHANGE}, 64u}) {
    auto s = RenameAt(root(), N("f"), root(), N("h"), flags);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error(), Errno(EINVAL));
  }
  t.MkDir("other");
  MountRoot other = OpenRoot("other");
  auto s = RenameAt(root(), N("f"), other.handle(), N("f"), 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), Errno(EXDEV));
  EXPECT_TRUE(Exists("root/f"));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, UnlinkRenameTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
