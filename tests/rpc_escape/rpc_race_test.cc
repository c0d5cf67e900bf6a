// The race cases of tests/escape, through the RPC layer: a hostile host
// process (tests/escape/attacker.h) swaps directories, files, symlinks and
// sockets of the served tree while our client walks, opens, reads, writes,
// creates, binds, connects and sets attributes through a real Server +
// fsgofer (host UDS "all"). Each case runs a bounded number of rounds
// (rpc_budget.h), counts how often the client saw the attacker's state
// (fails if never), and checks afterwards that no canary outside the root
// was read, written, created, chmod'ed or chown'ed (World::CanaryDiff: mode,
// size, content, mtime, ctime, nlink and inode of everything outside; the
// outside listener never saw a connection).
//
// Objects made through a held directory FDID are also looked up on the host
// through a descriptor of the real directory, opened before the attack: they
// must be there, whatever the directory is called at that moment.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gofer/client/client_test_util.h"
#include "tests/escape/attacker.h"
#include "tests/escape/rounds.h"
#include "tests/escape/world.h"
#include "tests/rpc_escape/rpc_budget.h"

namespace hg::rpc_escape {
namespace {

using client::Client;
using client::ScopedFdId;
using client::testing::ClientServer;
using client::testing::ServeOptions;
using escape::Attacker;
using escape::AttackerReport;
using escape::kCanaryText;
using escape::kInsideF;
using escape::kOutsideF;
using escape::RaceTally;
using escape::World;
using wire::FDID;

enum class Target { kAbsolute, kRelative };

std::string Err(Errno e) { return e.ToString(); }

wire::UID MyUid() { return static_cast<wire::UID>(::getuid()); }
wire::GID MyGid() { return static_cast<wire::GID>(::getgid()); }

class RpcRaceTest : public ::testing::Test {
 protected:
  // The attacker is started before this: fork() then happens while the test
  // binary is single-threaded (the server and client start threads).
  void Serve() {
    ServeOptions o;
    o.rules.host_uds = fsgofer::HostUds::kAll;
    cs_ = std::make_unique<ClientServer>(world_.Path("root"), o);
    ASSERT_TRUE(cs_->mounted()) << cs_->mount_error();
  }
  Client& c() { return cs_->client(); }
  FDID root() { return cs_->client().root_fd(); }

  bool Outside(const wire::Statx& st) const {
    return world_.IsOutside(makedev(st.dev_major, st.dev_minor), st.ino);
  }

  std::string Name(const char* what, Target t) const {
    return std::string(what) + (t == Target::kAbsolute ? "/abs" : "/rel");
  }
  std::string OutsideTarget(Target t, const std::string& rel_from_root) const {
    return t == Target::kAbsolute ? world_.Path(rel_from_root) : "../" + rel_from_root;
  }

  // Walks `name` from the root until it is the object with inode `ino` and
  // returns its FDID (the attacker is already running).
  FDID HoldWhenIno(std::string_view name, uint64_t ino) {
    for (int i = 0; i < 100000; ++i) {
      auto w = c().Walk(root(), {name});
      if (!w.ok()) continue;
      if (w->status == wire::WalkStatus::kSuccess && w->inodes.size() == 1 &&
          w->inodes[0].stat.ino == ino) {
        return w->inodes[0].control_fd;
      }
      for (const wire::Inode& in : w->inodes) c().CloseFd(in.control_fd);
    }
    return wire::kInvalidFDID;
  }

  // Reads up to 64 bytes of an open FDID.
  Result<std::string> ReadSome(FDID open_fd) {
    std::vector<uint8_t> buf(64);
    HG_ASSIGN_OR_RETURN(size_t n, c().PRead(open_fd, 0, buf));
    return std::string(buf.begin(), buf.begin() + static_cast<long>(n));
  }

  // The object `name` in the real directory `dirfd` has inode `ino` (and,
  // if `type` is non-zero, that file type).
  static bool HostHas(int dirfd, const char* name, uint64_t ino, mode_t type = 0) {
    struct stat st {};
    if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
    return st.st_ino == ino && (type == 0 || (st.st_mode & S_IFMT) == type);
  }

