// HKDF-SHA256 (RFC 5869) with an empty salt: derives independent subkeys from
// one uniformly random key.
//
//   SecretBytes<32> file_key;
//   HG_RETURN_IF_ERROR(DeriveKey(master.bytes(), info, file_key.span()));
//
// The salt is empty on purpose: the input key is already uniformly random
// (32 bytes from the operator's key file or from a previous derivation), so the
// extract step needs no salt; all separation comes from `info`, which must be
// unique per purpose — two purposes sharing an info string would share a key.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_HKDF_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_HKDF_H_

#include <cstdint>
#include <span>

#include "base/result.h"

namespace hg::encrypted {

// Fills `out` (1..8160 bytes) with HKDF-SHA256(salt = "", ikm, info).
// Fails with EIO only if OpenSSL fails.
Status DeriveKey(std::span<const uint8_t> ikm, std::span<const uint8_t> info,
                 std::span<uint8_t> out);

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_HKDF_H_
