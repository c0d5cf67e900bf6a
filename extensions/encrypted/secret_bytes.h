// Fixed-size secret bytes that are wiped when they die.
//
//   SecretBytes<32> k;
//   HG_RETURN_IF_ERROR(DeriveKey(master.bytes(), info, k.span()));
//   ... use k.span() ...                 // OPENSSL_cleanse'd when k goes away
//
// Key material lives only in these (and inside OpenSSL contexts, which OpenSSL
// wipes when they are freed). A plain std::array would leave the key in freed
// memory or a dead stack frame, where a later memory disclosure — a core dump,
// an over-read in another component — would find it. Moving wipes the source
// for the same reason; copying is deleted so no second copy appears by accident.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_SECRET_BYTES_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_SECRET_BYTES_H_

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hg::encrypted {

template <size_t N>
class SecretBytes {
 public:
  SecretBytes() = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : bytes_(o.bytes_) { o.Wipe(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      bytes_ = o.bytes_;
      o.Wipe();
    }
    return *this;
  }
  ~SecretBytes() { Wipe(); }

  std::span<uint8_t, N> span() { return bytes_; }
  std::span<const uint8_t, N> span() const { return bytes_; }

  // OPENSSL_cleanse, unlike memset, is not removed by the optimiser as a dead
  // store before the object's lifetime ends.
  void Wipe() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

 private:
  std::array<uint8_t, N> bytes_{};
};

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_SECRET_BYTES_H_
