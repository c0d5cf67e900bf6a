#include "gofer/cmd/rpc_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/unique_fd.h"

namespace hg::cmd {
namespace {

using wire::MID;

server::RpcEvent Ev(std::string_view mount, MID mid, int err, std::string_view path = "") {
  return server::RpcEvent{mount, wire::ToRaw(mid), err, path};
}

// Captures log lines written while it lives.
class LogCapture {
 public:
  LogCapture() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    rd_.reset(p[0]);
    wr_.reset(p[1]);
    saved_ = log::Current();
    log::Configure(
        {.fd = wr_.get(), .min_level = log::Level::kDebug, .format = log::Format::kJson});
  }
  ~LogCapture() { log::Configure(saved_); }
  std::string Read() {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(rd_.get(), buf, sizeof(buf))) > 0) s.append(buf, static_cast<size_t>(n));
    return s;
  }

 private:
  UniqueFd rd_, wr_;
  log::Config saved_;
};

TEST(RpcLogTest, CountsPerMessageAndErrno) {
  RpcLog l({{"/mounts/0", "/"}}, false);
  l.OnRpc(Ev("/mounts/0", MID::kWalk, 0));
  l.OnRpc(Ev("/mounts/0", MID::kWalk, ENOENT));
  l.OnRpc(Ev("/mounts/0", MID::kMkdirAt, EROFS));
  l.OnRpc(server::RpcEvent{"/mounts/0", 999, EOPNOTSUPP, ""});
  l.OnRpc(Ev("/mounts/0", MID::kFStat, 4000));  // out-of-table errno
  EXPECT_EQ(l.total(), 5u);
  EXPECT_EQ(l.count(wire::ToRaw(MID::kWalk)), 2u);
  EXPECT_EQ(l.count(999), 1u);
  EXPECT_EQ(l.errno_count(ENOENT), 1u);
  EXPECT_EQ(l.errno_count(EROFS), 1u);
  EXPECT_EQ(l.OpsText(), "FStat:1,Walk:2,MkdirAt:1,unknown:1");
  EXPECT_EQ(l.ErrnosText(), "ENOENT:1,EROFS:1,EOPNOTSUPP:1,other:1");
  EXPECT_FALSE(l.WantsPaths());
}

TEST(RpcLogTest, AccessLogLineNamesContainerPathAndResult) {
  LogCapture cap;
  RpcLog l({{"/mounts/1", "/data"}}, true);
  EXPECT_TRUE(l.WantsPaths());
  l.OnRpc(Ev("/mounts/1", MID::kMkdirAt, 0, "/a\nb"));
  l.OnRpc(Ev("/mounts/1", MID::kUnlinkAt, ENOENT, "/a"));
  const std::string out = cap.Read();
  EXPECT_NE(
      out.find(R"("event":"rpc","mount":"/data","op":"MkdirAt","path":"/a\nb","result":"ok")"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("op":"UnlinkAt","path":"/a","result":"ENOENT")"), std::string::npos) << out;
}

TEST(RpcLogTest, NoAccessLogWhenOff) {
  LogCapture cap;
  RpcLog l({}, false);
  l.OnRpc(Ev("/x", MID::kFStat, 0));
  l.DumpCounters("exit");
  const std::string out = cap.Read();
  EXPECT_EQ(out.find(R"("event":"rpc")"), std::string::npos);
  EXPECT_NE(out.find(R"("event":"rpc_counters","reason":"exit","total":"1","ops":"FStat:1")"),
            std::string::npos)
      << out;
}

TEST(RpcLogTest, ConcurrentCountingLosesNothing) {
  RpcLog l({}, false);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&l] {
      for (int i = 0; i < 10000; ++i) l.OnRpc(Ev("/m", MID::kPRead, i % 2 ? EIO : 0));
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(l.total(), 40000u);
  EXPECT_EQ(l.count(wire::ToRaw(MID::kPRead)), 40000u);
  EXPECT_EQ(l.errno_count(EIO), 20000u);
}

}  // namespace
}  // namespace hg::cmd
