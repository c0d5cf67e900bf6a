// Test support: a GoogleTest fixture with a scratch tree and a mount root at
// "<tree>/root", parameterised by resolver.
//
//   class MyTest : public testing::RootFixture {};
//   TEST_P(MyTest, X) { t.MkDir("root/a"); Walk(root(), Names({"a"})); }
//   INSTANTIATE_TEST_SUITE_P(Resolvers, MyTest, testing::AllResolvers(),
//                            testing::ResolverParamName);
#ifndef HARDGOFER_PATH_WALK_TESTING_ROOT_FIXTURE_H_
#define HARDGOFER_PATH_WALK_TESTING_ROOT_FIXTURE_H_

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "path_walk/mount_root.h"
#include "path_walk/testing/resolvers.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::path_walk::testing {

class RootFixture : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override {
    HG_SKIP_IF_NO_RESOLVER(GetParam());
    t.MkDir("root");
    mount_ = OpenRoot("root");
  }

  Options Opts(bool no_xdev = false) const {
    Options o;
    o.resolver = GetParam();
    o.no_xdev = no_xdev;
    return o;
  }

  // Opens <tree>/rel as a mount root with this test's resolver; aborts on failure.
  MountRoot OpenRoot(const std::string& rel, bool no_xdev = false) const {
    auto r = OpenMountRoot(t.Path(rel), Opts(no_xdev));
    SetupCheck(r.ok(), "OpenMountRoot " + rel);
    return std::move(r).value();
  }

  const MountRoot& mount() const { return *mount_; }
  const Handle& root() const { return mount_->handle(); }

  TempTree t;

 private:
  std::optional<MountRoot> mount_;
};

}  // namespace hg::path_walk::testing

#endif  // HARDGOFER_PATH_WALK_TESTING_ROOT_FIXTURE_H_
