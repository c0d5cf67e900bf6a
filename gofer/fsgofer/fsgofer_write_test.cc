// fsgofer's mutating messages (issue 5) through a real Server, each compared
// with the same syscall done directly on the host, error paths included.
#include <cap-ng.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gofer/fsgofer/fsgofer_test_util.h"
#include "path_walk/testing/mount_ns.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::fsgofer {
namespace {

using path_walk::testing::ReadFileOrDie;
using path_walk::testing::TempTree;
using testing::HostContent;
using testing::HostErrno;
using testing::HostStatx;
using testing::Served;
using testing::WalkOf;

class FsgoferWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.MkDir("root");
    t.MkDir("root/dir");
    t.MkDir("root/full");
    t.WriteFile("root/full/x", "x", 0644);
    t.WriteFile("root/file", "0123456789", 0644);
    t.Symlink("root/link", "file");
    t.MkDir("host");  // twin tree for host-side comparisons
    t.MkDir("host/full");
    t.WriteFile("host/full/x", "x", 0644);
    t.WriteFile("host/file", "0123456789", 0644);
  }

  wire::FDID WalkTo(Served& s, std::initializer_list<std::string_view> names) {
    auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), names));
    EXPECT_TRUE(w.ok());
    if (!w.ok() || w->inodes.size() != names.size()) return wire::kInvalidFDID;
    return w->inodes.back().control_fd;
  }

  wire::FDID Open(Served& s, wire::FDID f, uint32_t flags) {
    auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, flags});
    EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().ToString());
    return o.ok() ? o->open_fd : wire::kInvalidFDID;
  }

  std::string P(const std::string& rel) const { return t.Path(rel); }

  TempTree t;
};

wire::MkdirAtReq Mkdir(wire::FDID dir, std::string_view name, uint16_t mode,
                       wire::UID uid = wire::kNoUID, wire::GID gid = wire::kNoGID) {
  wire::MkdirAtReq r;
  r.dir_fd = dir;
  r.name = name;
  r.mode = mode;
  r.uid = uid;
  r.gid = gid;
  return r;
}

TEST_F(FsgoferWriteTest, MkdirAtCreatesWithModeAndOwnerAndFailsLikeMkdir) {
  Served s(P("root"), {});
  auto r = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, Mkdir(s.root(), "new", 0750, 1234, 5678));
  ASSERT_TRUE(r.ok());
  struct statx st = HostStatx(P("root/new"));
  ASSERT_TRUE(S_ISDIR(st.stx_mode));
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.stx_mode & 07777, 0750u & ~mask);
  EXPECT_EQ(st.stx_uid, 1234u);
  EXPECT_EQ(st.stx_gid, 5678u);
  EXPECT_EQ(r->child_dir.stat.ino, st.stx_ino);
  EXPECT_EQ(r->child_dir.stat.uid, 1234u) << "the Inode reports the owner after chown";

  auto again = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, Mkdir(s.root(), "new", 0755));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().value(), HostErrno([&] { return ::mkdir(P("root/new").c_str(), 0755); }));
  // A symlink at the name is never followed: EEXIST, as mkdir(2).
  auto over = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, Mkdir(s.root(), "link", 0755));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().value(), EEXIST);
  wire::FDID f = WalkTo(s, {"file"});
  auto in_file = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, Mkdir(f, "x", 0755));
  ASSERT_FALSE(in_file.ok());
  EXPECT_EQ(in_file.error().value(),
            HostErrno([&] { return ::mkdir(P("root/file/x").c_str(), 0755); }));
  const std::string long_name(256, 'n');
  auto too_long = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, Mkdir(s.root(), long_name, 0755));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().value(),
            HostErrno([&] { return ::mkdir(P("root/" + long_name).c_str(), 0755); }));
}

