// Race cases: a hostile host process renames, exchanges and moves things in
// the served tree while the server walks, opens, creates and climbs. Each case
// runs at least 100,000 rounds (rounds.h), counts how often the victim saw the
// attacker's state, fails if it never did, and checks every canary after.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "path_walk/path_walk.h"
#include "path_walk/testing/resolvers.h"
#include "path_walk/testing/temp_tree.h"
#include "tests/escape/attacker.h"
#include "tests/escape/rounds.h"
#include "tests/escape/world.h"

namespace hg::escape {
namespace {

using namespace path_walk;  // NOLINT: the suite exercises the whole API
using path_walk::testing::N;
using path_walk::testing::Names;
using path_walk::testing::ReadAll;

enum class Target { kAbsolute, kRelative };

std::string ErrName(Errno e) { return e.ToString(); }

class RaceTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override {
    HG_SKIP_IF_NO_RESOLVER(GetParam());
    auto p = ProcSelfFd::Open();
    path_walk::testing::SetupCheck(p.ok(), "ProcSelfFd::Open");
    proc_.emplace(std::move(p).value());
  }

  std::string CaseName(const char* what) const {
    return std::string(what) + "/" + std::string(ResolverName(GetParam()));
  }

  // Stops the attacker, prints the tally and checks the common rules.
  void Finish(RaceTally& tally, Attacker& attacker, bool require_window,
              const std::set<std::string>& allowed_in_away = {}) {
    const AttackerReport rep = attacker.Stop();
    RecordProperty("race", tally.Print(rep));
    EXPECT_TRUE(rep.exited_cleanly);
    EXPECT_EQ(rep.failed, 0u) << "attacker steps failed: the attack did not run as designed";
    EXPECT_GE(tally.rounds, budget_.rounds());
    EXPECT_EQ(tally.violations, 0u) << "first violation: " << tally.first_violation;
    EXPECT_GT(tally.observed, 0u) << "race not exercised: the attacker's state was never seen";
    EXPECT_GT(tally.normal, 0u) << "the victim never saw the tree as set up";
    if (require_window) {
      EXPECT_GT(tally.window, 0u) << "race not exercised: the targeted window was never hit";
    }
    EXPECT_EQ(world_.CanaryDiff(allowed_in_away), "");
  }

  static bool Exercised(const RaceTally& t, bool require_window) {
    return t.observed > 0 && t.normal > 0 && (!require_window || t.window > 0);
  }

  void ExchangeDuringWalk(Target target);
  void ExchangeDuringCreate(Target target);
  void FileReplacedBetweenWalkAndOpen(Target target);

  World world_;
  RaceBudget budget_;
  std::optional<ProcSelfFd> proc_;
};

// Directory "d" and symlink "s" -> outside swap places atomically
// (RENAME_EXCHANGE) while the server walks d/f. The outside directory holds
// an "f" too, so following the symlink would find a file, not ENOENT.
void RaceTest::ExchangeDuringWalk(Target target) {
  world_.tree.MkDir("root/d");
  world_.tree.MkDir("root/d/sub");
  world_.tree.WriteFile("root/d/f", kInsideF);
  world_.tree.Symlink("root/s",
                      target == Target::kAbsolute ? world_.Path("outside") : "../outside");
  world_.Seal();
  const auto ino_d = world_.Ino("root/d");
  const auto ino_f = world_.Ino("root/d/f");
  const auto ino_s = world_.Ino("root/s");
  MountRoot root = world_.OpenRoot(GetParam());
  const std::vector<Name> names = Names({"d", "f"});
  const Name f = N("f");

  const int rootfd = world_.root_fd();
  Attacker attacker([rootfd] { return ::renameat2(rootfd, "d", rootfd, "s", RENAME_EXCHANGE); });
  attacker.WaitUntilRunning();
  RaceTally tally(CaseName(target == Target::kAbsolute ? "ExchangeDirWithAbsSymlinkDuringWalk"
                                                       : "ExchangeDirWithRelSymlinkDuringWalk"));
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, false)); ++tally.rounds) {
    auto w = Walk(root.handle(), names);
    if (!w.ok()) {
      tally.Violation("walk failed: " + ErrName(w.error()));
      continue;
    }
    for (const Child& c : w->steps) {
      if (world_.IsOutside(c.handle)) tally.Violation("walk returned a handle outside the root");
    }
    if (w->status == WalkStatus::kSuccess && w->steps.size() == 2 &&
        w->steps[0].handle.ino() == ino_d && w->steps[1].handle.ino() == ino_f) {
      ++tally.normal;
      auto fd = OpenAt(w->steps[0].handle, f, O_RDONLY);
      if (!fd.ok() || ReadAll(fd->get()) != kInsideF) tally.Violation("d/f did not read INSIDE");
    } else if (w->status == WalkStatus::kComponentSymlink && w->steps.size() == 1 &&
               w->steps[0].handle.is_symlink() && w->steps[0].handle.ino() == ino_s) {
      ++tally.observed;
    } else {
      tally.Violation("unexpected walk outcome, status " +
                      std::to_string(static_cast<int>(w->status)));
    }
  }
  Finish(tally, attacker, false);
}

