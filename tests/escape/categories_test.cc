// Our own cases for every category of the kernel's openat2 selftest
// (tools/testing/selftests/openat2/resolve_test.c): RESOLVE_BENEATH,
// RESOLVE_IN_ROOT, RESOLVE_NO_XDEV, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS.
//
// We rebuild the selftest's tree (our construction, same shape: absolute and
// relative links that climb out, garbage "/../.." links, magic links, a
// mount point with links that cross back up) and run each of its paths
// through path_walk's server-side resolver, which never follows a symlink:
// a symlink in the middle is ELOOP, a trailing one is returned as itself,
// ".." is clamped at the root and "/" means the root. For every case we also
// check that the result lies below the mount root (by procfs path), and, when
// the kernel's own openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS) resolves the same path, that we reach the same
// object. Each category runs in a forked child with its own mount namespace
// (the tree has a tmpfs mount point), once per resolver.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

enum class RootKind { kTree, kMnt, kProc };
enum class Expect { kObject, kSymlinkItself, kError, kCreate };

struct Case {
  std::string name;
  RootKind root = RootKind::kTree;
  std::string path;
  Expect expect = Expect::kObject;
  std::string out;  // kObject / kSymlinkItself: path below the mount root ("" = root)
  int err = 0;      // kError / kCreate (0 = must succeed)
};

Case Obj(std::string name, std::string path, std::string out, RootKind k = RootKind::kTree) {
  return Case{std::move(name), k, std::move(path), Expect::kObject, std::move(out), 0};
}
Case Link(std::string name, std::string path, RootKind k = RootKind::kTree) {
  std::string out = path;
  while (!out.empty() && out.front() == '/') out.erase(0, 1);
  return Case{std::move(name), k, std::move(path), Expect::kSymlinkItself, out, 0};
}
Case Fail(std::string name, std::string path, int err, RootKind k = RootKind::kTree) {
  return Case{std::move(name), k, std::move(path), Expect::kError, "", err};
}
Case Create(std::string name, std::string path, int err) {
  return Case{std::move(name), RootKind::kTree, std::move(path), Expect::kCreate, "", err};
}

// The selftest's tree, built below root/ (mnt/ is mounted in the child).
void BuildSelftestTree(World& w) {
  auto& t = w.tree;
  t.Symlink("root/procexe", "/proc/self/exe");
  t.Symlink("root/procroot", "/proc/self/root");
  t.MkDir("root/root");
  t.MkDir("root/mnt");
  t.MkDir("root/etc");
  t.WriteFile("root/etc/passwd", "inside passwd\n");
  t.Symlink("root/creatlink", "/newfile3");
  t.Symlink("root/reletc", "etc/");
  t.Symlink("root/relsym", "etc/passwd");
  t.Symlink("root/absetc", "/etc/");
  t.Symlink("root/abssym", "/etc/passwd");
  t.Symlink("root/abscheeky", "/cheeky");
  t.MkDir("root/cheeky");
  t.Symlink("root/cheeky/absself", "/");
  t.Symlink("root/cheeky/self", "../../root/");
  t.Symlink("root/cheeky/garbageself", "/../../root/");
  t.Symlink("root/cheeky/passwd", "../cheeky/../cheeky/../etc/../etc/passwd");
  t.Symlink("root/cheeky/abspasswd", "/../cheeky/../cheeky/../etc/../etc/passwd");
  t.Symlink("root/cheeky/dotdotlink", "../../../../../../../../../../../../../../etc/passwd");
  t.Symlink("root/cheeky/garbagelink", "/../../../../../../../../../../../../../../etc/passwd");
}

