// Every rule refusal writes exactly one debug line {op, path, rule, errno}
// through base/log (refusal.h), and the client sees the rule's errno. The
// logger writes to a pipe these tests read back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/log.h"
#include "gofer/fsgofer/fsgofer_test_util.h"
#include "gofer/fsgofer/refusal.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::fsgofer {
namespace {

using path_walk::testing::TempTree;
using testing::Served;
using testing::WalkOf;

// Points the process logger at a pipe for the test's lifetime (set before the
// server starts any thread: log::Configure is not safe against concurrent
// writes) and restores the previous configuration after.
class LogCapture {
 public:
  explicit LogCapture(log::Level level) : saved_(log::Current()) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) std::abort();
    rd_ = UniqueFd(p[0]);
    wr_ = UniqueFd(p[1]);
    log::Configure({.fd = wr_.get(), .min_level = level, .format = log::Format::kJson});
  }
  ~LogCapture() { log::Configure(saved_); }

  // Every complete line written since the last call.
  std::vector<std::string> Lines() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(rd_.get(), buf, sizeof(buf));
      if (n <= 0) break;
      pending_.append(buf, static_cast<size_t>(n));
    }
    std::vector<std::string> out;
    size_t nl;
    while ((nl = pending_.find('\n')) != std::string::npos) {
      out.push_back(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
    }
    return out;
  }

 private:
  log::Config saved_;
  UniqueFd rd_, wr_;
  std::string pending_;
};

// The line Refuse must have written, from the timestamp on (which varies).
std::string Expected(std::string_view op, std::string_view path, std::string_view rule,
                     std::string_view err) {
  std::string line =
      log::FormatLine(log::Format::kJson, log::Level::kDebug, "refused",
                      {{"op", op}, {"path", path}, {"rule", rule}, {"errno", err}}, "TS");
  const std::string ts = "\"ts\":\"TS\",";
  const size_t at = line.find(ts);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return at == std::string::npos ? line : line.substr(at + ts.size());
}

// One line, and it is the expected one.
void ExpectOneRefusal(LogCapture& log, std::string_view op, std::string_view path,
                      std::string_view rule, std::string_view err) {
  const std::vector<std::string> lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u) << "exactly one line per refusal (" << op << ")";
  const std::string want = Expected(op, path, rule, err);
  EXPECT_NE(lines[0].find(want), std::string::npos) << lines[0] << "\nwanted: " << want;
}

class RefusalLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.MkDir("root");
    t.MkDir("root/dir");
    t.WriteFile("root/file", "0123456789", 0644);
    t.WriteFile("root/secret", "s", 0600);
  }
  std::string Root() const { return t.Path("root"); }

  static wire::FDID WalkTo(Served& s, std::string_view name) {
    auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {name}));
    EXPECT_TRUE(w.ok());
    return w.ok() && w->inodes.size() == 1 ? w->inodes[0].control_fd : wire::kInvalidFDID;
  }
  static wire::FDID Open(Served& s, wire::FDID f, uint32_t flags) {
    auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, flags});
    EXPECT_TRUE(o.ok());
    return o.ok() ? o->open_fd : wire::kInvalidFDID;
  }

  TempTree t;
};

TEST(RefusalRuleTest, EachRuleHasItsNameAndErrno) {
  struct Row {
    Rule rule;
    std::string_view name;
    int err;
  };
  const Row rows[] = {
      {Rule::kReadonly, "readonly", EROFS},
      {Rule::kHostUds, "host_uds", EPERM},
      {Rule::kHostFifo, "host_fifo", EPERM},
      {Rule::kDenyPattern, "deny_pattern", EACCES},
      {Rule::kMaxFileSize, "max_file_size", EFBIG},
      {Rule::kXattrNamespace, "xattr_namespace", EOPNOTSUPP},
      {Rule::kFileType, "file_type", EPERM},
      {Rule::kAllocateMode, "allocate_mode", EOPNOTSUPP},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(RuleName(r.rule), r.name);
    EXPECT_EQ(RuleErrno(r.rule).value(), r.err) << r.name;
  }
}