  static bool Exercised(const RaceTally& t, bool require_window) {
    return t.observed > 0 && t.normal > 0 && (!require_window || t.window > 0);
  }

  // Stops the attacker, prints the tally, checks the common rules, and that
  // the connection holds only `held` FDIDs besides the root.
  void Finish(RaceTally& tally, Attacker& attacker, bool require_window, size_t held,
              const std::set<std::string>& allowed_in_away = {}) {
    const AttackerReport rep = attacker.Stop();
    RecordProperty("race", tally.Print(rep));
    EXPECT_TRUE(rep.exited_cleanly);
    EXPECT_EQ(rep.failed, 0u) << "attacker steps failed: the attack did not run as designed";
    EXPECT_GE(tally.rounds, budget_.rounds());
    EXPECT_EQ(tally.violations, 0u) << "first violation: " << tally.first_violation;
    EXPECT_GT(tally.observed, 0u) << "race not exercised: the attacker's state was never seen";
    EXPECT_GT(tally.normal, 0u) << "the client never saw the tree as set up";
    if (require_window) {
      EXPECT_GT(tally.window, 0u) << "race not exercised: the targeted window was never hit";
    }
    EXPECT_EQ(world_.CanaryDiff(allowed_in_away), "");
    EXPECT_TRUE(c().FlushCloses().ok());
    EXPECT_EQ(cs_->connection().open_fd_count(), 1 + held) << "FDIDs leaked during the rounds";
  }

  void WalkOpenReadWhileDirSwapsWithSymlink(Target target);
  void OpenWriteSetStatWhileFileSwapsWithSymlinkToCanary(Target target);
  void ConnectWhileSocketSwapsWithSymlinkToOutsideListener(Target target);

  World world_;
  RpcRaceBudget budget_;
  std::unique_ptr<ClientServer> cs_;
};

// Directory "d" and symlink "s" -> outside swap places (RENAME_EXCHANGE)
// while the client walks d/f (Walk and WalkStat) and reads f. outside/ holds
// an "f" too, so a walk that followed the symlink would find a file.
void RpcRaceTest::WalkOpenReadWhileDirSwapsWithSymlink(Target target) {
  world_.tree.MkDir("root/d");
  world_.tree.MkDir("root/d/sub");
  world_.tree.WriteFile("root/d/f", kInsideF);
  world_.tree.Symlink("root/s", OutsideTarget(target, "outside"));
  world_.Seal();
  const uint64_t ino_d = world_.Ino("root/d");
  const uint64_t ino_f = world_.Ino("root/d/f");
  const uint64_t ino_s = world_.Ino("root/s");
  const int rootfd = world_.root_fd();
  Attacker attacker([rootfd] { return ::renameat2(rootfd, "d", rootfd, "s", RENAME_EXCHANGE); });
  attacker.WaitUntilRunning();
  ASSERT_NO_FATAL_FAILURE(Serve());

  RaceTally tally(Name("RpcExchangeDirWithSymlinkDuringWalkOpenRead", target));
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, false)); ++tally.rounds) {
    auto w = c().Walk(root(), {"d", "f"});
    if (!w.ok()) {
      tally.Violation("walk failed: " + Err(w.error()));
      continue;
    }
    std::vector<ScopedFdId> held;
    for (const wire::Inode& in : w->inodes) {
      held.emplace_back(&c(), in.control_fd);
      if (Outside(in.stat)) tally.Violation("walk returned an inode OUTSIDE the root");
    }
    if (w->status == wire::WalkStatus::kSuccess && w->inodes.size() == 2 &&
        w->inodes[0].stat.ino == ino_d && w->inodes[1].stat.ino == ino_f) {
      ++tally.normal;
      auto o = c().OpenAt(w->inodes[1].control_fd, O_RDONLY);
      if (!o.ok()) {
        tally.Violation("open of walked d/f failed: " + Err(o.error()));
      } else {
        ScopedFdId of(&c(), o->open_fd);
        auto data = ReadSome(of.get());
        if (!data.ok() || *data != kInsideF) {
          tally.Violation(data.ok() && *data == kOutsideF ? "read OUTSIDE/f" : "d/f read wrong");
        }
      }
    } else if (w->status == wire::WalkStatus::kComponentSymlink && w->inodes.size() == 1 &&
               S_ISLNK(w->inodes[0].stat.mode) && w->inodes[0].stat.ino == ino_s) {
      ++tally.observed;
    } else {
      tally.Violation("unexpected walk outcome: status " +
                      std::to_string(static_cast<int>(w->status)) + ", " +
                      std::to_string(w->inodes.size()) + " inodes");
    }
    auto ws = c().WalkStat(root(), {"d", "f"});
    if (!ws.ok()) {
      tally.Violation("walkstat failed: " + Err(ws.error()));
    } else {
      for (const wire::Statx& st : *ws) {
        if (Outside(st)) tally.Violation("walkstat stat'ed an object OUTSIDE the root");
      }
      if (ws->size() == 2 && (*ws)[1].ino != ino_f) tally.Violation("walkstat d/f is not f");
    }
  }
  Finish(tally, attacker, false, 0);
}

