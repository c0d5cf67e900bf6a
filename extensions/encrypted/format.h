// The on-disk format of an encrypted file (version 1). docs/encryption-format.md
// describes it byte by byte; this header is the single place the code takes the
// numbers from, and format_test.cc re-implements a reader from the document alone
// to keep the two in step.
//
//   uint64_t host_len = OnDiskSizeFor(plaintext_size);   // for quotas, du, checks
//   uint64_t record_at = ChunkRecordOffset(chunk_index);
//
// Layout: [header: kHeaderSize bytes][record 0][record 1]...; record i holds
// plaintext bytes [i*kChunkSize, (i+1)*kChunkSize), the last one zero-padded.
// Every record is sealed with AES-256-GCM under a key derived from
// (master key, file id, session id) with nonce (chunk index, session counter);
// see EncryptedFile for why that nonce never repeats.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_FORMAT_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_FORMAT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "extensions/encrypted/aes_gcm.h"
#include "extensions/encrypted/secret_bytes.h"

namespace hg::encrypted {

// 4 KiB: the page size, so the common aligned 4 KiB application I/O touches
// exactly one chunk (no read-modify-write), while per-chunk overhead stays at
// ~1% (kRecordOverhead / kChunkSize) and a small random read decrypts little
// more than it returns. Larger chunks would cut overhead but make every small
// write re-encrypt more; smaller ones would double the per-op work for 4 KiB I/O.
inline constexpr uint64_t kChunkSize = 4096;

inline constexpr size_t kFileIdSize = 16;
inline constexpr size_t kSessionIdSize = 16;
using FileId = std::array<uint8_t, kFileIdSize>;
using SessionId = std::array<uint8_t, kSessionIdSize>;
using Nonce = std::array<uint8_t, kGcmNonceSize>;

inline constexpr std::array<uint8_t, 8> kMagic = {'H', 'G', 'E', 'N', 'C', 'R', 'Y', 'P'};
inline constexpr uint32_t kFormatVersion = 1;

// Header field offsets (all integers little-endian).
inline constexpr size_t kHeaderMagicAt = 0;       // 8 bytes
inline constexpr size_t kHeaderVersionAt = 8;     // u32
inline constexpr size_t kHeaderChunkSizeAt = 12;  // u32
inline constexpr size_t kHeaderFileIdAt = 16;     // 16 bytes
inline constexpr size_t kHeaderSessionAt = 32;    // 16 bytes
inline constexpr size_t kHeaderCounterAt = 48;    // u64, < 2^48
inline constexpr size_t kHeaderSizeCtAt = 56;     // 8 bytes: sealed u64 plaintext size
inline constexpr size_t kHeaderTagAt = 64;        // 16 bytes
inline constexpr size_t kHeaderSize = 80;
inline constexpr size_t kHeaderAadSize = kHeaderSizeCtAt;  // bytes [0, 56) are the AAD

// Chunk record field offsets.
inline constexpr size_t kRecordSessionAt = 0;   // 16 bytes
inline constexpr size_t kRecordCounterAt = 16;  // u64, < 2^48
inline constexpr size_t kRecordCiphertextAt = 24;
inline constexpr size_t kRecordTagAt = kRecordCiphertextAt + kChunkSize;
inline constexpr size_t kRecordSize = kRecordTagAt + kGcmTagSize;  // 4136
inline constexpr size_t kRecordOverhead = kRecordSize - kChunkSize;

// Counters and chunk indices are 48-bit: the nonce is index(6) || counter(6).
inline constexpr uint64_t kMaxCounter = (uint64_t{1} << 48) - 1;
// The header is sealed as if it were chunk 2^48-1, which no record can be.
inline constexpr uint64_t kHeaderChunkIndex = (uint64_t{1} << 48) - 1;
inline constexpr uint64_t kMaxChunks = kHeaderChunkIndex;  // indices 0 .. 2^48-2
// The largest plaintext size (just under 1 EiB); larger sizes fail with EFBIG.
inline constexpr uint64_t kMaxPlaintextSize = kMaxChunks * kChunkSize;

inline constexpr size_t kChunkAadSize = 32;

// Number of chunk records that hold `plaintext_size` bytes.
constexpr uint64_t ChunkCount(uint64_t plaintext_size) {
  return plaintext_size / kChunkSize + (plaintext_size % kChunkSize != 0 ? 1 : 0);
}
constexpr uint64_t ChunkRecordOffset(uint64_t index) { return kHeaderSize + index * kRecordSize; }

// The exact host file length of a file holding `plaintext_size` bytes
// (precondition: plaintext_size <= kMaxPlaintextSize).
constexpr uint64_t OnDiskSizeFor(uint64_t plaintext_size) {
  return ChunkRecordOffset(ChunkCount(plaintext_size));
}

// The most plaintext a host file of `on_disk_size` bytes can hold: whole
// records times kChunkSize. The exact size is only in the (sealed) header;
// this is the bound a host-side observer (or a quota) works with.
constexpr uint64_t PlaintextCapacityFor(uint64_t on_disk_size) {
  if (on_disk_size < kHeaderSize) return 0;
  return (on_disk_size - kHeaderSize) / kRecordSize * kChunkSize;
}

// Little-endian helpers for the fixed-width fields above.
void StoreLe64(uint8_t* p, uint64_t v);
uint64_t LoadLe64(const uint8_t* p);
void StoreLe32(uint8_t* p, uint32_t v);
uint32_t LoadLe32(const uint8_t* p);

// nonce = LE48(chunk index) || LE48(counter); both < 2^48.
Nonce MakeNonce(uint64_t chunk_index, uint64_t counter);

// AAD of chunk record `index`: "HGENC1CK" || file id || LE64(index). Binds the
// record to its file and position: a record moved to another index or file
// fails authentication.
std::array<uint8_t, kChunkAadSize> ChunkAad(const FileId& file_id, uint64_t index);

// file key    = HKDF-SHA256(master, "hardgofer encrypted v1 file key" || file id)
// session key = HKDF-SHA256(file key, "hardgofer encrypted v1 session key" || session id)
Status DeriveFileKey(std::span<const uint8_t, kAesKeySize> master, const FileId& file_id,
                     SecretBytes<kAesKeySize>& out);
Status DeriveSessionKey(std::span<const uint8_t, kAesKeySize> file_key, const SessionId& session_id,
                        SecretBytes<kAesKeySize>& out);

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_FORMAT_H_
