#include "extensions/encrypted/encrypted_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <set>
#include <thread>
#include <vector>

#include "extensions/encrypted/test_util.h"

namespace hg::encrypted {

// Reaches the session counter, which 2^48 writes would take too long to move.
class EncryptedFileTestPeer {
 public:
  static void SetNextCounter(EncryptedFile& f, uint64_t counter) {
    std::lock_guard lock(f.mu_);
    ASSERT_TRUE(f.write_session_.has_value());
    f.write_session_->next_counter = counter;
  }
};

namespace {

using namespace hg::encrypted::testing;  // NOLINT(google-build-using-namespace)

constexpr uint64_t C = kChunkSize;

class EncryptedFileTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Key key_ = TestKey(3);
  std::string path_ = dir_.Join("file");
};

TEST_F(EncryptedFileTest, CreateWritesOnlyAHeader) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  EXPECT_EQ(HostFileSize(path_), kHeaderSize);
  EXPECT_EQ(*f->Size(), 0u);
  EXPECT_EQ(ReadAll(*f, 0, 10).size(), 0u);
  f.reset();
  f = OpenEncrypted(key_, path_);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f->Size(), 0u);
  EXPECT_EQ(*EncryptedFile::ReadPlaintextSize(key_, OpenHost(path_).get()), 0u);
}

TEST_F(EncryptedFileTest, CreateNeverOverwritesData) {
  WriteHostFile(path_, {1, 2, 3});
  auto r = EncryptedFile::Create(key_, OpenHost(path_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), EEXIST);
  EXPECT_EQ(ReadHostFile(path_), (std::vector<uint8_t>{1, 2, 3}));
}

