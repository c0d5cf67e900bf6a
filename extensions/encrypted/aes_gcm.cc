#include "extensions/encrypted/aes_gcm.h"

#include <openssl/crypto.h>

#include <climits>
#include <utility>

namespace hg::encrypted {

Result<AesGcm> AesGcm::Create(std::span<const uint8_t, kAesKeySize> key) {
  Ctx seal(EVP_CIPHER_CTX_new());
  Ctx open(EVP_CIPHER_CTX_new());
  if (!seal || !open) return Errno(EIO);
  // 12-byte nonces are GCM's default IV length, so no SET_IVLEN is needed.
  if (EVP_EncryptInit_ex(seal.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr) != 1 ||
      EVP_DecryptInit_ex(open.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_get_iv_length(seal.get()) != static_cast<int>(kGcmNonceSize)) {
    return Errno(EIO);
  }
  return AesGcm(std::move(seal), std::move(open));
}

Status AesGcm::Seal(std::span<const uint8_t, kGcmNonceSize> nonce, std::span<const uint8_t> aad,
                    std::span<const uint8_t> plaintext, std::span<uint8_t> ciphertext,
                    std::span<uint8_t, kGcmTagSize> tag) {
  if (ciphertext.size() != plaintext.size() || plaintext.size() > INT_MAX || aad.size() > INT_MAX) {
    return Errno(EINVAL);
  }
  EVP_CIPHER_CTX* c = seal_.get();
  int len = 0;
  // Key NULL keeps the expanded key; only the nonce changes.
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1) return Errno(EIO);
  if (!aad.empty() &&
      EVP_EncryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return Errno(EIO);
  }
  if (!plaintext.empty() && EVP_EncryptUpdate(c, ciphertext.data(), &len, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return Errno(EIO);
  }
  if (EVP_EncryptFinal_ex(c, ciphertext.data() + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize), tag.data()) !=
          1) {
    return Errno(EIO);
  }
  return Status::Ok();
}

Status AesGcm::Open(std::span<const uint8_t, kGcmNonceSize> nonce, std::span<const uint8_t> aad,
                    std::span<const uint8_t> ciphertext, std::span<const uint8_t, kGcmTagSize> tag,
                    std::span<uint8_t> plaintext) {
  if (ciphertext.size() != plaintext.size() || ciphertext.size() > INT_MAX ||
      aad.size() > INT_MAX) {
    return Errno(EINVAL);
  }
  EVP_CIPHER_CTX* c = open_.get();
  int len = 0;
  bool ok = EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) == 1;
  ok = ok && (aad.empty() ||
              EVP_DecryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1);
  ok = ok && (ciphertext.empty() || EVP_DecryptUpdate(c, plaintext.data(), &len, ciphertext.data(),
                                                      static_cast<int>(ciphertext.size())) == 1);
  // SET_TAG takes a non-const pointer but only reads the tag.
  ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize),
                                 const_cast<uint8_t*>(tag.data())) == 1;
  ok = ok && EVP_DecryptFinal_ex(c, plaintext.data() + plaintext.size(), &len) == 1;
  if (!ok) {
    if (!plaintext.empty()) OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Errno(EIO);
  }
  return Status::Ok();
}

}  // namespace hg::encrypted
