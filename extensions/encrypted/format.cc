#include "extensions/encrypted/format.h"

#include <algorithm>
#include <string_view>

#include "extensions/encrypted/hkdf.h"

namespace hg::encrypted {
namespace {

constexpr std::string_view kFileKeyLabel = "hardgofer encrypted v1 file key";
constexpr std::string_view kSessionKeyLabel = "hardgofer encrypted v1 session key";
constexpr std::array<uint8_t, 8> kChunkAadLabel = {'H', 'G', 'E', 'N', 'C', '1', 'C', 'K'};

Status DeriveWithLabel(std::span<const uint8_t, kAesKeySize> ikm, std::string_view label,
                       std::span<const uint8_t, 16> id, SecretBytes<kAesKeySize>& out) {
  std::array<uint8_t, 64> info{};
  std::copy(label.begin(), label.end(), info.begin());
  std::copy(id.begin(), id.end(), info.begin() + label.size());
  return DeriveKey(ikm, std::span(info.data(), label.size() + id.size()), out.span());
}

}  // namespace

void StoreLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}
void StoreLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t LoadLe32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{p[i]} << (8 * i);
  return v;
}

Nonce MakeNonce(uint64_t chunk_index, uint64_t counter) {
  Nonce n{};
  for (int i = 0; i < 6; ++i) {
    n[i] = static_cast<uint8_t>(chunk_index >> (8 * i));
    n[6 + i] = static_cast<uint8_t>(counter >> (8 * i));
  }
  return n;
}

std::array<uint8_t, kChunkAadSize> ChunkAad(const FileId& file_id, uint64_t index) {
  std::array<uint8_t, kChunkAadSize> aad{};
  std::copy(kChunkAadLabel.begin(), kChunkAadLabel.end(), aad.begin());
  std::copy(file_id.begin(), file_id.end(), aad.begin() + 8);
  StoreLe64(aad.data() + 24, index);
  return aad;
}

Status DeriveFileKey(std::span<const uint8_t, kAesKeySize> master, const FileId& file_id,
                     SecretBytes<kAesKeySize>& out) {
  return DeriveWithLabel(master, kFileKeyLabel, file_id, out);
}

Status DeriveSessionKey(std::span<const uint8_t, kAesKeySize> file_key, const SessionId& session_id,
                        SecretBytes<kAesKeySize>& out) {
  return DeriveWithLabel(file_key, kSessionKeyLabel, session_id, out);
}

}  // namespace hg::encrypted