TEST_F(EncryptedFileTest, UnusableHostFdsAreRejected) {
  auto create_errno = [&](UniqueFd fd) {
    auto r = EncryptedFile::Create(key_, std::move(fd));
    return r.ok() ? 0 : r.error().value();
  };
  EXPECT_EQ(create_errno(OpenHost(path_, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC)), EINVAL);
  EXPECT_EQ(create_errno(OpenHost(path_, O_WRONLY | O_CLOEXEC)), EBADF);
  EXPECT_EQ(create_errno(OpenHost(path_, O_PATH | O_CLOEXEC)), EBADF);
  EXPECT_EQ(create_errno(OpenHost(dir_.path(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)), EISDIR);
  EXPECT_EQ(create_errno(OpenHost("/dev/null", O_RDWR | O_CLOEXEC)), EINVAL);
  EXPECT_EQ(HostFileSize(path_), 0u);
}

TEST_F(EncryptedFileTest, HostFdIsMadeCloexec) {
  UniqueFd fd = OpenHost(path_, O_RDWR | O_CREAT);  // deliberately without O_CLOEXEC
  ASSERT_EQ(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  auto f = EncryptedFile::Create(key_, std::move(fd));
  ASSERT_TRUE(f.ok());
  EXPECT_NE(::fcntl((*f)->host_fd(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(EncryptedFileTest, OpenNeedsAValidHeaderUnderTheKey) {
  WriteHostFile(path_, {});
  EXPECT_EQ(OpenError(key_, path_), EIO) << "a zero-length host file is a truncated file";
  WriteHostFile(path_, std::vector<uint8_t>(500, 'x'));
  EXPECT_EQ(OpenError(key_, path_), EIO);
  ::unlink(path_.c_str());
  ASSERT_TRUE(CreateEncrypted(key_, path_));
  EXPECT_EQ(OpenError(TestKey(4), path_), EIO);
  EXPECT_EQ(OpenError(key_, path_), 0);
  auto size = EncryptedFile::ReadPlaintextSize(TestKey(4), OpenHost(path_).get());
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.error().value(), EIO);
}

TEST_F(EncryptedFileTest, WritePastEndFillsTheGapWithZeros) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  // Leave old bytes in the padding of the last chunk: write, then shrink.
  std::vector<uint8_t> aa(5000, 0xAA);
  ASSERT_TRUE(f->Write(0, aa).ok());
  ASSERT_TRUE(f->Truncate(4100).ok());
  std::vector<uint8_t> one = {0x01};
  ASSERT_EQ(*f->Write(3 * C + 7, one), 1u);
  std::vector<uint8_t> want(3 * C + 8, 0);
  std::fill(want.begin(), want.begin() + 4100, 0xAA);
  want.back() = 0x01;
  EXPECT_EQ(ReadAll(*f, 0, want.size() + 100), want);
  EXPECT_EQ(HostFileSize(path_), OnDiskSizeFor(want.size()));
  f.reset();
  f = OpenEncrypted(key_, path_);
  ASSERT_TRUE(f);
  EXPECT_EQ(ReadAll(*f, 0, want.size()), want);
}

TEST_F(EncryptedFileTest, TruncateShrinksAndGrowsWithZeros) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  std::mt19937_64 rng(1);
  auto data = RandomBytes(rng, 5 * C + 123);
  ASSERT_TRUE(f->Write(0, data).ok());
  for (uint64_t size : {3 * C + 1, 3 * C, 3 * C - 1, uint64_t{1}, uint64_t{0}}) {
    ASSERT_TRUE(f->Truncate(size).ok()) << size;
    EXPECT_EQ(*f->Size(), size);
    EXPECT_EQ(HostFileSize(path_), OnDiskSizeFor(size));
    data.resize(size);
    EXPECT_EQ(ReadAll(*f, 0, 6 * C), data);
  }
  ASSERT_TRUE(f->Write(0, RandomBytes(rng, 100)).ok());
  ASSERT_TRUE(f->Truncate(10).ok());
  ASSERT_TRUE(f->Truncate(2 * C + 5).ok());
  auto got = ReadAll(*f, 0, 3 * C);
  ASSERT_EQ(got.size(), 2 * C + 5);
  EXPECT_TRUE(std::all_of(got.begin() + 10, got.end(), [](uint8_t b) { return b == 0; }));
}

TEST_F(EncryptedFileTest, AllocateGrowsOnlyAndKeepsContents) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  std::vector<uint8_t> data(C + 10, 0x5A);
  ASSERT_TRUE(f->Write(0, data).ok());
  auto before = ReadHostFile(path_);
  ASSERT_TRUE(f->Allocate(3, 100).ok());
  ASSERT_TRUE(f->Allocate(0, C + 10).ok());
  EXPECT_EQ(ReadHostFile(path_), before) << "allocating inside the size rewrote something";
  ASSERT_TRUE(f->Allocate(C + 5, 3 * C).ok());
  EXPECT_EQ(*f->Size(), 4 * C + 5);
  EXPECT_EQ(HostFileSize(path_), OnDiskSizeFor(4 * C + 5));
  data.resize(4 * C + 5, 0);
  EXPECT_EQ(ReadAll(*f, 0, 5 * C), data);
  EXPECT_EQ(f->Allocate(0, 0).error().value(), EINVAL);
}

TEST_F(EncryptedFileTest, LimitsGiveErrnosAndChangeNothing) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  std::vector<uint8_t> data(100, 7);
  ASSERT_TRUE(f->Write(0, data).ok());
  auto before = ReadHostFile(path_);
  std::vector<uint8_t> one = {1};
  EXPECT_EQ(f->Write(kMaxPlaintextSize, one).error().value(), EFBIG);
  EXPECT_EQ(f->Write(UINT64_MAX, one).error().value(), EFBIG);
  EXPECT_EQ(f->Truncate(kMaxPlaintextSize + 1).error().value(), EFBIG);
  EXPECT_EQ(f->Allocate(kMaxPlaintextSize, 1).error().value(), EFBIG);
  EXPECT_EQ(f->Allocate(UINT64_MAX, 2).error().value(), EFBIG);
  // Huge sparse offsets fail before writing (no host filesystem holds 2^59
  // bytes of zero chunks), instead of filling the disk.
  EXPECT_EQ(f->Write(kMaxPlaintextSize - 1, one).error().value(), ENOSPC);
  EXPECT_EQ(f->Write(uint64_t{1} << 50, one).error().value(), ENOSPC);
  EXPECT_EQ(f->Truncate(uint64_t{1} << 52).error().value(), ENOSPC);
  EXPECT_EQ(f->Allocate(uint64_t{1} << 55, 1).error().value(), ENOSPC);
  EXPECT_EQ(ReadHostFile(path_), before);
  EXPECT_EQ(*f->Size(), 100u);
  EXPECT_EQ(ReadAll(*f, UINT64_MAX, 10).size(), 0u);
  EXPECT_EQ(ReadAll(*f, 100, 10).size(), 0u);
  EXPECT_EQ(*f->Write(5, std::span<const uint8_t>()), 0u);
  EXPECT_EQ(ReadAll(*f, 0, 1000), data);
}

TEST_F(EncryptedFileTest, ReadOnlyHostFdReadsButDoesNotWrite) {
  {
    auto f = CreateEncrypted(key_, path_);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->Write(0, std::vector<uint8_t>(50, 9)).ok());
  }
  auto r = EncryptedFile::Open(key_, OpenHost(path_, O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ReadAll(**r, 0, 100), std::vector<uint8_t>(50, 9));
  EXPECT_EQ((*r)->Write(0, std::vector<uint8_t>(1, 1)).error().value(), EBADF);
  EXPECT_EQ(ReadAll(**r, 0, 100), std::vector<uint8_t>(50, 9));
}

TEST_F(EncryptedFileTest, LargeIoAcrossBatchesRoundTrips) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  std::mt19937_64 rng(2);
  // > 3 batches of records, unaligned at both ends.
  auto data = RandomBytes(rng, 200 * C + 777);
  ASSERT_EQ(*f->Write(C / 2 + 3, data), data.size());
  auto got = ReadAll(*f, C / 2 + 3, data.size());
  EXPECT_EQ(got, data);
  EXPECT_TRUE(f->Sync().ok());
}