TEST_F(FsgoferWriteTest, OpenCreateAtIsExclusiveAndDonatesTheNewFile) {
  Served s(P("root"), {});
  wire::OpenCreateAtReq req;
  req.dir_fd = s.root();
  req.name = "created";
  req.mode = 0600;
  req.flags = O_RDWR;
  req.uid = wire::kNoUID;
  req.gid = wire::kNoGID;
  std::vector<UniqueFd> fds;
  auto r = s.Call<wire::OpenCreateAtResp>(wire::MID::kOpenCreateAt, req, &fds, 1);
  ASSERT_TRUE(r.ok());
  if (testing::ActiveBackend().donates_host_fds) {
    ASSERT_TRUE(fds[0].valid());
    EXPECT_EQ(::write(fds[0].get(), "via donated fd", 14), 14);
  } else {
    EXPECT_FALSE(fds[0].valid()) << "a backend that cannot donate never does";
    const std::string first = "via donated fd";  // the same bytes, through the server
    wire::PWriteReq w0;
    w0.fd = r->new_fd;
    w0.offset = 0;
    w0.data =
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(first.data()), first.size());
    ASSERT_TRUE(s.Call<wire::PWriteResp>(wire::MID::kPWrite, w0).ok());
  }
  wire::PWriteReq w;
  w.fd = r->new_fd;
  w.offset = 14;
  const std::string more = " and PWrite";
  w.data = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(more.data()), more.size());
  auto wr = s.Call<wire::PWriteResp>(wire::MID::kPWrite, w);
  ASSERT_TRUE(wr.ok());
  EXPECT_EQ(wr->count, more.size());
  EXPECT_EQ(HostContent(P("root/created")), "via donated fd and PWrite");
  struct statx st = HostStatx(P("root/created"));
  EXPECT_EQ(st.stx_mode & 07777, 0600u);
  EXPECT_EQ(r->child.stat.ino, st.stx_ino);

  auto again = s.Call<wire::OpenCreateAtResp>(wire::MID::kOpenCreateAt, req);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().value(), HostErrno([&] {
              return ::open(P("root/created").c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
            }));
  req.name = "link";  // a symlink at the name: EEXIST, nothing created at its target
  auto over = s.Call<wire::OpenCreateAtResp>(wire::MID::kOpenCreateAt, req);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().value(), EEXIST);
}

// Without CAP_CHOWN, giving a new file to another owner fails after the file
// was created; the create must then leave nothing behind. The server runs in
// a forked child whose threads never had CAP_CHOWN (capabilities are per
// thread and inherited by threads created later).
TEST_F(FsgoferWriteTest, CreatesWhoseOwnerCannotBeSetLeaveNothingBehind) {
  const std::string root = P("root");
  std::string failures =
      path_walk::testing::RunInMountNamespace([&](path_walk::testing::Checker& c) {
        capng_get_caps_process();
        capng_update(CAPNG_DROP, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                     CAP_CHOWN);
        if (!c.Check(capng_apply(CAPNG_SELECT_CAPS) == 0, "drop CAP_CHOWN")) return;
        Served s(root, {});
        wire::OpenCreateAtReq oc;
        oc.dir_fd = s.root();
        oc.name = "created";
        oc.mode = 0644;
        oc.flags = O_RDWR;
        oc.uid = 4242;
        oc.gid = 4242;
        auto r = s.Call<wire::OpenCreateAtResp>(wire::MID::kOpenCreateAt, oc);
        c.Check(!r.ok(), "OpenCreateAt with a foreign owner fails");
        if (!r.ok()) c.CheckErrno(r.error().value(), EPERM, "OpenCreateAt errno");
        c.Check(::access((root + "/created").c_str(), F_OK) != 0, "no file left behind");
        auto m = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt,
                                           Mkdir(s.root(), "made", 0755, 4242, 4242));
        c.Check(!m.ok(), "MkdirAt with a foreign owner fails");
        c.Check(::access((root + "/made").c_str(), F_OK) != 0, "no directory left behind");
        wire::SymlinkAtReq sl;
        sl.dir_fd = s.root();
        sl.name = "sym";
        sl.target = "x";
        sl.uid = 4242;
        sl.gid = 4242;
        auto l = s.Call<wire::SymlinkAtResp>(wire::MID::kSymlinkAt, sl);
        c.Check(!l.ok(), "SymlinkAt with a foreign owner fails");
        struct stat st;
        c.Check(::lstat((root + "/sym").c_str(), &st) != 0, "no symlink left behind");
        // Our own ids need no capability and succeed.
        oc.uid = wire::kNoUID;
        oc.gid = wire::kNoGID;
        c.Check(s.Call<wire::OpenCreateAtResp>(wire::MID::kOpenCreateAt, oc).ok(), "plain create");
      });
  EXPECT_EQ(failures, "");
}

