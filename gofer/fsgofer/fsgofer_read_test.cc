// fsgofer's read-only messages through a real Server, each compared with the
// same syscall done directly on the host.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gofer/fsgofer/fsgofer_test_util.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::fsgofer {
namespace {

using path_walk::testing::TempTree;
using testing::HostErrno;
using testing::HostStatx;
using testing::Served;
using testing::WalkOf;

class FsgoferReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.MkDir("root");
    t.MkDir("root/dir");
    t.MkDir("root/dir/sub");
    t.WriteFile("root/dir/file.txt", "hello fsgofer\n", 0640);
    t.WriteFile("root/top.txt", "top", 0644);
    t.Symlink("root/link", "dir/file.txt");
    t.Symlink("root/abs", "/etc/passwd");
    t.Symlink("root/dir/up", "..");
    t.WriteFile("outside.txt", "secret", 0600);
  }

  // The control FD of root/<names...> (walked in one Walk).
  wire::FDID WalkTo(Served& s, std::initializer_list<std::string_view> names) {
    auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), names));
    EXPECT_TRUE(w.ok());
    if (!w.ok() || w->inodes.size() != names.size()) return wire::kInvalidFDID;
    return w->inodes.back().control_fd;
  }

  TempTree t;
};

void ExpectSameStat(const wire::Statx& got, const struct statx& want) {
  EXPECT_EQ(got.ino, want.stx_ino);
  EXPECT_EQ(got.mode, want.stx_mode);
  EXPECT_EQ(got.size, want.stx_size);
  EXPECT_EQ(got.nlink, want.stx_nlink);
  EXPECT_EQ(got.uid, want.stx_uid);
  EXPECT_EQ(got.gid, want.stx_gid);
  EXPECT_EQ(got.dev_major, want.stx_dev_major);
  EXPECT_EQ(got.dev_minor, want.stx_dev_minor);
  EXPECT_EQ(got.mtime.sec, want.stx_mtime.tv_sec);
  EXPECT_EQ(got.mtime.nsec, want.stx_mtime.tv_nsec);
  // LisaFS carries basic stats and btime only: no STATX_MNT_ID leaks through.
  EXPECT_EQ(got.mask & ~(STATX_BASIC_STATS | STATX_BTIME), 0u);
}

TEST_F(FsgoferReadTest, MountAdvertisesEverythingButFlushAndStatsTheRoot) {
  Served s(t.Path("root"), {});
  const wire::MountResp& m = s.mount();
  EXPECT_EQ(m.max_message_size, wire::MaxMessageSize());
  EXPECT_EQ(m.supported_mids.size(), 32u);
  EXPECT_EQ(std::count(m.supported_mids.begin(), m.supported_mids.end(), wire::MID::kFlush), 0);
  EXPECT_NE(m.root.control_fd, wire::kInvalidFDID);
  ExpectSameStat(m.root.stat, HostStatx(t.Path("root")));
  EXPECT_FALSE(s.mount_fd().valid()) << "no directfs: the mount point is not donated";
}