TEST_F(EncryptedFileTest, SessionSealLimitStartsANewSession) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  std::mt19937_64 rng(3);
  auto data = RandomBytes(rng, 4 * C);
  ASSERT_TRUE(f->Write(0, data).ok());
  constexpr uint64_t kLimit = EncryptedFile::kSealsPerSession;
  EncryptedFileTestPeer::SetNextCounter(*f, kLimit - 2);
  data.push_back(0x99);  // grow by a byte, so the header is re-sealed too
  // Records 0..4 get counters limit-2, limit-1, then a new session's 0, 1, 2;
  // the header gets 3.
  ASSERT_TRUE(f->Write(0, data).ok());
  auto host = ReadHostFile(path_);
  std::set<std::vector<uint8_t>> sessions;
  for (int i = 0; i < 5; ++i) {
    const uint8_t* rec = &host[ChunkRecordOffset(i)];
    sessions.emplace(rec, rec + kSessionIdSize);
    EXPECT_LE(LoadLe64(rec + kRecordCounterAt), kMaxCounter);
  }
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_EQ(LoadLe64(&host[ChunkRecordOffset(0) + kRecordCounterAt]), kLimit - 2);
  EXPECT_EQ(LoadLe64(&host[ChunkRecordOffset(1) + kRecordCounterAt]), kLimit - 1);
  EXPECT_EQ(LoadLe64(&host[ChunkRecordOffset(2) + kRecordCounterAt]), 0u);
  EXPECT_EQ(LoadLe64(&host[ChunkRecordOffset(3) + kRecordCounterAt]), 1u);
  EXPECT_EQ(LoadLe64(&host[kHeaderCounterAt]), 3u);
  EXPECT_TRUE(std::equal(&host[kHeaderSessionAt], &host[kHeaderSessionAt] + kSessionIdSize,
                         &host[ChunkRecordOffset(2)]));
  f.reset();
  f = OpenEncrypted(key_, path_);
  ASSERT_TRUE(f);
  EXPECT_EQ(ReadAll(*f, 0, 5 * C), data);
}