TEST_F(FsgoferWriteTest, PWriteMatchesPwriteIncludingAtOffsets) {
  Served s(P("root"), {});
  wire::FDID f = WalkTo(s, {"file"});
  wire::FDID o = Open(s, f, O_WRONLY);
  const std::string data = "ABC";
  wire::PWriteReq w;
  w.fd = o;
  w.offset = 20;  // past EOF: a hole, as pwrite(2)
  w.data = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  auto r = s.Call<wire::PWriteResp>(wire::MID::kPWrite, w);
  ASSERT_TRUE(r.ok());
  UniqueFd h(::open(P("host/file").c_str(), O_WRONLY | O_CLOEXEC));
  ASSERT_EQ(::pwrite(h.get(), data.data(), data.size(), 20), 3);
  EXPECT_EQ(HostContent(P("root/file")), ReadFileOrDie(P("host/file")));
  // A read-only open FD cannot write: EBADF (as pwrite(2) on an O_RDONLY fd).
  wire::FDID ro = Open(s, f, O_RDONLY);
  w.fd = ro;
  auto bad = s.Call<wire::PWriteResp>(wire::MID::kPWrite, w);
  ASSERT_FALSE(bad.ok());
  UniqueFd hr(::open(P("host/file").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(bad.error().value(), HostErrno([&] { return ::pwrite(hr.get(), "x", 1, 0); }));
}

TEST_F(FsgoferWriteTest, MaxFileSizeBoundsWritesTruncateAndAllocateWithEfbig) {
  MountRules rules;
  rules.max_file_size = 16;
  Served s(P("root"), rules);
  wire::FDID f = WalkTo(s, {"file"});
  wire::FDID o = Open(s, f, O_RDWR);
  const std::string data(10, 'z');
  wire::PWriteReq w;
  w.fd = o;
  w.offset = 10;
  w.data = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  auto part = s.Call<wire::PWriteResp>(wire::MID::kPWrite, w);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->count, 6u) << "what fits below the limit is written";
  w.offset = 16;
  auto none = s.Call<wire::PWriteResp>(wire::MID::kPWrite, w);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().value(), EFBIG);
  wire::SetStatReq ss{};
  ss.fd = f;
  ss.mask = STATX_SIZE;
  ss.size = 17;
  auto st = s.Call<wire::SetStatResp>(wire::MID::kSetStat, ss);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->failure_mask, static_cast<uint32_t>(STATX_SIZE));
  EXPECT_EQ(st->failure_errno, static_cast<uint32_t>(EFBIG));
  auto al = s.Do(wire::MID::kFAllocate, wire::FAllocateReq{o, 0, 0, 17});
  ASSERT_FALSE(al.ok());
  EXPECT_EQ(al.error().value(), EFBIG);
  EXPECT_EQ(HostStatx(P("root/file")).stx_size, 16u);
}

TEST_F(FsgoferWriteTest, FAllocateModeZeroGrowsOtherModesAreRefusedBeforeAnySyscall) {
  Served s(P("root"), {});
  wire::FDID f = WalkTo(s, {"file"});
  wire::FDID o = Open(s, f, O_RDWR);
  ASSERT_TRUE(s.Do(wire::MID::kFAllocate, wire::FAllocateReq{o, 0, 0, 8192}).ok());
  EXPECT_EQ(HostStatx(P("root/file")).stx_size, 8192u);
  auto punch = s.Do(wire::MID::kFAllocate,
                    wire::FAllocateReq{o, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 10});
  ASSERT_FALSE(punch.ok());
  EXPECT_EQ(punch.error().value(), EOPNOTSUPP);
  EXPECT_EQ(HostContent(P("root/file")).substr(0, 10), "0123456789") << "nothing was punched";
}

TEST_F(FsgoferWriteTest, SetStatChangesModeSizeTimesOwnerLikeTheHost) {
  Served s(P("root"), {});
  wire::FDID f = WalkTo(s, {"file"});
  wire::SetStatReq req{};
  req.fd = f;
  req.mask = STATX_MODE | STATX_SIZE | STATX_ATIME | STATX_MTIME | STATX_UID | STATX_GID;
  req.mode = 0604;
  req.size = 4;
  req.atime = {1000, 5};
  req.mtime = {2000, 7};
  req.uid = 4321;
  req.gid = 8765;
  auto r = s.Call<wire::SetStatResp>(wire::MID::kSetStat, req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failure_mask, 0u);
  struct statx st = HostStatx(P("root/file"));
  EXPECT_EQ(st.stx_mode & 07777, 0604u);
  EXPECT_EQ(st.stx_size, 4u);
  EXPECT_EQ(st.stx_atime.tv_sec, 1000);
  EXPECT_EQ(st.stx_atime.tv_nsec, 5u);
  EXPECT_EQ(st.stx_mtime.tv_sec, 2000);
  EXPECT_EQ(st.stx_mtime.tv_nsec, 7u);
  EXPECT_EQ(st.stx_uid, 4321u);
  EXPECT_EQ(st.stx_gid, 8765u);

  // UTIME_OMIT keeps a time, UTIME_NOW sets it to now.
  req.mask = STATX_ATIME | STATX_MTIME;
  req.atime = {0, UTIME_OMIT};
  req.mtime = {0, UTIME_NOW};
  ASSERT_TRUE(s.Call<wire::SetStatResp>(wire::MID::kSetStat, req).ok());
  st = HostStatx(P("root/file"));
  EXPECT_EQ(st.stx_atime.tv_sec, 1000);
  EXPECT_GT(st.stx_mtime.tv_sec, 2000);
}