std::vector<Case> BeneathCases() {
  return {
      Obj("jump to /", "/", ""),
      Link("absolute link to $root", "cheeky/absself"),
      Fail("chained absolute links to $root", "abscheeky/absself", ELOOP),
      Obj("jump outside $root", "..", ""),
      Obj("temporary jump outside $root", "../root/", "root"),
      Link("symlink temporary jump outside $root", "cheeky/self"),
      Fail("chained symlink temporary jump outside $root", "abscheeky/self", ELOOP),
      Link("garbage links to $root", "cheeky/garbageself"),
      Fail("chained garbage links to $root", "abscheeky/garbageself", ELOOP),
      Obj("ordinary path to 'root'", "root", "root"),
      Obj("ordinary path to 'etc'", "etc", "etc"),
      Obj("ordinary path to 'etc/passwd'", "etc/passwd", "etc/passwd"),
      Link("relative symlink inside $root", "relsym"),
      Link("chained-'..' relative symlink inside $root", "cheeky/passwd"),
      Fail("absolute symlink component outside $root", "abscheeky/passwd", ELOOP),
      Link("absolute symlink target outside $root", "abssym"),
      Obj("absolute path outside $root", "/etc/passwd", "etc/passwd"),
      Link("cheeky absolute path outside $root", "cheeky/abspasswd"),
      Fail("chained cheeky absolute path outside $root", "abscheeky/abspasswd", ELOOP),
      Link("tricky '..'-chained symlink outside $root", "cheeky/dotdotlink"),
      Fail("tricky absolute + '..'-chained symlink outside $root", "abscheeky/dotdotlink", ELOOP),
      Link("tricky garbage link outside $root", "cheeky/garbagelink"),
      Fail("tricky absolute + garbage link outside $root", "abscheeky/garbagelink", ELOOP),
  };
}

std::vector<Case> InRootCases() {
  return {
      Obj("jump to /", "/", ""),
      Link("absolute symlink to /root", "cheeky/absself"),
      Fail("chained absolute symlinks to /root", "abscheeky/absself", ELOOP),
      Obj("'..' at root", "..", ""),
      Obj("'../root' at root", "../root/", "root"),
      Link("relative symlink containing '..' above root", "cheeky/self"),
      Link("garbage link to /root", "cheeky/garbageself"),
      Fail("chained garbage links to /root", "abscheeky/garbageself", ELOOP),
      Obj("relative path to 'root'", "root", "root"),
      Obj("relative path to 'etc/passwd'", "etc/passwd", "etc/passwd"),
      Link("relative symlink to 'etc/passwd'", "relsym"),
      Fail("chained-'..' absolute + relative symlink", "abscheeky/passwd", ELOOP),
      Link("absolute symlink to 'etc/passwd'", "abssym"),
      Obj("absolute path 'etc/passwd'", "/etc/passwd", "etc/passwd"),
      Fail("tricky absolute path + absolute + '..'-chained symlink",
           "/../../../../abscheeky/dotdotlink", ELOOP),
      Fail("tricky absolute path + absolute + garbage link", "/../../../../abscheeky/garbagelink",
           ELOOP),
      Obj("many '..' then a real path", "/../../../../etc/../etc/passwd", "etc/passwd"),
      Create("O_CREAT of relative path inside $root", "newfile1", 0),
      Create("O_CREAT of absolute path", "/newfile2", 0),
      Create("O_CREAT of tricky symlink outside root", "/creatlink", EEXIST),
  };
}

std::vector<Case> NoXdevCases() {
  const std::string pid = std::to_string(::getpid());
  return {
      Fail("cross into $mnt", "mnt", EXDEV),
      Fail("cross into $mnt/", "mnt/", EXDEV),
      Fail("cross into $mnt/.", "mnt/.", EXDEV),
      Obj("goto mountpoint root", ".", "", RootKind::kMnt),
      Obj("cross up through '..' (clamped)", "..", "", RootKind::kMnt),
      Fail("temporary cross up through '..'", "../mnt", ENOENT, RootKind::kMnt),
      Link("temporary relative symlink cross up", "self", RootKind::kMnt),
      Link("temporary absolute symlink cross up", "absself", RootKind::kMnt),
      Obj("jump to / directly", "/", "", RootKind::kMnt),
      Fail("jump to / then proc", "/proc/1", ENOENT),
      Fail("jump to / then tmp", "/tmp", ENOENT),
      Fail("cross through magic-link to self/root", "self/root", ELOOP, RootKind::kProc),
      Fail("cross through magic-link to self/cwd", "self/cwd", ELOOP, RootKind::kProc),
      Link("magic link <pid>/root is returned, not crossed", pid + "/root", RootKind::kProc),
      Fail("magic link <pid>/root as a component", pid + "/root/etc", ELOOP, RootKind::kProc),
      Obj("ordinary procfs directory", pid + "/fd", pid + "/fd", RootKind::kProc),
  };
}