TEST_F(FsgoferReadTest, MountDonatesTheRootOnlyWithDirectfs) {
  MountRules rules;
  rules.donate_mount_fd = true;
  Served s(t.Path("root"), rules);
  if (!testing::ActiveBackend().donates_host_fds) {
    EXPECT_FALSE(s.mount_fd().valid()) << "a backend that cannot donate never does";
    return;
  }
  ASSERT_TRUE(s.mount_fd().valid());
  struct stat a, b;
  ASSERT_EQ(::fstat(s.mount_fd().get(), &a), 0);
  ASSERT_EQ(::stat(t.Path("root").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
  EXPECT_TRUE(::fcntl(s.mount_fd().get(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(FsgoferReadTest, MountOfMissingRootFailsWithHostErrno) {
  Served s(t.Path("missing"), {}, /*mount=*/false);
  auto r = s.Call<wire::MountResp>(wire::MID::kMount, wire::MountReq{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(),
            HostErrno([&] { return ::open(t.Path("missing").c_str(), O_PATH); }));
}

TEST_F(FsgoferReadTest, FStatOfControlAndOpenFdsMatchesHost) {
  Served s(t.Path("root"), {});
  wire::FDID f = WalkTo(s, {"dir", "file.txt"});
  auto st = s.Call<wire::Statx>(wire::MID::kFStat, wire::StatReq{f});
  ASSERT_TRUE(st.ok());
  ExpectSameStat(*st, HostStatx(t.Path("root/dir/file.txt")));
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDONLY});
  ASSERT_TRUE(o.ok());
  auto st2 = s.Call<wire::Statx>(wire::MID::kFStat, wire::StatReq{o->open_fd});
  ASSERT_TRUE(st2.ok());
  ExpectSameStat(*st2, HostStatx(t.Path("root/dir/file.txt")));
  // A symlink is stat'ed as itself.
  wire::FDID l = WalkTo(s, {"link"});
  auto sl = s.Call<wire::Statx>(wire::MID::kFStat, wire::StatReq{l});
  ASSERT_TRUE(sl.ok());
  ExpectSameStat(*sl, HostStatx(t.Path("root/link")));
  EXPECT_TRUE(S_ISLNK(sl->mode));
}

TEST_F(FsgoferReadTest, WalkMultiComponentReturnsEachInode) {
  Served s(t.Path("root"), {});
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"dir", "sub"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, wire::WalkStatus::kSuccess);
  ASSERT_EQ(w->inodes.size(), 2u);
  ExpectSameStat(w->inodes[0].stat, HostStatx(t.Path("root/dir")));
  ExpectSameStat(w->inodes[1].stat, HostStatx(t.Path("root/dir/sub")));
  EXPECT_NE(w->inodes[0].control_fd, w->inodes[1].control_fd);
}

TEST_F(FsgoferReadTest, WalkStopsAtMissingComponentWithThePrefix) {
  Served s(t.Path("root"), {});
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"dir", "nope", "x"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, wire::WalkStatus::kComponentDoesNotExist);
  ASSERT_EQ(w->inodes.size(), 1u);
  ExpectSameStat(w->inodes[0].stat, HostStatx(t.Path("root/dir")));
  EXPECT_EQ(HostErrno([&] { return ::open(t.Path("root/dir/nope").c_str(), O_PATH); }), ENOENT);
}

TEST_F(FsgoferReadTest, WalkStopsAtSymlinkWithMoreComponents) {
  Served s(t.Path("root"), {});
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"dir", "up", "top.txt"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, wire::WalkStatus::kComponentSymlink);
  ASSERT_EQ(w->inodes.size(), 2u);
  EXPECT_TRUE(S_ISLNK(w->inodes[1].stat.mode));
  // A symlink as the last component is returned as itself with success.
  auto w2 = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"abs"}));
  ASSERT_TRUE(w2.ok());
  EXPECT_EQ(w2->status, wire::WalkStatus::kSuccess);
  ASSERT_EQ(w2->inodes.size(), 1u);
  ExpectSameStat(w2->inodes[0].stat, HostStatx(t.Path("root/abs")));
}

TEST_F(FsgoferReadTest, WalkRefusesUnsafeNames) {
  Served s(t.Path("root"), {});
  const std::string_view bads[] = {"", ".", "..", "dir/file.txt", std::string_view("a\0b", 3)};
  for (std::string_view bad : bads) {
    auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {bad}));
    ASSERT_FALSE(w.ok()) << "name '" << bad << "'";
    EXPECT_EQ(w.error().value(), EINVAL) << "name '" << bad << "'";
  }
  const std::string long_name(256, 'x');
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {long_name}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().value(),
            HostErrno([&] { return ::open(t.Path("root/" + long_name).c_str(), O_PATH); }));
}

TEST_F(FsgoferReadTest, WalkThroughAFileIsEnotdirAsOnTheHost) {
  Served s(t.Path("root"), {});
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"top.txt", "x"}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().value(),
            HostErrno([&] { return ::open(t.Path("root/top.txt/x").c_str(), O_PATH); }));
}

TEST_F(FsgoferReadTest, WalkRefusesBlockDevicesWithEperm) {
  ASSERT_EQ(::mknod(t.Path("root/blk").c_str(), S_IFBLK | 0600, makedev(7, 0)), 0);
  Served s(t.Path("root"), {});
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"blk"}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().value(), EPERM);
}

TEST_F(FsgoferReadTest, WalkStatWithLeadingEmptyNameStatsTheStart) {
  Served s(t.Path("root"), {});
  auto w = s.Call<wire::WalkStatResp>(wire::MID::kWalkStat, WalkOf(s.root(), {"", "dir", "sub"}));
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->stats.size(), 3u);
  ExpectSameStat(w->stats[0], HostStatx(t.Path("root")));
  ExpectSameStat(w->stats[1], HostStatx(t.Path("root/dir")));
  ExpectSameStat(w->stats[2], HostStatx(t.Path("root/dir/sub")));
}