TEST_F(FsgoferWriteTest, SetStatPartialFailuresAreReportedPerField) {
  Served s(P("root"), {});
  // A symlink's mode cannot change (EOPNOTSUPP in the mask) but its times can.
  wire::FDID l = WalkTo(s, {"link"});
  wire::SetStatReq req{};
  req.fd = l;
  req.mask = STATX_MODE | STATX_MTIME;
  req.mode = 0600;
  req.mtime = {3000, 0};
  auto r = s.Call<wire::SetStatResp>(wire::MID::kSetStat, req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failure_mask, static_cast<uint32_t>(STATX_MODE));
  EXPECT_EQ(r->failure_errno, static_cast<uint32_t>(EOPNOTSUPP));
  EXPECT_EQ(HostStatx(P("root/link")).stx_mtime.tv_sec, 3000) << "the symlink itself";
  EXPECT_NE(HostStatx(P("root/file")).stx_mtime.tv_sec, 3000) << "not its target";
  // Truncating a directory: EISDIR for the size only.
  wire::FDID d = WalkTo(s, {"dir"});
  req.fd = d;
  req.mask = STATX_SIZE | STATX_MODE;
  req.size = 0;
  req.mode = 0700;
  auto rd = s.Call<wire::SetStatResp>(wire::MID::kSetStat, req);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(rd->failure_mask, static_cast<uint32_t>(STATX_SIZE));
  EXPECT_EQ(rd->failure_errno,
            static_cast<uint32_t>(HostErrno([&] { return ::truncate(P("root/dir").c_str(), 0); })));
  EXPECT_EQ(HostStatx(P("root/dir")).stx_mode & 07777, 0700u);
}

TEST_F(FsgoferWriteTest, MknodAtAllowsFilesAndWhiteoutsOnly) {
  Served s(P("root"), {});
  auto mk = [&](std::string_view name, uint16_t mode, uint32_t major, uint32_t minor) {
    wire::MknodAtReq r;
    r.dir_fd = s.root();
    r.name = name;
    r.mode = mode;
    r.major = major;
    r.minor = minor;
    return s.Call<wire::MknodAtResp>(wire::MID::kMknodAt, r);
  };
  auto reg = mk("reg", S_IFREG | 0640, 0, 0);
  ASSERT_TRUE(reg.ok());
  EXPECT_TRUE(S_ISREG(HostStatx(P("root/reg")).stx_mode));
  auto wh = mk("whiteout", S_IFCHR, 0, 0);
  ASSERT_TRUE(wh.ok());
  struct statx w = HostStatx(P("root/whiteout"));
  EXPECT_TRUE(S_ISCHR(w.stx_mode));
  EXPECT_EQ(w.stx_rdev_major, 0u);
  auto nul = mk("null", S_IFCHR | 0666, 1, 3);
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().value(), EPERM);
  auto blk = mk("blk", S_IFBLK | 0600, 7, 0);
  ASSERT_FALSE(blk.ok());
  EXPECT_EQ(blk.error().value(), EPERM);
  auto fifo = mk("fifo", S_IFIFO | 0600, 0, 0);
  ASSERT_FALSE(fifo.ok());
  EXPECT_EQ(fifo.error().value(), EPERM) << "FIFOs need --host-fifo=open";
  EXPECT_EQ(HostErrno([&] { return ::access(P("root/null").c_str(), F_OK); }), ENOENT);

  MountRules fifo_rules;
  fifo_rules.host_fifo = HostFifo::kOpen;
  Served f(P("root"), fifo_rules);
  wire::MknodAtReq r;
  r.dir_fd = f.root();
  r.name = "fifo";
  r.mode = S_IFIFO | 0600;
  ASSERT_TRUE(f.Call<wire::MknodAtResp>(wire::MID::kMknodAt, r).ok());
  EXPECT_TRUE(S_ISFIFO(HostStatx(P("root/fifo")).stx_mode));
}