TEST_P(RaceTest, ExchangeDirWithAbsSymlinkDuringWalk) { ExchangeDuringWalk(Target::kAbsolute); }
TEST_P(RaceTest, ExchangeDirWithRelSymlinkDuringWalk) { ExchangeDuringWalk(Target::kRelative); }

// Same exchange while the server creates a file and a directory in what it
// walked to, and opens "d" by name. Creates must land in the real directory
// whatever its name is at that moment; nothing may appear outside.
void RaceTest::ExchangeDuringCreate(Target target) {
  world_.tree.MkDir("root/d");
  world_.tree.Symlink("root/s",
                      target == Target::kAbsolute ? world_.Path("outside") : "../outside");
  world_.Seal();
  const auto ino_d = world_.Ino("root/d");
  const auto ino_s = world_.Ino("root/s");
  MountRoot root = world_.OpenRoot(GetParam());
  const std::vector<Name> names = Names({"d"});
  const Name d = N("d");
  const Name file = N("new");
  const Name dir = N("newdir");

  const int rootfd = world_.root_fd();
  Attacker attacker([rootfd] { return ::renameat2(rootfd, "d", rootfd, "s", RENAME_EXCHANGE); });
  attacker.WaitUntilRunning();
  RaceTally tally(CaseName(target == Target::kAbsolute ? "ExchangeDirWithAbsSymlinkDuringCreate"
                                                       : "ExchangeDirWithRelSymlinkDuringCreate"));
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, false)); ++tally.rounds) {
    auto w = Walk(root.handle(), names);
    if (!w.ok() || w->steps.size() != 1) {
      tally.Violation("walk d failed");
      continue;
    }
    const Handle& h = w->steps[0].handle;
    if (world_.IsOutside(h)) tally.Violation("walk returned a handle outside the root");
    if (h.is_dir() && h.ino() == ino_d) {
      ++tally.normal;
      auto c = CreateAt(h, file, O_WRONLY, 0600);
      if (!c.ok()) {
        tally.Violation("create in d failed: " + ErrName(c.error()));
      } else {
        if (world_.IsOutside(c->child.handle)) tally.Violation("created file is outside");
        if (!UnlinkAt(h, file, 0).ok()) tally.Violation("unlink new failed");
      }
      auto m = MkdirAt(h, dir, 0700);
      if (!m.ok()) {
        tally.Violation("mkdir in d failed: " + ErrName(m.error()));
      } else if (!UnlinkAt(h, dir, AT_REMOVEDIR).ok()) {
        tally.Violation("rmdir newdir failed");
      }
      // Opening "d" by name races too: either the real directory or ELOOP.
      auto o = OpenAt(root.handle(), d, O_RDONLY | O_DIRECTORY);
      if (o.ok()) {
        struct stat st {};
        if (::fstat(o->get(), &st) != 0 || st.st_ino != ino_d) {
          tally.Violation("open d reached another directory");
        }
      } else if (o.error() == Errno(ELOOP) || o.error() == Errno(ENOTDIR)) {
        // Walked a directory, then found the symlink by name (ENOTDIR: the
        // kernel's answer for O_DIRECTORY on a symlink).
        ++tally.window;
      } else {
        tally.Violation("open d failed: " + ErrName(o.error()));
      }
    } else if (h.is_symlink() && h.ino() == ino_s) {
      ++tally.observed;
      // Nothing can be created through a symlink handle.
      auto c = CreateAt(h, file, O_WRONLY, 0600);
      if (c.ok() || c.error() != Errno(ENOTDIR)) tally.Violation("create through symlink handle");
    } else {
      tally.Violation("unexpected object at d");
    }
  }
  Finish(tally, attacker, false);
}

TEST_P(RaceTest, ExchangeDirWithAbsSymlinkDuringCreate) { ExchangeDuringCreate(Target::kAbsolute); }
TEST_P(RaceTest, ExchangeDirWithRelSymlinkDuringCreate) { ExchangeDuringCreate(Target::kRelative); }

