#include "path_walk/resolve_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "path_walk/testing/root_fixture.h"

namespace hg::path_walk {
namespace {

class ResolvePathTest : public testing::RootFixture {
 protected:
  void SetUp() override {
    RootFixture::SetUp();
    if (IsSkipped()) return;
    t.MkDir("root/a");
    t.MkDir("root/a/b");
    t.WriteFile("root/a/b/f", "x");
    t.Symlink("root/a/up", "../..");
    t.Symlink("root/abs", "/");
  }
  ino_t Ino(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::lstat(t.Path(rel).c_str(), &st), 0);
    return st.st_ino;
  }
};

TEST_P(ResolvePathTest, DotDotNeverRisesAboveTheRoot) {
  for (const char* p :
       {"..", "../..", "/..", "a/../../..", "a/b/../../../../..", "", "/", ".", "./././", "a/.."}) {
    auto h = ResolvePath(mount(), p);
    ASSERT_TRUE(h.ok()) << p << ": " << h.error().ToString();
    EXPECT_EQ(h->ino(), root().ino()) << p;
    EXPECT_EQ(h->depth(), 0u) << p;
  }
}

TEST_P(ResolvePathTest, ResolvesOrdinaryPathsWithDepth) {
  auto f = ResolvePath(mount(), "/a/b/f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->ino(), Ino("root/a/b/f"));
  EXPECT_EQ(f->depth(), 3u);
  auto b = ResolvePath(mount(), "../a/./b//../b/");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->ino(), Ino("root/a/b"));
  EXPECT_EQ(b->depth(), 2u);
  auto up = ResolvePath(mount(), "../../../../a/b/../../a/b/f");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->ino(), Ino("root/a/b/f"));
}

TEST_P(ResolvePathTest, SymlinksAreNeverFollowed) {
  auto mid = ResolvePath(mount(), "abs/etc/passwd");
  ASSERT_FALSE(mid.ok());
  EXPECT_EQ(mid.error(), Errno(ELOOP));
  auto up = ResolvePath(mount(), "a/up/a");
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error(), Errno(ELOOP));
  auto last = ResolvePath(mount(), "a/up");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->is_symlink());
  EXPECT_EQ(last->ino(), Ino("root/a/up"));
  // ".." after a symlink is lexical: back to where the walk came from.
  auto back = ResolvePath(mount(), "abs/..");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ino(), root().ino());
}

TEST_P(ResolvePathTest, BadComponentsAndMissingEntries) {
  using namespace std::string_view_literals;
  auto nul = ResolvePath(mount(), "a/b\0c"sv);
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error(), Errno(EINVAL));
  auto longname = ResolvePath(mount(), "a/" + std::string(256, 'n'));
  ASSERT_FALSE(longname.ok());
  EXPECT_EQ(longname.error(), Errno(ENAMETOOLONG));
  auto missing = ResolvePath(mount(), "a/zz/b");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), Errno(ENOENT));
  auto notdir = ResolvePath(mount(), "a/b/f/x");
  ASSERT_FALSE(notdir.ok());
  EXPECT_EQ(notdir.error(), Errno(ENOTDIR));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, ResolvePathTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
