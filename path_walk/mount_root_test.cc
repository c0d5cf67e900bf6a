#include "path_walk/mount_root.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "path_walk/testing/resolvers.h"
#include "path_walk/testing/temp_tree.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::Names;
using testing::TempTree;

class MountRootTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override { HG_SKIP_IF_NO_RESOLVER(GetParam()); }
  Options Opts() const {
    Options o;
    o.resolver = GetParam();
    return o;
  }
};

TEST_P(MountRootTest, OpensDirectoryAsDepthZeroOPathHandle) {
  TempTree t;
  t.MkDir("root");
  auto root = OpenMountRoot(t.Path("root"), Opts());
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  const Handle& h = root->handle();
  EXPECT_EQ(h.depth(), 0u);
  EXPECT_TRUE(h.is_root());
  EXPECT_TRUE(h.is_dir());
  struct stat st {};
  ASSERT_EQ(::stat(t.Path("root").c_str(), &st), 0);
  EXPECT_EQ(h.ino(), st.st_ino);
  EXPECT_EQ(h.dev(), st.st_dev);
  EXPECT_NE(::fcntl(h.fd(), F_GETFL) & O_PATH, 0);
  EXPECT_NE(::fcntl(h.fd(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(root->options().resolver, GetParam());
}

TEST_P(MountRootTest, RefusesRelativeEmptyAndNulPaths) {
  using namespace std::string_view_literals;
  for (std::string_view bad : {""sv, "relative/dir"sv, "/tmp\0/x"sv}) {
    auto r = OpenMountRoot(bad, Opts());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Errno(EINVAL));
  }
}

TEST_P(MountRootTest, MissingPathIsEnoent) {
  TempTree t;
  auto r = OpenMountRoot(t.Path("nope"), Opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno(ENOENT));
}

TEST_P(MountRootTest, FileRootIsAllowedButCannotBeWalked) {
  TempTree t;
  t.WriteFile("f", "x");
  auto root = OpenMountRoot(t.Path("f"), Opts());
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->handle().is_regular());
  auto w = Walk(root->handle(), Names({"a"}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error(), Errno(ENOTDIR));
}

TEST_P(MountRootTest, FifoRootIsRefused) {
  TempTree t;
  ASSERT_EQ(::mkfifo(t.Path("fifo").c_str(), 0600), 0);
  auto r = OpenMountRoot(t.Path("fifo"), Opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno(EINVAL));
}

TEST_P(MountRootTest, SymlinksInTheTrustedPathAreFollowed) {
  TempTree t;
  t.MkDir("real");
  t.Symlink("link", t.Path("real"));
  auto root = OpenMountRoot(t.Path("link"), Opts());
  ASSERT_TRUE(root.ok());
  struct stat st {};
  ASSERT_EQ(::stat(t.Path("real").c_str(), &st), 0);
  EXPECT_EQ(root->handle().ino(), st.st_ino);
  EXPECT_TRUE(root->handle().is_dir());
}

INSTANTIATE_TEST_SUITE_P(Resolvers, MountRootTest, testing::AllResolvers(),
                         testing::ResolverParamName);

TEST(ResolverTest, NamesAndForcedChoices) {
  EXPECT_EQ(ResolverName(Resolver::kAuto), "auto");
  EXPECT_EQ(ResolverName(Resolver::kOpenat2), "openat2");
  EXPECT_EQ(ResolverName(Resolver::kFallback), "fallback");
  EXPECT_EQ(EffectiveResolver(Resolver::kFallback), Resolver::kFallback);
  EXPECT_EQ(EffectiveResolver(Resolver::kOpenat2), Resolver::kOpenat2);
  EXPECT_EQ(EffectiveResolver(Resolver::kAuto),
            Openat2Available() ? Resolver::kOpenat2 : Resolver::kFallback);
}

TEST(ResolverTest, AutoMountWorks) {
  TempTree t;
  t.MkDir("root");
  t.MkDir("root/a");
  auto root = OpenMountRoot(t.Path("root"), Options{});
  ASSERT_TRUE(root.ok());
  auto w = Walk(root->handle(), Names({"a"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kSuccess);
}

}  // namespace
}  // namespace hg::path_walk