TEST_F(FsgoferWriteTest, SymlinkAtStoresTheTargetVerbatim) {
  Served s(P("root"), {});
  for (std::string_view target : {"../../../etc/shadow", "/abs/olute", "a b"}) {
    wire::SymlinkAtReq r;
    r.dir_fd = s.root();
    const std::string name = "l" + std::to_string(target.size());
    r.name = name;
    r.target = target;
    auto res = s.Call<wire::SymlinkAtResp>(wire::MID::kSymlinkAt, r);
    ASSERT_TRUE(res.ok());
    char buf[64];
    ssize_t n = ::readlink(P("root/" + name).c_str(), buf, sizeof(buf));
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), target);
    EXPECT_TRUE(S_ISLNK(res->symlink.stat.mode));
  }
  wire::SymlinkAtReq r;
  r.dir_fd = s.root();
  r.name = "file";
  r.target = "x";
  auto ex = s.Call<wire::SymlinkAtResp>(wire::MID::kSymlinkAt, r);
  ASSERT_FALSE(ex.ok());
  EXPECT_EQ(ex.error().value(), HostErrno([&] { return ::symlink("x", P("root/file").c_str()); }));
  r.name = "empty";
  r.target = "";
  auto empty = s.Call<wire::SymlinkAtResp>(wire::MID::kSymlinkAt, r);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().value(),
            HostErrno([&] { return ::symlink("", P("root/empty").c_str()); }));
}

TEST_F(FsgoferWriteTest, LinkAtLinksTheHeldFileAndRefusesDirectories) {
  Served s(P("root"), {});
  wire::FDID f = WalkTo(s, {"file"});
  wire::LinkAtReq r;
  r.dir_fd = s.root();
  r.target = f;
  r.name = "hard";
  auto res = s.Call<wire::LinkAtResp>(wire::MID::kLinkAt, r);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(HostStatx(P("root/hard")).stx_ino, HostStatx(P("root/file")).stx_ino);
  EXPECT_EQ(HostStatx(P("root/file")).stx_nlink, 2u);
  wire::FDID d = WalkTo(s, {"dir"});
  r.target = d;
  r.name = "dirlink";
  auto dir = s.Call<wire::LinkAtResp>(wire::MID::kLinkAt, r);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().value(),
            HostErrno([&] { return ::link(P("root/dir").c_str(), P("root/dirlink").c_str()); }));
  r.target = f;
  r.name = "dir";  // exists
  auto ex = s.Call<wire::LinkAtResp>(wire::MID::kLinkAt, r);
  ASSERT_FALSE(ex.ok());
  EXPECT_EQ(ex.error().value(), EEXIST);
}

TEST_F(FsgoferWriteTest, UnlinkAtMatchesUnlinkatErrors) {
  Served s(P("root"), {});
  wire::FDID full = WalkTo(s, {"full"});
  auto un = [&](wire::FDID dir, std::string_view name, uint32_t flags) {
    wire::UnlinkAtReq r;
    r.dir_fd = dir;
    r.name = name;
    r.flags = flags;
    return s.Do(wire::MID::kUnlinkAt, r);
  };
  int host_dir = ::open(P("host").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  UniqueFd hd(host_dir);
  struct Case {
    std::string_view name;
    uint32_t flags;
  } cases[] = {{"missing", 0}, {"full", AT_REMOVEDIR}, {"full", 0}, {"file", AT_REMOVEDIR}};
  for (const Case& c : cases) {
    Status got = un(s.root(), c.name, c.flags);
    const int want = HostErrno([&] {
      return ::unlinkat(hd.get(), std::string(c.name).c_str(), static_cast<int>(c.flags));
    });
    ASSERT_NE(want, 0);
    ASSERT_FALSE(got.ok()) << c.name;
    EXPECT_EQ(got.error().value(), want) << c.name << " flags " << c.flags;
  }
  ASSERT_TRUE(un(full, "x", 0).ok());
  ASSERT_TRUE(un(s.root(), "full", AT_REMOVEDIR).ok());
  ASSERT_TRUE(un(s.root(), "link", 0).ok());
  EXPECT_EQ(HostErrno([&] { return ::access(P("root/full").c_str(), F_OK); }), ENOENT);
  EXPECT_TRUE(S_ISREG(HostStatx(P("root/file")).stx_mode)) << "the link, not its target";
  // The removed directory's control FD still stats the object it holds, as
  // fstat(2) on a descriptor of a removed directory does (nlink 0), but
  // nothing can be walked from it any more.
  auto st = s.Call<wire::Statx>(wire::MID::kFStat, wire::StatReq{full});
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->nlink, 0u);
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(full, {"x"}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, wire::WalkStatus::kComponentDoesNotExist);
}

