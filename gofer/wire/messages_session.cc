#include "gofer/wire/messages_session.h"

#include "gofer/wire/reader.h"

namespace hg::wire {

void MountResp::EncodeTo(Writer& w) const {
  root.EncodeTo(w);
  w.U32(max_message_size);
  w.Count(supported_mids.size());
  for (MID m : supported_mids) w.U16(ToRaw(m));
}

Decoded<MountResp> MountResp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  MountResp m;
  if (const uint8_t* p = r.Fixed(Inode::kSize + 4)) {
    m.root = Inode::LoadFrom(p);
    m.max_message_size = LoadU32(p + Inode::kSize);
  }
  uint16_t n = r.Count(2);
  if (!r.ok()) return r.error();
  m.supported_mids.reserve(n);
  const uint8_t* p = r.Fixed(2 * size_t{n});  // cannot fail: Count checked it
  if (p == nullptr) return r.error();
  for (uint16_t i = 0; i < n; ++i) m.supported_mids.push_back(static_cast<MID>(LoadU16(p + 2 * i)));
  return m;
}

}  // namespace hg::wire
