// AES-256-GCM through OpenSSL EVP, with the key schedule kept for many
// operations under one key.
//
//   HG_ASSIGN_OR_RETURN(AesGcm gcm, AesGcm::Create(key.span()));
//   HG_RETURN_IF_ERROR(gcm.Seal(nonce, aad, plaintext, ciphertext, tag));
//   Status s = gcm.Open(nonce, aad, ciphertext, tag, plaintext);  // EIO if forged
//
// The caller owns nonce uniqueness: sealing two different messages under one
// key with one nonce reveals their XOR and GCM's authentication key, after which
// anyone can forge. format.h says how this extension makes nonces unique.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_AES_GCM_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_AES_GCM_H_

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"

namespace hg::encrypted {

inline constexpr size_t kAesKeySize = 32;
inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;

class AesGcm {
 public:
  // EIO only if OpenSSL cannot set up the contexts.
  static Result<AesGcm> Create(std::span<const uint8_t, kAesKeySize> key);

  AesGcm(AesGcm&&) noexcept = default;
  AesGcm& operator=(AesGcm&&) noexcept = default;

  // Encrypts `plaintext` into `ciphertext` (same size) and writes the tag.
  // Plaintext and ciphertext may be the same buffer or not overlap at all.
  Status Seal(std::span<const uint8_t, kGcmNonceSize> nonce, std::span<const uint8_t> aad,
              std::span<const uint8_t> plaintext, std::span<uint8_t> ciphertext,
              std::span<uint8_t, kGcmTagSize> tag);

  // Decrypts and verifies. On any mismatch (ciphertext, tag, nonce, aad or key)
  // returns EIO and wipes `plaintext`: GCM decrypts before it verifies, and
  // unauthenticated plaintext must never reach a caller.
  Status Open(std::span<const uint8_t, kGcmNonceSize> nonce, std::span<const uint8_t> aad,
              std::span<const uint8_t> ciphertext, std::span<const uint8_t, kGcmTagSize> tag,
              std::span<uint8_t> plaintext);

 private:
  struct CtxFree {
    // EVP_CIPHER_CTX_free wipes the key schedule before freeing it.
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
  AesGcm(Ctx seal, Ctx open) : seal_(std::move(seal)), open_(std::move(open)) {}

  Ctx seal_;  // key set once; each Seal only sets a new nonce
  Ctx open_;
};

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_AES_GCM_H_
