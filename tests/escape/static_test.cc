// Static escape attempts: every way a hostile client (or a tree prepared by a
// host process) could try to name something outside the root without racing.
// Each case checks the API's answer exactly and then every canary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "path_walk/path_walk.h"
#include "path_walk/testing/resolvers.h"
#include "path_walk/testing/temp_tree.h"
#include "tests/escape/world.h"

namespace hg::escape {
namespace {

using namespace path_walk;  // NOLINT: the suite exercises the whole API
using path_walk::testing::N;
using path_walk::testing::Names;
using path_walk::testing::ReadAll;

template <typename T>
int Err(const Result<T>& r) {
  return r.ok() ? 0 : r.error().value();
}
int Err(const Status& s) { return s.ok() ? 0 : s.error().value(); }

class StaticEscapeTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override {
    HG_SKIP_IF_NO_RESOLVER(GetParam());
    auto p = ProcSelfFd::Open();
    path_walk::testing::SetupCheck(p.ok(), "ProcSelfFd::Open");
    proc_.emplace(std::move(p).value());
  }
  void TearDown() override {
    if (!IsSkipped()) {
      EXPECT_EQ(world_.CanaryDiff(), "");
    }
  }
  MountRoot Root(bool no_xdev = false) { return world_.OpenRoot(GetParam(), no_xdev); }

  // Everything the API offers at a name that is a symlink pointing outside:
  // nothing may follow it, create through it or read its target.
  void AttackSymlinkName(const MountRoot& root, const char* link, const char* what);

