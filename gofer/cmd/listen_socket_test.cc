#include "gofer/cmd/listen_socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace hg::cmd {
namespace {

class ListenSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hg-ls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/gofer.sock";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  // A child process running as `uid` connects to path_ and waits to be closed.
  pid_t ConnectAs(uid_t uid) {
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::setresgid(uid, uid, uid) != 0 || ::setresuid(uid, uid, uid) != 0) ::_exit(2);
      int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::strncpy(a.sun_path, path_.c_str(), sizeof(a.sun_path) - 1);
      if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) ::_exit(3);
      char c;
      (void)!::read(s, &c, 1);  // until the server closes
      ::_exit(0);
    }
    return pid;
  }

  UniqueFd AcceptBlocking(const ListenSocket& ls) {
    for (int i = 0; i < 5000; ++i) {
      auto c = ls.Accept();
      if (c.ok()) return std::move(c).value();
      ::usleep(1000);
    }
    return UniqueFd();
  }

  std::string dir_, path_;
};

TEST_F(ListenSocketTest, CreatesA0600SocketAndRemovesItOnDestruction) {
  {
    auto ls = ListenSocket::Create(path_);
    ASSERT_TRUE(ls.ok()) << ls.error().ToString();
    struct stat st;
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_TRUE(::fcntl(ls->fd(), F_GETFD) & FD_CLOEXEC);
    // Nothing but the final name is left in the directory.
    EXPECT_NE(::access((path_ + ".tmp." + std::to_string(::getpid())).c_str(), F_OK), 0);
  }
  EXPECT_NE(::access(path_.c_str(), F_OK), 0);
}

TEST_F(ListenSocketTest, NeverReplacesAnExistingPath) {
  int fd = ::open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ::close(fd);
  auto ls = ListenSocket::Create(path_);
  ASSERT_FALSE(ls.ok());
  EXPECT_EQ(ls.error().value(), EEXIST);
  struct stat st;
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  auto too_long = ListenSocket::Create(dir_ + "/" + std::string(120, 'x'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().value(), ENAMETOOLONG);
}

TEST_F(ListenSocketTest, PeersOfAnotherUidAreRefusedUnlessAllowed) {
  auto ls = ListenSocket::Create(path_);
  ASSERT_TRUE(ls.ok());
  ASSERT_EQ(::chmod(path_.c_str(), 0666), 0);  // let the other uid reach it at all
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  pid_t other = ConnectAs(4321);
  UniqueFd c1 = AcceptBlocking(*ls);
  ASSERT_TRUE(c1.valid());
  PeerCheck p = CheckPeer(c1.get(), {});
  EXPECT_FALSE(p.allowed);
  EXPECT_EQ(p.uid, 4321u);
  EXPECT_EQ(p.pid, other);
  EXPECT_TRUE(CheckPeer(c1.get(), {1, 4321}).allowed);
  c1.reset();
  int status = 0;
  ASSERT_EQ(::waitpid(other, &status, 0), other);
  EXPECT_EQ(WEXITSTATUS(status), 0);

  pid_t self = ConnectAs(::geteuid());
  UniqueFd c2 = AcceptBlocking(*ls);
  ASSERT_TRUE(c2.valid());
  EXPECT_TRUE(CheckPeer(c2.get(), {}).allowed);
  c2.reset();
  ASSERT_EQ(::waitpid(self, &status, 0), self);
}

}  // namespace
}  // namespace hg::cmd
