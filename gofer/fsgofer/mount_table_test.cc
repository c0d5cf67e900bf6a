// MountTable parsing and refresh, Getdents64 device numbers across mount
// points (in a forked child's own mount namespace), and MountRules parsing.
#include "gofer/fsgofer/mount_table.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <map>
#include <string>

#include "gofer/fsgofer/fsgofer_test_util.h"
#include "gofer/fsgofer/mount_rules.h"
#include "path_walk/testing/mount_ns.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::fsgofer {
namespace {

using path_walk::testing::Checker;
using path_walk::testing::RunInMountNamespace;
using path_walk::testing::TempTree;
using testing::Served;
using testing::WalkOf;

TEST(MountInfoParse, IndexesMountPointsByDirectoryAndParents) {
  const char* text =
      "21 1 0:20 / / rw - ext4 /dev/root rw\n"
      "30 21 0:5 / /proc rw - proc proc rw\n"
      "31 21 0:30 / /srv/vol/a\\040b rw shared:1 - tmpfs tmpfs rw\n"
      "32 31 0:31 / /srv/vol/a\\040b/inner rw - tmpfs tmpfs rw\n";
  auto s = ParseMountInfo(text);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->HasChildMounts(21));
  EXPECT_TRUE(s->HasChildMounts(31));
  EXPECT_FALSE(s->HasChildMounts(30));
  ASSERT_NE(s->MountPointsIn("/srv/vol"), nullptr);
  EXPECT_EQ(*s->MountPointsIn("/srv/vol"), std::vector<std::string>{"a b"});
  ASSERT_NE(s->MountPointsIn("/"), nullptr);
  EXPECT_EQ(*s->MountPointsIn("/"), std::vector<std::string>{"proc"});
  EXPECT_EQ(*s->MountPointsIn("/srv/vol/a b"), std::vector<std::string>{"inner"});
  EXPECT_EQ(s->MountPointsIn("/srv"), nullptr);
}

