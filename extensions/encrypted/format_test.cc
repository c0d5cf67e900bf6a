// The format as docs/encryption-format.md states it: a reader and a writer
// built here from the document alone (straight OpenSSL calls, none of the
// library's helpers), checked against EncryptedFile in both directions.
#include "extensions/encrypted/format.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sys/types.h>

#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "extensions/encrypted/encrypted_file.h"
#include "extensions/encrypted/test_util.h"

namespace hg::encrypted {
namespace {

using namespace hg::encrypted::testing;  // NOLINT(google-build-using-namespace)

TEST(FormatTest, SizeMapping) {
  EXPECT_EQ(kRecordSize, 4136u);
  EXPECT_EQ(OnDiskSizeFor(0), 80u);
  EXPECT_EQ(OnDiskSizeFor(1), 80u + 4136);
  EXPECT_EQ(OnDiskSizeFor(4095), 80u + 4136);
  EXPECT_EQ(OnDiskSizeFor(4096), 80u + 4136);
  EXPECT_EQ(OnDiskSizeFor(4097), 80u + 2 * 4136);
  EXPECT_EQ(OnDiskSizeFor(1 << 20), 80u + 256 * 4136);
  EXPECT_EQ(PlaintextCapacityFor(0), 0u);
  EXPECT_EQ(PlaintextCapacityFor(79), 0u);
  EXPECT_EQ(PlaintextCapacityFor(80), 0u);
  EXPECT_EQ(PlaintextCapacityFor(80 + 4135), 0u);
  EXPECT_EQ(PlaintextCapacityFor(80 + 4136), 4096u);
  for (uint64_t s : {uint64_t{0}, uint64_t{1}, uint64_t{4096}, uint64_t{12345678}}) {
    EXPECT_GE(PlaintextCapacityFor(OnDiskSizeFor(s)), s);
    EXPECT_LT(PlaintextCapacityFor(OnDiskSizeFor(s)) - s, kChunkSize);
  }
  // The largest file still has an on-disk size that fits in off_t.
  EXPECT_LE(OnDiskSizeFor(kMaxPlaintextSize),
            static_cast<uint64_t>(std::numeric_limits<off_t>::max()));
  EXPECT_EQ(ChunkCount(kMaxPlaintextSize), kMaxChunks);
  EXPECT_LT(kMaxChunks - 1, kHeaderChunkIndex);  // no record shares the header's index
}

TEST(FormatTest, NonceAndAadLayout) {
  Nonce n = MakeNonce(0x010203040506, 0x0a0b0c0d0e0f);
  EXPECT_EQ(n, (Nonce{6, 5, 4, 3, 2, 1, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a}));
  FileId id;
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(0xa0 + i);
  auto aad = ChunkAad(id, 0x0102);
  EXPECT_EQ(std::string(aad.begin(), aad.begin() + 8), "HGENC1CK");
  EXPECT_TRUE(std::equal(id.begin(), id.end(), aad.begin() + 8));
  EXPECT_EQ(LoadLe64(aad.data() + 24), 0x0102u);
  EXPECT_EQ(aad[24], 0x02);
}

// ---- the document's format, implemented independently ----------------------

std::vector<uint8_t> SpecHkdf(const uint8_t* ikm, const std::string& label, const uint8_t* id) {
  std::string info = label + std::string(id, id + 16);
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm), 32),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  std::vector<uint8_t> out(32);
  EXPECT_EQ(EVP_KDF_derive(ctx, out.data(), out.size(), params), 1);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return out;
}

std::vector<uint8_t> SpecSessionKey(const Key& master, const uint8_t* file_id,
                                    const uint8_t* session) {
  auto file_key = SpecHkdf(master.bytes().data(), "hardgofer encrypted v1 file key", file_id);
  return SpecHkdf(file_key.data(), "hardgofer encrypted v1 session key", session);
}

std::vector<uint8_t> SpecNonce(uint64_t index, uint64_t counter) {
  std::vector<uint8_t> n;
  n.reserve(12);
  for (int i = 0; i < 6; ++i) n.push_back(static_cast<uint8_t>(index >> (8 * i)));
  for (int i = 0; i < 6; ++i) n.push_back(static_cast<uint8_t>(counter >> (8 * i)));
  return n;
}

uint64_t Le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}
void PutLe(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

std::vector<uint8_t> ChunkAadBytes(const uint8_t* file_id, uint64_t index) {
  std::vector<uint8_t> aad(32);
  std::copy_n("HGENC1CK", 8, aad.begin());
  std::copy_n(file_id, 16, aad.begin() + 8);
  PutLe(aad.data() + 24, index, 8);
  return aad;
}

// AES-256-GCM with a 16-byte tag; returns nullopt if authentication fails.
std::optional<std::vector<uint8_t>> SpecOpen(const std::vector<uint8_t>& key,
                                             const std::vector<uint8_t>& nonce,
                                             const std::vector<uint8_t>& aad, const uint8_t* ct,
                                             size_t len, const uint8_t* tag) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  std::vector<uint8_t> pt(len);
  int n = 0;
  bool ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) == 1 &&
            EVP_DecryptUpdate(c, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(c, pt.data(), &n, ct, static_cast<int>(len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(tag)) == 1 &&
            EVP_DecryptFinal_ex(c, pt.data() + len, &n) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) return std::nullopt;
  return pt;
}

void SpecSeal(const std::vector<uint8_t>& key, const std::vector<uint8_t>& nonce,
              const std::vector<uint8_t>& aad, const uint8_t* pt, size_t len, uint8_t* ct,
              uint8_t* tag) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int n = 0;
  ASSERT_EQ(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()), 1);
  ASSERT_EQ(EVP_EncryptUpdate(c, nullptr, &n, aad.data(), static_cast<int>(aad.size())), 1);
  ASSERT_EQ(EVP_EncryptUpdate(c, ct, &n, pt, static_cast<int>(len)), 1);
  ASSERT_EQ(EVP_EncryptFinal_ex(c, ct + len, &n), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
  EVP_CIPHER_CTX_free(c);
}

