// File I/O messages: OpenAt (7), OpenCreateAt (8), Close (9), FSync (10),
// PWrite (11), PRead (12), FAllocate (18), Flush (20).
//
//   // Server: PWrite data is a view into the (private copy of the) request.
//   Decoded<PWriteReq> req = PWriteReq::Decode(payload);
//   ssize_t n = pwrite(fd, req->data.data(), req->data.size(), req->offset);
//
//   // Client: the PRead payload is a view; copy it where the caller wants it.
//   Decoded<PReadResp> resp = PReadResp::Decode(payload, /*max_bytes=*/req.count);
//
// Layouts: ../../../shared/reference/lisafs-protocol.md §5.1.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_IO_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_IO_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/create_common.h"
#include "gofer/wire/errors.h"
#include "gofer/wire/messages_session.h"
#include "gofer/wire/statx.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

struct OpenAtReq {
  static constexpr size_t kSize = 16;  // includes 4 bytes of padding at 12
  FDID fd = kInvalidFDID;              // control FD to open
  uint32_t flags = 0;                  // open(2) flags; handler reduces to O_ACCMODE|O_TRUNC

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, fd);
      StoreU32(p + 8, flags);
      StoreU32(p + 12, 0);
    }
  }
  static Decoded<OpenAtReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return OpenAtReq{LoadU64(src.data()), LoadU32(src.data() + 8)};
  }
  friend bool operator==(const OpenAtReq&, const OpenAtReq&) = default;
};

struct OpenAtResp {
  static constexpr size_t kSize = 8;
  FDID open_fd = kInvalidFDID;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U64(open_fd); }
  static Decoded<OpenAtResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return OpenAtResp{LoadU64(src.data())};
  }
  friend bool operator==(const OpenAtResp&, const OpenAtResp&) = default;
};

struct OpenCreateAtReq {
  FDID dir_fd = kInvalidFDID;
  UID uid = kNoUID;
  GID gid = kNoGID;
  uint16_t mode = 0;
  uint32_t flags = 0;
  std::string_view name;

  size_t EncodedSize() const { return kCreateCommonSize + 4 + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<OpenCreateAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const OpenCreateAtReq&, const OpenCreateAtReq&) = default;
};

struct OpenCreateAtResp {
  static constexpr size_t kSize = Inode::kSize + 8;  // 160
  Inode child;
  FDID new_fd = kInvalidFDID;  // open FD on the new file

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      child.StoreTo(p);
      StoreU64(p + Inode::kSize, new_fd);
    }
  }
  static Decoded<OpenCreateAtResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return OpenCreateAtResp{Inode::LoadFrom(src.data()), LoadU64(src.data() + Inode::kSize)};
  }
  friend bool operator==(const OpenCreateAtResp&, const OpenCreateAtResp&) = default;
};

// FdArray (u16 count + count x u64, unaligned from offset 2).
struct CloseReq {
  std::vector<FDID> fds;

  size_t EncodedSize() const { return 2 + 8 * fds.size(); }
  void EncodeTo(Writer& w) const;
  static Decoded<CloseReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const CloseReq&, const CloseReq&) = default;
};
struct CloseResp : EmptyMessage<CloseResp> {};

struct FsyncReq {
  std::vector<FDID> fds;

  size_t EncodedSize() const { return 2 + 8 * fds.size(); }
  void EncodeTo(Writer& w) const;
  static Decoded<FsyncReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const FsyncReq&, const FsyncReq&) = default;
};
struct FsyncResp : EmptyMessage<FsyncResp> {};

// u64 Offset, u64 FD, u32 NumBytes, NumBytes bytes. NumBytes is data.size().
struct PWriteReq {
  static constexpr size_t kHeaderSize = 20;
  uint64_t offset = 0;
  FDID fd = kInvalidFDID;
  std::span<const uint8_t> data;  // view: never copied on decode

  size_t EncodedSize() const { return kHeaderSize + data.size(); }
  void EncodeTo(Writer& w) const;
  static Decoded<PWriteReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const PWriteReq& a, const PWriteReq& b) {
    return a.offset == b.offset && a.fd == b.fd && std::ranges::equal(a.data, b.data);
  }
};

struct PWriteResp {
  static constexpr size_t kSize = 8;
  uint64_t count = 0;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U64(count); }
  static Decoded<PWriteResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return PWriteResp{LoadU64(src.data())};
  }
  friend bool operator==(const PWriteResp&, const PWriteResp&) = default;
};

struct PReadReq {
  static constexpr size_t kSize = 24;  // includes 4 bytes of padding at 20
  uint64_t offset = 0;
  FDID fd = kInvalidFDID;
  uint32_t count = 0;  // bytes wanted; the handler bounds it (ENOBUFS)

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, offset);
      StoreU64(p + 8, fd);
      StoreU32(p + 16, count);
      StoreU32(p + 20, 0);
    }
  }
  static Decoded<PReadReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    const uint8_t* p = src.data();
    return PReadReq{LoadU64(p), LoadU64(p + 8), LoadU32(p + 16)};
  }
  friend bool operator==(const PReadReq&, const PReadReq&) = default;
};

// u64 NumBytes, NumBytes bytes. Servers fill it in place with PReadRespBuilder.
struct PReadResp {
  static constexpr size_t kHeaderSize = 8;
  std::span<const uint8_t> data;  // view into the payload

  size_t EncodedSize() const { return kHeaderSize + data.size(); }
  void EncodeTo(Writer& w) const {
    w.U64(data.size());
    w.Bytes(data);
  }
  // max_bytes: the receiver's buffer (the Count it asked for). NumBytes above it
  // is rejected with kLimitExceeded, as gVisor's client does. NumBytes is
  // compared as a full u64 (gVisor truncates it to u32 first: stricter).
  static Decoded<PReadResp> Decode(std::span<const uint8_t> src,
                                   uint64_t max_bytes = UINT64_MAX);
  friend bool operator==(const PReadResp& a, const PReadResp& b) {
    return std::ranges::equal(a.data, b.data);
  }
};

struct FAllocateReq {
  static constexpr size_t kSize = 32;
  FDID fd = kInvalidFDID;
  uint64_t mode = 0;  // fallocate(2) mode; the seccomp policy may allow only 0
  uint64_t offset = 0;
  uint64_t length = 0;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, fd);
      StoreU64(p + 8, mode);
      StoreU64(p + 16, offset);
      StoreU64(p + 24, length);
    }
  }
  static Decoded<FAllocateReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    const uint8_t* p = src.data();
    return FAllocateReq{LoadU64(p), LoadU64(p + 8), LoadU64(p + 16), LoadU64(p + 24)};
  }
  friend bool operator==(const FAllocateReq&, const FAllocateReq&) = default;
};
struct FAllocateResp : EmptyMessage<FAllocateResp> {};

struct FlushReq {
  static constexpr size_t kSize = 8;
  FDID fd = kInvalidFDID;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U64(fd); }
  static Decoded<FlushReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return FlushReq{LoadU64(src.data())};
  }
  friend bool operator==(const FlushReq&, const FlushReq&) = default;
};
struct FlushResp : EmptyMessage<FlushResp> {};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_IO_H_
