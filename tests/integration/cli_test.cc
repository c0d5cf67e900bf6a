// The hardgofer binary end to end: `serve --fd` on a socketpair (fork/exec),
// `serve --listen` with the client verbs, peer credential checks, and the
// exit-code contract (0 ok, 1 runtime error, 2 usage error).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gofer/client/client.h"
#include "gofer/client/path_resolver.h"
#include "path_walk/testing/temp_tree.h"
#include "tests/integration/run_binary.h"

namespace hg::integration {
namespace {

using path_walk::testing::ReadFileOrDie;
using path_walk::testing::TempTree;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.MkDir("root");
    t.MkDir("root/docs");
    t.WriteFile("root/hello.txt", "hello from the gofer\n", 0644);
    t.WriteFile("root/docs/notes.md", "# notes\n", 0644);
    t.Symlink("root/notes-link", "docs/notes.md");
    t.WriteFile("local.txt", "uploaded through put\n", 0644);
    sock_ = t.Path("gofer.sock");
  }

  RunResult Client(std::vector<std::string> verb) {
    std::vector<std::string> args = {"client", "--socket", sock_};
    args.insert(args.end(), verb.begin(), verb.end());
    return RunHardgofer(args);
  }

  TempTree t;
  std::string sock_;
};

TEST_F(CliTest, UsageErrorsExitTwoAndNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string mentions;
  } cases[] = {
      {{"serve", "--fd", "3"}, "--root"},
      {{"serve", "--root", "/tmp"}, "--fd"},
      {{"serve", "--root", "/tmp", "--fd", "3", "--listen", "/tmp/x"}, "--listen"},
      {{"serve", "--root", "/tmp", "--fd", "three"}, "--fd"},
      {{"serve", "--root", "/tmp", "--fd", "-7"}, "--fd"},
      {{"serve", "--root", "/tmp", "--fd", "3", "--bogus"}, "--bogus"},
      {{"serve", "--root", "/tmp", "--fd", "3", "--host-uds=maybe"}, "--host-uds"},
      {{"serve", "--root", "/tmp", "--fd", "3", "--allow-uid", "7"}, "--allow-uid"},
      {{"serve", "--root", "/tmp", "--listen", "/tmp/x", "--allow-uid", "me"}, "--allow-uid"},
      {{"serve", "--root", "/tmp", "--fd", "3", "--deny", "(open"}, "--deny"},
      {{"client", "ls", "/"}, "--socket"},
      {{"client", "--socket", "/tmp/x"}, "verb"},
      {{"client", "--socket", "/tmp/x", "frobnicate", "a"}, "frobnicate"},
      {{"client", "--socket", "/tmp/x", "cat"}, "cat"},
      {{"client", "--socket", "/tmp/x", "mv", "a"}, "mv"},
  };
  for (const Case& c : cases) {
    RunResult r = RunHardgofer(c.args);
    std::string cmd;
    for (const auto& a : c.args) cmd += a + " ";
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find(c.mentions), std::string::npos) << cmd << "\n" << r.err;
  }
}

TEST_F(CliTest, HelpExitsZeroAndDocumentsTheVerbs) {
  RunResult s = RunHardgofer({"serve", "--help"});
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_NE(s.out.find("--listen"), std::string::npos);
  EXPECT_NE(s.out.find("--allow-uid"), std::string::npos);
  RunResult c = RunHardgofer({"client", "--help"});
  EXPECT_EQ(c.exit_code, 0);
  for (const char* verb : {"ls", "stat", "cat", "put", "mkdir", "rm", "mv"}) {
    EXPECT_NE(c.out.find(std::string("  ") + verb + " "), std::string::npos) << verb;
  }
}