std::vector<Case> NoMagiclinksCases() {
  const std::string pid = std::to_string(::getpid());
  return {
      Link("ordinary relative symlink", "relsym"),
      Link("symlink to magic-link", "procexe"),
      Fail("normal path to magic-link (our root has no /proc)", "/proc/self/exe", ENOENT),
      Fail("symlink to magic-link path component", "procroot/etc", ELOOP),
      Fail("magic-link path component (our root has no /proc)", "/proc/self/root/etc", ENOENT),
      Fail("served procfs: self is a symlink", "self/exe", ELOOP, RootKind::kProc),
      Link("served procfs: magic link returned as itself", pid + "/exe", RootKind::kProc),
      Fail("served procfs: magic-link path component", pid + "/root/etc", ELOOP, RootKind::kProc),
      Fail("served procfs: cwd magic-link path component", pid + "/cwd/x", ELOOP, RootKind::kProc),
  };
}

std::vector<Case> NoSymlinksCases() {
  return {
      Obj("ordinary path to '.'", ".", ""),
      Obj("ordinary path to 'root'", "root", "root"),
      Obj("ordinary path to 'etc'", "etc", "etc"),
      Obj("ordinary path to 'etc/passwd'", "etc/passwd", "etc/passwd"),
      Link("relative symlink target", "relsym"),
      Fail("relative symlink component", "reletc/passwd", ELOOP),
      Link("absolute symlink target", "abssym"),
      Fail("absolute symlink component", "absetc/passwd", ELOOP),
      Link("cheeky garbage link", "cheeky/garbagelink"),
      Fail("cheeky absolute + garbage link", "abscheeky/garbagelink", ELOOP),
      Fail("cheeky absolute + absolute symlink", "abscheeky/absself", ELOOP),
      Link("trailing symlink", "cheeky/garbagelink"),
      Fail("multiple symlink components", "abscheeky/absself", ELOOP),
  };
}

// Splits into Names if every component is an ordinary name.
bool PlainNames(const std::string& path, std::vector<Name>* out) {
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    auto n = Name::Make(path.substr(pos, slash - pos));
    if (!n.ok()) return false;
    out->push_back(std::move(n).value());
    pos = slash + 1;
  }
  return !out->empty();
}

class CategoryTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override { HG_SKIP_IF_NO_RESOLVER(GetParam()); }
  // Runs `cases` in a child with root/mnt mounted; `no_xdev` for every root.
  void Run(const char* category, const std::vector<Case>& cases, bool no_xdev);
};

