#include "path_walk/socket_address.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "path_walk/testing/root_fixture.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::N;
using testing::Names;

UniqueFd Socket() {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  testing::SetupCheck(s.valid(), "socket");
  return s;
}

class SocketAddressTest : public testing::RootFixture {
 protected:
  void SetUp() override {
    RootFixture::SetUp();
    if (IsSkipped()) return;
    auto p = ProcSelfFd::Open();
    testing::SetupCheck(p.ok(), "ProcSelfFd::Open");
    proc_.emplace(std::move(p).value());
    t.MkDir("root/d");
  }
  const ProcSelfFd& proc() const { return *proc_; }

 private:
  std::optional<ProcSelfFd> proc_;
};

TEST_P(SocketAddressTest, BindThroughTheDirectoryHandleThenConnectThroughTheSocketHandle) {
  auto d = Walk(root(), Names({"d"}));
  ASSERT_TRUE(d.ok());
  const Handle& dir = d->steps[0].handle;
  auto a = BindAddress(proc(), dir, N("sock"));
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(std::string(a->addr.sun_path), "/proc/self/fd/" + std::to_string(dir.fd()) + "/sock");
  UniqueFd server = Socket();
  ASSERT_EQ(::bind(server.get(), a->get(), a->len), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(server.get(), 1), 0);
  struct stat st {};
  ASSERT_EQ(::lstat(t.Path("root/d/sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));

  auto s = Walk(dir, Names({"sock"}));
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->steps[0].handle.is_socket());
  auto c = ConnectAddress(proc(), s->steps[0].handle);
  ASSERT_TRUE(c.ok());
  UniqueFd client = Socket();
  ASSERT_EQ(::connect(client.get(), c->get(), c->len), 0) << std::strerror(errno);
  UniqueFd accepted(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC));
  EXPECT_TRUE(accepted.valid());
}

TEST_P(SocketAddressTest, ConnectNeedsASocketHandle) {
  t.Symlink("root/d/link", "/run/some.sock");
  auto l = Walk(root(), Names({"d", "link"}));
  ASSERT_TRUE(l.ok());
  auto c = ConnectAddress(proc(), l->steps[1].handle);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error(), Errno(ENOTSOCK));
  auto dir = ConnectAddress(proc(), root());
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error(), Errno(ENOTSOCK));
}

TEST_P(SocketAddressTest, BindOntoAnExistingSymlinkCreatesNothingElsewhere) {
  t.Symlink("root/d/planted", t.Path("outside.sock"));
  auto d = Walk(root(), Names({"d"}));
  ASSERT_TRUE(d.ok());
  auto a = BindAddress(proc(), d->steps[0].handle, N("planted"));
  ASSERT_TRUE(a.ok());
  UniqueFd server = Socket();
  EXPECT_NE(::bind(server.get(), a->get(), a->len), 0);
  EXPECT_NE(::access(t.Path("outside.sock").c_str(), F_OK), 0);
}

TEST_P(SocketAddressTest, AddressesThatDoNotFitAreRefused) {
  auto d = Walk(root(), Names({"d"}));
  ASSERT_TRUE(d.ok());
  // "/proc/self/fd/NN/" is ~17 bytes; 107 - 17 leaves ~90 for the name.
  auto ok = BindAddress(proc(), d->steps[0].handle, N(std::string(80, 's')));
  EXPECT_TRUE(ok.ok());
  auto big = BindAddress(proc(), d->steps[0].handle, N(std::string(100, 's')));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error(), Errno(ENAMETOOLONG));
  t.WriteFile("root/f", "");
  auto f = Walk(root(), Names({"f"}));
  ASSERT_TRUE(f.ok());
  auto notdir = BindAddress(proc(), f->steps[0].handle, N("x"));
  ASSERT_FALSE(notdir.ok());
  EXPECT_EQ(notdir.error(), Errno(ENOTDIR));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, SocketAddressTest, testing::AllResolvers(),
                         testing::ResolverParamName);

TEST(ProcSelfFdTest, OpensOnlyProcfs) {
  auto p = ProcSelfFd::Open();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->path(), "/proc/self/fd");
  EXPECT_TRUE(p->CheckPathStillNamesSelf().ok());
  auto slash = ProcSelfFd::Open("/proc/");
  ASSERT_TRUE(slash.ok());
  EXPECT_EQ(slash->path(), "/proc/self/fd");
  auto rel = ProcSelfFd::Open("proc");
  ASSERT_FALSE(rel.ok());
  EXPECT_EQ(rel.error(), Errno(EINVAL));
  // A look-alike directory tree that is not procfs.
  testing::TempTree t;
  t.MkDir("self");
  t.MkDir("self/fd");
  auto fake = ProcSelfFd::Open(t.base());
  ASSERT_FALSE(fake.ok());
  EXPECT_EQ(fake.error(), Errno(EINVAL));
}

TEST(ProcSelfFdTest, ReadLinkShowsTheCurrentPath) {
  testing::TempTree t;
  t.MkDir("root");
  t.MkDir("root/a");
  auto m = OpenMountRoot(t.Path("root"), {});
  ASSERT_TRUE(m.ok());
  auto p = ProcSelfFd::Open();
  ASSERT_TRUE(p.ok());
  auto path = p->ReadLink(m->handle());
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, t.Path("root"));
}

}  // namespace
}  // namespace hg::path_walk
