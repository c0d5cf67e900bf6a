// Walk (5) and WalkStat (6). Both take a WalkReq.
//
//   Decoded<WalkReq> req = WalkReq::Decode(payload);
//   for (std::string_view c : req->path) {
//     HG_ASSIGN_OR_RETURN(auto name, path_walk::Name::Make(c));   // handler's job
//   }
//
// The decoder checks structure only. Names may legitimately be empty here
// (WalkStat's leading "" means "stat DirFD itself"), so "", ".", "..", '/' and
// NUL are the handlers' business (path_walk::Name), not the decoder's.
// Semantics: ../../../shared/reference/lisafs-protocol.md §6.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_WALK_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_WALK_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "gofer/wire/errors.h"
#include "gofer/wire/statx.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

struct WalkReq {
  FDID dir_fd = kInvalidFDID;
  // Views into the payload. The count is bounded by the payload (each entry
  // takes at least 2 bytes), not by a component limit: that is the handler's.
  std::vector<std::string_view> path;

  size_t EncodedSize() const { return 8 + StringArraySize(path); }
  void EncodeTo(Writer& w) const;
  static Decoded<WalkReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const WalkReq&, const WalkReq&) = default;
};

// u8 status, u16 count, count x 152-byte Inode (unaligned, from offset 3).
// Servers building it in place use WalkRespBuilder (builders.h).
struct WalkResp {
  static constexpr size_t kHeaderSize = 3;
  WalkStatus status = WalkStatus::kSuccess;
  std::vector<Inode> inodes;

  size_t EncodedSize() const { return kHeaderSize + Inode::kSize * inodes.size(); }
  void EncodeTo(Writer& w) const;
  static Decoded<WalkResp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const WalkResp&, const WalkResp&) = default;
};

// u16 count, count x 144-byte Statx. No status: the client infers it from the count.
struct WalkStatResp {
  static constexpr size_t kHeaderSize = 2;
  std::vector<Statx> stats;

  size_t EncodedSize() const { return kHeaderSize + Statx::kSize * stats.size(); }
  void EncodeTo(Writer& w) const;
  static Decoded<WalkStatResp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const WalkStatResp&, const WalkStatResp&) = default;
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_WALK_H_