TEST_F(FsgoferReadTest, WalkStatStopsAfterSymlinkAndAtMissing) {
  Served s(t.Path("root"), {});
  auto w = s.Call<wire::WalkStatResp>(wire::MID::kWalkStat, WalkOf(s.root(), {"dir", "up", "x"}));
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->stats.size(), 2u);
  ExpectSameStat(w->stats[1], HostStatx(t.Path("root/dir/up")));
  auto m = s.Call<wire::WalkStatResp>(wire::MID::kWalkStat, WalkOf(s.root(), {"dir", "gone", "x"}));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->stats.size(), 1u);
}

TEST_F(FsgoferReadTest, OpenAtAndPReadMatchTheHostFile) {
  Served s(t.Path("root"), {});
  wire::FDID f = WalkTo(s, {"dir", "file.txt"});
  std::vector<UniqueFd> fds;
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDONLY}, &fds, 1);
  ASSERT_TRUE(o.ok());
  auto r = s.Call<wire::PReadResp>(wire::MID::kPRead, wire::PReadReq{6, o->open_fd, 100});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r->data.begin(), r->data.end()), "fsgofer\n");
  // At and past EOF: 0 bytes, not an error (pread(2) semantics).
  auto eof = s.Call<wire::PReadResp>(wire::MID::kPRead, wire::PReadReq{14, o->open_fd, 10});
  ASSERT_TRUE(eof.ok());
  EXPECT_TRUE(eof->data.empty());
  auto past = s.Call<wire::PReadResp>(wire::MID::kPRead, wire::PReadReq{1 << 20, o->open_fd, 10});
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->data.empty());
}

TEST_F(FsgoferReadTest, OpenAtDonatesRegularFilesButNotDirectories) {
  Served s(t.Path("root"), {});
  wire::FDID f = WalkTo(s, {"dir", "file.txt"});
  std::vector<UniqueFd> fds;
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDONLY}, &fds, 1);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(fds.size(), 1u);
  if (!testing::ActiveBackend().donates_host_fds) {
    EXPECT_FALSE(fds[0].valid()) << "a backend that cannot donate never does";
    auto r = s.Call<wire::PReadResp>(wire::MID::kPRead, wire::PReadReq{0, o->open_fd, 32});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::string(r->data.begin(), r->data.end()), "hello fsgofer\n");
    return;
  }
  ASSERT_TRUE(fds[0].valid());
  char buf[32] = {};
  EXPECT_EQ(::pread(fds[0].get(), buf, sizeof(buf), 0), 14);
  EXPECT_EQ(std::string(buf, 5), "hello");
  EXPECT_EQ(::fcntl(fds[0].get(), F_GETFL) & O_ACCMODE, O_RDONLY);

  wire::FDID d = WalkTo(s, {"dir"});
  std::vector<UniqueFd> dfds;
  auto od = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{d, O_RDONLY}, &dfds, 1);
  ASSERT_TRUE(od.ok());
  EXPECT_FALSE(dfds[0].valid());
}

TEST_F(FsgoferReadTest, OpenAtErrorsMatchTheRules) {
  Served s(t.Path("root"), {});
  wire::FDID d = WalkTo(s, {"dir"});
  auto w = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{d, O_WRONLY});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().value(),
            HostErrno([&] { return ::open(t.Path("root/dir").c_str(), O_WRONLY); }));
  wire::FDID l = WalkTo(s, {"link"});
  auto sl = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{l, O_RDONLY});
  ASSERT_FALSE(sl.ok());
  EXPECT_EQ(sl.error().value(), EINVAL) << "symlinks are opened by the client after resolving";
  auto bad = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{999, O_RDONLY});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().value(), EBADF);
}

TEST_F(FsgoferReadTest, PReadOnADirectoryIsEisdirAsOnTheHost) {
  Served s(t.Path("root"), {});
  wire::FDID d = WalkTo(s, {"dir"});
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{d, O_RDONLY});
  ASSERT_TRUE(o.ok());
  auto r = s.Call<wire::PReadResp>(wire::MID::kPRead, wire::PReadReq{0, o->open_fd, 10});
  ASSERT_FALSE(r.ok());
  UniqueFd host(::open(t.Path("root/dir").c_str(), O_RDONLY | O_CLOEXEC));
  char c;
  EXPECT_EQ(r.error().value(), HostErrno([&] { return ::pread(host.get(), &c, 1, 0); }));
}