// Read-only as the backend enforces it (the server's own EROFS check, which
// runs first with ConnectionOptsFor(), is switched off here so the backend's
// is reached: it is the one that stays in force under any server config).
TEST_F(RefusalLogTest, ReadonlyRefusalsAreLoggedWithOpPathAndErofs) {
  LogCapture log(log::Level::kDebug);
  MountRules rules;
  rules.readonly = true;
  server::ConnectionOpts opts = ConnectionOptsFor(rules);
  opts.readonly = false;
  Served s(Root(), rules, true, {}, opts);
  wire::MkdirAtReq mk;
  mk.dir_fd = s.root();
  mk.name = "newdir";
  mk.mode = 0755;
  auto r = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, mk);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), EROFS);
  ExpectOneRefusal(log, "MkdirAt", "/newdir", "readonly", "EROFS");

  wire::FDID f = WalkTo(s, "file");
  auto o = s.Call<wire::OpenAtResp>(wire::MID::kOpenAt, wire::OpenAtReq{f, O_RDWR});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().value(), EROFS);
  ExpectOneRefusal(log, "OpenAt", "/file", "readonly", "EROFS");
  struct stat st;
  EXPECT_NE(::stat(t.Path("root/newdir").c_str(), &st), 0);
}

TEST_F(RefusalLogTest, HostUdsAndFifoRefusalsAreLoggedWithEperm) {
  LogCapture log(log::Level::kDebug);
  Served s(Root(), {});
  wire::BindAtReq b;
  b.dir_fd = s.root();
  b.name = "sock";
  b.sock_type = SOCK_STREAM;
  b.mode = 0600;
  auto r = s.Call<wire::BindAtResp>(wire::MID::kBindAt, b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), EPERM);
  ExpectOneRefusal(log, "BindAt", "/sock", "host_uds", "EPERM");

  wire::MknodAtReq m;
  m.dir_fd = s.root();
  m.name = "fifo";
  m.mode = S_IFIFO | 0600;
  auto n = s.Call<wire::MknodAtResp>(wire::MID::kMknodAt, m);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().value(), EPERM);
  ExpectOneRefusal(log, "MknodAt", "/fifo", "host_fifo", "EPERM");

  m.name = "blk";
  m.mode = S_IFBLK | 0600;
  m.major = 8;
  auto blk = s.Call<wire::MknodAtResp>(wire::MID::kMknodAt, m);
  ASSERT_FALSE(blk.ok());
  EXPECT_EQ(blk.error().value(), EPERM);
  ExpectOneRefusal(log, "MknodAt", "/blk", "file_type", "EPERM");
}

TEST_F(RefusalLogTest, DenyPatternRefusalsAreLoggedWithEacces) {
  LogCapture log(log::Level::kDebug);
  MountRules rules;
  rules.deny_patterns = {"/secret", "/dir/hidden.*"};
  Served s(Root(), rules);
  auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"secret"}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().value(), EACCES);
  ExpectOneRefusal(log, "Walk", "/secret", "deny_pattern", "EACCES");

  wire::FDID dir = WalkTo(s, "dir");
  EXPECT_TRUE(log.Lines().empty()) << "allowed operations log nothing";
  wire::MkdirAtReq mk;
  mk.dir_fd = dir;
  mk.name = "hidden1";
  mk.mode = 0700;
  auto m = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, mk);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().value(), EACCES);
  ExpectOneRefusal(log, "MkdirAt", "/dir/hidden1", "deny_pattern", "EACCES");
}

