// Mount-point crossing, in a forked child with its own mount namespace: a
// tmpfs mounted inside the root, an outside directory bind-mounted into the
// root by the "host", and a mount that appears over a directory after the
// server already holds a handle to it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "path_walk/path_walk.h"
#include "path_walk/testing/mount_ns.h"
#include "path_walk/testing/resolvers.h"
#include "path_walk/testing/temp_tree.h"
#include "tests/escape/world.h"

namespace hg::escape {
namespace {

using namespace path_walk;  // NOLINT: the suite exercises the whole API
using path_walk::testing::Checker;
using path_walk::testing::N;
using path_walk::testing::Names;

template <typename T>
int Err(const Result<T>& r) {
  return r.ok() ? 0 : r.error().value();
}
int Err(const Status& s) { return s.ok() ? 0 : s.error().value(); }

class MountCrossingTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override { HG_SKIP_IF_NO_RESOLVER(GetParam()); }
};

TEST_P(MountCrossingTest, SubmountsAndBindMountsOfOutside) {
  World world;
  world.tree.MkDir("root/mnt");
  world.tree.MkDir("root/bindout");
  world.tree.MkDir("root/d");
  world.tree.WriteFile("root/d/under", "under the mount");
  world.Seal();
  const Resolver resolver = GetParam();
  std::string failures = path_walk::testing::RunInMountNamespace([&](Checker& c) {
    const std::string mnt = world.Path("root/mnt");
    if (!c.Check(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") == 0, "mount tmpfs")) return;
    c.Check(::mkdir((mnt + "/inner").c_str(), 0755) == 0, "mkdir inner");
    c.Check(::symlink("../mnt/", (mnt + "/self").c_str()) == 0, "symlink self");
    c.Check(::symlink("../../outside", (mnt + "/up").c_str()) == 0, "symlink up");
    // The host bind-mounts an outside directory *into* the served tree.
    if (!c.Check(::mount(world.Path("outside").c_str(), world.Path("root/bindout").c_str(), nullptr,
                         MS_BIND, nullptr) == 0,
                 "bind outside into root")) {
      return;
    }
    auto proc = ProcSelfFd::Open();
    if (!c.Check(proc.ok(), "ProcSelfFd")) return;

    // A handle to root/d taken before anything is mounted over it.
    Options before;
    before.resolver = resolver;
    auto early_root = OpenMountRoot(world.Path("root"), before);
    if (!c.Check(early_root.ok(), "open early root")) return;
    auto early_d = Walk(early_root->handle(), Names({"d"}));
    if (!c.Check(early_d.ok() && early_d->status == WalkStatus::kSuccess, "walk d")) return;
    if (!c.Check(::mount("tmpfs", world.Path("root/d").c_str(), "tmpfs", 0, "size=1m") == 0,
                 "mount over d")) {
      return;
    }

    for (bool no_xdev : {true, false}) {
      const std::string tag = no_xdev ? "[no_xdev] " : "[xdev] ";
      Options o;
      o.resolver = resolver;
      o.no_xdev = no_xdev;
      auto root = OpenMountRoot(world.Path("root"), o);
      if (!c.Check(root.ok(), tag + "open root")) return;
      const Handle& r = root->handle();
      const int cross = no_xdev ? EXDEV : 0;
      for (const char* m : {"mnt", "bindout", "d"}) {
        const std::string mt = tag + m + ": ";
        c.CheckErrno(Err(Walk(r, std::vector<Name>{N(m)})), cross, mt + "walk");
        c.CheckErrno(Err(WalkStat(r, std::vector<Name>{N(m)})), cross, mt + "walkstat");
        c.CheckErrno(Err(StatAt(r, N(m))), cross, mt + "stat");
        c.CheckErrno(Err(OpenAt(r, N(m), O_RDONLY | O_DIRECTORY)), cross, mt + "open");
        c.CheckErrno(Err(ResolvePath(*root, std::string(m) + "/.")), cross, mt + "resolve");
        // Never creatable, removable or renamable, whatever the rule.
        c.CheckErrno(Err(MkdirAt(r, N(m), 0755)), EEXIST, mt + "mkdir over mount point");
        c.CheckErrno(Err(UnlinkAt(r, N(m), AT_REMOVEDIR)), EBUSY, mt + "rmdir mount point");
        c.CheckErrno(Err(RenameAt(r, N(m), r, N("renamed"), 0)), EBUSY, mt + "rename mount point");
      }
      if (!no_xdev) {
        // Mounts inside the root are part of the served tree when allowed:
        // the walk enters them but symlinks there are still never followed...
        auto self = Walk(r, Names({"mnt", "self", "inner"}));
        c.Check(self.ok() && self->status == WalkStatus::kComponentSymlink, tag + "mnt/self");
        auto up = Walk(r, Names({"mnt", "up", "canary.txt"}));
        c.Check(up.ok() && up->status == WalkStatus::kComponentSymlink, tag + "mnt/up");
        // ...and an object reached through a bind mount cannot be linked or
        // renamed out of its mount into the rest of the tree.
        auto bound = Walk(r, Names({"bindout"}));
        if (c.Check(bound.ok() && bound->status == WalkStatus::kSuccess, tag + "walk bindout")) {
          const Handle& b = bound->steps[0].handle;
          c.CheckErrno(Err(LinkAt(b, N("canary.txt"), r, N("stolen"))), EXDEV,
                       tag + "link out of bind mount");
          c.CheckErrno(Err(RenameAt(b, N("canary.txt"), r, N("stolen"), 0)), EXDEV,
                       tag + "rename out of bind mount");
          auto canary = Walk(b, Names({"canary.txt"}));
          if (c.Check(canary.ok() && canary->status == WalkStatus::kSuccess, tag + "walk canary")) {
            c.CheckErrno(Err(LinkHandle(*proc, canary->steps[0].handle, r, N("stolen"))), EXDEV,
                         tag + "link handle out of bind mount");
          }
          // ".." of the bind mount's root is the served root, never the
          // directory the bind mount came from.
          auto parent = Parent(*proc, *root, b);
          c.Check(parent.ok() && parent->ino() == r.ino(), tag + "parent of bind mount");
        }
        c.CheckErrno(Err(StatAt(r, N("stolen"))), ENOENT, tag + "stolen");
      }
    }
    // The early handle still names the directory under the new mount.
    const Handle& d = early_d->steps[0].handle;
    auto under = Walk(d, Names({"under"}));
    c.Check(under.ok() && under->status == WalkStatus::kSuccess,
            "early handle sees the covered directory");
    auto made = CreateAt(d, N("x"), O_WRONLY, 0600);
    c.Check(made.ok(), "create through early handle");
    c.Check(world.CanaryDiff() == "", "canaries changed in child: " + world.CanaryDiff());
  });
  EXPECT_EQ(failures, "");
  EXPECT_EQ(world.CanaryDiff(), "");
  // The create through the early handle landed in the covered directory.
  struct stat st {};
  EXPECT_EQ(::lstat(world.Path("root/d/x").c_str(), &st), 0);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, MountCrossingTest, path_walk::testing::AllResolvers(),
                         path_walk::testing::ResolverParamName);

}  // namespace
}  // namespace hg::escape
