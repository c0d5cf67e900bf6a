#include "path_walk/stat_at.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "path_walk/testing/root_fixture.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::N;
using testing::Names;

class StatAtTest : public testing::RootFixture {};

TEST_P(StatAtTest, StatsWithoutFollowing) {
  t.WriteFile("root/f", "12345", 0604);
  t.Symlink("root/l", "f");
  auto f = StatAt(root(), N("f"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(S_ISREG(f->stx_mode));
  EXPECT_EQ(f->stx_size, 5u);
  EXPECT_EQ(f->stx_mode & 07777, 0604u);
  auto l = StatAt(root(), N("l"));
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(S_ISLNK(l->stx_mode));
  auto missing = StatAt(root(), N("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), Errno(ENOENT));
}

TEST_P(StatAtTest, ReadLinkNeedsASymlinkHandle) {
  t.WriteFile("root/f", "x");
  t.Symlink("root/l", "../../some/where");
  auto w = Walk(root(), Names({"l"}));
  ASSERT_TRUE(w.ok());
  auto target = ReadLink(w->steps[0].handle);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(*target, "../../some/where");
  auto f = Walk(root(), Names({"f"}));
  ASSERT_TRUE(f.ok());
  auto notlink = ReadLink(f->steps[0].handle);
  ASSERT_FALSE(notlink.ok());
  EXPECT_EQ(notlink.error(), Errno(EINVAL));
  auto dir = ReadLink(root());
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error(), Errno(EINVAL));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, StatAtTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