// Decrypts a whole host file per the document; nullopt on any failure.
std::optional<std::vector<uint8_t>> SpecRead(const Key& master, const std::vector<uint8_t>& f) {
  if (f.size() < 80) return std::nullopt;
  if (std::string(f.begin(), f.begin() + 8) != "HGENCRYP" || Le(&f[8], 4) != 1 ||
      Le(&f[12], 4) != 4096) {
    return std::nullopt;
  }
  const uint8_t* file_id = &f[16];
  auto hkey = SpecSessionKey(master, file_id, &f[32]);
  auto size_le = SpecOpen(hkey, SpecNonce((uint64_t{1} << 48) - 1, Le(&f[48], 8)),
                          std::vector<uint8_t>(f.begin(), f.begin() + 56), &f[56], 8, &f[64]);
  if (!size_le) return std::nullopt;
  const uint64_t size = Le(size_le->data(), 8);
  std::vector<uint8_t> out;
  for (uint64_t i = 0; i * 4096 < size; ++i) {
    const size_t at = 80 + i * 4136;
    if (at + 4136 > f.size()) return std::nullopt;
    auto key = SpecSessionKey(master, file_id, &f[at]);
    auto pt = SpecOpen(key, SpecNonce(i, Le(&f[at + 16], 8)), ChunkAadBytes(file_id, i),
                       &f[at + 24], 4096, &f[at + 24 + 4096]);
    if (!pt) return std::nullopt;
    out.insert(out.end(), pt->begin(), pt->end());
  }
  out.resize(size);
  return out;
}

TEST(FormatTest, FilesWrittenByEncryptedFileMatchTheDocument) {
  TempDir dir;
  Key key = TestKey(1);
  std::mt19937_64 rng(11);
  auto data = RandomBytes(rng, 3 * 4096 + 1000);
  {
    auto f = CreateEncrypted(key, dir.Join("f"));
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->Write(0, data).ok());
    // A second instance (a second session) rewrites part of chunk 1.
    f.reset();
    f = OpenEncrypted(key, dir.Join("f"));
    ASSERT_TRUE(f);
    std::vector<uint8_t> patch(10, 0xEE);
    ASSERT_TRUE(f->Write(5000, patch).ok());
    std::copy(patch.begin(), patch.end(), data.begin() + 5000);
  }
  auto host = ReadHostFile(dir.Join("f"));
  EXPECT_EQ(host.size(), 80u + 4 * 4136);
  auto got = SpecRead(key, host);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, data);
  // Record 1 was re-sealed by the second session, record 0 was not.
  EXPECT_FALSE(std::equal(&host[80], &host[80 + 16], &host[80 + 4136]));
}

TEST(FormatTest, FilesWrittenFromTheDocumentOpenInEncryptedFile) {
  TempDir dir;
  Key key = TestKey(2);
  std::mt19937_64 rng(12);
  const uint64_t size = 2 * 4096 + 17;
  auto data = RandomBytes(rng, size);
  std::vector<uint8_t> file_id(16), session(16);
  for (int i = 0; i < 16; ++i) file_id[i] = static_cast<uint8_t>(i + 1);
  for (int i = 0; i < 16; ++i) session[i] = static_cast<uint8_t>(0x80 + i);
  auto skey = SpecSessionKey(key, file_id.data(), session.data());

  std::vector<uint8_t> f(80 + 3 * 4136);
  std::copy_n("HGENCRYP", 8, f.begin());
  PutLe(&f[8], 1, 4);
  PutLe(&f[12], 4096, 4);
  std::copy(file_id.begin(), file_id.end(), f.begin() + 16);
  std::copy(session.begin(), session.end(), f.begin() + 32);
  uint64_t counter = 1000;
  for (uint64_t i = 0; i < 3; ++i) {
    std::vector<uint8_t> pt(4096, 0);
    std::copy(data.begin() + i * 4096, data.begin() + std::min<uint64_t>(size, (i + 1) * 4096),
              pt.begin());
    uint8_t* rec = &f[80 + i * 4136];
    std::copy(session.begin(), session.end(), rec);
    PutLe(rec + 16, counter, 8);
    SpecSeal(skey, SpecNonce(i, counter), ChunkAadBytes(file_id.data(), i), pt.data(), 4096,
             rec + 24, rec + 24 + 4096);
    ++counter;
  }
  PutLe(&f[48], counter, 8);
  uint8_t size_le[8];
  PutLe(size_le, size, 8);
  SpecSeal(skey, SpecNonce((uint64_t{1} << 48) - 1, counter),
           std::vector<uint8_t>(f.begin(), f.begin() + 56), size_le, 8, &f[56], &f[64]);
  WriteHostFile(dir.Join("f"), f);

  auto ef = OpenEncrypted(key, dir.Join("f"));
  ASSERT_TRUE(ef);
  EXPECT_EQ(*ef->Size(), size);
  EXPECT_EQ(ReadAll(*ef, 0, size + 10), data);
  // And the library keeps writing to it compatibly.
  std::vector<uint8_t> patch(100, 0x42);
  ASSERT_TRUE(ef->Write(4090, patch).ok());
  std::copy(patch.begin(), patch.end(), data.begin() + 4090);
  ef.reset();
  auto again = SpecRead(key, ReadHostFile(dir.Join("f")));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, data);
}

}  // namespace
}  // namespace hg::encrypted