TEST_F(RpcRaceTest, ExchangeDirWithAbsSymlinkDuringWalkOpenRead) {
  WalkOpenReadWhileDirSwapsWithSymlink(Target::kAbsolute);
}
TEST_F(RpcRaceTest, ExchangeDirWithRelSymlinkDuringWalkOpenRead) {
  WalkOpenReadWhileDirSwapsWithSymlink(Target::kRelative);
}

// The client holds d's FDID while d and a symlink to outside/ swap names.
// Files, directories and bound sockets it makes through the FDID, and the
// attributes it sets on them, must land in the real d (checked on the host
// through a descriptor of d), never in outside/.
TEST_F(RpcRaceTest, CreateBindAndSetStatThroughHeldDirWhileItSwapsWithSymlink) {
  // A round here is four operation groups (about 15 RPCs, each racing
  // renames of the directory it works in): a quarter of the rounds is the
  // same number of creates, binds and chmods as the other cases make.
  budget_ = RpcRaceBudget(kDefaultRpcRaceRounds / 4);
  world_.tree.MkDir("root/d");
  world_.tree.Symlink("root/s", world_.Path("outside"));
  world_.Seal();
  const uint64_t ino_d = world_.Ino("root/d");
  const uint64_t ino_s = world_.Ino("root/s");
  UniqueFd real_d(::open(world_.Path("root/d").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(real_d.valid());
  const int rootfd = world_.root_fd();
  Attacker attacker([rootfd] { return ::renameat2(rootfd, "d", rootfd, "s", RENAME_EXCHANGE); });
  attacker.WaitUntilRunning();
  ASSERT_NO_FATAL_FAILURE(Serve());
  ScopedFdId d(&c(), HoldWhenIno("d", ino_d));
  ASSERT_TRUE(d.valid());

  RaceTally tally("RpcExchangeHeldDirWithSymlinkDuringCreateBindSetStat");
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, false)); ++tally.rounds) {
    {  // What the name "d" is right now.
      auto w = c().Walk(root(), {"d"});
      if (!w.ok() || w->inodes.size() != 1) {
        tally.Violation("walk d failed");
      } else {
        ScopedFdId h(&c(), w->inodes[0].control_fd);
        const wire::Statx& st = w->inodes[0].stat;
        if (Outside(st)) tally.Violation("walk d returned an inode OUTSIDE the root");
        if (S_ISDIR(st.mode) && st.ino == ino_d) {
          ++tally.normal;
        } else if (S_ISLNK(st.mode) && st.ino == ino_s) {
          ++tally.observed;
          // Nothing can be made through the symlink's FDID.
          auto bad = c().MkdirAt(h.get(), "through", 0700, wire::kNoUID, wire::kNoGID);
          if (bad.ok()) {
            c().CloseFd(bad->control_fd);
            tally.Violation("mkdir through a symlink FDID succeeded");
          }
        } else {
          tally.Violation("unexpected object at d");
        }
      }
    }
    {  // A file: create, write, chmod + chown, remove.
      auto f = c().OpenCreateAt(d.get(), "new", O_RDWR, 0600, MyUid(), MyGid());
      if (!f.ok()) {
        tally.Violation("create in held d failed: " + Err(f.error()));
      } else {
        ScopedFdId ctl(&c(), f->child.control_fd);
        ScopedFdId of(&c(), f->open_fd);
        if (Outside(f->child.stat)) tally.Violation("created file is OUTSIDE");
        if (!HostHas(real_d.get(), "new", f->child.stat.ino, S_IFREG)) {
          tally.Violation("created file is not in the real d");
        }
        const uint8_t byte[] = {'x'};
        auto wr = c().PWrite(of.get(), 0, byte);
        if (!wr.ok() || *wr != 1) tally.Violation("write to the new file failed");
        wire::SetStatReq ss;
        ss.fd = ctl.get();
        ss.mask = STATX_MODE | STATX_UID | STATX_GID;
        ss.mode = 0640;
        ss.uid = MyUid();
        ss.gid = MyGid();
        auto sr = c().SetStat(ss);
        if (!sr.ok() || sr->failure_mask != 0) tally.Violation("setstat of the new file failed");
        struct stat st {};
        if (::fstatat(real_d.get(), "new", &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            (st.st_mode & 07777) != 0640) {
          tally.Violation("chmod did not reach the new file");
        }
        if (!c().UnlinkAt(d.get(), "new", 0).ok()) tally.Violation("unlink new failed");
      }
    }
    {  // A directory.
      auto m = c().MkdirAt(d.get(), "newdir", 0700, MyUid(), MyGid());
      if (!m.ok()) {
        tally.Violation("mkdir in held d failed: " + Err(m.error()));
      } else {
        c().CloseFd(m->control_fd);
        if (!HostHas(real_d.get(), "newdir", m->stat.ino, S_IFDIR)) {
          tally.Violation("new directory is not in the real d");
        }
        if (!c().UnlinkAt(d.get(), "newdir", AT_REMOVEDIR).ok()) tally.Violation("rmdir failed");
      }
    }
    {  // A bound socket: bind(2) takes a path, built from d's own descriptor.
      auto b = c().BindAt(d.get(), "sock", SOCK_STREAM, 0600, MyUid(), MyGid());
      if (!b.ok()) {
        tally.Violation("bind in held d failed: " + Err(b.error()));
      } else {
        ScopedFdId ctl(&c(), b->child.control_fd);
        ScopedFdId bound(&c(), b->bound_socket_fd);
        if (Outside(b->child.stat)) tally.Violation("bound socket is OUTSIDE");
        if (!HostHas(real_d.get(), "sock", b->child.stat.ino, S_IFSOCK)) {
          tally.Violation("bound socket is not in the real d");
        }
        if (!c().UnlinkAt(d.get(), "sock", 0).ok()) tally.Violation("unlink sock failed");
      }
    }
  }
  Finish(tally, attacker, false, 1);
  for (const char* n : {"new", "newdir", "sock"}) {
    struct stat st {};
    EXPECT_NE(::fstatat(real_d.get(), n, &st, AT_SYMLINK_NOFOLLOW), 0) << n << " left behind";
  }
}