void CategoryTest::Run(const char* category, const std::vector<Case>& cases, bool no_xdev) {
  World world;
  BuildSelftestTree(world);
  world.Seal();
  const Resolver resolver = GetParam();
  struct stat before {};
  const bool newfile3_existed = ::lstat("/newfile3", &before) == 0;
  std::string failures = path_walk::testing::RunInMountNamespace([&](Checker& c) {
    const std::string mnt = world.Path("root/mnt");
    if (!c.Check(::mount("tmpfs", mnt.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") == 0,
                 "mount tmpfs on mnt")) {
      return;
    }
    c.Check(::symlink("../mnt/", (mnt + "/self").c_str()) == 0, "mnt/self");
    c.Check(::symlink("/mnt/", (mnt + "/absself").c_str()) == 0, "mnt/absself");
    auto proc = ProcSelfFd::Open();
    if (!c.Check(proc.ok(), "ProcSelfFd::Open")) return;
    Options o;
    o.resolver = resolver;
    o.no_xdev = no_xdev;
    auto tree = OpenMountRoot(world.Path("root"), o);
    auto mntroot = OpenMountRoot(mnt, o);
    auto procroot = OpenMountRoot("/proc", o);
    if (!c.Check(tree.ok() && mntroot.ok() && procroot.ok(), "open roots")) return;

    for (const Case& k : cases) {
      const std::string tag = std::string("[") + category + "] " + k.name + " (" + k.path + "): ";
      const MountRoot& root =
          k.root == RootKind::kTree ? *tree : (k.root == RootKind::kMnt ? *mntroot : *procroot);
      const std::string root_path = k.root == RootKind::kTree
                                        ? world.Path("root")
                                        : (k.root == RootKind::kMnt ? mnt : "/proc");

      if (k.expect == Expect::kCreate) {
        const std::size_t slash = k.path.rfind('/');
        const std::string dir = slash == std::string::npos ? "" : k.path.substr(0, slash);
        const std::string last = slash == std::string::npos ? k.path : k.path.substr(slash + 1);
        auto parent = ResolvePath(root, dir);
        auto name = Name::Make(last);
        if (!c.Check(parent.ok() && name.ok(), tag + "resolve parent")) continue;
        auto made = CreateAt(*parent, *name, O_WRONLY, 0600);
        c.CheckErrno(made.ok() ? 0 : made.error().value(), k.err, tag + "create");
        if (made.ok()) {
          struct stat st {};
          c.Check(::lstat((root_path + "/" + last).c_str(), &st) == 0 &&
                      st.st_ino == made->child.handle.ino(),
                  tag + "created below the root");
        }
        continue;
      }

      auto got = ResolvePath(root, k.path);
      const int want_err = k.expect == Expect::kError ? k.err : 0;
      if (!c.CheckErrno(got.ok() ? 0 : got.error().value(), want_err, tag + "resolve")) continue;
      if (got.ok()) {
        // Below the mount root, by the kernel's own account of the path.
        auto root_text = proc->ReadLink(root.handle());
        auto got_text = proc->ReadLink(*got);
        c.Check(root_text.ok() && got_text.ok() &&
                    (*got_text == *root_text ||
                     got_text->rfind(*root_text == "/" ? *root_text : *root_text + "/", 0) == 0),
                tag + "result is not below the mount root");
        if (k.root != RootKind::kProc) {
          c.Check(!world.IsOutside(*got), tag + "result is an outside object");
        }
        struct stat want {};
        const std::string want_path = k.out.empty() ? root_path : root_path + "/" + k.out;
        c.Check(::lstat(want_path.c_str(), &want) == 0 && want.st_ino == got->ino() &&
                    want.st_dev == got->dev(),
                tag + "resolved to the wrong object");
        c.Check((k.expect == Expect::kSymlinkItself) == got->is_symlink(),
                tag + (got->is_symlink() ? "unexpected symlink" : "expected the symlink itself"));
      }
      // The same path as a Walk of names, where it is spelled with names only.
      std::vector<Name> names;
      if (PlainNames(k.path, &names)) {
        auto w = Walk(root.handle(), names);
        if (k.expect == Expect::kError && k.err == EXDEV) {
          c.CheckErrno(w.ok() ? 0 : w.error().value(), EXDEV, tag + "walk");
        } else if (c.Check(w.ok(), tag + "walk failed")) {
          const WalkStatus want_status = k.expect == Expect::kError
                                             ? (k.err == ELOOP ? WalkStatus::kComponentSymlink
                                                               : WalkStatus::kComponentDoesNotExist)
                                             : WalkStatus::kSuccess;
          c.Check(w->status == want_status, tag + "walk status");
          for (const Child& step : w->steps) {
            if (k.root != RootKind::kProc) {
              c.Check(!world.IsOutside(step.handle), tag + "walk step is outside");
            }
          }
        }
      }
      // Kernel cross-check: where openat2 itself resolves the path beneath
      // the root without symlinks, we must reach the same object.
      if (Openat2Available()) {
        open_how how{};
        how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                      (no_xdev ? RESOLVE_NO_XDEV : 0);
        UniqueFd kfd(static_cast<int>(
            ::syscall(SYS_openat2, root.handle().fd(), k.path.c_str(), &how, sizeof(how))));
        if (kfd.valid()) {
          struct stat kst {};
          c.Check(got.ok() && ::fstat(kfd.get(), &kst) == 0 && kst.st_ino == got->ino() &&
                      kst.st_dev == got->dev(),
                  tag + "kernel openat2 reached another object");
        }
      }
    }
    c.Check(world.CanaryDiff() == "",
            std::string("canaries changed in child: ") + world.CanaryDiff());
  });
  EXPECT_EQ(failures, "");
  struct stat after {};
  EXPECT_EQ(::lstat("/newfile3", &after) == 0, newfile3_existed) << "/newfile3 appeared";
  EXPECT_EQ(world.CanaryDiff(), "");
}

TEST_P(CategoryTest, Beneath) { Run("beneath", BeneathCases(), false); }
TEST_P(CategoryTest, InRoot) { Run("in_root", InRootCases(), false); }
TEST_P(CategoryTest, NoXdev) { Run("no_xdev", NoXdevCases(), true); }
TEST_P(CategoryTest, NoMagiclinks) { Run("no_magiclinks", NoMagiclinksCases(), false); }
TEST_P(CategoryTest, NoSymlinks) { Run("no_symlinks", NoSymlinksCases(), false); }

INSTANTIATE_TEST_SUITE_P(Resolvers, CategoryTest, path_walk::testing::AllResolvers(),
                         path_walk::testing::ResolverParamName);

}  // namespace
}  // namespace hg::escape