TEST_F(FsgoferWriteTest, RenameAtAndRenameAt2FlagsMatchRenameat2) {
  Served s(P("root"), {});
  wire::FDID d = WalkTo(s, {"dir"});
  wire::RenameAtReq r;
  r.old_dir = s.root();
  r.new_dir = d;
  r.old_name = "file";
  r.new_name = "moved";
  ASSERT_TRUE(s.Do(wire::MID::kRenameAt, r).ok());
  EXPECT_EQ(HostContent(P("root/dir/moved")), "0123456789");

  t.WriteFile("root/a", "A", 0644);
  t.WriteFile("root/b", "B", 0644);
  testing::AdoptHostFiles(P("root"));
  wire::RenameAt2Req r2;
  r2.old_dir = s.root();
  r2.new_dir = s.root();
  r2.old_name = "a";
  r2.new_name = "b";
  r2.flags = RENAME_NOREPLACE;
  auto nr = s.Do(wire::MID::kRenameAt2, r2);
  ASSERT_FALSE(nr.ok());
  t.WriteFile("host/a", "A", 0644);
  t.WriteFile("host/b", "B", 0644);
  EXPECT_EQ(nr.error().value(), HostErrno([&] {
              return ::renameat2(AT_FDCWD, P("host/a").c_str(), AT_FDCWD, P("host/b").c_str(),
                                 RENAME_NOREPLACE);
            }));
  r2.flags = RENAME_EXCHANGE;
  ASSERT_TRUE(s.Do(wire::MID::kRenameAt2, r2).ok());
  EXPECT_EQ(HostContent(P("root/a")), "B");
  EXPECT_EQ(HostContent(P("root/b")), "A");
  r2.flags = RENAME_WHITEOUT;
  auto wo = s.Do(wire::MID::kRenameAt2, r2);
  ASSERT_FALSE(wo.ok());
  EXPECT_EQ(wo.error().value(), EINVAL);
  r.old_name = "missing";
  auto miss = s.Do(wire::MID::kRenameAt, r);
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.error().value(), HostErrno([&] {
              return ::rename(P("host/missing").c_str(), P("host/other").c_str());
            }));
  // A directory into its own subtree: EINVAL, as rename(2).
  t.MkDir("root/p");
  t.MkDir("root/p/q");
  wire::FDID q = WalkTo(s, {"p", "q"});
  r.old_dir = s.root();
  r.new_dir = q;
  r.old_name = "p";
  r.new_name = "inside";
  auto loop = s.Do(wire::MID::kRenameAt, r);
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().value(), EINVAL);
}

TEST_F(FsgoferWriteTest, FSyncSyncsEveryListedFd) {
  Served s(P("root"), {});
  wire::FDID f = WalkTo(s, {"file"});
  wire::FsyncReq r;
  r.fds = {Open(s, f, O_RDWR), Open(s, f, O_RDONLY)};
  EXPECT_TRUE(s.Do(wire::MID::kFSync, r).ok());
  r.fds.push_back(424242);
  auto bad = s.Do(wire::MID::kFSync, r);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().value(), EBADF);
}

TEST_F(FsgoferWriteTest, UserXattrsRoundTripOtherNamespacesAreRefused) {
  Served s(P("root"), {});
  wire::FDID f = WalkTo(s, {"file"});
  wire::FSetXattrReq set;
  set.fd = f;
  set.name = "user.hg";
  set.value = std::string_view("v\0al", 4);
  ASSERT_TRUE(s.Do(wire::MID::kFSetXattr, set).ok());
  char buf[16];
  ASSERT_EQ(::getxattr(P("root/file").c_str(), "user.hg", buf, sizeof(buf)), 4);
  EXPECT_EQ(std::string(buf, 4), std::string("v\0al", 4));

  wire::FGetXattrReq get;
  get.fd = f;
  get.name = "user.hg";
  auto g = s.Call<wire::FGetXattrResp>(wire::MID::kFGetXattr, get);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->value, std::string_view("v\0al", 4));
  get.buf_size = 2;
  auto small = s.Call<wire::FGetXattrResp>(wire::MID::kFGetXattr, get);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().value(),
            HostErrno([&] { return ::getxattr(P("root/file").c_str(), "user.hg", buf, 2); }));

  ASSERT_EQ(::setxattr(P("root/file").c_str(), "trusted.hidden", "t", 1, 0), 0);
  auto l = s.Call<wire::FListXattrResp>(wire::MID::kFListXattr, wire::FListXattrReq{f, 0});
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->xattrs.size(), 1u) << "trusted.* is not listed on a user-only mount";
  EXPECT_EQ(l->xattrs[0], "user.hg");

  get.name = "trusted.hidden";
  get.buf_size = 0;
  auto tr = s.Call<wire::FGetXattrResp>(wire::MID::kFGetXattr, get);
  ASSERT_FALSE(tr.ok());
  EXPECT_EQ(tr.error().value(), EOPNOTSUPP);
  set.name = "security.evil";
  auto sec = s.Do(wire::MID::kFSetXattr, set);
  ASSERT_FALSE(sec.ok());
  EXPECT_EQ(sec.error().value(), EOPNOTSUPP);

  wire::FRemoveXattrReq rm;
  rm.fd = f;
  rm.name = "user.hg";
  ASSERT_TRUE(s.Do(wire::MID::kFRemoveXattr, rm).ok());
  auto gone = s.Do(wire::MID::kFRemoveXattr, rm);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().value(),
            HostErrno([&] { return ::removexattr(P("root/file").c_str(), "user.hg"); }));
  get.name = "user.hg";
  auto nodata = s.Call<wire::FGetXattrResp>(wire::MID::kFGetXattr, get);
  ASSERT_FALSE(nodata.ok());
  EXPECT_EQ(nodata.error().value(), ENODATA);

  MountRules trusted;
  trusted.xattr_namespaces = {"user.", "trusted."};
  Served s2(P("root"), trusted);
  auto w = s2.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s2.root(), {"file"}));
  ASSERT_TRUE(w.ok());
  get.fd = w->inodes[0].control_fd;
  get.name = "trusted.hidden";
  auto ok = s2.Call<wire::FGetXattrResp>(wire::MID::kFGetXattr, get);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->value, "t");
}

