// Property test: thousands of random Write/Read/Truncate/Allocate/reopen
// operations on an EncryptedFile, each checked against a plain byte vector,
// with offsets concentrated where chunked code breaks: chunk boundaries ±1,
// the current end of file ±1 and ± a chunk, and far sparse offsets.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "extensions/encrypted/encrypted_file.h"
#include "extensions/encrypted/test_util.h"

namespace hg::encrypted {
namespace {

using namespace hg::encrypted::testing;  // NOLINT(google-build-using-namespace)

constexpr uint64_t C = kChunkSize;
constexpr int kOpsPerSeed = 1500;

class Fuzzer {
 public:
  explicit Fuzzer(uint64_t seed) : rng_(seed) {}

  uint64_t Pick(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  uint64_t Offset(uint64_t size) {
    switch (Pick(10)) {
      case 0:
      case 1:
      case 2: {  // a chunk boundary, or one byte either side of it
        const int64_t at = static_cast<int64_t>(Pick(24) * C) + static_cast<int64_t>(Pick(3)) - 1;
        return static_cast<uint64_t>(std::max<int64_t>(at, 0));
      }
      case 3:
      case 4: {  // around the current end of file
        const int64_t deltas[] = {-static_cast<int64_t>(C) - 1,
                                  -static_cast<int64_t>(C),
                                  -1,
                                  0,
                                  1,
                                  static_cast<int64_t>(C) - 1,
                                  static_cast<int64_t>(C),
                                  static_cast<int64_t>(C) + 1};
        const int64_t at = static_cast<int64_t>(size) + deltas[Pick(8)];
        return static_cast<uint64_t>(std::max<int64_t>(at, 0));
      }
      case 5:
        if (Pick(8) == 0) return (uint64_t{1} << 20) + Pick(uint64_t{5} << 20);  // sparse: 1..6 MiB
        [[fallthrough]];
      default:
        return Pick(uint64_t{100} * 1024);
    }
  }

  uint64_t Length() {
    switch (Pick(12)) {
      case 0:
        return 1;
      case 1:
        return 2;
      case 2:
        return C - 1;
      case 3:
        return C;
      case 4:
        return C + 1;
      case 5:
        return 2 * C + 1;
      case 6:
        return Pick(70) == 0 ? 1 + Pick(uint64_t{300} * 1024) : 1 + Pick(64);  // rarely > 1 batch
      default:
        return 1 + Pick(3 * C);
    }
  }

  std::vector<uint8_t> Bytes(size_t n) { return RandomBytes(rng_, n); }

 private:
  std::mt19937_64 rng_;
};

void ExpectWholeFile(EncryptedFile& f, const std::vector<uint8_t>& model) {
  ASSERT_EQ(*f.Size(), model.size());
  auto got = ReadAll(f, 0, model.size() + C);
  ASSERT_EQ(got.size(), model.size());
  ASSERT_TRUE(got == model) << "first difference at "
                            << (std::mismatch(got.begin(), got.end(), model.begin()).first -
                                got.begin());
}

class ModelTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ModelTest, RandomOperationsMatchAPlaintextModel) {
  TempDir dir;
  const std::string path = dir.Join("f");
  Key key = TestKey(static_cast<uint8_t>(GetParam()));
  Fuzzer fz(GetParam());
  auto f = CreateEncrypted(key, path);
  ASSERT_TRUE(f);
  std::vector<uint8_t> model;
  int counts[7] = {};

  for (int op = 0; op < kOpsPerSeed; ++op) {
    SCOPED_TRACE(::testing::Message() << "seed " << GetParam() << " op " << op);
    const uint64_t kind = fz.Pick(100);
    if (kind < 35) {  // write
      ++counts[0];
      const uint64_t off = fz.Offset(model.size());
      auto data = fz.Bytes(fz.Length());
      auto r = f->Write(off, data);
      ASSERT_TRUE(r.ok()) << "Write(" << off << ", " << data.size()
                          << "): " << r.error().ToString();
      ASSERT_EQ(*r, data.size());
      if (off + data.size() > model.size()) model.resize(off + data.size(), 0);
      std::copy(data.begin(), data.end(), model.begin() + off);
    } else if (kind < 60) {  // read
      ++counts[1];
      const uint64_t off = fz.Offset(model.size());
      const uint64_t len = fz.Length();
      auto got = ReadAll(*f, off, len);
      const uint64_t want_len = off >= model.size() ? 0 : std::min(len, model.size() - off);
      ASSERT_EQ(got.size(), want_len) << "Read(" << off << ", " << len << ")";
      ASSERT_TRUE(std::equal(got.begin(), got.end(), model.begin() + off))
          << "Read(" << off << ", " << len << ")";
    } else if (kind < 73) {  // truncate, biased to shrink so the file stays small
      ++counts[2];
      const uint64_t size = fz.Pick(3) == 0 ? fz.Offset(model.size()) : fz.Pick(model.size() + 1);
      ASSERT_TRUE(f->Truncate(size).ok()) << "Truncate(" << size << ")";
      model.resize(size, 0);
    } else if (kind < 83) {  // allocate
      ++counts[3];
      const uint64_t off = fz.Offset(model.size());
      const uint64_t len = fz.Length();
      ASSERT_TRUE(f->Allocate(off, len).ok()) << "Allocate(" << off << ", " << len << ")";
      if (off + len > model.size()) model.resize(off + len, 0);
    } else if (kind < 88) {  // reopen and verify everything
      ++counts[4];
      f.reset();
      ASSERT_EQ(HostFileSize(path), OnDiskSizeFor(model.size()));
      f = OpenEncrypted(key, path);
      ASSERT_TRUE(f);
      ExpectWholeFile(*f, model);
    } else if (kind < 91) {
      ++counts[5];
      ASSERT_TRUE(f->Sync().ok());
    } else {
      ++counts[6];
      ASSERT_EQ(*f->Size(), model.size());
      auto size = EncryptedFile::ReadPlaintextSize(key, f->host_fd());
      ASSERT_TRUE(size.ok());
      ASSERT_EQ(*size, model.size());
    }
    // The host file is always exactly as long as the format says.
    ASSERT_EQ(HostFileSize(path), OnDiskSizeFor(model.size()));
    if (model.size() > (8u << 20)) {
      ASSERT_TRUE(f->Truncate(1 << 20).ok());
      model.resize(1 << 20);
    }
  }
  f.reset();
  f = OpenEncrypted(key, path);
  ASSERT_TRUE(f);
  ExpectWholeFile(*f, model);
  for (int c : counts) EXPECT_GT(c, 0) << "an operation kind never ran";
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, ::testing::Values(1, 2, 3, 4));

}  // namespace
}  // namespace hg::encrypted