TEST_F(RefusalLogTest, MaxFileSizeRefusalsAreLoggedWithEfbig) {
  LogCapture log(log::Level::kDebug);
  MountRules rules;
  rules.max_file_size = 16;
  Served s(Root(), rules);
  wire::FDID f = WalkTo(s, "file");
  wire::FDID o = Open(s, f, O_RDWR);
  const std::string data(4, 'z');
  wire::PWriteReq w;
  w.fd = o;
  w.offset = 14;
  w.data = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  auto part = s.Call<wire::PWriteResp>(wire::MID::kPWrite, w);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->count, 2u);
  EXPECT_TRUE(log.Lines().empty()) << "a shortened write is not a refusal";
  w.offset = 16;
  auto none = s.Call<wire::PWriteResp>(wire::MID::kPWrite, w);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().value(), EFBIG);
  ExpectOneRefusal(log, "PWrite", "/file", "max_file_size", "EFBIG");

  auto al = s.Do(wire::MID::kFAllocate, wire::FAllocateReq{o, 0, 0, 17});
  ASSERT_FALSE(al.ok());
  EXPECT_EQ(al.error().value(), EFBIG);
  ExpectOneRefusal(log, "FAllocate", "/file", "max_file_size", "EFBIG");

  wire::SetStatReq ss{};
  ss.fd = f;
  ss.mask = STATX_SIZE;
  ss.size = 17;
  auto st = s.Call<wire::SetStatResp>(wire::MID::kSetStat, ss);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->failure_errno, static_cast<uint32_t>(EFBIG));
  ExpectOneRefusal(log, "SetStat", "/file", "max_file_size", "EFBIG");
}

TEST_F(RefusalLogTest, XattrNamespaceAndAllocateModeRefusalsAreLogged) {
  LogCapture log(log::Level::kDebug);
  Served s(Root(), {});
  wire::FDID f = WalkTo(s, "file");
  wire::FSetXattrReq set;
  set.fd = f;
  set.name = "trusted.x";
  set.value = "v";
  auto x = s.Do(wire::MID::kFSetXattr, set);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.error().value(), EOPNOTSUPP);
  ExpectOneRefusal(log, "FSetXattr", "/file", "xattr_namespace", "EOPNOTSUPP");

  wire::FDID o = Open(s, f, O_RDWR);
  auto punch = s.Do(wire::MID::kFAllocate, wire::FAllocateReq{o, FALLOC_FL_PUNCH_HOLE | 1, 0, 4});
  ASSERT_FALSE(punch.ok());
  EXPECT_EQ(punch.error().value(), EOPNOTSUPP);
  ExpectOneRefusal(log, "FAllocate", "/file", "allocate_mode", "EOPNOTSUPP");
}

// A tenant-chosen name cannot forge log lines: the line is escaped and stays
// one line.
TEST_F(RefusalLogTest, TenantNamesCannotBreakTheLine) {
  LogCapture log(log::Level::kDebug);
  MountRules rules;
  rules.deny_patterns = {"/evil.*"};
  Served s(Root(), rules);
  const std::string name = "evil\n{\"event\":\"forged\"}";
  wire::MkdirAtReq mk;
  mk.dir_fd = s.root();
  mk.name = name;
  mk.mode = 0700;
  auto m = s.Call<wire::MkdirAtResp>(wire::MID::kMkdirAt, mk);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().value(), EACCES);
  ExpectOneRefusal(log, "MkdirAt", "/" + name, "deny_pattern", "EACCES");
}

TEST_F(RefusalLogTest, NothingIsWrittenWhenDebugIsOff) {
  LogCapture log(log::Level::kInfo);
  Served s(Root(), {});
  wire::BindAtReq b;
  b.dir_fd = s.root();
  b.name = "sock";
  b.sock_type = SOCK_STREAM;
  b.mode = 0600;
  auto r = s.Call<wire::BindAtResp>(wire::MID::kBindAt, b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), EPERM) << "the refusal itself does not depend on logging";
  EXPECT_TRUE(log.Lines().empty());
}

}  // namespace
}  // namespace hg::fsgofer
