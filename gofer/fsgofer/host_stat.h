// Host stat results in LisaFS form.
//
//   HG_ASSIGN_OR_RETURN(wire::Statx st, StatxOfFd(open_fd.get()));   // FStat on an open FD
//   wire::Statx w = ToWireStatx(child.stat);                         // a path_walk Child
//
// LisaFS Statx is the first 144 bytes of the kernel's struct statx, filled
// as gVisor's fstatTo does: the mask the kernel answered for
// STATX_BASIC_STATS|STATX_BTIME, attributes left 0. path_walk also asks for
// STATX_MNT_ID (its no-crossing rule); that bit is not part of LisaFS and is
// masked out, or a client would believe a field it cannot see is valid.
#ifndef HARDGOFER_GOFER_FSGOFER_HOST_STAT_H_
#define HARDGOFER_GOFER_FSGOFER_HOST_STAT_H_

#include <sys/stat.h>

#include "base/result.h"
#include "gofer/wire/messages_metadata.h"
#include "gofer/wire/statx.h"

namespace hg::fsgofer {

inline constexpr unsigned kLisafsStatxMask = STATX_BASIC_STATS | STATX_BTIME;

wire::Statx ToWireStatx(const struct statx& st);
// statx(fd, "", AT_EMPTY_PATH) of any descriptor (O_PATH included).
Result<wire::Statx> StatxOfFd(int fd);
// fstatfs(2) of any descriptor (O_PATH included).
Result<wire::StatFS> StatFSOfFd(int fd);

// File types the stock gofer serves; block devices (and anything unknown)
// are refused with EPERM wherever they are met (gVisor checkSupportedFileType).
bool IsSupportedFileType(uint32_t mode);

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_HOST_STAT_H_
