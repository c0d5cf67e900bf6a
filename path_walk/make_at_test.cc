#include "path_walk/make_at.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>

#include "path_walk/stat_at.h"
#include "path_walk/testing/root_fixture.h"

namespace hg::path_walk {
namespace {

using testing::N;

class MakeAtTest : public testing::RootFixture {
 protected:
  struct stat Lstat(const char* rel) {
    struct stat st {};
    EXPECT_EQ(::lstat(t.Path(rel).c_str(), &st), 0) << rel;
    return st;
  }
};

TEST_P(MakeAtTest, MkdirReturnsHandleOfTheNewDirectory) {
  ::umask(022);
  auto d = MkdirAt(root(), N("d"), 0751);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  struct stat st = Lstat("root/d");
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0751u);
  EXPECT_EQ(d->handle.ino(), st.st_ino);
  EXPECT_EQ(d->handle.depth(), 1u);
  EXPECT_TRUE(d->handle.is_dir());
  auto nested = MkdirAt(d->handle, N("e"), 0700);
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->handle.depth(), 2u);
  auto again = MkdirAt(root(), N("d"), 0755);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), Errno(EEXIST));
}

TEST_P(MakeAtTest, NothingIsCreatedThroughADanglingSymlink) {
  t.Symlink("root/dangling", t.Path("outside-target"));
  auto d = MkdirAt(root(), N("dangling"), 0755);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error(), Errno(EEXIST));
  auto f = MknodAt(root(), N("dangling"), S_IFIFO | 0600, 0);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error(), Errno(EEXIST));
  auto l = SymlinkAt(root(), N("dangling"), "x");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error(), Errno(EEXIST));
  EXPECT_NE(::access(t.Path("outside-target").c_str(), F_OK), 0);
}

TEST_P(MakeAtTest, MknodMakesFifosFilesAndDevices) {
  auto fifo = MknodAt(root(), N("fifo"), S_IFIFO | 0600, 0);
  ASSERT_TRUE(fifo.ok()) << fifo.error().ToString();
  EXPECT_TRUE(S_ISFIFO(Lstat("root/fifo").st_mode));
  EXPECT_EQ(fifo->handle.type(), static_cast<mode_t>(S_IFIFO));
  auto reg = MknodAt(root(), N("reg"), S_IFREG | 0644, 0);
  ASSERT_TRUE(reg.ok());
  EXPECT_TRUE(reg->handle.is_regular());
  auto chr = MknodAt(root(), N("whiteout"), S_IFCHR | 0600, makedev(0, 0));
  ASSERT_TRUE(chr.ok()) << chr.error().ToString();
  EXPECT_TRUE(S_ISCHR(Lstat("root/whiteout").st_mode));
  EXPECT_EQ(chr->stat.stx_rdev_major, 0u);
}

TEST_P(MakeAtTest, MknodRefusesDirectoriesSymlinksAndNoType) {
  for (mode_t m : {mode_t{S_IFDIR | 0755}, mode_t{S_IFLNK | 0777}, mode_t{0644}}) {
    auto r = MknodAt(root(), N("x"), m, 0);
    ASSERT_FALSE(r.ok()) << std::oct << m;
    EXPECT_EQ(r.error(), Errno(EINVAL));
  }
}

TEST_P(MakeAtTest, SymlinkStoresTheTargetVerbatim) {
  for (std::string target : {std::string("/etc/passwd"), std::string("../../../../x"),
                             std::string("plain"), std::string(4095, 'a')}) {
    auto name = N("l" + std::to_string(target.size()));
    auto l = SymlinkAt(root(), name, target);
    ASSERT_TRUE(l.ok()) << l.error().ToString();
    EXPECT_TRUE(l->handle.is_symlink());
    auto content = ReadLink(l->handle);
    ASSERT_TRUE(content.ok());
    EXPECT_EQ(*content, target);
  }
}

TEST_P(MakeAtTest, SymlinkTargetChecks) {
  using namespace std::string_view_literals;
  auto empty = SymlinkAt(root(), N("a"), "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), Errno(ENOENT));
  auto nul = SymlinkAt(root(), N("b"), "x\0y"sv);
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error(), Errno(EINVAL));
  auto big = SymlinkAt(root(), N("c"), std::string(4096, 'a'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error(), Errno(ENAMETOOLONG));
}

TEST_P(MakeAtTest, CreatingInARemovedDirectoryFails) {
  auto f = MkdirAt(root(), N("sub"), 0755);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(::rmdir(t.Path("root/sub").c_str()), 0);
  // A handle to a removed directory: the kernel refuses new entries.
  auto in_removed = MkdirAt(f->handle, N("x"), 0755);
  ASSERT_FALSE(in_removed.ok());
  EXPECT_EQ(in_removed.error(), Errno(ENOENT));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, MakeAtTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