TEST_F(CliTest, RuntimeErrorsExitOne) {
  RunResult missing = RunHardgofer({"serve", "--root", t.Path("nope"), "--fd", "0"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("--root"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;

  // FD 0 is /dev/null in the child: not a socket.
  RunResult not_sock = RunHardgofer({"serve", "--root", t.Path("root"), "--fd", "0"});
  EXPECT_EQ(not_sock.exit_code, 1) << not_sock.err;
  EXPECT_NE(not_sock.err.find("not a connected unix stream socket"), std::string::npos)
      << not_sock.err;
  RunResult closed = RunHardgofer({"serve", "--root", t.Path("root"), "--fd", "77"});
  EXPECT_EQ(closed.exit_code, 1) << closed.err;
  // A datagram socket is a socket, but not a stream.
  int dg[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg), 0);
  RunOptions o;
  o.fds = {{3, dg[1]}};
  RunResult dgram = RunHardgofer({"serve", "--root", t.Path("root"), "--fd", "3"}, o);
  ::close(dg[0]);
  ::close(dg[1]);
  EXPECT_EQ(dgram.exit_code, 1) << dgram.err;

  RunResult no_server = Client({"ls", "/"});
  EXPECT_EQ(no_server.exit_code, 1);
  EXPECT_NE(no_server.err.find("--socket"), std::string::npos) << no_server.err;

  t.WriteFile("taken", "", 0644);
  RunResult taken = RunHardgofer({"serve", "--root", t.Path("root"), "--listen", t.Path("taken")});
  EXPECT_EQ(taken.exit_code, 1) << taken.err;
  EXPECT_NE(taken.err.find("File exists"), std::string::npos) << taken.err;
  EXPECT_EQ(ReadFileOrDie(t.Path("taken")), "") << "never replaced";
}

// serve --fd: one connection on an inherited socket; exit 0 when the peer closes.
TEST_F(CliTest, ServeFdServesOneConnectionAndExitsWhenThePeerCloses) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  RunOptions o;
  o.fds = {{3, sv[1]}};
  Background srv({"serve", "--root", t.Path("root"), "--fd", "3"}, o);
  ::close(sv[1]);
  {
    auto c = client::Client::Mount(UniqueFd(sv[0]));
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    auto f = client::ResolvePath(**c, "notes-link");
    ASSERT_TRUE(f.ok());
    auto o2 = (*c)->OpenAt(f->get(), O_RDONLY);
    ASSERT_TRUE(o2.ok());
    std::vector<uint8_t> buf(64);
    auto n = (*c)->PRead(o2->open_fd, 0, buf);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*n)), "# notes\n");
    auto mk = (*c)->MkdirAt((*c)->root_fd(), "made-over-fd", 0755, wire::kNoUID, wire::kNoGID);
    EXPECT_TRUE(mk.ok());
  }  // the client closes its end
  EXPECT_EQ(srv.Wait(), 0) << srv.err();
  struct stat st;
  EXPECT_EQ(::stat(t.Path("root/made-over-fd").c_str(), &st), 0);
}

TEST_F(CliTest, ServeFdReadonlyRefusesMutationsWithErofs) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  RunOptions o;
  o.fds = {{3, sv[1]}};
  Background srv({"serve", "--root", t.Path("root"), "--fd", "3", "--readonly"}, o);
  ::close(sv[1]);
  {
    auto c = client::Client::Mount(UniqueFd(sv[0]));
    ASSERT_TRUE(c.ok());
    auto mk = (*c)->MkdirAt((*c)->root_fd(), "nope", 0755, wire::kNoUID, wire::kNoGID);
    ASSERT_FALSE(mk.ok());
    EXPECT_EQ(mk.error().value(), EROFS);
    EXPECT_TRUE((*c)->FStat((*c)->root_fd()).ok());
  }
  EXPECT_EQ(srv.Wait(), 0) << srv.err();
}

TEST_F(CliTest, ServeFdStopsCleanlyOnSigterm) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  RunOptions o;
  o.fds = {{3, sv[1]}};
  Background srv({"serve", "--root", t.Path("root"), "--fd", "3"}, o);
  ::close(sv[1]);
  auto c = client::Client::Mount(UniqueFd(sv[0]));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(srv.Stop(SIGTERM), 0) << srv.err();
  auto after = (*c)->FStat((*c)->root_fd());
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().value(), EIO);
}