TEST_F(FsgoferReadTest, ReadLinkAtMatchesReadlink) {
  Served s(t.Path("root"), {});
  for (const char* name : {"link", "abs"}) {
    auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {name}));
    ASSERT_TRUE(w.ok());
    auto r = s.Call<wire::ReadLinkAtResp>(wire::MID::kReadLinkAt,
                                          wire::ReadLinkAtReq{w->inodes[0].control_fd});
    ASSERT_TRUE(r.ok());
    char buf[256];
    ssize_t n = ::readlink(t.Path(std::string("root/") + name).c_str(), buf, sizeof(buf));
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(r->target), std::string(buf, static_cast<size_t>(n)));
  }
  wire::FDID f = WalkTo(s, {"top.txt"});
  auto nl = s.Call<wire::ReadLinkAtResp>(wire::MID::kReadLinkAt, wire::ReadLinkAtReq{f});
  ASSERT_FALSE(nl.ok());
  char buf[8];
  EXPECT_EQ(nl.error().value(), HostErrno([&] {
              return ::readlink(t.Path("root/top.txt").c_str(), buf, sizeof(buf));
            }));
}

TEST_F(FsgoferReadTest, FStatFSMatchesStatfs) {
  Served s(t.Path("root"), {});
  auto r = s.Call<wire::StatFS>(wire::MID::kFStatFS, wire::FStatFSReq{s.root()});
  ASSERT_TRUE(r.ok());
  struct statfs h;
  ASSERT_EQ(::statfs(t.Path("root").c_str(), &h), 0);
  EXPECT_EQ(r->type, static_cast<uint64_t>(h.f_type));
  EXPECT_EQ(r->block_size, h.f_bsize);
  EXPECT_EQ(r->blocks, h.f_blocks);
  EXPECT_EQ(r->name_length, static_cast<uint64_t>(h.f_namelen));
}

// Reads the whole directory through Getdents64 with `count` bytes per call.
std::map<std::string, wire::Dirent64> ReadDirents(Served& s, wire::FDID open_fd, int32_t count,
                                                  size_t* calls, size_t* duplicates) {
  std::map<std::string, wire::Dirent64> out;
  std::vector<std::string> names;
  *calls = 0;
  *duplicates = 0;
  for (int i = 0; i < 100000; ++i) {
    auto r =
        s.Call<wire::Getdents64Resp>(wire::MID::kGetdents64, wire::Getdents64Req{open_fd, count});
    if (!r.ok()) {
      ADD_FAILURE() << "Getdents64: " << r.error().ToString();
      break;
    }
    ++*calls;
    if (r->dirents.empty()) break;
    for (const wire::Dirent64& d : r->dirents) {
      std::string n(d.name);
      if (out.count(n)) ++*duplicates;
      wire::Dirent64 copy = d;
      copy.name = {};
      out[n] = copy;
    }
  }
  return out;
}

std::map<std::string, struct stat> HostDir(const std::string& path) {
  std::map<std::string, struct stat> out;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    struct stat st;
    if (::fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) out[e->d_name] = st;
  }
  ::closedir(d);
  return out;
}

TEST_F(FsgoferReadTest, Getdents64ListsEveryEntryWithTheHostsTypeInodeAndDevice) {
  for (int i = 0; i < 300; ++i) t.WriteFile("root/dir/f" + std::to_string(i), "", 0644);
  Served s(t.Path("root"), {});
  wire::FDID d = WalkTo(s, {"dir"});
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{d, O_RDONLY});
  ASSERT_TRUE(o.ok());
  size_t calls = 0, dups = 0;
  auto got = ReadDirents(s, o->open_fd, 65536, &calls, &dups);
  auto want = HostDir(t.Path("root/dir"));
  EXPECT_EQ(dups, 0u);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, st] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    const wire::Dirent64& d64 = got[name];
    if (name != "..") {
      EXPECT_EQ(d64.ino, st.st_ino) << name;
      EXPECT_EQ(d64.dev_major, major(st.st_dev)) << name;
      EXPECT_EQ(d64.dev_minor, minor(st.st_dev)) << name;
    }
    if (name == "sub") {
      EXPECT_EQ(d64.type, DT_DIR);
    } else if (name == "up") {
      EXPECT_EQ(d64.type, DT_LNK);
    } else if (name == "file.txt") {
      EXPECT_EQ(d64.type, DT_REG);
    }
  }
}

