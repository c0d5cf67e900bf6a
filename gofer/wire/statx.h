// File metadata records shared by many messages: Statx (144 bytes, also the
// FStat response), Inode (FDID + Statx, 152 bytes) and Timespec (SetStat times).
//
//   Statx st = StatxFromKernel(kst);             // server side (not in this room)
//   Inode child{.control_fd = id, .stat = st};
//   resp.inodes.push_back(child);
//
// Statx is gVisor's "protocol-stable" copy of the first 144 bytes of Linux
// struct statx (pkg/lisafs/statx.go): 2 padding bytes after Mode, 4 after each
// timestamp's Nsec. Padding is written as zero and ignored on read.
#ifndef HARDGOFER_GOFER_WIRE_STATX_H_
#define HARDGOFER_GOFER_WIRE_STATX_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/errors.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

// {i64 Sec, u32 Nsec, 4 bytes padding}: the layout of struct statx_timestamp.
struct StatxTimestamp {
  int64_t sec = 0;
  uint32_t nsec = 0;
  friend bool operator==(const StatxTimestamp&, const StatxTimestamp&) = default;
};

struct Statx {
  static constexpr size_t kSize = 144;

  uint32_t mask = 0;  // STATX_* bits that are valid
  uint32_t blksize = 0;
  uint64_t attributes = 0;
  uint32_t nlink = 0;
  UID uid = 0;
  GID gid = 0;
  uint16_t mode = 0;  // file type and permission bits
  uint64_t ino = 0;
  uint64_t size = 0;
  uint64_t blocks = 0;
  uint64_t attributes_mask = 0;
  StatxTimestamp atime;
  StatxTimestamp btime;
  StatxTimestamp ctime;
  StatxTimestamp mtime;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;

  // Raw layout access for callers that have already bounds-checked kSize bytes.
  static Statx LoadFrom(const uint8_t* p);
  void StoreTo(uint8_t* p) const;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) StoreTo(p);
  }
  static Decoded<Statx> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return LoadFrom(src.data());
  }
  friend bool operator==(const Statx&, const Statx&) = default;
};

inline Statx Statx::LoadFrom(const uint8_t* p) {
  Statx s;
  s.mask = LoadU32(p + 0);
  s.blksize = LoadU32(p + 4);
  s.attributes = LoadU64(p + 8);
  s.nlink = LoadU32(p + 16);
  s.uid = LoadU32(p + 20);
  s.gid = LoadU32(p + 24);
  s.mode = LoadU16(p + 28);
  // 30..31 padding
  s.ino = LoadU64(p + 32);
  s.size = LoadU64(p + 40);
  s.blocks = LoadU64(p + 48);
  s.attributes_mask = LoadU64(p + 56);
  StatxTimestamp* ts[] = {&s.atime, &s.btime, &s.ctime, &s.mtime};
  for (int i = 0; i < 4; ++i) {
    ts[i]->sec = LoadI64(p + 64 + 16 * i);
    ts[i]->nsec = LoadU32(p + 72 + 16 * i);
    // 76 + 16 * i: 4 bytes padding
  }
  s.rdev_major = LoadU32(p + 128);
  s.rdev_minor = LoadU32(p + 132);
  s.dev_major = LoadU32(p + 136);
  s.dev_minor = LoadU32(p + 140);
  return s;
}

inline void Statx::StoreTo(uint8_t* p) const {
  StoreU32(p + 0, mask);
  StoreU32(p + 4, blksize);
  StoreU64(p + 8, attributes);
  StoreU32(p + 16, nlink);
  StoreU32(p + 20, uid);
  StoreU32(p + 24, gid);
  StoreU16(p + 28, mode);
  StoreU16(p + 30, 0);
  StoreU64(p + 32, ino);
  StoreU64(p + 40, size);
  StoreU64(p + 48, blocks);
  StoreU64(p + 56, attributes_mask);
  const StatxTimestamp* ts[] = {&atime, &btime, &ctime, &mtime};
  for (int i = 0; i < 4; ++i) {
    StoreI64(p + 64 + 16 * i, ts[i]->sec);
    StoreU32(p + 72 + 16 * i, ts[i]->nsec);
    StoreU32(p + 76 + 16 * i, 0);
  }
  StoreU32(p + 128, rdev_major);
  StoreU32(p + 132, rdev_minor);
  StoreU32(p + 136, dev_major);
  StoreU32(p + 140, dev_minor);
}

// A file the server just created a control FD for.
struct Inode {
  static constexpr size_t kSize = 8 + Statx::kSize;  // 152

  FDID control_fd = kInvalidFDID;
  Statx stat;

  static Inode LoadFrom(const uint8_t* p) { return {LoadU64(p), Statx::LoadFrom(p + 8)}; }
  void StoreTo(uint8_t* p) const {
    StoreU64(p, control_fd);
    stat.StoreTo(p + 8);
  }
  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) StoreTo(p);
  }
  static Decoded<Inode> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return LoadFrom(src.data());
  }
  friend bool operator==(const Inode&, const Inode&) = default;
};

// linux.Timespec {i64 Sec, i64 Nsec} (SetStatReq). Nsec may be UTIME_NOW/UTIME_OMIT.
struct Timespec {
  int64_t sec = 0;
  int64_t nsec = 0;
  friend bool operator==(const Timespec&, const Timespec&) = default;
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_STATX_H_
