// `hardgofer serve --extension NAME [--extension-opt KEY=VALUE ...]` as a
// process: exit codes (0 ok, 1 runtime, 2 usage), and an encrypted root
// served over --fd to our client. And `hardgofer run` with an extension
// selected by the spec: its start-up errors name the option and the file,
// and operator-policy key files map to key_file, key_file_1, ...
// (server::KeyFileOption), which encrypted takes exactly one of.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gofer/client/client.h"
#include "path_walk/testing/temp_tree.h"
#include "tests/extensions/ext_test_util.h"

namespace hg::ext_testing {
namespace {

struct Child {
  pid_t pid = -1;
  UniqueFd sock;     // our end of the --fd 3 socketpair
  UniqueFd stderr_;  // the child's stderr
};

Child Spawn(const std::vector<std::string>& args) {
  int sv[2], errp[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
  if (::pipe2(errp, O_CLOEXEC) != 0) std::abort();
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    if (::dup2(sv[1], 3) != 3 || ::dup2(errp[1], 2) != 2) ::_exit(120);
    std::vector<char*> argv{const_cast<char*>(HARDGOFER_BIN)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(HARDGOFER_BIN, argv.data());
    ::_exit(121);
  }
  ::close(sv[1]);
  ::close(errp[1]);
  c.sock = UniqueFd(sv[0]);
  c.stderr_ = UniqueFd(errp[0]);
  return c;
}

// Waits for the child (bounded: SIGKILL after 30 s); returns the exit code, -1 if signalled.
int Wait(Child& c, std::string* err = nullptr) {
  for (int i = 0; i < 3000; ++i) {
    int st = 0;
    pid_t r = ::waitpid(c.pid, &st, WNOHANG);
    if (r == c.pid) {
      if (err != nullptr) {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(c.stderr_.get(), buf, sizeof(buf))) > 0) err->append(buf, n);
      }
      return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    ::usleep(10000);
  }
  ::kill(c.pid, SIGKILL);
  ::waitpid(c.pid, nullptr, 0);
  return -1;
}

TEST(ServeExtensionTest, UsageAndRuntimeErrors) {
  path_walk::testing::TempTree t;
  t.MkDir("root");
  const std::string root = t.Path("root");
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
  } cases[] = {
      {{"serve", "--root", root, "--fd", "3", "--extension", "nope"},
       2,
       "unknown extension 'nope'"},
      {{"serve", "--root", root, "--fd", "3", "--extension-opt", "a=b"}, 2, "needs '--extension'"},
      {{"serve", "--root", root, "--fd", "3", "--extension", "encrypted", "--extension-opt",
        "novalue"},
       2,
       "KEY=VALUE"},
      {{"serve", "--root", root, "--fd", "3", "--extension", "encrypted", "--deny", "x"},
       2,
       "fsgofer only"},
      {{"serve", "--root", root, "--fd", "3", "--extension", "encrypted"},
       1,
       "'key_file' is required"},
      {{"serve", "--root", root, "--fd", "3", "--extension", "tiered_cache", "--extension-opt",
        "cache_size=huge"},
       1,
       "'cache_size'"},
  };
  for (const Case& c : cases) {
    Child ch = Spawn(c.args);
    std::string err;
    EXPECT_EQ(Wait(ch, &err), c.code) << c.args.back() << ": " << err;
    EXPECT_NE(err.find(c.says), std::string::npos) << err;
  }
}

TEST(ServeExtensionTest, ServesAnEncryptedRootOverFd) {
  path_walk::testing::TempTree t;
  t.MkDir("root");
  const std::string key = WriteKeyFile(t.Path("key"));
  Child ch = Spawn({"serve", "--root", t.Path("root"), "--fd", "3", "--extension", "encrypted",
                    "--extension-opt", "key_file=" + key});
  {
    auto c = client::Client::Mount(std::move(ch.sock));
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    auto cr =
        (*c)->OpenCreateAt((*c)->root().control_fd, "f", O_RDWR, 0600, wire::kNoUID, wire::kNoGID);
    ASSERT_TRUE(cr.ok());
    EXPECT_FALSE(cr->host_fd.valid());
    const std::string secret = "PLAINTEXT-THAT-MUST-NOT-BE-ON-DISK";
    ASSERT_TRUE(
        (*c)->PWrite(cr->open_fd, 0,
                     std::span(reinterpret_cast<const uint8_t*>(secret.data()), secret.size()))
            .ok());
    ASSERT_TRUE((*c)->Close(std::span<const client::FDID>(&cr->open_fd, 1)).ok());
    auto st = (*c)->FStat(cr->child.control_fd);
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->size, secret.size());
    std::ifstream in(t.Path("root/f"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find("PLAINTEXT"), std::string::npos);
  }
  // The peer closed: serve --fd exits 0.
  EXPECT_EQ(Wait(ch), 0);
}

// A bundle whose rootfs is served by `encrypted` (directfs off, as the policy
// compiler requires for an extension that cannot donate host FDs), and an
// operator policy listing `key_files` for it.
struct RunBundle {
  path_walk::testing::TempTree t;
  std::string bundle, policy;
  explicit RunBundle(const std::vector<std::string>& key_files) {
    t.MkDir("b");
    t.MkDir("b/rootfs");
    t.WriteFile("b/config.json",
                R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},)"
                R"("process":{"args":["/bin/true"],"cwd":"/"},)"
                R"("annotations":{"dev.hardgofer.rootfs.extension":"encrypted"}})",
                0644);
    std::string op = "extension { name: \"encrypted\"";
    for (const std::string& k : key_files) op += " key_file: \"" + k + "\"";
    op += " }\n";
    t.WriteFile("op.textproto", op, 0600);
    bundle = t.Path("b");
    policy = t.Path("op.textproto");
  }
  // --no-confine: the start-up path up to serving is the same, and the test
  // must not depend on the host allowing a mount namespace per run.
  std::vector<std::string> Args() const {
    return {"run",          "--bundle", bundle,          "--io-fds",   "3", "--operator-policy",
            policy,         "--directfs=false", "--no-confine"};
  }
};