TEST_F(FsgoferReadTest, Getdents64ResumesWithoutLossOrDuplicatesAtAnyBudget) {
  for (int i = 0; i < 120; ++i) {
    t.WriteFile("root/dir/entry-with-a-longer-name-" + std::to_string(i), "", 0644);
  }
  Served s(t.Path("root"), {});
  wire::FDID d = WalkTo(s, {"dir"});
  const size_t want = HostDir(t.Path("root/dir")).size();
  // Each entry here needs 27 + 36 bytes; a budget below one entry returns
  // none (end of directory to the client), as in gVisor.
  for (int32_t budget : {100, 256, 1000, 4096}) {
    auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{d, O_RDONLY});
    ASSERT_TRUE(o.ok());
    size_t calls = 0, dups = 0;
    auto got = ReadDirents(s, o->open_fd, budget, &calls, &dups);
    EXPECT_EQ(got.size(), want) << "budget " << budget;
    EXPECT_EQ(dups, 0u) << "budget " << budget;
    EXPECT_GT(calls, 2u) << "budget " << budget;
  }
}

TEST_F(FsgoferReadTest, Getdents64NegativeCountRestartsFromTheBeginning) {
  Served s(t.Path("root"), {});
  wire::FDID d = WalkTo(s, {"dir"});
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{d, O_RDONLY});
  ASSERT_TRUE(o.ok());
  auto first =
      s.Call<wire::Getdents64Resp>(wire::MID::kGetdents64, wire::Getdents64Req{o->open_fd, 65536});
  ASSERT_TRUE(first.ok());
  const size_t n = first->dirents.size();
  ASSERT_GT(n, 2u);
  auto end =
      s.Call<wire::Getdents64Resp>(wire::MID::kGetdents64, wire::Getdents64Req{o->open_fd, 65536});
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->dirents.empty());
  auto again =
      s.Call<wire::Getdents64Resp>(wire::MID::kGetdents64, wire::Getdents64Req{o->open_fd, -65536});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->dirents.size(), n);
}

TEST_F(FsgoferReadTest, Getdents64OnAFileIsEnotdir) {
  Served s(t.Path("root"), {});
  wire::FDID f = WalkTo(s, {"top.txt"});
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDONLY});
  ASSERT_TRUE(o.ok());
  auto r =
      s.Call<wire::Getdents64Resp>(wire::MID::kGetdents64, wire::Getdents64Req{o->open_fd, 4096});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), ENOTDIR);
}

TEST_F(FsgoferReadTest, CloseReleasesFdsAndUnknownIdsAreIgnored) {
  Served s(t.Path("root"), {});
  const size_t before = s.conn().open_fd_count();
  wire::FDID f = WalkTo(s, {"dir", "file.txt"});
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDONLY});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(s.conn().open_fd_count(), before + 3);
  wire::CloseReq c;
  c.fds = {o->open_fd, f, 12345};
  ASSERT_TRUE(s.Do(wire::MID::kClose, c).ok());
  EXPECT_EQ(s.conn().open_fd_count(), before + 1);  // "dir" is still open
  auto st = s.Call<wire::Statx>(wire::MID::kFStat, wire::StatReq{f});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().value(), EBADF);
}

TEST_F(FsgoferReadTest, NothingEscapesTheRootThroughSymlinksOrDotDot) {
  Served s(t.Path("root"), {});
  // "abs" points at /etc/passwd: Walk returns the link, never the target.
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"abs", "x"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, wire::WalkStatus::kComponentSymlink);
  auto dd = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"..", "outside.txt"}));
  ASSERT_FALSE(dd.ok());
  EXPECT_EQ(dd.error().value(), EINVAL);
}

TEST_F(FsgoferReadTest, DisconnectReleasesEveryHostFd) {
  auto count_fds = [] {
    size_t n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
  };
  const size_t before = count_fds();
  {
    Served s(t.Path("root"), {});
    for (int i = 0; i < 20; ++i) {
      wire::FDID f = WalkTo(s, {"dir", "file.txt"});
      std::vector<UniqueFd> fds;
      ASSERT_TRUE(
          s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDONLY}, &fds, 1).ok());
    }
    EXPECT_GT(count_fds(), before);
    s.Disconnect();
    EXPECT_EQ(s.server().node_count(), 1u);
  }
  EXPECT_EQ(count_fds(), before);
}

}  // namespace
}  // namespace hg::fsgofer