// Records from more sessions than the decryption cache holds.
TEST_F(EncryptedFileTest, ManySessionsReadBack) {
  std::mt19937_64 rng(4);
  auto data = RandomBytes(rng, 20 * C);
  {
    auto f = CreateEncrypted(key_, path_);
    ASSERT_TRUE(f);
  }
  for (uint64_t i = 0; i < 20; ++i) {
    auto f = OpenEncrypted(key_, path_);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->Write(i * C, std::span(data).subspan(i * C, C)).ok());
  }
  auto f = OpenEncrypted(key_, path_);
  ASSERT_TRUE(f);
  for (int round = 0; round < 2; ++round) {
    for (uint64_t i = 0; i < 20; ++i) {
      uint64_t j = (i * 7) % 20;
      EXPECT_EQ(ReadAll(*f, j * C, C),
                std::vector<uint8_t>(data.begin() + j * C, data.begin() + (j + 1) * C));
    }
  }
  EXPECT_EQ(ReadAll(*f, 0, 20 * C), data);
}

// The two states a crash can leave a growing write in (no journal; the
// header is rewritten after the records). Built by hand from snapshots of the
// host file before and after the write.
TEST_F(EncryptedFileTest, CrashStatesOfAGrowingWrite) {
  std::mt19937_64 rng(5);
  auto before = RandomBytes(rng, 2 * C + 10);
  auto appended = RandomBytes(rng, 3 * C);
  {
    auto f = CreateEncrypted(key_, path_);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->Write(0, before).ok());
  }
  auto s0 = ReadHostFile(path_);
  {
    auto f = OpenEncrypted(key_, path_);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->Write(before.size(), appended).ok());
  }
  auto s1 = ReadHostFile(path_);
  ASSERT_GT(s1.size(), s0.size());

  // Records reached the disk, the new header did not: the old file, intact
  // (its partial last chunk was re-sealed with the same leading bytes).
  auto x = s1;
  std::copy(s0.begin(), s0.begin() + kHeaderSize, x.begin());
  WriteHostFile(path_, x);
  auto f = OpenEncrypted(key_, path_);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f->Size(), before.size());
  EXPECT_EQ(ReadAll(*f, 0, 10 * C), before);
  f.reset();

  // The new header reached the disk, the appended records did not: the new
  // size, the old bytes readable, the lost records EIO. Chunk 2 is the older
  // (authentic) version of itself: zeros after the old end.
  auto y = s0;
  std::copy(s1.begin(), s1.begin() + kHeaderSize, y.begin());
  WriteHostFile(path_, y);
  f = OpenEncrypted(key_, path_);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f->Size(), before.size() + appended.size());
  EXPECT_EQ(ReadAll(*f, 0, 2 * C), std::vector<uint8_t>(before.begin(), before.begin() + 2 * C));
  std::vector<uint8_t> chunk2(before.begin() + 2 * C, before.end());
  chunk2.resize(C, 0);
  EXPECT_EQ(ReadAll(*f, 2 * C, C), chunk2);
  EXPECT_EQ(ReadError(*f, 3 * C, 1), EIO);
  EXPECT_EQ(ReadError(*f, 4 * C, 1), EIO);
  // Truncating below the lost records repairs the file.
  ASSERT_TRUE(f->Truncate(2 * C + 10).ok());
  EXPECT_EQ(ReadAll(*f, 0, 10 * C), before);
}

// One instance shared by threads: operations serialise on its mutex.
TEST_F(EncryptedFileTest, ConcurrentUseOfOneInstance) {
  auto f = CreateEncrypted(key_, path_);
  ASSERT_TRUE(f);
  constexpr int kThreads = 4;
  constexpr uint64_t kRegion = 3 * C + 333;  // unaligned, so threads share chunks
  std::vector<std::vector<uint8_t>> last(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 60; ++i) {
        auto data = RandomBytes(rng, kRegion);
        if (!f->Write(t * kRegion, data).ok()) ++failures[t];
        std::vector<uint8_t> back(kRegion);
        auto r = f->Read(t * kRegion, back);
        if (!r.ok() || *r != kRegion || back != data) ++failures[t];
        last[t] = std::move(data);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    EXPECT_EQ(ReadAll(*f, t * kRegion, kRegion), last[t]);
  }
  EXPECT_EQ(*f->Size(), kThreads * kRegion);
}

}  // namespace
}  // namespace hg::encrypted