TEST(MountInfoParse, RejectsMalformedLines) {
  for (const char* bad : {"x 1 0:1 / /a rw\n", "2 1 0:1\n", "2 1 0:1 / relative rw\n",
                          "2 1 0:1 / /bad\\09 rw\n", "2 1 0:1 / /cut\\04\n"}) {
    EXPECT_FALSE(ParseMountInfo(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseMountInfo("").ok());
}

TEST(MountRulesParse, FlagValues) {
  EXPECT_EQ(*ParseHostUds("none"), HostUds::kNone);
  EXPECT_EQ(*ParseHostUds("open"), HostUds::kOpen);
  EXPECT_EQ(*ParseHostUds("create"), HostUds::kCreate);
  EXPECT_EQ(*ParseHostUds("all"), HostUds::kAll);
  EXPECT_FALSE(ParseHostUds("yes").ok());
  EXPECT_EQ(*ParseHostFifo("open"), HostFifo::kOpen);
  EXPECT_FALSE(ParseHostFifo("create").ok());
  auto ns = ParseXattrNamespaces("user,trusted,user");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(*ns, (std::vector<std::string>{"user.", "trusted."}));
  EXPECT_FALSE(ParseXattrNamespaces("user,system").ok());
  EXPECT_TRUE(ParseXattrNamespaces("")->empty());
  MountRules r;
  EXPECT_TRUE(r.XattrAllowed("user.x"));
  EXPECT_FALSE(r.XattrAllowed("user."));
  EXPECT_FALSE(r.XattrAllowed("trusted.x"));
  EXPECT_FALSE(r.XattrAllowed("userx"));
  EXPECT_TRUE(AllowsOpen(HostUds::kAll) && AllowsCreate(HostUds::kAll));
  EXPECT_FALSE(AllowsCreate(HostUds::kOpen));
  EXPECT_FALSE(AllowsOpen(HostUds::kCreate));
}

TEST(MountTable, RereadsOnlyAfterTheKernelReportsAChange) {
  TempTree t;
  t.MkDir("m");
  const std::string point = t.Path("m");
  std::string failures = RunInMountNamespace([&](Checker& c) {
    auto table = MountTable::Open();
    if (!c.Check(table.ok(), "open mount table")) return;
    const uint64_t reads = (*table)->reads();
    for (int i = 0; i < 3; ++i) c.Check((*table)->Current().ok(), "current");
    c.Check((*table)->reads() == reads, "no re-read without a change");
    if (!c.Check(::mount("none", point.c_str(), "tmpfs", 0, nullptr) == 0, "mount tmpfs")) return;
    auto snap = (*table)->Current();
    if (!c.Check(snap.ok(), "current after mount")) return;
    c.Check((*table)->reads() == reads + 1, "one re-read after the mount");
    const auto* names = (*snap)->MountPointsIn(t.base());
    c.Check(names != nullptr && names->size() == 1 && (*names)[0] == "m", "new mount listed");
  });
  EXPECT_EQ(failures, "");
}

// Getdents64 reports the mounted filesystem's device (and root inode) for a
// mount point, and the directory's device for every other entry, as a stat
// of each entry would: checked against the host in a private mount namespace.
TEST(Getdents64Devices, MountPointsGetTheirOwnDevice) {
  TempTree t;
  t.MkDir("root");
  t.MkDir("root/dir");
  t.MkDir("root/dir/mnt");
  t.MkDir("root/dir/later");
  t.WriteFile("root/dir/plain", "x", 0644);
  const std::string root = t.Path("root");
  std::string failures = RunInMountNamespace([&](Checker& c) {
    const std::string mnt = root + "/dir/mnt";
    if (!c.Check(::mount("none", mnt.c_str(), "tmpfs", 0, nullptr) == 0, "mount tmpfs")) return;
    Served s(root, {});
    auto list = [&](std::map<std::string, wire::Dirent64>* out) {
      auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"dir"}));
      if (!c.Check(w.ok() && w->inodes.size() == 1, "walk dir")) return;
      auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt,
                                        wire::OpenAtReq{w->inodes[0].control_fd, O_RDONLY});
      if (!c.Check(o.ok(), "open dir")) return;
      auto d = s.Call<wire::Getdents64Resp>(wire::MID::kGetdents64,
                                            wire::Getdents64Req{o->open_fd, 65536});
      if (!c.Check(d.ok(), "getdents")) return;
      for (const wire::Dirent64& e : d->dirents) {
        wire::Dirent64 copy = e;
        copy.name = {};
        (*out)[std::string(e.name)] = copy;
      }
    };
    auto expect_host = [&](const std::map<std::string, wire::Dirent64>& got,
                           const std::string& name) {
      struct stat st;
      if (!c.Check(::stat((root + "/dir/" + name).c_str(), &st) == 0, "host stat " + name)) return;
      auto it = got.find(name);
      if (!c.Check(it != got.end(), "entry " + name)) return;
      c.Check(it->second.dev_major == major(st.st_dev) && it->second.dev_minor == minor(st.st_dev),
              "device of " + name);
      c.Check(it->second.ino == st.st_ino, "inode of " + name);
    };
    std::map<std::string, wire::Dirent64> first;
    list(&first);
    for (const char* n : {"mnt", "later", "plain"}) expect_host(first, n);
    struct stat dir_st, mnt_st;
    c.Check(::stat((root + "/dir").c_str(), &dir_st) == 0 && ::stat(mnt.c_str(), &mnt_st) == 0,
            "stats");
    c.Check(dir_st.st_dev != mnt_st.st_dev, "the tmpfs really is another device");

    // A mount made while the server runs is seen by the next listing.
    const std::string later = root + "/dir/later";
    if (!c.Check(::mount("none", later.c_str(), "tmpfs", 0, nullptr) == 0, "mount later")) return;
    std::map<std::string, wire::Dirent64> second;
    list(&second);
    for (const char* n : {"mnt", "later", "plain"}) expect_host(second, n);
  });
  EXPECT_EQ(failures, "");
}

}  // namespace
}  // namespace hg::fsgofer
