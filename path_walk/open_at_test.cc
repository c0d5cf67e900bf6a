#include "path_walk/open_at.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path_walk/testing/root_fixture.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::N;
using testing::Names;
using testing::ReadAll;

class OpenAtTest : public testing::RootFixture {
 protected:
  void SetUp() override {
    RootFixture::SetUp();
    if (IsSkipped()) return;
    auto p = ProcSelfFd::Open();
    testing::SetupCheck(p.ok(), "ProcSelfFd::Open");
    proc_.emplace(std::move(p).value());
  }
  const ProcSelfFd& proc() const { return *proc_; }
  Handle WalkOne(const char* name) {
    auto w = Walk(root(), Names({name}));
    testing::SetupCheck(w.ok() && w->status == WalkStatus::kSuccess, name);
    return std::move(w->steps[0].handle);
  }

 private:
  std::optional<ProcSelfFd> proc_;
};

TEST_P(OpenAtTest, OpensExistingFileForReading) {
  t.WriteFile("root/f", "content");
  auto fd = OpenAt(root(), N("f"), O_RDONLY);
  ASSERT_TRUE(fd.ok()) << fd.error().ToString();
  EXPECT_EQ(ReadAll(fd->get()), "content");
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_P(OpenAtTest, TruncatesWhenAsked) {
  t.WriteFile("root/f", "content");
  auto fd = OpenAt(root(), N("f"), O_WRONLY | O_TRUNC);
  ASSERT_TRUE(fd.ok());
  struct stat st {};
  ASSERT_EQ(::stat(t.Path("root/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);
}

TEST_P(OpenAtTest, RefusesSymlinks) {
  t.WriteFile("root/f", "content");
  t.Symlink("root/l", "f");
  auto fd = OpenAt(root(), N("l"), O_RDONLY);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error(), Errno(ELOOP));
}

TEST_P(OpenAtTest, RefusesCreateAndUnknownFlags) {
  t.WriteFile("root/f", "content");
  for (int flags : {O_RDONLY | O_CREAT, O_PATH, O_RDWR | O_EXCL, O_ACCMODE, O_RDONLY | O_TMPFILE,
                    O_RDONLY | 040000000 /* not a flag */}) {
    auto fd = OpenAt(root(), N("f"), flags);
    ASSERT_FALSE(fd.ok()) << std::hex << flags;
    EXPECT_EQ(fd.error(), Errno(EINVAL)) << std::hex << flags;
  }
  auto missing = OpenAt(root(), N("nope"), O_RDONLY);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), Errno(ENOENT));
}

TEST_P(OpenAtTest, CreateMakesANewFileWithModeAndHandle) {
  ::umask(022);
  auto c = CreateAt(root(), N("new"), O_RDWR, 0640);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_EQ(::write(c->fd.get(), "hi", 2), 2);
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("root/new")), "hi");
  struct stat st {};
  ASSERT_EQ(::lstat(t.Path("root/new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(c->child.handle.ino(), st.st_ino);
  EXPECT_EQ(c->child.handle.depth(), 1u);
  EXPECT_TRUE(c->child.handle.is_regular());
  EXPECT_EQ(c->child.stat.stx_ino, st.st_ino);
}

TEST_P(OpenAtTest, CreateNeverReplacesOrFollowsAnExistingEntry) {
  t.WriteFile("root/f", "keep");
  t.Symlink("root/dangling", t.Path("created-by-follow"));
  auto exists = CreateAt(root(), N("f"), O_WRONLY, 0600);
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.error(), Errno(EEXIST));
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("root/f")), "keep");
  auto dangling = CreateAt(root(), N("dangling"), O_WRONLY, 0600);
  ASSERT_FALSE(dangling.ok());
  EXPECT_EQ(dangling.error(), Errno(EEXIST));
  EXPECT_NE(::access(t.Path("created-by-follow").c_str(), F_OK), 0);
  auto dir = CreateAt(root(), N("x"), O_RDONLY | O_DIRECTORY, 0600);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error(), Errno(EINVAL));
}

TEST_P(OpenAtTest, ReopenGivesIoDescriptorOfTheSameObject) {
  t.WriteFile("root/f", "abc");
  Handle h = WalkOne("f");
  auto rd = Reopen(proc(), h, O_RDONLY);
  ASSERT_TRUE(rd.ok()) << rd.error().ToString();
  EXPECT_EQ(ReadAll(rd->get()), "abc");
  EXPECT_EQ(::fcntl(rd->get(), F_GETFL) & (O_PATH | O_ACCMODE), O_RDONLY);
  EXPECT_NE(::fcntl(rd->get(), F_GETFD) & FD_CLOEXEC, 0);
  auto wr = Reopen(proc(), h, O_WRONLY | O_APPEND);
  ASSERT_TRUE(wr.ok());
  ASSERT_EQ(::write(wr->get(), "d", 1), 1);
  EXPECT_EQ(testing::ReadFileOrDie(t.Path("root/f")), "abcd");
}

TEST_P(OpenAtTest, ReopenFollowsTheObjectNotTheName) {
  t.WriteFile("root/f", "original");
  Handle h = WalkOne("f");
  ASSERT_EQ(::rename(t.Path("root/f").c_str(), t.Path("root/g").c_str()), 0);
  t.WriteFile("root/f", "impostor");
  auto rd = Reopen(proc(), h, O_RDONLY);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(ReadAll(rd->get()), "original");
  ASSERT_EQ(::unlink(t.Path("root/g").c_str()), 0);
  auto after_unlink = Reopen(proc(), h, O_RDONLY);
  ASSERT_TRUE(after_unlink.ok());
  EXPECT_EQ(ReadAll(after_unlink->get()), "original");
}

TEST_P(OpenAtTest, ReopenDirectoryForListing) {
  t.MkDir("root/d");
  t.WriteFile("root/d/x", "");
  Handle h = WalkOne("d");
  auto fd = Reopen(proc(), h, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(fd.ok());
  DIR* dir = ::fdopendir(fd->release());
  ASSERT_NE(dir, nullptr);
  int entries = 0;
  while (::readdir(dir) != nullptr) ++entries;
  ::closedir(dir);
  EXPECT_EQ(entries, 3);  // ".", "..", "x"
}

TEST_P(OpenAtTest, ReopenRefusesSymlinksAndBadFlags) {
  t.Symlink("root/l", "/etc/passwd");
  Handle l = WalkOne("l");
  auto fd = Reopen(proc(), l, O_RDONLY);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error(), Errno(ELOOP));
  t.WriteFile("root/f", "");
  Handle f = WalkOne("f");
  auto creat = Reopen(proc(), f, O_RDWR | O_CREAT);
  ASSERT_FALSE(creat.ok());
  EXPECT_EQ(creat.error(), Errno(EINVAL));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, OpenAtTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
