// The 24-byte prefix of the create requests (gVisor's embedded createCommon):
// OpenCreateAtReq, MkdirAtReq, MknodAtReq and BindAtReq.
//
//   if (const uint8_t* p = r.Fixed(kCreateCommonSize)) LoadCreateCommon(p, &req);
//
//   0 u64 DirFD | 8 u32 UID | 12 u32 GID | 16 u16 Mode | 18..23 padding
//
// The fields are flattened into each request (req.dir_fd, req.uid, ...), the
// way Go code reaches them through the embedded struct.
#ifndef HARDGOFER_GOFER_WIRE_CREATE_COMMON_H_
#define HARDGOFER_GOFER_WIRE_CREATE_COMMON_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "gofer/wire/byte_order.h"

namespace hg::wire {

inline constexpr size_t kCreateCommonSize = 24;

template <typename M>
void LoadCreateCommon(const uint8_t* p, M* m) {
  m->dir_fd = LoadU64(p);
  m->uid = LoadU32(p + 8);
  m->gid = LoadU32(p + 12);
  m->mode = LoadU16(p + 16);
}

template <typename M>
void StoreCreateCommon(uint8_t* p, const M& m) {
  StoreU64(p, m.dir_fd);
  StoreU32(p + 8, m.uid);
  StoreU32(p + 12, m.gid);
  StoreU16(p + 16, m.mode);
  std::memset(p + 18, 0, 6);
}

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_CREATE_COMMON_H_