// A regular file "f" and a symlink "fs" to the outside canary swap names
// between the walk and the open / write / chmod / chown of what was walked.
// Reading must only ever see f; writes and attribute changes must only ever
// reach f (any change to the canary's content, mode, owner or ctime is a
// violation CanaryDiff reports). A symlink's FDID cannot be opened.
void RpcRaceTest::OpenWriteSetStatWhileFileSwapsWithSymlinkToCanary(Target target) {
  world_.tree.WriteFile("root/f", kInsideF, 0644);
  world_.tree.Symlink("root/fs", OutsideTarget(target, "outside/canary.txt"));
  world_.Seal();
  const uint64_t ino_f = world_.Ino("root/f");
  const uint64_t ino_fs = world_.Ino("root/fs");
  const int rootfd = world_.root_fd();
  Attacker attacker([rootfd] { return ::renameat2(rootfd, "f", rootfd, "fs", RENAME_EXCHANGE); });
  attacker.WaitUntilRunning();
  ASSERT_NO_FATAL_FAILURE(Serve());

  const std::string inside(kInsideF);
  const std::span<const uint8_t> inside_bytes(reinterpret_cast<const uint8_t*>(inside.data()),
                                              inside.size());
  RaceTally tally(Name("RpcExchangeFileWithSymlinkToCanaryDuringOpenWriteSetStat", target));
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, true)); ++tally.rounds) {
    auto w = c().Walk(root(), {"f"});
    if (!w.ok() || w->status != wire::WalkStatus::kSuccess || w->inodes.size() != 1) {
      tally.Violation("walk f failed");
      continue;
    }
    ScopedFdId h(&c(), w->inodes[0].control_fd);
    const wire::Statx& st = w->inodes[0].stat;
    if (Outside(st)) {
      tally.Violation("walk returned the CANARY");
      continue;
    }
    if (S_ISREG(st.mode) && st.ino == ino_f) {
      ++tally.normal;
      auto o = c().OpenAt(h.get(), O_RDWR);
      if (!o.ok()) {
        tally.Violation("open of walked f failed: " + Err(o.error()));
      } else {
        ScopedFdId of(&c(), o->open_fd);
        auto data = ReadSome(of.get());
        if (!data.ok() || *data != kInsideF) {
          tally.Violation(data.ok() && *data == kCanaryText ? "READ THE CANARY" : "f read wrong");
        }
        // Same bytes: harmless to f, a content change (ctime, mtime) on the
        // canary if it ever got there.
        auto wr = c().PWrite(of.get(), 0, inside_bytes);
        if (!wr.ok() || *wr != inside.size()) tally.Violation("write to f failed");
      }
      wire::SetStatReq ss;
      ss.fd = h.get();
      ss.mask = STATX_MODE | STATX_UID | STATX_GID;
      ss.mode = 0644;
      ss.uid = MyUid();
      ss.gid = MyGid();
      auto sr = c().SetStat(ss);
      if (!sr.ok() || sr->failure_mask != 0) tally.Violation("setstat of f failed");
      // The name now belongs to the symlink: every op above still went to
      // the walked file (the window this case targets).
      struct stat now {};
      if (::fstatat(rootfd, "f", &now, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(now.st_mode)) {
        ++tally.window;
      }
    } else if (S_ISLNK(st.mode) && st.ino == ino_fs) {
      ++tally.observed;
      auto o = c().OpenAt(h.get(), O_RDONLY);
      if (o.ok()) {
        c().CloseFd(o->open_fd);
        tally.Violation("opened a symlink FDID");
      }
      // chmod of a symlink is refused per field; chown applies to the link
      // itself (never followed).
      wire::SetStatReq ss;
      ss.fd = h.get();
      ss.mask = STATX_MODE | STATX_UID | STATX_GID;
      ss.mode = 0600;
      ss.uid = MyUid();
      ss.gid = MyGid();
      auto sr = c().SetStat(ss);
      if (sr.ok() && (sr->failure_mask & STATX_MODE) == 0) tally.Violation("chmod of a symlink");
    } else {
      tally.Violation("walk returned another object");
    }
  }
  Finish(tally, attacker, true, 0);
  // The attacker stopped with the file under one of the two names; its
  // content is what it always was.
  struct stat st {};
  const char* file_name =
      ::fstatat(rootfd, "f", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) ? "f" : "fs";
  UniqueFd in(::openat(rootfd, file_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  ASSERT_TRUE(in.valid());
  EXPECT_EQ(path_walk::testing::ReadAll(in.get()), kInsideF);
}

TEST_F(RpcRaceTest, ExchangeFileWithAbsSymlinkToCanaryDuringOpenWriteSetStat) {
  OpenWriteSetStatWhileFileSwapsWithSymlinkToCanary(Target::kAbsolute);
}
TEST_F(RpcRaceTest, ExchangeFileWithRelSymlinkToCanaryDuringOpenWriteSetStat) {
  OpenWriteSetStatWhileFileSwapsWithSymlinkToCanary(Target::kRelative);
}

// Guarantee 3 through RPCs: the host moves the directory m, whose FDID the
// client holds, out of the root and back, again and again, while the client
// creates, binds, walks below and chmods through the FDID. Everything lands
// in m's own subtree; the name "m" is seen gone and back.
TEST_F(RpcRaceTest, HeldDirectoryMovedOutAndBackWhileUsed) {
  world_.tree.MkDir("root/m");
  world_.tree.MkDir("root/m/sub");
  world_.tree.WriteFile("root/m/f", kInsideF);
  world_.Seal();
  const uint64_t ino_m = world_.Ino("root/m");
  const uint64_t ino_sub = world_.Ino("root/m/sub");
  UniqueFd real_m(::open(world_.Path("root/m").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(real_m.valid());
  const int rootfd = world_.root_fd();
  const int awayfd = world_.away_fd();
  Attacker attacker([rootfd, awayfd] {
    long a = ::renameat(rootfd, "m", awayfd, "m");
    long b = ::renameat(awayfd, "m", rootfd, "m");
    return a < 0 ? a : b;
  });
  attacker.WaitUntilRunning();
  ASSERT_NO_FATAL_FAILURE(Serve());
  ScopedFdId m(&c(), HoldWhenIno("m", ino_m));
  ASSERT_TRUE(m.valid());

  RaceTally tally("RpcHeldDirectoryMovedOutAndBackWhileUsed");
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, true)); ++tally.rounds) {
    auto f = c().OpenCreateAt(m.get(), "x", O_WRONLY, 0600, wire::kNoUID, wire::kNoGID);
    if (!f.ok()) {
      tally.Violation("create through held m failed: " + Err(f.error()));
    } else {
      c().CloseFd(f->open_fd);
      c().CloseFd(f->child.control_fd);
      if (Outside(f->child.stat)) tally.Violation("created entry is a canary");
      if (!HostHas(real_m.get(), "x", f->child.stat.ino, S_IFREG)) {
        tally.Violation("x is not in m");
      }
      if (!c().UnlinkAt(m.get(), "x", 0).ok()) tally.Violation("unlink x failed");
    }
    auto b = c().BindAt(m.get(), "x.sock", SOCK_STREAM, 0600, wire::kNoUID, wire::kNoGID);
    if (!b.ok()) {
      tally.Violation("bind through held m failed: " + Err(b.error()));
    } else {
      c().CloseFd(b->child.control_fd);
      c().CloseFd(b->bound_socket_fd);
      if (!HostHas(real_m.get(), "x.sock", b->child.stat.ino, S_IFSOCK)) {
        tally.Violation("x.sock is not in m");
      }
      if (!c().UnlinkAt(m.get(), "x.sock", 0).ok()) tally.Violation("unlink x.sock failed");
    }
    auto s = c().Walk(m.get(), {"sub"});
    if (!s.ok() || s->status != wire::WalkStatus::kSuccess || s->inodes.size() != 1 ||
        s->inodes[0].stat.ino != ino_sub) {
      tally.Violation("walk below held m did not reach its own sub/");
    }
    if (s.ok()) {
      for (const wire::Inode& in : s->inodes) c().CloseFd(in.control_fd);
    }
    wire::SetStatReq ss;
    ss.fd = m.get();
    ss.mask = STATX_MODE;
    ss.mode = 0755;
    auto sr = c().SetStat(ss);
    if (!sr.ok() || sr->failure_mask != 0) tally.Violation("chmod of held m failed");

    auto w = c().Walk(root(), {"m"});
    if (!w.ok()) {
      tally.Violation("walk m failed: " + Err(w.error()));
      continue;
    }
    for (const wire::Inode& in : w->inodes) c().CloseFd(in.control_fd);
    if (w->status == wire::WalkStatus::kSuccess && w->inodes.size() == 1 &&
        w->inodes[0].stat.ino == ino_m) {
      ++tally.normal;
    } else if (w->status == wire::WalkStatus::kComponentDoesNotExist && w->inodes.empty()) {
      ++tally.observed;
    } else {
      tally.Violation("walk m found something else");
    }
    // m was out of the root while the ops above ran through its FDID.
    struct stat away {};
    if (::fstatat(awayfd, "m", &away, AT_SYMLINK_NOFOLLOW) == 0) ++tally.window;
  }
  Finish(tally, attacker, true, 1, {"m"});
  struct stat st {};
  EXPECT_NE(::fstatat(real_m.get(), "x", &st, AT_SYMLINK_NOFOLLOW), 0) << "x left behind";
  EXPECT_NE(::fstatat(real_m.get(), "x.sock", &st, AT_SYMLINK_NOFOLLOW), 0) << "x.sock left";
}

// A listening socket "sock" (inside the root) and a symlink "ls" to the
// outside listener swap names while the client walks "sock" and connects to
// what it walked. Connections must only ever reach the inside listener; the
// outside listener must never see one.
void RpcRaceTest::ConnectWhileSocketSwapsWithSymlinkToOutsideListener(Target target) {
  UniqueFd inside(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(inside.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = world_.Path("root/sock");
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(inside.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(inside.get(), 128), 0);
  world_.tree.Symlink("root/ls", OutsideTarget(target, "outside/listen.sock"));
  world_.Seal();
  const uint64_t ino_sock = world_.Ino("root/sock");
  const uint64_t ino_ls = world_.Ino("root/ls");
  const int rootfd = world_.root_fd();
  Attacker attacker(
      [rootfd] { return ::renameat2(rootfd, "sock", rootfd, "ls", RENAME_EXCHANGE); });
  attacker.WaitUntilRunning();
  ASSERT_NO_FATAL_FAILURE(Serve());

  RaceTally tally(Name("RpcExchangeSocketWithSymlinkToOutsideListenerDuringConnect", target));
  uint64_t accepted = 0;
  uint64_t connected = 0;
  for (; budget_.KeepGoing(tally.rounds, Exercised(tally, false)); ++tally.rounds) {
    auto w = c().Walk(root(), {"sock"});
    if (!w.ok() || w->status != wire::WalkStatus::kSuccess || w->inodes.size() != 1) {
      tally.Violation("walk sock failed");
      continue;
    }
    ScopedFdId h(&c(), w->inodes[0].control_fd);
    const wire::Statx& st = w->inodes[0].stat;
    if (Outside(st)) {
      tally.Violation("walk returned the OUTSIDE listener");
      continue;
    }
    const bool creds = (tally.rounds % 2) == 1;
    auto conn = creds ? c().ConnectWithCreds(h.get(), SOCK_STREAM, MyUid(), MyGid())
                      : c().Connect(h.get(), SOCK_STREAM);
    if (S_ISSOCK(st.mode) && st.ino == ino_sock) {
      ++tally.normal;
      if (!conn.ok()) {
        tally.Violation("connect to the walked socket failed: " + Err(conn.error()));
      } else {
        ++connected;
      }
    } else if (S_ISLNK(st.mode) && st.ino == ino_ls) {
      ++tally.observed;
      if (conn.ok()) tally.Violation("connected through a symlink FDID");
    } else {
      tally.Violation("walk returned another object");
    }
    // Drain the inside listener: every connection must have arrived there.
    for (;;) {
      UniqueFd a(::accept4(inside.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!a.valid()) break;
      ++accepted;
    }
  }
  Finish(tally, attacker, false, 0);
  EXPECT_EQ(accepted, connected) << "every connection reached the inside listener";
  EXPECT_TRUE(world_.ListenerUntouched());
}

TEST_F(RpcRaceTest, ExchangeSocketWithAbsSymlinkToOutsideListenerDuringConnect) {
  ConnectWhileSocketSwapsWithSymlinkToOutsideListener(Target::kAbsolute);
}
TEST_F(RpcRaceTest, ExchangeSocketWithRelSymlinkToOutsideListenerDuringConnect) {
  ConnectWhileSocketSwapsWithSymlinkToOutsideListener(Target::kRelative);
}

}  // namespace
}  // namespace hg::rpc_escape
