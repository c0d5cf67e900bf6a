// The per-mount no-crossing rule, against real mounts made in a forked child
// with its own mount namespace (the host's mounts are never touched).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "path_walk/make_at.h"
#include "path_walk/mount_root.h"
#include "path_walk/open_at.h"
#include "path_walk/resolve_path.h"
#include "path_walk/stat_at.h"
#include "path_walk/testing/mount_ns.h"
#include "path_walk/testing/resolvers.h"
#include "path_walk/testing/temp_tree.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::Checker;
using testing::N;
using testing::Names;

template <typename T>
int Err(const Result<T>& r) {
  return r.ok() ? 0 : r.error().value();
}

class NoXdevTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override { HG_SKIP_IF_NO_RESOLVER(GetParam()); }
};

TEST_P(NoXdevTest, CrossingIntoASubmountIsRefusedOnlyWhenAsked) {
  testing::TempTree t;
  t.MkDir("root");
  t.MkDir("root/mnt");
  t.MkDir("root/plain");
  t.WriteFile("root/file", "under");
  t.WriteFile("other", "bound");
  const Resolver resolver = GetParam();
  std::string failures = testing::RunInMountNamespace([&](Checker& c) {
    if (!c.Check(::mount("tmpfs", t.Path("root/mnt").c_str(), "tmpfs", 0, "size=1m") == 0,
                 "mount tmpfs")) {
      return;
    }
    if (!c.Check(::mount(t.Path("other").c_str(), t.Path("root/file").c_str(), nullptr, MS_BIND,
                         nullptr) == 0,
                 "bind file")) {
      return;
    }
    ::mkdir(t.Path("root/mnt/inner").c_str(), 0755);
    // The refusing pass first: the permissive pass truncates the bound file.
    for (bool no_xdev : {true, false}) {
      Options o;
      o.resolver = resolver;
      o.no_xdev = no_xdev;
      auto root = OpenMountRoot(t.Path("root"), o);
      if (!c.Check(root.ok(), "open root")) return;
      const Handle& r = root->handle();
      const int want = no_xdev ? EXDEV : 0;
      const std::string tag = no_xdev ? "[no_xdev] " : "[xdev] ";
      auto w = Walk(r, Names({"mnt", "inner"}));
      c.CheckErrno(Err(w), want, tag + "walk mnt/inner");
      c.CheckErrno(Err(ResolvePath(*root, "mnt/")), want, tag + "resolve mnt/");
      c.CheckErrno(Err(ResolvePath(*root, "mnt/.")), want, tag + "resolve mnt/.");
      c.CheckErrno(Err(StatAt(r, N("mnt"))), want, tag + "stat mnt");
      c.CheckErrno(Err(WalkStat(r, Names({"mnt"}))), want, tag + "walkstat mnt");
      c.CheckErrno(Err(OpenAt(r, N("file"), O_RDONLY)), want, tag + "open bind-mounted file");
      // O_TRUNC must not reach the bind-mounted file when the rule refuses it.
      c.CheckErrno(Err(OpenAt(r, N("file"), O_WRONLY | O_TRUNC)), want,
                   tag + "truncate bind-mounted file");
      if (no_xdev) {
        struct stat st {};
        c.Check(::stat(t.Path("other").c_str(), &st) == 0 && st.st_size == 5,
                tag + "bind-mounted file was truncated");
      }
      c.CheckErrno(Err(Walk(r, Names({"plain"}))), 0, tag + "walk plain dir");
      c.CheckErrno(Err(MkdirAt(r, N(no_xdev ? "made1" : "made0"), 0755)), 0, tag + "mkdir");
    }
    // A root that is itself a mount point: walking inside it is fine.
    Options o;
    o.resolver = resolver;
    o.no_xdev = true;
    auto inner_root = OpenMountRoot(t.Path("root/mnt"), o);
    if (c.Check(inner_root.ok(), "open mount-point root")) {
      c.CheckErrno(Err(Walk(inner_root->handle(), Names({"inner"}))), 0, "walk inside mount root");
      auto up = ResolvePath(*inner_root, "../..");
      c.Check(up.ok() && up->ino() == inner_root->handle().ino(), "'..' stays at mount root");
    }
  });
  EXPECT_EQ(failures, "");
}

INSTANTIATE_TEST_SUITE_P(Resolvers, NoXdevTest, testing::AllResolvers(),
                         testing::ResolverParamName);

}  // namespace
}  // namespace hg::path_walk
