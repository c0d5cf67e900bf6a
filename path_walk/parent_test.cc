#include "path_walk/parent.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "path_walk/testing/root_fixture.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::N;
using testing::Names;

class ParentTest : public testing::RootFixture {
 protected:
  void SetUp() override {
    RootFixture::SetUp();
    if (IsSkipped()) return;
    auto p = ProcSelfFd::Open();
    testing::SetupCheck(p.ok(), "ProcSelfFd::Open");
    proc_.emplace(std::move(p).value());
    t.MkDir("root/a");
    t.MkDir("root/a/b");
    t.WriteFile("root/a/b/c", "c");
    t.MkDir("away");
  }
  Handle WalkTo(std::initializer_list<std::string_view> names) {
    auto w = Walk(root(), Names(names));
    testing::SetupCheck(w.ok() && w->status == WalkStatus::kSuccess, "walk");
    return std::move(w->steps.back().handle);
  }
  ino_t Ino(const char* rel) {
    struct stat st {};
    EXPECT_EQ(::lstat(t.Path(rel).c_str(), &st), 0) << rel;
    return st.st_ino;
  }
  const ProcSelfFd& proc() const { return *proc_; }

 private:
  std::optional<ProcSelfFd> proc_;
};

TEST_P(ParentTest, ParentOfTheRootIsTheRoot) {
  auto p = Parent(proc(), mount(), root());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ino(), root().ino());
  EXPECT_EQ(p->depth(), 0u);
  auto loc = Locate(proc(), mount(), root());
  ASSERT_FALSE(loc.ok());
  EXPECT_EQ(loc.error(), Errno(EBUSY));
}

TEST_P(ParentTest, LocatesAHandleByItsCurrentPlace) {
  Handle c = WalkTo({"a", "b", "c"});
  auto loc = Locate(proc(), mount(), c);
  ASSERT_TRUE(loc.ok()) << loc.error().ToString();
  EXPECT_EQ(loc->parent.ino(), Ino("root/a/b"));
  EXPECT_EQ(loc->parent.depth(), 2u);
  EXPECT_EQ(loc->name, N("c"));
  auto up = Parent(proc(), mount(), loc->parent);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->ino(), Ino("root/a"));
  EXPECT_EQ(up->depth(), 1u);
  auto top = Parent(proc(), mount(), *up);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->ino(), root().ino());
  EXPECT_EQ(top->depth(), 0u);
}

TEST_P(ParentTest, FollowsHostRenamesInsideTheRoot) {
  Handle c = WalkTo({"a", "b", "c"});
  ASSERT_EQ(::rename(t.Path("root/a/b/c").c_str(), t.Path("root/a/c2").c_str()), 0);
  auto loc = Locate(proc(), mount(), c);
  ASSERT_TRUE(loc.ok()) << loc.error().ToString();
  EXPECT_EQ(loc->parent.ino(), Ino("root/a"));
  EXPECT_EQ(loc->parent.depth(), 1u);
  EXPECT_EQ(loc->name, N("c2"));
}

TEST_P(ParentTest, NeverClimbsOutOfAHandleMovedOutside) {
  Handle b = WalkTo({"a", "b"});
  ASSERT_EQ(::rename(t.Path("root/a").c_str(), t.Path("away/a").c_str()), 0);
  auto p = Parent(proc(), mount(), b);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Errno(EXDEV));
  auto loc = Locate(proc(), mount(), b);
  ASSERT_FALSE(loc.ok());
  EXPECT_EQ(loc.error(), Errno(EXDEV));
  // Back inside: found again.
  ASSERT_EQ(::rename(t.Path("away/a").c_str(), t.Path("root/a").c_str()), 0);
  auto again = Parent(proc(), mount(), b);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ino(), Ino("root/a"));
}

TEST_P(ParentTest, RootNamedLikeAPrefixIsNotConfused) {
  // "<tree>/root2/x" starts with the text "<tree>/root" but is not below it.
  t.MkDir("root2");
  Handle b = WalkTo({"a", "b"});
  ASSERT_EQ(::rename(t.Path("root/a").c_str(), t.Path("root2/a").c_str()), 0);
  auto p = Parent(proc(), mount(), b);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Errno(EXDEV));
}

TEST_P(ParentTest, UnlinkedObjectsHaveNoPlace) {
  Handle c = WalkTo({"a", "b", "c"});
  ASSERT_EQ(::unlink(t.Path("root/a/b/c").c_str()), 0);
  auto loc = Locate(proc(), mount(), c);
  ASSERT_FALSE(loc.ok());
  EXPECT_EQ(loc.error(), Errno(ENOENT));
}

TEST_P(ParentTest, HandlesOfAnotherMountAreRefused) {
  t.MkDir("other");
  t.MkDir("other/x");
  MountRoot other = OpenRoot("other");
  auto x = Walk(other.handle(), Names({"x"}));
  ASSERT_TRUE(x.ok());
  auto p = Parent(proc(), mount(), x->steps[0].handle);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Errno(EXDEV));
}

TEST_P(ParentTest, PathsLongerThanPathMaxAreReportedNotGuessed) {
  const std::string component(200, 'd');
  auto cur = root().Dup();
  ASSERT_TRUE(cur.ok());
  Handle h = std::move(cur).value();
  for (int i = 0; i < 25; ++i) {  // 25 * 201 bytes > PATH_MAX
    ASSERT_EQ(::mkdirat(h.fd(), component.c_str(), 0755), 0);
    auto w = Walk(h, std::vector<Name>{N(component)});
    ASSERT_TRUE(w.ok());
    h = std::move(w->steps[0].handle);
  }
  EXPECT_EQ(h.depth(), 25u);
  auto p = Parent(proc(), mount(), h);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Errno(ENAMETOOLONG));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, ParentTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
