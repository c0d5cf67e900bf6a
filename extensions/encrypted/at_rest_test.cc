// What the host sees: no plaintext, no repeated nonce.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "extensions/encrypted/encrypted_file.h"
#include "extensions/encrypted/test_util.h"

namespace hg::encrypted {
namespace {

using namespace hg::encrypted::testing;  // NOLINT(google-build-using-namespace)

constexpr uint64_t C = kChunkSize;

size_t LongestRunOfOneByte(const std::vector<uint8_t>& v, size_t from) {
  size_t best = 0, run = 0;
  for (size_t i = from; i < v.size(); ++i) {
    run = (i > from && v[i] == v[i - 1]) ? run + 1 : 1;
    best = std::max(best, run);
  }
  return best;
}

bool Contains(const std::vector<uint8_t>& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

TEST(AtRestTest, HostFileHoldsNoPlaintext) {
  TempDir dir;
  Key key = TestKey(5);
  const std::string path = dir.Join("f");
  auto f = CreateEncrypted(key, path);
  ASSERT_TRUE(f);
  // Recognisable text, long constant runs (zeros from a sparse write, a grow
  // and an allocate; 0xFF; a repeating short pattern).
  std::string text;
  for (int i = 0; text.size() < size_t{100} * 1024; ++i) {
    text += "hardgofer-plaintext-canary-" + std::to_string(i) + "|";
  }
  ASSERT_TRUE(
      f->Write(0, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())).ok());
  std::vector<uint8_t> ff(3 * C + 5, 0xFF);
  ASSERT_TRUE(f->Write(uint64_t{200} * 1024, ff).ok());  // leaves a zero gap before it
  std::vector<uint8_t> abcd;
  for (int i = 0; i < 4000; ++i) abcd.insert(abcd.end(), {'A', 'B', 'C', 'D'});
  ASSERT_TRUE(f->Write(uint64_t{250} * 1024 + 3, abcd).ok());
  ASSERT_TRUE(f->Truncate(uint64_t{300} * 1024).ok());
  ASSERT_TRUE(f->Allocate(uint64_t{310} * 1024, 2 * C).ok());
  ASSERT_TRUE(f->Sync().ok());

  auto host = ReadHostFile(path);
  ASSERT_EQ(host.size(), OnDiskSizeFor(uint64_t{310} * 1024 + 2 * C));
  for (const char* needle : {"hardgofer", "plaintext", "canary-1", "|hard", "ABCDABCD"}) {
    EXPECT_FALSE(Contains(host, needle)) << needle;
  }
  // Sealed zeros and 0xFF look random: no byte repeats 16 times in a row
  // anywhere after the header (a record's counter has at most 7 zero bytes).
  EXPECT_LT(LongestRunOfOneByte(host, kHeaderSize), 16u);
  // And the plaintext read back is what was written.
  EXPECT_EQ(ReadAll(*f, 0, 64), std::vector<uint8_t>(text.begin(), text.begin() + 64));
}

TEST(AtRestTest, EqualChunksEncryptDifferently) {
  TempDir dir;
  Key key = TestKey(6);
  auto a = CreateEncrypted(key, dir.Join("a"));
  auto b = CreateEncrypted(key, dir.Join("b"));
  ASSERT_TRUE(a && b);
  std::vector<uint8_t> same(8 * C, 0x33);
  ASSERT_TRUE(a->Write(0, same).ok());
  ASSERT_TRUE(b->Write(0, same).ok());
  ASSERT_TRUE(a->Write(0, same).ok());  // rewriting the same bytes changes the records too
  std::set<std::vector<uint8_t>> ciphertexts;
  for (const char* name : {"a", "b"}) {
    auto host = ReadHostFile(dir.Join(name));
    for (int i = 0; i < 8; ++i) {
      const uint8_t* ct = &host[ChunkRecordOffset(i) + kRecordCiphertextAt];
      ciphertexts.emplace(ct, ct + 32);
    }
  }
  EXPECT_EQ(ciphertexts.size(), 16u);
}

// Every (key, nonce) pair sealed across a workload — several files, reopens
// (new sessions), overwrites of the same chunks, truncations and regrowth — is
// observed on disk after each operation and must never repeat. The key is
// fixed by (file id, session id) and the nonce by (index, counter); since
// counters are unique within a session, we check the stronger
// (file id, session id, counter) — which also covers the header's seals.
TEST(AtRestTest, NoncesNeverRepeat) {
  TempDir dir;
  Key key = TestKey(7);
  std::mt19937_64 rng(77);
  using Seal = std::tuple<std::vector<uint8_t>, std::vector<uint8_t>, uint64_t>;
  std::set<Seal> seen;
  // Per (file, position): the last (session, counter, tag) seen there.
  std::map<std::pair<int, uint64_t>, std::vector<uint8_t>> last;
  uint64_t observed = 0;

  auto scan = [&](int file_no, const std::string& path) {
    auto host = ReadHostFile(path);
    ASSERT_GE(host.size(), kHeaderSize);
    std::vector<uint8_t> file_id(host.begin() + kHeaderFileIdAt,
                                 host.begin() + kHeaderFileIdAt + kFileIdSize);
    auto note = [&](uint64_t position, const uint8_t* session, const uint8_t* counter_le,
                    const uint8_t* tag) {
      std::vector<uint8_t> state(session, session + kSessionIdSize);
      state.insert(state.end(), counter_le, counter_le + 8);
      state.insert(state.end(), tag, tag + kGcmTagSize);
      auto& prev = last[{file_no, position}];
      if (prev == state) return;  // not rewritten since the last scan
      const bool same_nonce =
          !prev.empty() &&
          std::equal(prev.begin(), prev.begin() + kSessionIdSize + 8, state.begin());
      ASSERT_FALSE(same_nonce) << "position " << position << " re-sealed with the same nonce";
      Seal s{file_id, std::vector<uint8_t>(session, session + kSessionIdSize),
             LoadLe64(counter_le)};
      ASSERT_TRUE(seen.insert(s).second)
          << "nonce reused: file " << file_no << " position " << position;
      prev = std::move(state);
      ++observed;
    };
    note(UINT64_MAX, &host[kHeaderSessionAt], &host[kHeaderCounterAt], &host[kHeaderTagAt]);
    for (uint64_t i = 0; ChunkRecordOffset(i + 1) <= host.size(); ++i) {
      const uint8_t* rec = &host[ChunkRecordOffset(i)];
      note(i, rec + kRecordSessionAt, rec + kRecordCounterAt, rec + kRecordTagAt);
    }
  };

  for (int file_no = 0; file_no < 3; ++file_no) {
    const std::string path = dir.Join("f" + std::to_string(file_no));
    auto f = CreateEncrypted(key, path);
    ASSERT_TRUE(f);
    scan(file_no, path);
    for (int op = 0; op < 400; ++op) {
      const uint64_t r = rng() % 100;
      // Chunk boundaries and the bytes either side of them.
      const uint64_t off = std::max<int64_t>(
          0, static_cast<int64_t>(rng() % 24 * C) + static_cast<int64_t>(rng() % 3) - 1);
      if (r < 60) {
        ASSERT_TRUE(f->Write(off, RandomBytes(rng, 1 + rng() % (3 * C))).ok());
      } else if (r < 75) {
        ASSERT_TRUE(f->Truncate(rng() % (20 * C)).ok());
      } else if (r < 85) {
        ASSERT_TRUE(f->Allocate(off, 1 + rng() % (2 * C)).ok());
      } else {
        f.reset();  // the next writer starts a new session
        f = OpenEncrypted(key, path);
        ASSERT_TRUE(f);
      }
      scan(file_no, path);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(observed, 3000u) << "the workload sealed too little to mean anything";
}

}  // namespace
}  // namespace hg::encrypted
