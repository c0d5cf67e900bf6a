// ServerOptions::observer: one event per answered RPC, with its errno and,
// when asked for, the path of the FD the request names.
#include <cerrno>
#include <mutex>
#include <string>
#include <vector>

#include "gofer/server/rpc_observer.h"
#include "gofer/server/server_test_util.h"
#include "gtest/gtest.h"

namespace hg::server::testing {
namespace {

using wire::MID;

class Recorder final : public RpcObserver {
 public:
  explicit Recorder(bool paths) : paths_(paths) {}
  bool WantsPaths() const override { return paths_; }
  void OnRpc(const RpcEvent& e) override {
    std::lock_guard<std::mutex> l(mu_);
    events_.push_back({std::string(e.mount_path), e.mid, e.err, std::string(e.path)});
  }
  struct Seen {
    std::string mount;
    uint16_t mid;
    int err;
    std::string path;
  };
  std::vector<Seen> events() {
    std::lock_guard<std::mutex> l(mu_);
    return events_;
  }

 private:
  const bool paths_;
  std::mutex mu_;
  std::vector<Seen> events_;
};

TEST(ObserverTest, SeesEveryRpcWithErrnoAndPath) {
  TempDir dir;
  Recorder rec(true);
  Server server({.observer = &rec});
  RawClient c = RawClient::Start(server, dir.path());
  wire::MountResp m = c.MountOk();
  wire::FDID sub = wire::kInvalidFDID;
  ASSERT_EQ(c.Mkdir(m.root.control_fd, "sub", &sub), 0);
  ASSERT_EQ(c.Unlink(sub, "missing"), ENOENT);
  ASSERT_EQ(c.Stat(987654), EBADF);
  auto ev = rec.events();
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].mid, wire::ToRaw(MID::kMount));
  EXPECT_EQ(ev[0].err, 0);
  EXPECT_EQ(ev[0].path, "");
  EXPECT_EQ(ev[0].mount, dir.path());
  EXPECT_EQ(ev[1].mid, wire::ToRaw(MID::kMkdirAt));
  EXPECT_EQ(ev[1].err, 0);
  EXPECT_EQ(ev[1].path, "/");
  EXPECT_EQ(ev[2].mid, wire::ToRaw(MID::kUnlinkAt));
  EXPECT_EQ(ev[2].err, ENOENT);
  EXPECT_EQ(ev[2].path, "/sub");
  EXPECT_EQ(ev[3].mid, wire::ToRaw(MID::kFStat));
  EXPECT_EQ(ev[3].err, EBADF);
  EXPECT_EQ(ev[3].path, "");
  c.Hangup();
  server.Wait();
}

TEST(ObserverTest, NoPathsUnlessWanted) {
  TempDir dir;
  Recorder rec(false);
  Server server({.observer = &rec});
  RawClient c = RawClient::Start(server, dir.path());
  wire::MountResp m = c.MountOk();
  ASSERT_EQ(c.Mkdir(m.root.control_fd, "sub"), 0);
  auto ev = rec.events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].path, "");
  c.Hangup();
  server.Wait();
}

}  // namespace
}  // namespace hg::server::testing
