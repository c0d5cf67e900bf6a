#include "path_walk/link_at.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path_walk/testing/root_fixture.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::N;
using testing::Names;

class LinkAtTest : public testing::RootFixture {
 protected:
  void SetUp() override {
    RootFixture::SetUp();
    if (IsSkipped()) return;
    auto p = ProcSelfFd::Open();
    testing::SetupCheck(p.ok(), "ProcSelfFd::Open");
    proc_.emplace(std::move(p).value());
    t.WriteFile("outside", "secret");
    t.MkDir("root/d");
    t.WriteFile("root/f", "inside");
    t.Symlink("root/abs", t.Path("outside"));
  }
  Handle WalkOne(const char* name) {
    auto w = Walk(root(), Names({name}));
    testing::SetupCheck(w.ok() && w->status == WalkStatus::kSuccess, name);
    return std::move(w->steps[0].handle);
  }
  struct stat Lstat(const char* rel) {
    struct stat st {};
    EXPECT_EQ(::lstat(t.Path(rel).c_str(), &st), 0) << rel;
    return st;
  }
  const ProcSelfFd& proc() const { return *proc_; }

 private:
  std::optional<ProcSelfFd> proc_;
};

TEST_P(LinkAtTest, LinksAFileByName) {
  Handle d = WalkOne("d");
  auto c = LinkAt(root(), N("f"), d, N("g"));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(Lstat("root/d/g").st_ino, Lstat("root/f").st_ino);
  EXPECT_EQ(Lstat("root/f").st_nlink, 2u);
  EXPECT_EQ(c->handle.depth(), 2u);
}

TEST_P(LinkAtTest, LinkingASymlinkLinksTheSymlinkNotItsTarget) {
  const nlink_t before = Lstat("outside").st_nlink;
  auto byname = LinkAt(root(), N("abs"), root(), N("abs2"));
  ASSERT_TRUE(byname.ok());
  EXPECT_TRUE(byname->handle.is_symlink());
  Handle abs = WalkOne("abs");
  auto byhandle = LinkHandle(proc(), abs, root(), N("abs3"));
  ASSERT_TRUE(byhandle.ok()) << byhandle.error().ToString();
  EXPECT_TRUE(byhandle->handle.is_symlink());
  EXPECT_TRUE(S_ISLNK(Lstat("root/abs3").st_mode));
  EXPECT_EQ(Lstat("outside").st_nlink, before);
}

TEST_P(LinkAtTest, LinksTheObjectAHandlePins) {
  Handle f = WalkOne("f");
  ASSERT_EQ(::rename(t.Path("root/f").c_str(), t.Path("root/moved").c_str()), 0);
  auto c = LinkHandle(proc(), f, root(), N("again"));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(Lstat("root/again").st_ino, Lstat("root/moved").st_ino);
  EXPECT_TRUE(f.SameObjectAs(c->stat));
}

TEST_P(LinkAtTest, DirectoriesCannotBeLinked) {
  Handle d = WalkOne("d");
  auto h = LinkHandle(proc(), d, root(), N("d2"));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error(), Errno(EPERM));
  auto n = LinkAt(root(), N("d"), root(), N("d3"));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error(), Errno(EPERM));
}

TEST_P(LinkAtTest, HandlesOfAnotherMountAreRefused) {
  t.MkDir("other");
  t.WriteFile("other/x", "");
  MountRoot other = OpenRoot("other");
  auto x = Walk(other.handle(), Names({"x"}));
  ASSERT_TRUE(x.ok());
  auto h = LinkHandle(proc(), x->steps[0].handle, root(), N("x"));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error(), Errno(EXDEV));
  auto n = LinkAt(other.handle(), N("x"), root(), N("x"));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error(), Errno(EXDEV));
  EXPECT_NE(::access(t.Path("root/x").c_str(), F_OK), 0);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, LinkAtTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
