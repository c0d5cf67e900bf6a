// Scalar protocol types and sentinels shared by the LisaFS messages.
//
//   SetStatReq req{.fd = fd, .mask = STATX_MODE, .mode = 0644,
//                  .uid = kNoUID, .gid = kNoGID};        // "don't change owner"
//   if (resp.status == WalkStatus::kComponentSymlink) ... // client resolves it
#ifndef HARDGOFER_GOFER_WIRE_TYPES_H_
#define HARDGOFER_GOFER_WIRE_TYPES_H_

#include <cstdint>

namespace hg::wire {

// Per-connection handle the server hands out (pkg/lisafs/fd.go: FDID). Allocated
// from 1 upwards; 0 is never a valid FD, so a zeroed field cannot alias one.
using FDID = uint64_t;
inline constexpr FDID kInvalidFDID = 0;

using UID = uint32_t;
using GID = uint32_t;
// "Leave unchanged" in SetStat/create requests (message.go: NoUID, NoGID).
inline constexpr UID kNoUID = 0xFFFFFFFFu;
inline constexpr GID kNoGID = 0xFFFFFFFFu;

// WalkResp.Status (u8). The wire carries any byte value; the decoder keeps it
// as is (gVisor does too) and IsKnownWalkStatus tells a client whether to trust it.
enum class WalkStatus : uint8_t {
  kSuccess = 0,                 // every component was walked
  kComponentDoesNotExist = 1,   // stopped at a missing component (or deleted parent)
  kComponentSymlink = 2,        // last returned inode is a symlink, components remain
};
constexpr bool IsKnownWalkStatus(WalkStatus s) { return static_cast<uint8_t>(s) <= 2; }

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_TYPES_H_
