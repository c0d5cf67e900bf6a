#include "extensions/encrypted/hkdf.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

namespace hg::encrypted {
namespace {

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

}  // namespace

Status DeriveKey(std::span<const uint8_t> ikm, std::span<const uint8_t> info,
                 std::span<uint8_t> out) {
  if (ikm.empty() || out.empty() || out.size() > size_t{255} * 32) return Errno(EINVAL);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  if (!ctx) return Errno(EIO);
  size_t len = out.size();
  // No EVP_PKEY_CTX_set1_hkdf_salt call: an absent salt is HashLen zero bytes,
  // exactly RFC 5869's "not provided".
  if (EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), ikm.data(), static_cast<int>(ikm.size())) <= 0 ||
      (!info.empty() &&
       EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), info.data(), static_cast<int>(info.size())) <= 0) ||
      EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0 || len != out.size()) {
    return Errno(EIO);
  }
  return Status::Ok();
}

}  // namespace hg::encrypted
