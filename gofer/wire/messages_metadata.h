// Metadata messages: FStat (3, answered by a bare Statx), SetStat (4),
// FStatFS (17, answered by StatFS) and ReadLinkAt (19).
//
//   Decoded<SetStatReq> req = SetStatReq::Decode(payload);
//   if (req.ok() && (req->mask & ~kAllowedMask)) return Errno(EPERM);  // handler's rule
//
// Layouts: ../../../shared/reference/lisafs-protocol.md §5.1.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_METADATA_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_METADATA_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/errors.h"
#include "gofer/wire/statx.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

// FStat request; the response is a Statx (statx.h). FD: control or open FD.
struct StatReq {
  static constexpr size_t kSize = 8;
  FDID fd = kInvalidFDID;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U64(fd); }
  static Decoded<StatReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return StatReq{LoadU64(src.data())};
  }
  friend bool operator==(const StatReq&, const StatReq&) = default;
};

struct SetStatReq {
  static constexpr size_t kSize = 64;
  FDID fd = kInvalidFDID;
  uint32_t mask = 0;  // STATX_MODE|UID|GID|SIZE|ATIME|MTIME subset; handler checks
  uint32_t mode = 0;
  UID uid = kNoUID;
  GID gid = kNoGID;
  uint64_t size = 0;
  Timespec atime;
  Timespec mtime;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, fd);
      StoreU32(p + 8, mask);
      StoreU32(p + 12, mode);
      StoreU32(p + 16, uid);
      StoreU32(p + 20, gid);
      StoreU64(p + 24, size);
      StoreI64(p + 32, atime.sec);
      StoreI64(p + 40, atime.nsec);
      StoreI64(p + 48, mtime.sec);
      StoreI64(p + 56, mtime.nsec);
    }
  }
  static Decoded<SetStatReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    const uint8_t* p = src.data();
    return SetStatReq{LoadU64(p),          LoadU32(p + 8),
                      LoadU32(p + 12),     LoadU32(p + 16),
                      LoadU32(p + 20),     LoadU64(p + 24),
                      {LoadI64(p + 32), LoadI64(p + 40)},
                      {LoadI64(p + 48), LoadI64(p + 56)}};
  }
  friend bool operator==(const SetStatReq&, const SetStatReq&) = default;
};

// Which of the requested changes failed, and one of their errnos. Partial
// failure is not an RPC error.
struct SetStatResp {
  static constexpr size_t kSize = 8;
  uint32_t failure_mask = 0;
  uint32_t failure_errno = 0;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU32(p, failure_mask);
      StoreU32(p + 4, failure_errno);
    }
  }
  static Decoded<SetStatResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return SetStatResp{LoadU32(src.data()), LoadU32(src.data() + 4)};
  }
  friend bool operator==(const SetStatResp&, const SetStatResp&) = default;
};

struct FStatFSReq {
  static constexpr size_t kSize = 8;
  FDID fd = kInvalidFDID;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U64(fd); }
  static Decoded<FStatFSReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return FStatFSReq{LoadU64(src.data())};
  }
  friend bool operator==(const FStatFSReq&, const FStatFSReq&) = default;
};

// FStatFS response.
struct StatFS {
  static constexpr size_t kSize = 64;
  uint64_t type = 0;
  int64_t block_size = 0;
  uint64_t blocks = 0;
  uint64_t blocks_free = 0;
  uint64_t blocks_available = 0;
  uint64_t files = 0;
  uint64_t files_free = 0;
  uint64_t name_length = 0;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, type);
      StoreI64(p + 8, block_size);
      StoreU64(p + 16, blocks);
      StoreU64(p + 24, blocks_free);
      StoreU64(p + 32, blocks_available);
      StoreU64(p + 40, files);
      StoreU64(p + 48, files_free);
      StoreU64(p + 56, name_length);
    }
  }
  static Decoded<StatFS> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    const uint8_t* p = src.data();
    return StatFS{LoadU64(p),      LoadI64(p + 8),  LoadU64(p + 16), LoadU64(p + 24),
                  LoadU64(p + 32), LoadU64(p + 40), LoadU64(p + 48), LoadU64(p + 56)};
  }
  friend bool operator==(const StatFS&, const StatFS&) = default;
};

struct ReadLinkAtReq {
  static constexpr size_t kSize = 8;
  FDID fd = kInvalidFDID;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U64(fd); }
  static Decoded<ReadLinkAtReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return ReadLinkAtReq{LoadU64(src.data())};
  }
  friend bool operator==(const ReadLinkAtReq&, const ReadLinkAtReq&) = default;
};

struct ReadLinkAtResp {
  std::string_view target;  // view into the payload; opaque bytes

  size_t EncodedSize() const { return SizedStringSize(target); }
  void EncodeTo(Writer& w) const { w.SizedString(target); }
  static Decoded<ReadLinkAtResp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const ReadLinkAtResp&, const ReadLinkAtResp&) = default;
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_METADATA_H_
