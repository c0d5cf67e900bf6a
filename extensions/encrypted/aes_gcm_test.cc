// Known-answer tests: our AES-256-GCM and HKDF wrappers against published
// vectors, so a wrong mode, key size or argument order cannot pass as "round
// trips fine".
#include "extensions/encrypted/aes_gcm.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extensions/encrypted/hkdf.h"

namespace hg::encrypted {
namespace {

std::vector<uint8_t> Hex(const std::string& s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return out;
}

template <size_t N>
std::span<const uint8_t, N> Fixed(const std::vector<uint8_t>& v) {
  EXPECT_EQ(v.size(), N);
  return std::span<const uint8_t, N>(v.data(), N);
}

// RFC 5869 appendix A.3: SHA-256, no salt, no info.
TEST(HkdfTest, Rfc5869TestCase3) {
  std::vector<uint8_t> ikm(22, 0x0b);
  std::vector<uint8_t> okm(42);
  ASSERT_TRUE(DeriveKey(ikm, {}, okm).ok());
  EXPECT_EQ(okm, Hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                     "9d201395faa4b61a96c8"));
}

TEST(HkdfTest, InfoSeparatesKeys) {
  std::vector<uint8_t> ikm(32, 7), a(32), b(32);
  std::vector<uint8_t> info_a = {'a'}, info_b = {'b'};
  ASSERT_TRUE(DeriveKey(ikm, info_a, a).ok());
  ASSERT_TRUE(DeriveKey(ikm, info_b, b).ok());
  EXPECT_NE(a, b);
  EXPECT_EQ(DeriveKey({}, info_a, a).error().value(), EINVAL);
}

struct GcmVector {
  const char* key;
  const char* nonce;
  const char* aad;
  const char* plaintext;
  const char* ciphertext;
  const char* tag;
};

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13, 14, 16
// (the AES-256 ones with 96-bit IVs).
const GcmVector kVectors[] = {
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(AesGcmTest, KnownAnswers) {
  for (const GcmVector& v : kVectors) {
    auto key = Hex(v.key), nonce = Hex(v.nonce), aad = Hex(v.aad), pt = Hex(v.plaintext);
    auto gcm = AesGcm::Create(Fixed<kAesKeySize>(key));
    ASSERT_TRUE(gcm.ok());
    std::vector<uint8_t> ct(pt.size());
    std::array<uint8_t, kGcmTagSize> tag{};
    ASSERT_TRUE(gcm->Seal(Fixed<kGcmNonceSize>(nonce), aad, pt, ct, tag).ok());
    EXPECT_EQ(ct, Hex(v.ciphertext));
    EXPECT_EQ(std::vector<uint8_t>(tag.begin(), tag.end()), Hex(v.tag));

    std::vector<uint8_t> back(ct.size(), 0x55);
    ASSERT_TRUE(gcm->Open(Fixed<kGcmNonceSize>(nonce), aad, ct, tag, back).ok());
    EXPECT_EQ(back, pt);
  }
}

// The same context must serve many nonces in a row (we keep one per key).
TEST(AesGcmTest, ReusedContextGivesSameAnswerAsFreshOne) {
  const GcmVector& v = kVectors[2];
  auto key = Hex(v.key), nonce = Hex(v.nonce), aad = Hex(v.aad), pt = Hex(v.plaintext);
  auto gcm = AesGcm::Create(Fixed<kAesKeySize>(key));
  ASSERT_TRUE(gcm.ok());
  std::vector<uint8_t> ct(pt.size());
  std::array<uint8_t, kGcmTagSize> tag{};
  std::array<uint8_t, kGcmNonceSize> other{};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(gcm->Seal(other, {}, pt, ct, tag).ok());
    ASSERT_TRUE(gcm->Seal(Fixed<kGcmNonceSize>(nonce), aad, pt, ct, tag).ok());
    EXPECT_EQ(ct, Hex(v.ciphertext));
    EXPECT_EQ(std::vector<uint8_t>(tag.begin(), tag.end()), Hex(v.tag));
  }
}

TEST(AesGcmTest, AnyChangeFailsWithEioAndWipesOutput) {
  const GcmVector& v = kVectors[2];
  auto key = Hex(v.key), nonce = Hex(v.nonce), aad = Hex(v.aad), ct = Hex(v.ciphertext),
       tag = Hex(v.tag);
  auto gcm = AesGcm::Create(Fixed<kAesKeySize>(key));
  ASSERT_TRUE(gcm.ok());
  auto expect_fail = [&](const std::vector<uint8_t>& n, const std::vector<uint8_t>& a,
                         const std::vector<uint8_t>& c, const std::vector<uint8_t>& t) {
    std::vector<uint8_t> out(c.size(), 0x55);
    Status s = gcm->Open(Fixed<kGcmNonceSize>(n), a, c, Fixed<kGcmTagSize>(t), out);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().value(), EIO);
    EXPECT_EQ(out, std::vector<uint8_t>(c.size(), 0)) << "unauthenticated plaintext left behind";
  };
  auto flipped = [](std::vector<uint8_t> v, size_t i) {
    v[i] ^= 1;
    return v;
  };
  expect_fail(flipped(nonce, 11), aad, ct, tag);
  expect_fail(nonce, flipped(aad, 0), ct, tag);
  expect_fail(nonce, aad, flipped(ct, 30), tag);
  expect_fail(nonce, aad, ct, flipped(tag, 15));
  auto other_key = key;
  other_key[0] ^= 0x80;
  auto gcm2 = AesGcm::Create(Fixed<kAesKeySize>(other_key));
  ASSERT_TRUE(gcm2.ok());
  std::vector<uint8_t> out(ct.size());
  EXPECT_EQ(gcm2->Open(Fixed<kGcmNonceSize>(nonce), aad, ct, Fixed<kGcmTagSize>(tag), out)
                .error()
                .value(),
            EIO);
}

}  // namespace
}  // namespace hg::encrypted
