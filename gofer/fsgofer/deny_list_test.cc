// Deny patterns: the names they match cannot be reached, created, removed,
// renamed to, or listed; everything else is unaffected.
#include "gofer/fsgofer/deny_list.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

#include "gofer/fsgofer/fsgofer_test_util.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::fsgofer {
namespace {

using path_walk::testing::TempTree;
using testing::Served;
using testing::WalkOf;

TEST(DenyListCompile, MatchesWholePathsAndRejectsBadPatterns) {
  auto d = DenyList::Compile({"/secret(/.*)?", ".*\\.key"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->Denied("/secret"));
  EXPECT_TRUE((*d)->Denied("/secret/inner"));
  EXPECT_FALSE((*d)->Denied("/secret2")) << "whole-path match";
  EXPECT_FALSE((*d)->Denied("/a/secret"));
  EXPECT_TRUE((*d)->Denied("/a/b/server.key"));
  EXPECT_FALSE((*d)->Denied("/a/b/server.key.pub"));
  EXPECT_FALSE(DenyList::Compile({"(unclosed"}).ok());
  EXPECT_EQ(ChildPath("/", "a"), "/a");
  EXPECT_EQ(ChildPath("/a", "b"), "/a/b");
}

// Names are bytes: a newline or a byte that is not UTF-8 must not let a name
// slip past ".*" (RE2's defaults would: '.' skips '\n' and invalid UTF-8).
TEST(DenyListCompile, MatchesEveryByteSoNoNameSlipsPastDotStar) {
  auto d = DenyList::Compile({"/secret.*", "/exact"});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->Denied("/secretx"));
  EXPECT_TRUE((*d)->Denied("/secret\nx"));
  EXPECT_TRUE((*d)->Denied("/secret\xff"));
  EXPECT_TRUE((*d)->Denied(std::string("/secret\0x", 9)));
  EXPECT_FALSE((*d)->Denied("/exact\n"));
  auto u = DenyList::Compile({"/caf\xc3\xa9"});  // "/café" in UTF-8
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE((*u)->Denied("/caf\xc3\xa9")) << "UTF-8 literals still match their bytes";
}

class DenyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.MkDir("root");
    t.MkDir("root/secret");
    t.WriteFile("root/secret/data", "hidden", 0644);
    t.MkDir("root/pub");
    t.WriteFile("root/pub/server.key", "k", 0600);
    t.WriteFile("root/pub/readme", "r", 0644);
    rules.deny_patterns = {"/secret(/.*)?", ".*\\.key"};
  }
  TempTree t;
  MountRules rules;
};

TEST_F(DenyTest, DeniedNamesCannotBeWalkedOrStatted) {
  Served s(t.Path("root"), rules);
  for (const auto& path : {WalkOf(s.root(), {"secret"}), WalkOf(s.root(), {"pub", "server.key"})}) {
    auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, path);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().value(), EACCES);
    auto ws = s.Call<wire::WalkStatResp>(wire::MID::kWalkStat, path);
    ASSERT_FALSE(ws.ok());
    EXPECT_EQ(ws.error().value(), EACCES);
  }
  auto ok = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"pub", "readme"}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->inodes.size(), 2u);
}

TEST_F(DenyTest, DeniedNamesAreNotListed) {
  Served s(t.Path("root"), rules);
  std::set<std::string> names;
  for (auto dir : {std::initializer_list<std::string_view>{}, {"pub"}}) {
    wire::FDID fd = s.root();
    if (dir.size() != 0) {
      auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), dir));
      ASSERT_TRUE(w.ok());
      fd = w->inodes.back().control_fd;
    }
    auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{fd, O_RDONLY});
    ASSERT_TRUE(o.ok());
    auto d = s.Call<wire::Getdents64Resp>(wire::MID::kGetdents64,
                                          wire::Getdents64Req{o->open_fd, 65536});
    ASSERT_TRUE(d.ok());
    for (const auto& e : d->dirents) names.insert(std::string(e.name));
  }
  EXPECT_EQ(names.count("secret"), 0u);
  EXPECT_EQ(names.count("server.key"), 0u);
  EXPECT_EQ(names.count("pub"), 1u);
  EXPECT_EQ(names.count("readme"), 1u);
}

TEST_F(DenyTest, DeniedNamesCannotBeCreatedRemovedOrRenamedTo) {
  Served s(t.Path("root"), rules);
  auto pub = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"pub"}));
  ASSERT_TRUE(pub.ok());
  const wire::FDID p = pub->inodes[0].control_fd;
  wire::MkdirAtReq mk;
  mk.dir_fd = p;
  mk.name = "new.key";
  mk.mode = 0755;
  auto m = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, mk);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().value(), EACCES);
  wire::RenameAtReq rn;
  rn.old_dir = p;
  rn.new_dir = p;
  rn.old_name = "readme";
  rn.new_name = "readme.key";
  EXPECT_EQ(s.Do(wire::MID::kRenameAt, rn).error().value(), EACCES);
  wire::UnlinkAtReq un;
  un.dir_fd = s.root();
  un.name = "secret";
  un.flags = AT_REMOVEDIR;
  EXPECT_EQ(s.Do(wire::MID::kUnlinkAt, un).error().value(), EACCES);
  struct stat st;
  EXPECT_EQ(::stat(t.Path("root/secret/data").c_str(), &st), 0);
  EXPECT_NE(::stat(t.Path("root/pub/new.key").c_str(), &st), 0);
  EXPECT_EQ(::stat(t.Path("root/pub/readme").c_str(), &st), 0);
  mk.name = "fine";
  EXPECT_TRUE(s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, mk).ok());
}

}  // namespace
}  // namespace hg::fsgofer