TEST(RunExtensionTest, MissingKeyFileNamesTheOptionAndTheFile) {
  path_walk::testing::TempTree keys;
  const std::string missing = keys.Path("no-such.key");
  RunBundle b({missing});
  Child ch = Spawn(b.Args());
  std::string err;
  EXPECT_EQ(Wait(ch, &err), 1) << err;
  EXPECT_NE(err.find("extension 'encrypted'"), std::string::npos) << err;
  EXPECT_NE(err.find("key_file"), std::string::npos) << err;
  EXPECT_NE(err.find(missing), std::string::npos) << err;
}

TEST(RunExtensionTest, ASecondKeyFileIsRefusedNamingItsOptionAndFile) {
  path_walk::testing::TempTree keys;
  const std::string k1 = WriteKeyFile(keys.Path("k1"), 1);
  const std::string k2 = WriteKeyFile(keys.Path("k2"), 2);
  RunBundle b({k1, k2});
  Child ch = Spawn(b.Args());
  std::string err;
  EXPECT_EQ(Wait(ch, &err), 1) << err;
  EXPECT_NE(err.find("'key_file_1'"), std::string::npos) << err;
  EXPECT_NE(err.find(k2), std::string::npos) << err;
  EXPECT_EQ(server::KeyFileOption(0), "key_file");
  EXPECT_EQ(server::KeyFileOption(1), "key_file_1");
}

TEST(RunExtensionTest, OneKeyFileServesTheRootThroughEncrypted) {
  path_walk::testing::TempTree keys;
  RunBundle b({WriteKeyFile(keys.Path("k"), 3)});
  Child ch = Spawn(b.Args());
  {
    auto c = client::Client::Mount(std::move(ch.sock));
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    // encrypted never donates a host FD, not even the mount point.
    EXPECT_FALSE((*c)->TakeMountHostFd().valid());
    auto st = (*c)->FStat((*c)->root().control_fd);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
    EXPECT_TRUE(S_ISDIR(st->mode));
  }
  std::string err;
  EXPECT_EQ(Wait(ch, &err), 0) << err;
  EXPECT_NE(err.find("backend=extension:encrypted"), std::string::npos) << err;
}

}  // namespace
}  // namespace hg::ext_testing