TEST_F(CliTest, ListenServesTheClientVerbs) {
  Background srv({"serve", "--root", t.Path("root"), "--listen", sock_});
  ASSERT_TRUE(WaitForPath(sock_)) << srv.err();
  struct stat st;
  ASSERT_EQ(::lstat(sock_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  RunResult ls = Client({"ls", "/"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("docs/"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("hello.txt"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("notes-link -> docs/notes.md"), std::string::npos) << ls.out;

  RunResult stat = Client({"stat", "notes-link"});
  ASSERT_EQ(stat.exit_code, 0) << stat.err;
  EXPECT_NE(stat.out.find("type: link"), std::string::npos) << stat.out;
  EXPECT_NE(stat.out.find("target: docs/notes.md"), std::string::npos) << stat.out;

  EXPECT_EQ(Client({"cat", "hello.txt"}).out, "hello from the gofer\n");
  EXPECT_EQ(Client({"cat", "notes-link"}).out, "# notes\n") << "through the symlink";

  RunResult put = Client({"put", t.Path("local.txt"), "docs/up.txt"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(ReadFileOrDie(t.Path("root/docs/up.txt")), "uploaded through put\n");
  ASSERT_EQ(Client({"put", t.Path("local.txt"), "hello.txt"}).exit_code, 0);  // truncates
  EXPECT_EQ(ReadFileOrDie(t.Path("root/hello.txt")), "uploaded through put\n");

  ASSERT_EQ(Client({"mkdir", "newdir"}).exit_code, 0);
  EXPECT_EQ(::stat(t.Path("root/newdir").c_str(), &st), 0);
  ASSERT_EQ(Client({"mv", "hello.txt", "newdir"}).exit_code, 0) << "into the directory";
  EXPECT_EQ(ReadFileOrDie(t.Path("root/newdir/hello.txt")), "uploaded through put\n");
  ASSERT_EQ(Client({"mv", "newdir/hello.txt", "newdir/renamed.txt"}).exit_code, 0);
  EXPECT_EQ(::stat(t.Path("root/newdir/renamed.txt").c_str(), &st), 0);
  RunResult busy = Client({"rm", "newdir"});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("rm: Directory not empty"), std::string::npos) << busy.err;
  ASSERT_EQ(Client({"rm", "newdir/renamed.txt"}).exit_code, 0);
  ASSERT_EQ(Client({"rm", "newdir"}).exit_code, 0);
  EXPECT_NE(::stat(t.Path("root/newdir").c_str(), &st), 0);

  RunResult missing = Client({"cat", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cat: No such file or directory"), std::string::npos) << missing.err;

  EXPECT_EQ(srv.Stop(SIGTERM), 0) << srv.err();
  EXPECT_NE(::lstat(sock_.c_str(), &st), 0) << "the socket is removed on exit";
}

TEST_F(CliTest, ListenReadonlyRefusesPutWithTheErrno) {
  Background srv({"serve", "--root", t.Path("root"), "--listen", sock_, "--readonly"});
  ASSERT_TRUE(WaitForPath(sock_)) << srv.err();
  RunResult put = Client({"put", t.Path("local.txt"), "x.txt"});
  EXPECT_EQ(put.exit_code, 1);
  EXPECT_NE(put.err.find("put: Read-only file system"), std::string::npos) << put.err;
  RunResult mk = Client({"mkdir", "d"});
  EXPECT_EQ(mk.exit_code, 1);
  EXPECT_NE(mk.err.find("mkdir: Read-only file system"), std::string::npos) << mk.err;
  EXPECT_EQ(Client({"cat", "hello.txt"}).exit_code, 0);
  EXPECT_EQ(srv.Stop(SIGINT), 0) << srv.err();
}

// A peer running as another uid is refused unless --allow-uid names it. The
// socket is opened up (0666) here so the credential check, not the file
// mode, is what decides.
TEST_F(CliTest, ListenChecksPeerCredentials) {
  ASSERT_EQ(::chmod(t.base().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(t.Path("root").c_str(), 0755), 0);
  auto mount_as = [&](uid_t uid) {
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::setresgid(uid, uid, uid) != 0 || ::setresuid(uid, uid, uid) != 0) ::_exit(3);
      auto s = client::ConnectUnixSocket(sock_);
      if (!s.ok()) ::_exit(4);
      client::ClientOptions o;
      o.channels = 0;
      auto c = client::Client::Mount(std::move(s).value(), o);
      ::_exit(c.ok() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  {
    Background srv({"serve", "--root", t.Path("root"), "--listen", sock_});
    ASSERT_TRUE(WaitForPath(sock_));
    ASSERT_EQ(::chmod(sock_.c_str(), 0666), 0);
    EXPECT_EQ(mount_as(4321), 1) << "refused";
    EXPECT_EQ(mount_as(0), 0);
    EXPECT_EQ(srv.Stop(SIGTERM), 0);
    EXPECT_NE(srv.err().find("refused connection from uid 4321"), std::string::npos) << srv.err();
  }
  {
    Background srv({"serve", "--root", t.Path("root"), "--listen", sock_, "--allow-uid", "4321"});
    ASSERT_TRUE(WaitForPath(sock_));
    ASSERT_EQ(::chmod(sock_.c_str(), 0666), 0);
    EXPECT_EQ(mount_as(4321), 0) << "allowed";
    EXPECT_EQ(mount_as(4322), 1);
    EXPECT_EQ(srv.Stop(SIGTERM), 0);
  }
}

TEST_F(CliTest, ListenDenyHidesMatchingPaths) {
  Background srv({"serve", "--root", t.Path("root"), "--listen", sock_, "--deny", "/docs(/.*)?"});
  ASSERT_TRUE(WaitForPath(sock_));
  RunResult ls = Client({"ls", "/"});
  ASSERT_EQ(ls.exit_code, 0);
  EXPECT_EQ(ls.out.find("  docs/"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("hello.txt"), std::string::npos) << ls.out;
  RunResult cat = Client({"cat", "notes-link"});
  EXPECT_EQ(cat.exit_code, 1);
  EXPECT_NE(cat.err.find("cat: Permission denied"), std::string::npos) << cat.err;
  EXPECT_EQ(srv.Stop(SIGTERM), 0);
}

TEST_F(CliTest, ListenSharesOneServerBetweenConnections) {
  Background srv({"serve", "--root", t.Path("root"), "--listen", sock_});
  ASSERT_TRUE(WaitForPath(sock_));
  auto a = client::Client::Mount(client::ConnectUnixSocket(sock_).value());
  auto b = client::Client::Mount(client::ConnectUnixSocket(sock_).value());
  ASSERT_TRUE(a.ok() && b.ok());
  // A rename through one connection is seen at the new name by the other.
  auto fa = (*a)->WalkOne((*a)->root_fd(), "hello.txt");
  ASSERT_TRUE(fa.ok());
  ASSERT_TRUE((*b)->RenameAt((*b)->root_fd(), "hello.txt", (*b)->root_fd(), "moved.txt").ok());
  auto again = (*a)->WalkOne((*a)->root_fd(), "moved.txt");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stat.ino, fa->stat.ino);
  a->reset();
  b->reset();
  EXPECT_EQ(srv.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace hg::integration