// Guarantee 3: a directory the server holds is moved out of the root and back
// by the host, again and again, while the server creates and removes entries
// through its handle, walks below it and asks for its parent. Operations may
// only touch that directory's subtree; its parent must never be reported as
// anything but the root (or "not inside the root right now").
TEST_P(RaceTest, DirectoryMovedOutAndBackWhileHandlesAreUsed) {
  world_.tree.MkDir("root/m");
  world_.tree.MkDir("root/m/sub");
  world_.tree.WriteFile("root/m/f", kInsideF);
  world_.Seal();
  const auto ino_m = world_.Ino("root/m");
  const auto ino_sub = world_.Ino("root/m/sub");
  MountRoot root = world_.OpenRoot(GetParam());
  auto held = Walk(root.handle(), Names({"m"}));
  ASSERT_TRUE(held.ok() && held->status == WalkStatus::kSuccess);
  const Handle& m = held->steps[0].handle;
  const std::vector<Name> sub = Names({"sub"});
  const std::vector<Name> mname = Names({"m"});
  const Name x = N("x");

  const int rootfd = world_.root_fd();
  const int awayfd = world_.away_fd();
  Attacker attacker([rootfd, awayfd] {
    long a = ::renameat(rootfd, "m", awayfd, "m");
    long b = ::renameat(awayfd, "m", rootfd, "m");
    return a < 0 ? a : b;
  });
  attacker.WaitUntilRunning();
  RaceTally tally(CaseName("DirectoryMovedOutAndBackWhileHandlesAreUsed"));
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, true)); ++tally.rounds) {
    auto c = CreateAt(m, x, O_WRONLY, 0600);
    if (!c.ok()) {
      tally.Violation("create through held handle failed: " + ErrName(c.error()));
    } else {
      if (world_.IsOutside(c->child.handle)) tally.Violation("created entry is a canary");
      if (!UnlinkAt(m, x, 0).ok()) tally.Violation("unlink through held handle failed");
    }
    auto s = Walk(m, sub);
    if (!s.ok() || s->status != WalkStatus::kSuccess || s->steps[0].handle.ino() != ino_sub) {
      tally.Violation("walk below held handle did not reach its own sub/");
    }
    auto p = Parent(*proc_, root, m);
    if (p.ok()) {
      if (p->ino() != root.handle().ino() || p->depth() != 0) {
        tally.Violation(world_.IsOutside(*p) ? "parent of held handle is OUTSIDE the root"
                                             : "parent of held handle is not the root");
      }
    } else if (p.error() == Errno(EXDEV) || p.error() == Errno(EAGAIN)) {
      ++tally.window;  // the held directory was outside the root right then
    } else {
      tally.Violation("parent failed: " + ErrName(p.error()));
    }
    auto w = Walk(root.handle(), mname);
    if (!w.ok()) {
      tally.Violation("walk m failed: " + ErrName(w.error()));
    } else if (w->status == WalkStatus::kSuccess && w->steps[0].handle.ino() == ino_m) {
      ++tally.normal;
    } else if (w->status == WalkStatus::kComponentDoesNotExist) {
      ++tally.observed;
    } else {
      tally.Violation("walk m found something else");
    }
  }
  Finish(tally, attacker, true, {"m"});
  struct stat st {};
  EXPECT_NE(::lstat(world_.Path("root/m/x").c_str(), &st), 0) << "x left behind";
  EXPECT_NE(::lstat(world_.Path("away/m").c_str(), &st), 0) << "m left outside";
}

// A regular file and a symlink to an outside canary swap places between the
// walk that stat-ed "f" and the open of "f" by name. Opening by name must then
// fail with ELOOP (never read the canary); re-opening the walked handle must
// read the walked file whatever its name is now.
void RaceTest::FileReplacedBetweenWalkAndOpen(Target target) {
  world_.tree.WriteFile("root/f", kInsideF);
  world_.tree.Symlink("root/fs", target == Target::kAbsolute ? world_.Path("outside/canary.txt")
                                                             : "../outside/canary.txt");
  world_.Seal();
  const auto ino_f = world_.Ino("root/f");
  const auto ino_fs = world_.Ino("root/fs");
  MountRoot root = world_.OpenRoot(GetParam());
  const std::vector<Name> names = Names({"f"});
  const Name f = N("f");

  const int rootfd = world_.root_fd();
  Attacker attacker([rootfd] { return ::renameat2(rootfd, "f", rootfd, "fs", RENAME_EXCHANGE); });
  attacker.WaitUntilRunning();
  RaceTally tally(CaseName(target == Target::kAbsolute ? "FileReplacedByAbsSymlinkBeforeOpen"
                                                       : "FileReplacedByRelSymlinkBeforeOpen"));
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, true)); ++tally.rounds) {
    auto w = Walk(root.handle(), names);
    if (!w.ok() || w->status != WalkStatus::kSuccess || w->steps.size() != 1) {
      tally.Violation("walk f failed");
      continue;
    }
    const Handle& h = w->steps[0].handle;
    if (h.is_regular() && h.ino() == ino_f) {
      ++tally.normal;
      auto fd = OpenAt(root.handle(), f, O_RDONLY);
      if (fd.ok()) {
        const std::string content = ReadAll(fd->get());
        if (content != kInsideF) {
          tally.Violation(content == kCanaryText ? "open by name READ THE CANARY"
                                                 : "open by name read something else");
        }
      } else if (fd.error() == Errno(ELOOP)) {
        ++tally.window;  // replaced by the symlink between walk and open
      } else {
        tally.Violation("open by name failed: " + ErrName(fd.error()));
      }
      auto rd = Reopen(*proc_, h, O_RDONLY);
      if (!rd.ok() || ReadAll(rd->get()) != kInsideF) tally.Violation("reopen of handle failed");
    } else if (h.is_symlink() && h.ino() == ino_fs) {
      ++tally.observed;
      auto rd = Reopen(*proc_, h, O_RDONLY);
      if (rd.ok() || rd.error() != Errno(ELOOP)) tally.Violation("reopen of symlink handle");
    } else {
      tally.Violation(world_.IsOutside(h) ? "walk returned the CANARY" : "walk returned other");
    }
  }
  Finish(tally, attacker, true);
}