TEST_F(FsgoferWriteTest, ReadonlyMountRefusesEveryMutationWithErofs) {
  MountRules rules;
  rules.readonly = true;
  Served s(P("root"), rules);
  wire::FDID f = WalkTo(s, {"file"});
  auto w = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDWR});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().value(), EROFS);
  auto tr = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDONLY | O_TRUNC});
  ASSERT_FALSE(tr.ok());
  EXPECT_EQ(tr.error().value(), EROFS);
  auto mk = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, Mkdir(s.root(), "nope", 0755));
  ASSERT_FALSE(mk.ok());
  EXPECT_EQ(mk.error().value(), EROFS);
  wire::UnlinkAtReq un;
  un.dir_fd = s.root();
  un.name = "file";
  EXPECT_EQ(s.Do(wire::MID::kUnlinkAt, un).error().value(), EROFS);
  wire::SetStatReq ss{};
  ss.fd = f;
  ss.mask = STATX_MODE;
  ss.mode = 0;
  auto st = s.Call<wire::SetStatResp>(wire::MID::kSetStat, ss);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().value(), EROFS);
  EXPECT_EQ(HostStatx(P("root/file")).stx_mode & 07777, 0644u);
  EXPECT_EQ(HostErrno([&] { return ::access(P("root/nope").c_str(), F_OK); }), ENOENT);
  // Reading still works.
  wire::FDID o = Open(s, f, O_RDONLY);
  auto r = s.Call<wire::PReadResp>(wire::MID::kPRead, wire::PReadReq{0, o, 4});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r->data.begin(), r->data.end()), "0123");
}

