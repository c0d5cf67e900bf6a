// Directory-tree messages: MkdirAt (13), MknodAt (14), SymlinkAt (15),
// LinkAt (16), UnlinkAt (22), RenameAt (23), Getdents64 (24), RenameAt2 (33).
//
//   Decoded<RenameAt2Req> req = RenameAt2Req::Decode(payload);
//   // req->old_name / new_name are unchecked bytes: validate with path_walk::Name.
//
// Names are opaque views into the payload and may be empty on the wire (the
// golden vectors include an empty MkdirAt name, which gVisor's server rejects
// with EINVAL in the handler, not the decoder).
// Layouts: ../../../shared/reference/lisafs-protocol.md §0.4, §5.1.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_DIR_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_DIR_H_

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

struct MkdirAtReq {
  FDID dir_fd = kInvalidFDID;
  UID uid = kNoUID;
  GID gid = kNoGID;
  uint16_t mode = 0;
  std::string_view name;

  size_t EncodedSize() const { return kCreateCommonSize + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<MkdirAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const MkdirAtReq&, const MkdirAtReq&) = default;
};

// MkdirAt/MknodAt/SymlinkAt/LinkAt responses are each one Inode (152 bytes);
// distinct types so a variant tells them apart, members named as in gVisor.
struct MkdirAtResp {
  static constexpr size_t kSize = Inode::kSize;
  Inode child_dir;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { child_dir.EncodeTo(w); }
  static Decoded<MkdirAtResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return MkdirAtResp{Inode::LoadFrom(src.data())};
  }
  friend bool operator==(const MkdirAtResp&, const MkdirAtResp&) = default;
};

struct MknodAtReq {
  FDID dir_fd = kInvalidFDID;
  UID uid = kNoUID;
  GID gid = kNoGID;
  uint16_t mode = 0;
  uint32_t minor = 0;
  uint32_t major = 0;
  std::string_view name;

  size_t EncodedSize() const { return kCreateCommonSize + 8 + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<MknodAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const MknodAtReq&, const MknodAtReq&) = default;
};

struct MknodAtResp {
  static constexpr size_t kSize = Inode::kSize;
  Inode child;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { child.EncodeTo(w); }
  static Decoded<MknodAtResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return MknodAtResp{Inode::LoadFrom(src.data())};
  }
  friend bool operator==(const MknodAtResp&, const MknodAtResp&) = default;
};

// No createCommon here: u64 DirFD, u32 UID, u32 GID, Name, Target (no mode).
struct SymlinkAtReq {
  FDID dir_fd = kInvalidFDID;
  UID uid = kNoUID;
  GID gid = kNoGID;
  std::string_view name;
  std::string_view target;

  size_t EncodedSize() const { return 16 + SizedStringSize(name) + SizedStringSize(target); }
  void EncodeTo(Writer& w) const;
  static Decoded<SymlinkAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const SymlinkAtReq&, const SymlinkAtReq&) = default;
};

struct SymlinkAtResp {
  static constexpr size_t kSize = Inode::kSize;
  Inode symlink;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { symlink.EncodeTo(w); }
  static Decoded<SymlinkAtResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return SymlinkAtResp{Inode::LoadFrom(src.data())};
  }
  friend bool operator==(const SymlinkAtResp&, const SymlinkAtResp&) = default;
};

struct LinkAtReq {
  FDID dir_fd = kInvalidFDID;
  FDID target = kInvalidFDID;  // control FD of the existing file
  std::string_view name;

  size_t EncodedSize() const { return 16 + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<LinkAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const LinkAtReq&, const LinkAtReq&) = default;
};

struct LinkAtResp {
  static constexpr size_t kSize = Inode::kSize;
  Inode link;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { link.EncodeTo(w); }
  static Decoded<LinkAtResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return LinkAtResp{Inode::LoadFrom(src.data())};
  }
  friend bool operator==(const LinkAtResp&, const LinkAtResp&) = default;
};

struct UnlinkAtReq {
  FDID dir_fd = kInvalidFDID;
  uint32_t flags = 0;  // unlinkat(2) flags (AT_REMOVEDIR)
  std::string_view name;

  size_t EncodedSize() const { return 12 + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<UnlinkAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const UnlinkAtReq&, const UnlinkAtReq&) = default;
};
struct UnlinkAtResp : EmptyMessage<UnlinkAtResp> {};

struct RenameAtReq {
  FDID old_dir = kInvalidFDID;
  FDID new_dir = kInvalidFDID;
  std::string_view old_name;
  std::string_view new_name;

  size_t EncodedSize() const {
    return 16 + SizedStringSize(old_name) + SizedStringSize(new_name);
  }
  void EncodeTo(Writer& w) const;
  static Decoded<RenameAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const RenameAtReq&, const RenameAtReq&) = default;
};
// Also the response to RenameAt2.
struct RenameAtResp : EmptyMessage<RenameAtResp> {};

// RenameAtReq's layout followed by u32 renameat2(2) flags.
struct RenameAt2Req {
  FDID old_dir = kInvalidFDID;
  FDID new_dir = kInvalidFDID;
  std::string_view old_name;
  std::string_view new_name;
  uint32_t flags = 0;

  size_t EncodedSize() const {
    return 16 + SizedStringSize(old_name) + SizedStringSize(new_name) + 4;
  }
  void EncodeTo(Writer& w) const;
  static Decoded<RenameAt2Req> Decode(std::span<const uint8_t> src);
  friend bool operator==(const RenameAt2Req&, const RenameAt2Req&) = default;
};

struct Getdents64Req {
  static constexpr size_t kSize = 16;  // includes 4 bytes of padding at 12
  FDID dir_fd = kInvalidFDID;          // open FD on a directory
  // Bytes to read. Negative: seek to 0 first and read |count| (INT32_MIN has no
  // positive counterpart: the handler must bound it).
  int32_t count = 0;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, dir_fd);
      StoreI32(p + 8, count);
      StoreU32(p + 12, 0);
    }
  }
  static Decoded<Getdents64Req> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return Getdents64Req{LoadU64(src.data()), LoadI32(src.data() + 8)};
  }
  friend bool operator==(const Getdents64Req&, const Getdents64Req&) = default;
};

// 25 fixed bytes (no padding) then a SizedString name: 27 + len bytes.
struct Dirent64 {
  static constexpr size_t kFixedSize = 25;
  static constexpr size_t kMinSize = kFixedSize + 2;
  uint64_t ino = 0;
  uint32_t dev_minor = 0;
  uint32_t dev_major = 0;
  uint64_t off = 0;
  uint8_t type = 0;  // DT_*
  std::string_view name;

  size_t EncodedSize() const { return kFixedSize + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  friend bool operator==(const Dirent64&, const Dirent64&) = default;
};

// u16 count, then count packed Dirent64. Zero dirents = end of directory.
// Servers fill it in place with Getdents64RespBuilder (builders.h).
struct Getdents64Resp {
  static constexpr size_t kHeaderSize = 2;
  std::vector<Dirent64> dirents;

  size_t EncodedSize() const {
    size_t n = kHeaderSize;
    for (const Dirent64& d : dirents) n += d.EncodedSize();
    return n;
  }
  void EncodeTo(Writer& w) const;
  static Decoded<Getdents64Resp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const Getdents64Resp&, const Getdents64Resp&) = default;
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_DIR_H_