TEST_P(RaceTest, FileReplacedByAbsSymlinkBetweenWalkAndOpen) {
  FileReplacedBetweenWalkAndOpen(Target::kAbsolute);
}
TEST_P(RaceTest, FileReplacedByRelSymlinkBetweenWalkAndOpen) {
  FileReplacedBetweenWalkAndOpen(Target::kRelative);
}

// ".." while the parent is renamed away: the host moves root/p to away/p and
// back. A raw openat(p, "..") lands in away/ whenever p is out (counted as
// the window: the attack is real); Parent() must only ever return the root,
// or refuse, and p/c's parent must only ever be p at depth 1.
TEST_P(RaceTest, DotDotWhileParentIsRenamedAway) {
  world_.tree.MkDir("root/p");
  world_.tree.MkDir("root/p/c");
  world_.Seal();
  const auto ino_p = world_.Ino("root/p");
  const auto ino_away = world_.Ino("away");
  MountRoot root = world_.OpenRoot(GetParam());
  auto walked = Walk(root.handle(), Names({"p", "c"}));
  ASSERT_TRUE(walked.ok() && walked->status == WalkStatus::kSuccess);
  const Handle& p = walked->steps[0].handle;
  const Handle& c = walked->steps[1].handle;

  const int rootfd = world_.root_fd();
  const int awayfd = world_.away_fd();
  Attacker attacker([rootfd, awayfd] {
    long a = ::renameat(rootfd, "p", awayfd, "p");
    long b = ::renameat(awayfd, "p", rootfd, "p");
    return a < 0 ? a : b;
  });
  attacker.WaitUntilRunning();
  RaceTally tally(CaseName("DotDotWhileParentIsRenamedAway"));
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, true)); ++tally.rounds) {
    {
      UniqueFd raw(::openat(p.fd(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
      struct stat st {};
      if (raw.valid() && ::fstat(raw.get(), &st) == 0 && st.st_ino == ino_away) ++tally.window;
    }
    auto up = Parent(*proc_, root, p);
    if (up.ok()) {
      if (up->ino() == root.handle().ino() && up->depth() == 0) {
        ++tally.normal;
      } else {
        tally.Violation(world_.IsOutside(*up) ? "'..' of p is OUTSIDE the root"
                                              : "'..' of p is not the root");
      }
    } else if (up.error() == Errno(EXDEV) || up.error() == Errno(EAGAIN)) {
      ++tally.observed;
    } else {
      tally.Violation("parent of p failed: " + ErrName(up.error()));
    }
    auto upc = Parent(*proc_, root, c);
    if (upc.ok()) {
      if (upc->ino() != ino_p || upc->depth() != 1) tally.Violation("'..' of p/c is not p");
    } else if (upc.error() != Errno(EXDEV) && upc.error() != Errno(EAGAIN)) {
      tally.Violation("parent of p/c failed: " + ErrName(upc.error()));
    }
    auto lexical = ResolvePath(root, "p/c/../..");
    if (lexical.ok()) {
      if (lexical->ino() != root.handle().ino()) tally.Violation("p/c/../.. is not the root");
    } else if (lexical.error() != Errno(ENOENT)) {
      tally.Violation("p/c/../.. failed: " + ErrName(lexical.error()));
    }
  }
  Finish(tally, attacker, true, {"p"});
}

INSTANTIATE_TEST_SUITE_P(Resolvers, RaceTest, path_walk::testing::AllResolvers(),
                         path_walk::testing::ResolverParamName);

}  // namespace
}  // namespace hg::escape
