// Unaligned little-endian loads and stores for the LisaFS wire format.
//
//   uint64_t fd = LoadU64(payload + 8);     // any alignment
//   StoreU32(out + 4, flags);
//
// LisaFS integers are the sender's native byte order, and gVisor runs only on
// little-endian hosts (amd64, arm64), so the wire is little-endian. Dynamic
// messages are packed without alignment (WalkResp inodes start at offset 3), so
// every access goes through memcpy: a direct `*(uint64_t*)p` would be undefined
// behaviour on an unaligned address and UBSan would (rightly) fail the tests.
#ifndef HARDGOFER_GOFER_WIRE_BYTE_ORDER_H_
#define HARDGOFER_GOFER_WIRE_BYTE_ORDER_H_

#include <bit>
#include <cstdint>
#include <cstring>

namespace hg::wire {

static_assert(std::endian::native == std::endian::little,
              "LisaFS is host-order on little-endian hosts only (as gVisor); a big-endian "
              "port needs byte swaps here");

inline uint16_t LoadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint64_t LoadU64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline int32_t LoadI32(const uint8_t* p) { return static_cast<int32_t>(LoadU32(p)); }
inline int64_t LoadI64(const uint8_t* p) { return static_cast<int64_t>(LoadU64(p)); }

inline void StoreU16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, sizeof v); }
inline void StoreU32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, sizeof v); }
inline void StoreU64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, sizeof v); }
inline void StoreI32(uint8_t* p, int32_t v) { StoreU32(p, static_cast<uint32_t>(v)); }
inline void StoreI64(uint8_t* p, int64_t v) { StoreU64(p, static_cast<uint64_t>(v)); }

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_BYTE_ORDER_H_