  World world_;
  std::optional<ProcSelfFd> proc_;
};

void RequireInside(const World& w, const Handle& h, const std::string& what) {
  EXPECT_FALSE(w.IsOutside(h)) << what << ": handle refers to an object outside the root";
}

void StaticEscapeTest::AttackSymlinkName(const MountRoot& root, const char* link,
                                         const char* what) {
  SCOPED_TRACE(std::string(what) + " (" + link + ")");
  const Handle& r = root.handle();
  const Name name = N(link);
  const std::string target_text = [&] {
    char buf[4096];
    ssize_t n = ::readlink(world_.Path(std::string("root/") + link).c_str(), buf, sizeof(buf));
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }();

  // Walks stop at the symlink, or return it as itself when it is last.
  for (const char* next : {"canary.txt", "f", "sub", "canary_dir", "listen.sock"}) {
    auto w = Walk(r, std::vector<Name>{name, N(next)});
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->status, WalkStatus::kComponentSymlink);
    ASSERT_EQ(w->steps.size(), 1u);
    EXPECT_TRUE(w->steps[0].handle.is_symlink());
    RequireInside(world_, w->steps[0].handle, "walk");
    auto ws = WalkStat(r, std::vector<Name>{name, N(next)});
    ASSERT_TRUE(ws.ok());
    ASSERT_EQ(ws->size(), 1u);
    EXPECT_TRUE(S_ISLNK((*ws)[0].stx_mode));
    EXPECT_EQ(Err(ResolvePath(root, std::string(link) + "/" + next)), ELOOP);
  }
  auto w = Walk(r, std::vector<Name>{name});
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->status, WalkStatus::kSuccess);
  const Handle& h = w->steps[0].handle;
  EXPECT_TRUE(h.is_symlink());
  RequireInside(world_, h, "walk last");
  auto rl = ReadLink(h);
  ASSERT_TRUE(rl.ok());
  EXPECT_EQ(*rl, target_text);  // the target is data for the client, nothing more

  // Opening by name or by handle never follows.
  for (int flags : {O_RDONLY, O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC, O_RDONLY | O_NONBLOCK}) {
    EXPECT_EQ(Err(OpenAt(r, name, flags)), ELOOP) << std::hex << flags;
    EXPECT_EQ(Err(Reopen(*proc_, h, flags)), ELOOP) << std::hex << flags;
  }
  // O_DIRECTORY: the kernel checks the type before O_NOFOLLOW.
  EXPECT_EQ(Err(OpenAt(r, name, O_RDONLY | O_DIRECTORY)), ENOTDIR);
  EXPECT_EQ(Err(Reopen(*proc_, h, O_RDONLY | O_DIRECTORY)), ELOOP);
  // Creating at the name never goes through it.
  EXPECT_EQ(Err(CreateAt(r, name, O_WRONLY, 0644)), EEXIST);
  EXPECT_EQ(Err(MkdirAt(r, name, 0755)), EEXIST);
  EXPECT_EQ(Err(MknodAt(r, name, S_IFIFO | 0600, 0)), EEXIST);
  EXPECT_EQ(Err(SymlinkAt(r, name, "x")), EEXIST);
  EXPECT_EQ(Err(LinkAt(r, N("hostlink"), r, name)), EEXIST);
  // Nothing can be created *in* the symlink handle either.
  EXPECT_EQ(Err(CreateAt(h, N("canary.txt"), O_WRONLY, 0644)), ENOTDIR);
  EXPECT_EQ(Err(MkdirAt(h, N("new"), 0755)), ENOTDIR);
  EXPECT_EQ(Err(Walk(h, Names({"canary.txt"}))), ENOTDIR);
  EXPECT_EQ(Err(StatAt(h, N("canary.txt"))), ENOTDIR);
  EXPECT_EQ(Err(UnlinkAt(h, N("canary.txt"), 0)), ENOTDIR);
  EXPECT_EQ(Err(RenameAt(h, N("canary.txt"), r, N("stolen"), 0)), ENOTDIR);
  EXPECT_EQ(Err(BindAddress(*proc_, h, N("s"))), ENOTDIR);
  EXPECT_EQ(Err(ConnectAddress(*proc_, h)), ENOTSOCK);
  // Stat reports the link itself.
  auto st = StatAt(r, name);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(S_ISLNK(st->stx_mode));
  EXPECT_FALSE(world_.IsOutside(*st));
  // Binding a socket at the name must not create one at the target.
  auto addr = BindAddress(*proc_, r, name);
  ASSERT_TRUE(addr.ok());
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_NE(::bind(s.get(), addr->get(), addr->len), 0);
  // Linking the symlink (by name or by handle) links the symlink.
  auto l1 = LinkAt(r, name, r, N("hl1"));
  ASSERT_TRUE(l1.ok()) << l1.error().ToString();
  EXPECT_TRUE(l1->handle.is_symlink());
  auto l2 = LinkHandle(*proc_, h, r, N("hl2"));
  ASSERT_TRUE(l2.ok()) << l2.error().ToString();
  EXPECT_TRUE(l2->handle.is_symlink());
  // Renaming and unlinking act on the link.
  ASSERT_TRUE(RenameAt(r, N("hl1"), r, N("hl3"), 0).ok());
  ASSERT_TRUE(RenameAt(r, N("hl3"), r, N("hl2"), RENAME_EXCHANGE).ok());
  ASSERT_TRUE(UnlinkAt(r, N("hl2"), 0).ok());
  ASSERT_TRUE(UnlinkAt(r, N("hl3"), 0).ok());
  EXPECT_EQ(Err(UnlinkAt(r, name, AT_REMOVEDIR)), ENOTDIR);
}

TEST_P(StaticEscapeTest, DotDotAtAndBelowTheRoot) {
  world_.tree.MkDir("root/a");
  world_.tree.MkDir("root/a/b");
  world_.Seal();
  MountRoot root = Root();
  for (const char* p : {"..", "../..", "../../../../../../../../..", "/..", "/../..", "a/../../..",
                        "a/b/../../../..", "a/../a/../..", "./../.", ""}) {
    auto h = ResolvePath(root, p);
    ASSERT_TRUE(h.ok()) << p;
    EXPECT_EQ(h->ino(), root.handle().ino()) << p;
    EXPECT_EQ(h->depth(), 0u) << p;
  }
  auto outside = ResolvePath(root, "../outside/canary.txt");
  EXPECT_EQ(Err(outside), ENOENT);  // "../outside" is root/outside, which does not exist
  auto b = ResolvePath(root, "a/b");
  ASSERT_TRUE(b.ok());
  auto up = Parent(*proc_, root, *b);
  ASSERT_TRUE(up.ok());
  auto up2 = Parent(*proc_, root, *up);
  ASSERT_TRUE(up2.ok());
  auto up3 = Parent(*proc_, root, *up2);
  ASSERT_TRUE(up3.ok());
  EXPECT_EQ(up2->ino(), root.handle().ino());
  EXPECT_EQ(up3->ino(), root.handle().ino());
  EXPECT_EQ(up3->depth(), 0u);
  EXPECT_EQ(Err(Locate(*proc_, root, root.handle())), EBUSY);
  // ".." can never be spelled as a Name.
  EXPECT_EQ(Err(Name::Make("..")), EINVAL);
}

