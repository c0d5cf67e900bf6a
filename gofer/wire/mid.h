// LisaFS message IDs (pkg/lisafs/message.go), and their names.
//
//   if (!IsKnownMid(hdr.raw_mid)) return ErrorResp{EOPNOTSUPP};
//   MID m = static_cast<MID>(hdr.raw_mid);
//   LOG << MidName(m);                       // "WalkStat"
//
// The numbers are the protocol: gVisor's client sends them unchanged, so they
// must never be renumbered. 0..255 are reserved for standard LisaFS; larger
// values belong to proprietary extensions (pkg/lisafs/README.md), so a MID value
// outside this enum is well-formed on the wire and merely unsupported.
#ifndef HARDGOFER_GOFER_WIRE_MID_H_
#define HARDGOFER_GOFER_WIRE_MID_H_

#include <cstdint>
#include <string_view>

namespace hg::wire {

enum class MID : uint16_t {
  kError = 0,  // response only: u32 errno
  kMount = 1,
  kChannel = 2,
  kFStat = 3,
  kSetStat = 4,
  kWalk = 5,
  kWalkStat = 6,
  kOpenAt = 7,
  kOpenCreateAt = 8,
  kClose = 9,
  kFSync = 10,
  kPWrite = 11,
  kPRead = 12,
  kMkdirAt = 13,
  kMknodAt = 14,
  kSymlinkAt = 15,
  kLinkAt = 16,
  kFStatFS = 17,
  kFAllocate = 18,
  kReadLinkAt = 19,
  kFlush = 20,
  kConnect = 21,
  kUnlinkAt = 22,
  kRenameAt = 23,
  kGetdents64 = 24,
  kFGetXattr = 25,
  kFSetXattr = 26,
  kFListXattr = 27,
  kFRemoveXattr = 28,
  kBindAt = 29,
  kListen = 30,
  kAccept = 31,
  kConnectWithCreds = 32,
  kRenameAt2 = 33,
};

// Number of standard message IDs (0..33).
inline constexpr uint16_t kNumMids = 34;

constexpr bool IsKnownMid(uint16_t raw) { return raw < kNumMids; }
constexpr bool IsKnownMid(MID m) { return IsKnownMid(static_cast<uint16_t>(m)); }
constexpr uint16_t ToRaw(MID m) { return static_cast<uint16_t>(m); }

// gVisor's name for the MID ("Error", "Mount", ..., "RenameAt2"); "Unknown"
// for values outside 0..33.
std::string_view MidName(MID m);

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MID_H_
