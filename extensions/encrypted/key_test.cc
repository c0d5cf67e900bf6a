#include "extensions/encrypted/key.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <new>
#include <string>
#include <vector>

#include "extensions/encrypted/test_util.h"

namespace hg::encrypted {
namespace {

using testing::TempDir;
using testing::WriteHostFile;

std::vector<uint8_t> KeyBytes(size_t n) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 13 + 5);
  return b;
}

// Writes a key file with the given contents, mode and owner.
std::string MakeKeyFile(const TempDir& dir, const std::string& name,
                        const std::vector<uint8_t>& bytes, mode_t mode = 0600, uid_t uid = 0) {
  std::string path = dir.Join(name);
  WriteHostFile(path, bytes);
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  EXPECT_EQ(::chown(path.c_str(), uid, 0), 0);
  return path;
}

int LoadErrno(const std::string& path, std::string* why = nullptr) {
  auto k = Key::LoadFromFile(path, why);
  return k.ok() ? 0 : k.error().value();
}

TEST(KeyTest, LoadsExactly32RawBytes) {
  TempDir dir;
  auto bytes = KeyBytes(32);
  auto k = Key::LoadFromFile(MakeKeyFile(dir, "k", bytes));
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), k->bytes().begin()));
}

TEST(KeyTest, WrongLengthIsEinvalWithAClearMessage) {
  TempDir dir;
  for (size_t n : {0, 1, 31, 33, 64}) {
    std::string why;
    EXPECT_EQ(LoadErrno(MakeKeyFile(dir, "k" + std::to_string(n), KeyBytes(n)), &why), EINVAL) << n;
    EXPECT_NE(why.find("exactly 32 raw bytes"), std::string::npos) << why;
    EXPECT_NE(why.find(dir.path()), std::string::npos) << "message must name the path: " << why;
  }
}

TEST(KeyTest, AllZeroKeyIsRejected) {
  TempDir dir;
  std::string why;
  EXPECT_EQ(LoadErrno(MakeKeyFile(dir, "k", std::vector<uint8_t>(32, 0)), &why), EINVAL);
  EXPECT_NE(why.find("zero"), std::string::npos) << why;
}

TEST(KeyTest, NonRegularFilesAreEinval) {
  TempDir dir;
  std::string fifo = dir.Join("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string why;
  // Must return at once (no writer ever opens the FIFO), not block.
  EXPECT_EQ(LoadErrno(fifo, &why), EINVAL);
  EXPECT_NE(why.find("not a regular file"), std::string::npos) << why;
  EXPECT_EQ(LoadErrno(dir.path()), EINVAL);
  EXPECT_EQ(LoadErrno("/dev/null"), EINVAL);
}

TEST(KeyTest, WritableByGroupOrOthersIsEperm) {
  TempDir dir;
  for (mode_t mode : {0620, 0602, 0666, 0622}) {
    std::string why;
    EXPECT_EQ(LoadErrno(MakeKeyFile(dir, "k" + std::to_string(mode), KeyBytes(32), mode), &why),
              EPERM)
        << std::oct << mode;
    EXPECT_NE(why.find("writable by group or others"), std::string::npos) << why;
  }
  // Read bits are not the key file check's business; 0400 and 0644 load.
  EXPECT_EQ(LoadErrno(MakeKeyFile(dir, "ro", KeyBytes(32), 0400)), 0);
  EXPECT_EQ(LoadErrno(MakeKeyFile(dir, "pub", KeyBytes(32), 0644)), 0);
}

TEST(KeyTest, OwnedBySomeoneElseIsEperm) {
  TempDir dir;
  std::string why;
  EXPECT_EQ(LoadErrno(MakeKeyFile(dir, "k", KeyBytes(32), 0600, 12345), &why), EPERM);
  EXPECT_NE(why.find("owned by uid 12345"), std::string::npos) << why;
}

// The "current user" half of the owner rule, from a child that drops to an
// unprivileged uid: its own file and root's load, a third user's does not.
TEST(KeyTest, OwnerMayBeTheEffectiveUser) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const uid_t kUser = 23456;
  std::string own = MakeKeyFile(dir, "own", KeyBytes(32), 0600, kUser);
  std::string roots = MakeKeyFile(dir, "root", KeyBytes(32), 0644, 0);
  std::string other = MakeKeyFile(dir, "other", KeyBytes(32), 0644, kUser + 1);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setresgid(kUser, kUser, kUser) != 0 || ::setresuid(kUser, kUser, kUser) != 0) _exit(10);
    if (LoadErrno(own) != 0) _exit(11);
    if (LoadErrno(roots) != 0) _exit(12);
    if (LoadErrno(other) != EPERM) _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setuid failed, 11-13: which check went wrong";
}

TEST(KeyTest, SymlinksAreFollowedAndTheTargetIsChecked) {
  TempDir dir;
  std::string good = MakeKeyFile(dir, "good", KeyBytes(32));
  std::string bad = MakeKeyFile(dir, "bad", KeyBytes(32), 0666);
  ASSERT_EQ(::symlink(good.c_str(), dir.Join("to-good").c_str()), 0);
  ASSERT_EQ(::symlink(bad.c_str(), dir.Join("to-bad").c_str()), 0);
  EXPECT_EQ(LoadErrno(dir.Join("to-good")), 0);
  EXPECT_EQ(LoadErrno(dir.Join("to-bad")), EPERM);
}

TEST(KeyTest, MissingFileIsEnoentAndNamed) {
  TempDir dir;
  std::string why;
  EXPECT_EQ(LoadErrno(dir.Join("nope"), &why), ENOENT);
  EXPECT_NE(why.find(dir.Join("nope")), std::string::npos) << why;
}

TEST(KeyTest, GenerateGivesDistinctKeys) {
  auto a = Key::Generate();
  auto b = Key::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(std::equal(a->bytes().begin(), a->bytes().end(), b->bytes().begin()));
}

bool AllZero(const unsigned char* p, size_t n) {
  return std::all_of(p, p + n, [](unsigned char c) { return c == 0; });
}

// The destructor really wipes the memory the key lived in (OPENSSL_cleanse is
// not optimised away like a memset before free would be).
TEST(KeyTest, DestructionWipesTheKeyBytes) {
  auto bytes = KeyBytes(32);
  alignas(Key) unsigned char storage[sizeof(Key)];
  Key* k = new (storage) Key(Key::FromBytes(std::span<const uint8_t, 32>(bytes.data(), 32)));
  ASSERT_EQ(static_cast<const void*>(k->bytes().data()) >= static_cast<void*>(storage), true);
  const size_t at = static_cast<size_t>(k->bytes().data() - reinterpret_cast<uint8_t*>(storage));
  ASSERT_TRUE(std::equal(bytes.begin(), bytes.end(), storage + at));
  k->~Key();
  EXPECT_TRUE(AllZero(storage, sizeof(storage)));
}

TEST(KeyTest, MovingWipesTheSource) {
  auto bytes = KeyBytes(32);
  Key a = Key::FromBytes(std::span<const uint8_t, 32>(bytes.data(), 32));
  Key b = std::move(a);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), b.bytes().begin()));
  // Reading the moved-from key is the point of this test.
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  const std::span<const uint8_t, Key::kSize> moved_from = a.bytes();
  EXPECT_TRUE(AllZero(moved_from.data(), moved_from.size()));
}

}  // namespace
}  // namespace hg::encrypted