TEST_P(StaticEscapeTest, AbsoluteSymlinksPointingOutside) {
  world_.tree.Symlink("root/abs_dir", world_.Path("outside"));
  world_.tree.Symlink("root/abs_file", world_.Path("outside/canary.txt"));
  world_.tree.Symlink("root/abs_sock", world_.Path("outside/listen.sock"));
  world_.tree.Symlink("root/abs_slash", "/");
  world_.tree.Symlink("root/abs_garbage", "/../../../../../../" + world_.Path("outside"));
  world_.Seal();
  MountRoot root = Root();
  AttackSymlinkName(root, "abs_dir", "absolute symlink to an outside directory");
  AttackSymlinkName(root, "abs_file", "absolute symlink to an outside file");
  AttackSymlinkName(root, "abs_sock", "absolute symlink to an outside socket");
  AttackSymlinkName(root, "abs_slash", "absolute symlink to /");
  AttackSymlinkName(root, "abs_garbage", "absolute symlink with leading ..");
  // An absolute path handed to the server-side resolver means the mount root.
  EXPECT_EQ(Err(ResolvePath(root, world_.Path("outside/canary.txt"))), ENOENT);
  EXPECT_EQ(Err(ResolvePath(root, "/etc/passwd")), ENOENT);
}

TEST_P(StaticEscapeTest, RelativeSymlinksPointingOutside) {
  world_.tree.MkDir("root/a");
  world_.tree.Symlink("root/rel_dir", "../outside");
  world_.tree.Symlink("root/rel_file", "../outside/canary.txt");
  world_.tree.Symlink("root/rel_deep",
                      "../../../../../../../../../../../../" + world_.Path("outside").substr(1));
  world_.tree.Symlink("root/rel_dot", "./../outside/./sub/..");
  world_.tree.Symlink("root/a/rel_up", "../../outside");
  world_.Seal();
  MountRoot root = Root();
  AttackSymlinkName(root, "rel_dir", "relative symlink to an outside directory");
  AttackSymlinkName(root, "rel_file", "relative symlink to an outside file");
  AttackSymlinkName(root, "rel_deep", "relative symlink with many ..");
  AttackSymlinkName(root, "rel_dot", "relative symlink with . and ..");
  auto w = Walk(root.handle(), Names({"a", "rel_up", "canary.txt"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kComponentSymlink);
  EXPECT_EQ(w->steps.size(), 2u);
}

TEST_P(StaticEscapeTest, SymlinkLoopsAndChains) {
  world_.tree.Symlink("root/loop_a", "loop_b");
  world_.tree.Symlink("root/loop_b", "loop_a");
  world_.tree.Symlink("root/self", "self");
  world_.tree.Symlink("root/chain1", "chain2");
  world_.tree.Symlink("root/chain2", "chain3");
  world_.tree.Symlink("root/chain3", "../outside");
  world_.tree.Symlink("root/dotloop", "./dotloop/./dotloop");
  world_.Seal();
  MountRoot root = Root();
  for (const char* link : {"loop_a", "loop_b", "self", "chain1", "chain2", "chain3", "dotloop"}) {
    AttackSymlinkName(root, link, "loop or chain");
  }
  // A walk never spends more than one step on a chain.
  auto w = Walk(root.handle(), Names({"chain1", "chain2", "chain3", "canary.txt"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kComponentSymlink);
  EXPECT_EQ(w->steps.size(), 1u);
}

TEST_P(StaticEscapeTest, MagicLinksInTheTree) {
  UniqueFd outside_dir(
      ::open(world_.Path("outside/canary_dir").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(outside_dir.valid());
  world_.tree.Symlink("root/procfd", "/proc/self/fd/" + std::to_string(outside_dir.get()));
  world_.tree.Symlink("root/procroot", "/proc/self/root");
  world_.tree.Symlink("root/proccwd", "/proc/self/cwd");
  world_.tree.Symlink("root/procexe", "/proc/self/exe");
  world_.tree.Symlink("root/procself", "/proc/self");
  world_.tree.Symlink("root/procpid", "/proc/" + std::to_string(::getpid()) + "/root");
  world_.Seal();
  MountRoot root = Root();
  for (const char* link : {"procfd", "procroot", "proccwd", "procexe", "procself", "procpid"}) {
    AttackSymlinkName(root, link, "symlink to a magic link");
  }
  EXPECT_EQ(Err(ResolvePath(root, "procroot/etc/passwd")), ELOOP);
  EXPECT_EQ(Err(ResolvePath(root, "procfd/inner.txt")), ELOOP);
}

// Serving procfs itself (a tree that *contains* magic links): walking onto a
// magic link returns the link, never the object it would jump to.
TEST_P(StaticEscapeTest, MagicLinksInsideAServedProcfs) {
  world_.Seal();
  UniqueFd outside_dir(
      ::open(world_.Path("outside/canary_dir").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(outside_dir.valid());
  Options o;
  o.resolver = GetParam();
  auto proc_root = OpenMountRoot("/proc", o);
  ASSERT_TRUE(proc_root.ok());
  const Handle& r = proc_root->handle();
  const std::string pid = std::to_string(::getpid());
  const std::string fdnum = std::to_string(outside_dir.get());
  for (const char* magic : {"root", "cwd", "exe"}) {
    auto w = Walk(r, std::vector<Name>{N(pid), N(magic), N("etc")});
    ASSERT_TRUE(w.ok()) << magic;
    EXPECT_EQ(w->status, WalkStatus::kComponentSymlink) << magic;
    ASSERT_EQ(w->steps.size(), 2u);
    EXPECT_TRUE(w->steps[1].handle.is_symlink());
    EXPECT_EQ(Err(OpenAt(w->steps[0].handle, N(magic), O_RDONLY)), ELOOP) << magic;
    EXPECT_EQ(Err(Reopen(*proc_, w->steps[1].handle, O_RDONLY)), ELOOP) << magic;
  }
  auto fdlink = Walk(r, std::vector<Name>{N(pid), N("fd"), N(fdnum), N("inner.txt")});
  ASSERT_TRUE(fdlink.ok());
  EXPECT_EQ(fdlink->status, WalkStatus::kComponentSymlink);
  ASSERT_EQ(fdlink->steps.size(), 3u);
  EXPECT_FALSE(world_.IsOutside(fdlink->steps[2].handle));
  EXPECT_EQ(Err(OpenAt(fdlink->steps[1].handle, N(fdnum), O_RDONLY)), ELOOP);
  auto self = Walk(r, Names({"self", "root"}));
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->status, WalkStatus::kComponentSymlink);  // "self" is a symlink
  auto thread_self = Walk(r, Names({"thread-self", "root"}));
  ASSERT_TRUE(thread_self.ok());
  EXPECT_EQ(thread_self->status, WalkStatus::kComponentSymlink);
}

// Hard links made by a host process to outside files are *not* protected
// (docs/threat-model.md): the inode is inside the tree by the host's choice.
// What path_walk guarantees is that it never creates such a link itself.
TEST_P(StaticEscapeTest, HardLinks) {
  world_.tree.Symlink("root/abs_file", world_.Path("outside/canary.txt"));
  world_.Seal();
  MountRoot root = Root();
  const Handle& r = root.handle();
  // The documented non-protection, asserted so that the document stays true.
  auto fd = OpenAt(r, N("hostlink"), O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadAll(fd->get()), kHostLinked);
  // Linking a symlink to an outside file links the symlink, not the file.
  auto byname = LinkAt(r, N("abs_file"), r, N("l1"));
  ASSERT_TRUE(byname.ok());
  EXPECT_TRUE(byname->handle.is_symlink());
  auto w = Walk(r, Names({"abs_file"}));
  ASSERT_TRUE(w.ok());
  auto byhandle = LinkHandle(*proc_, w->steps[0].handle, r, N("l2"));
  ASSERT_TRUE(byhandle.ok());
  EXPECT_TRUE(byhandle->handle.is_symlink());
  // Handles of another mount (even of the outside directory) cannot be linked in.
  Options o;
  o.resolver = GetParam();
  auto outside_root = OpenMountRoot(world_.Path("outside"), o);
  ASSERT_TRUE(outside_root.ok());
  auto canary = Walk(outside_root->handle(), Names({"canary.txt"}));
  ASSERT_TRUE(canary.ok());
  EXPECT_EQ(Err(LinkHandle(*proc_, canary->steps[0].handle, r, N("stolen"))), EXDEV);
  EXPECT_EQ(Err(LinkAt(outside_root->handle(), N("canary.txt"), r, N("stolen"))), EXDEV);
  EXPECT_EQ(Err(RenameAt(outside_root->handle(), N("canary.txt"), r, N("stolen"), 0)), EXDEV);
  EXPECT_EQ(Err(Parent(*proc_, root, canary->steps[0].handle)), EXDEV);
  EXPECT_EQ(Err(StatAt(r, N("stolen"))), ENOENT);
  ASSERT_TRUE(UnlinkAt(r, N("l1"), 0).ok());
  ASSERT_TRUE(UnlinkAt(r, N("l2"), 0).ok());
}

TEST_P(StaticEscapeTest, NamesWithSlashNulDotsAndTooLong) {
  using namespace std::string_view_literals;
  world_.Seal();
  MountRoot root = Root();
  for (std::string_view bad :
       {""sv, "."sv, ".."sv, "/"sv, "../outside"sv, "a/b"sv, "/etc"sv, "a\0b"sv, "\0"sv}) {
    EXPECT_EQ(Err(Name::Make(bad)), EINVAL) << "'" << bad << "'";
  }
  EXPECT_EQ(Err(Name::Make(std::string(256, 'x'))), ENAMETOOLONG);
  EXPECT_EQ(Err(ResolvePath(root, "x\0/../outside"sv)), EINVAL);
  EXPECT_EQ(Err(ResolvePath(root, std::string(256, 'x'))), ENAMETOOLONG);
  // The longest valid name works end to end.
  const Name longest = N(std::string(255, 'y'));
  auto d = MkdirAt(root.handle(), longest, 0755);
  ASSERT_TRUE(d.ok());
  auto w = Walk(root.handle(), std::vector<Name>{longest});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kSuccess);
  ASSERT_TRUE(UnlinkAt(root.handle(), longest, AT_REMOVEDIR).ok());
}

// A tree far deeper than PATH_MAX: handles make depth irrelevant, and ".."
// still cannot rise above the root however many there are.
TEST_P(StaticEscapeTest, TreesDeeperThanPathMax) {
  world_.Seal();
  MountRoot root = Root();
  const std::string component(200, 'd');
  const Name name = N(component);
  constexpr int kDepth = 30;  // 30 * 201 bytes > PATH_MAX (4096)
  std::vector<Name> names;
  auto cur = root.handle().Dup();
  ASSERT_TRUE(cur.ok());
  Handle h = std::move(cur).value();
  std::string path;
  for (int i = 0; i < kDepth; ++i) {
    auto d = MkdirAt(h, name, 0755);
    ASSERT_TRUE(d.ok()) << i;
    h = std::move(d->handle);
    names.push_back(name);
    path += component + "/";
  }
  ASSERT_GT(path.size(), static_cast<size_t>(PATH_MAX));
  EXPECT_EQ(h.depth(), static_cast<uint32_t>(kDepth));
  auto w = Walk(root.handle(), names);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, WalkStatus::kSuccess);
  EXPECT_EQ(w->steps.back().handle.ino(), h.ino());
  auto resolved = ResolvePath(root, path);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->ino(), h.ino());
  std::string up = path;
  for (int i = 0; i < kDepth + 20; ++i) up += "../";
  auto top = ResolvePath(root, up);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->ino(), root.handle().ino());
  // A symlink at the bottom climbing far above the root: a symlink, nothing more.
  std::string climb;
  for (int i = 0; i < kDepth + 5; ++i) climb += "../";
  auto s = SymlinkAt(h, N("climb"), climb + "outside");
  ASSERT_TRUE(s.ok());
  auto through = Walk(h, Names({"climb", "canary.txt"}));
  ASSERT_TRUE(through.ok());
  EXPECT_EQ(through->status, WalkStatus::kComponentSymlink);
  auto c = CreateAt(h, N("bottom"), O_WRONLY, 0600);
  ASSERT_TRUE(c.ok());
  // procfs cannot print paths this long: Parent says so instead of guessing.
  EXPECT_EQ(Err(Parent(*proc_, root, h)), ENAMETOOLONG);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, StaticEscapeTest, path_walk::testing::AllResolvers(),
                         path_walk::testing::ResolverParamName);

}  // namespace
}  // namespace hg::escape
