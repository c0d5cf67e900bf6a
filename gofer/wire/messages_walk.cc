#include "gofer/wire/messages_walk.h"

#include "gofer/wire/reader.h"

namespace hg::wire {

void WalkReq::EncodeTo(Writer& w) const {
  w.U64(dir_fd);
  w.StringArray(path);
}

Decoded<WalkReq> WalkReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  WalkReq m;
  m.dir_fd = r.U64();
  r.StringArray(&m.path);
  if (!r.ok()) return r.error();
  return m;
}

void WalkResp::EncodeTo(Writer& w) const {
  w.U8(static_cast<uint8_t>(status));
  w.Count(inodes.size());
  for (const Inode& i : inodes) i.EncodeTo(w);
}

Decoded<WalkResp> WalkResp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  WalkResp m;
  m.status = static_cast<WalkStatus>(r.U8());
  uint16_t n = r.Count(Inode::kSize);  // checked before reserving n inodes
  if (!r.ok()) return r.error();
  m.inodes.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    const uint8_t* p = r.Fixed(Inode::kSize);
    if (p == nullptr) return r.error();
    m.inodes.push_back(Inode::LoadFrom(p));
  }
  return m;
}

void WalkStatResp::EncodeTo(Writer& w) const {
  w.Count(stats.size());
  for (const Statx& s : stats) s.EncodeTo(w);
}

Decoded<WalkStatResp> WalkStatResp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  WalkStatResp m;
  uint16_t n = r.Count(Statx::kSize);
  if (!r.ok()) return r.error();
  m.stats.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    const uint8_t* p = r.Fixed(Statx::kSize);
    if (p == nullptr) return r.error();
    m.stats.push_back(Statx::LoadFrom(p));
  }
  return m;
}

}  // namespace hg::wire