// A bound host socket through BindAt/Listen/Accept, and Connect to it.
TEST_F(FsgoferWriteTest, HostUnixSocketsFollowTheHostUdsMode) {
  {
    Served none(P("root"), {});
    wire::BindAtReq b;
    b.dir_fd = none.root();
    b.name = "sock";
    b.sock_type = SOCK_STREAM;
    b.mode = 0600;
    auto r = none.Call<wire::BindAtResp>(wire::MID::kBindAt, b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().value(), EPERM);
  }
  MountRules rules;
  rules.host_uds = HostUds::kAll;
  Served s(P("root"), rules);
  wire::BindAtReq b;
  b.dir_fd = s.root();
  b.name = "sock";
  b.sock_type = SOCK_STREAM;
  b.mode = 0600;
  b.uid = wire::kNoUID;
  b.gid = wire::kNoGID;
  std::vector<UniqueFd> fds;
  auto bound = s.Call<wire::BindAtResp>(wire::MID::kBindAt, b, &fds, 1);
  ASSERT_TRUE(bound.ok()) << bound.error().ToString();
  ASSERT_TRUE(fds[0].valid());
  EXPECT_TRUE(S_ISSOCK(HostStatx(P("root/sock")).stx_mode));
  ASSERT_TRUE(s.Do(wire::MID::kListen, wire::ListenReq{bound->bound_socket_fd, 4}).ok());

  // A host process connects by path; the client accepts through the gofer.
  UniqueFd host(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, P("root/sock").c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::connect(host.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::vector<UniqueFd> afds;
  auto acc = s.Call<wire::AcceptResp>(wire::MID::kAccept, wire::AcceptReq{bound->bound_socket_fd},
                                      &afds, 1);
  ASSERT_TRUE(acc.ok());
  EXPECT_EQ(acc->peer_addr, "");
  ASSERT_TRUE(afds[0].valid());
  ASSERT_EQ(::write(host.get(), "ping", 4), 4);
  char buf[8];
  EXPECT_EQ(::read(afds[0].get(), buf, sizeof(buf)), 4);

  // Connect through the socket file's control FD.
  std::vector<UniqueFd> cfds;
  auto c = s.Call<wire::ConnectResp>(
      wire::MID::kConnect, wire::ConnectReq{bound->child.control_fd, SOCK_STREAM}, &cfds, 1);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_TRUE(cfds[0].valid());
  auto bad_type =
      s.Call<wire::ConnectResp>(wire::MID::kConnect, wire::ConnectReq{bound->child.control_fd, 99});
  ASSERT_FALSE(bad_type.ok());
  EXPECT_EQ(bad_type.error().value(), ENXIO);
}

TEST_F(FsgoferWriteTest, ConnectWithCredsShowsTheCredentialsToThePeerOnly) {
  MountRules rules;
  rules.host_uds = HostUds::kOpen;
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, P("root/listener").c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::chmod(P("root/listener").c_str(), 0777), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  Served s(P("root"), rules);
  wire::FDID l = WalkTo(s, {"listener"});
  std::vector<UniqueFd> fds;
  auto c = s.Call<wire::ConnectResp>(
      wire::MID::kConnectWithCreds, wire::ConnectWithCredsReq{l, SOCK_STREAM, 1111, 2222}, &fds, 1);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  UniqueFd peer(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(peer.valid());
  ucred cred{};
  socklen_t len = sizeof(cred);
  ASSERT_EQ(::getsockopt(peer.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len), 0);
  EXPECT_EQ(cred.uid, 1111u);
  EXPECT_EQ(cred.gid, 2222u);
  // The server's threads are back to our own ids.
  EXPECT_EQ(::geteuid(), 0u);
  auto plain = s.Call<wire::ConnectResp>(wire::MID::kConnect, wire::ConnectReq{l, SOCK_STREAM});
  ASSERT_TRUE(plain.ok());
  UniqueFd peer2(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_EQ(::getsockopt(peer2.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len), 0);
  EXPECT_EQ(cred.uid, 0u) << "Connect uses the server's own ids";
}

// ConnectWithCreds borrows ids with per-thread syscalls: while a server
// thread connects as 1111, no other thread of the process (ours included)
// ever runs with those ids, and every thread is back to root afterwards.
TEST_F(FsgoferWriteTest, BorrowedIdsNeverReachOtherThreads) {
  MountRules rules;
  rules.host_uds = HostUds::kOpen;
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, P("root/l").c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::chmod(P("root/l").c_str(), 0777), 0);
  ASSERT_EQ(::listen(listener.get(), 64), 0);
  Served s(P("root"), rules);
  wire::FDID l = WalkTo(s, {"l"});

  // Effective uid of every thread of this process, from procfs.
  auto foreign_euids = [] {
    int n = 0;
    DIR* d = ::opendir("/proc/self/task");
    while (dirent* e = d ? ::readdir(d) : nullptr) {
      if (e->d_name[0] == '.') continue;
      std::string status = "/proc/self/task/" + std::string(e->d_name) + "/status";
      FILE* f = std::fopen(status.c_str(), "r");
      if (f == nullptr) continue;  // the thread just ended
      char line[256];
      unsigned r = 0, eu = 0;
      while (std::fgets(line, sizeof(line), f)) {
        if (std::sscanf(line, "Uid: %u %u", &r, &eu) == 2) break;
      }
      std::fclose(f);
      n += eu != 0;
    }
    if (d) ::closedir(d);
    return n;
  };
  std::atomic<bool> done{false};
  std::atomic<int> most_at_once{0};
  std::atomic<int> sampler_saw_itself_borrowed{0};
  std::thread sampler([&] {
    while (!done.load()) {
      most_at_once = std::max(most_at_once.load(), foreign_euids());
      if (::syscall(SYS_geteuid) != 0) ++sampler_saw_itself_borrowed;
    }
  });
  int main_saw_borrowed = 0;
  for (int i = 0; i < 150; ++i) {
    std::vector<UniqueFd> fds;
    auto c =
        s.Call<wire::ConnectResp>(wire::MID::kConnectWithCreds,
                                  wire::ConnectWithCredsReq{l, SOCK_STREAM, 1111, 2222}, &fds, 1);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    UniqueFd peer(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(peer.valid());
    if (::syscall(SYS_geteuid) != 0 || ::syscall(SYS_getegid) != 0) ++main_saw_borrowed;
  }
  done = true;
  sampler.join();
  EXPECT_EQ(main_saw_borrowed, 0);
  EXPECT_EQ(sampler_saw_itself_borrowed.load(), 0);
  EXPECT_LE(most_at_once.load(), 1) << "only the connecting thread, never the whole process";
  EXPECT_EQ(foreign_euids(), 0) << "every thread is back to our own ids";
}

}  // namespace
}  // namespace hg::fsgofer
