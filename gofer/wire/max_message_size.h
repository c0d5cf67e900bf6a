// The largest LisaFS payload a connection carries (header excluded).
//
//   uint32_t max = MaxMessageSize();           // 0x1FF000 on 4 KiB-page hosts
//   if (hdr.payload_len > max) ...             // check before allocating
//
// gVisor (message.go: MaxMessageSize) returns HugePageSize - PageSize, so that a
// flipcall packet window of MaxMessageSize + 16 (flipcall header) + 4 (channel
// header) rounds up to exactly one huge page. It is compared against the
// payload length only (handleMsg, client SndRcvMessage), and the server
// advertises it in MountResp.MaxMessageSize.
//
// The huge page is the PMD size, which follows from the page size: a page
// table page holds page_size/8 eight-byte entries, so huge = page * page / 8.
//   4 KiB pages (amd64, arm64 4K):  2 MiB - 4 KiB   = 0x001FF000 (2 093 056)
//   64 KiB pages (arm64 64K):     512 MiB - 64 KiB  = 0x1FFF0000
// (gVisor's hostarch_arm64_64k.go: HugePageShift 29.) On a 64K kernel that is a
// 512 MiB window per channel; servers may advertise a smaller limit in Mount, and
// gVisor's client honours whatever the server advertises.
#ifndef HARDGOFER_GOFER_WIRE_MAX_MESSAGE_SIZE_H_
#define HARDGOFER_GOFER_WIRE_MAX_MESSAGE_SIZE_H_

#include <cstddef>
#include <cstdint>

namespace hg::wire {

constexpr uint32_t MaxMessageSizeForPageSize(size_t page_size) {
  return static_cast<uint32_t>(page_size * (page_size / 8) - page_size);
}
static_assert(MaxMessageSizeForPageSize(4096) == 0x1FF000);
static_assert(MaxMessageSizeForPageSize(65536) == 0x1FFF0000);

// For the running kernel's page size (sysconf(_SC_PAGESIZE), read once).
uint32_t MaxMessageSize();

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MAX_MESSAGE_SIZE_H_
