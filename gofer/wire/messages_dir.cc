#include "gofer/wire/messages_dir.h"

#include "gofer/wire/reader.h"

namespace hg::wire {

void MkdirAtReq::EncodeTo(Writer& w) const {
  if (uint8_t* p = w.Reserve(kCreateCommonSize)) StoreCreateCommon(p, *this);
  w.SizedString(name);
}

Decoded<MkdirAtReq> MkdirAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  MkdirAtReq m;
  if (const uint8_t* p = r.Fixed(kCreateCommonSize)) LoadCreateCommon(p, &m);
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

void MknodAtReq::EncodeTo(Writer& w) const {
  if (uint8_t* p = w.Reserve(kCreateCommonSize + 8)) {
    StoreCreateCommon(p, *this);
    StoreU32(p + kCreateCommonSize, minor);
    StoreU32(p + kCreateCommonSize + 4, major);
  }
  w.SizedString(name);
}

Decoded<MknodAtReq> MknodAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  MknodAtReq m;
  if (const uint8_t* p = r.Fixed(kCreateCommonSize + 8)) {
    LoadCreateCommon(p, &m);
    m.minor = LoadU32(p + kCreateCommonSize);
    m.major = LoadU32(p + kCreateCommonSize + 4);
  }
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

void SymlinkAtReq::EncodeTo(Writer& w) const {
  w.U64(dir_fd);
  w.U32(uid);
  w.U32(gid);
  w.SizedString(name);
  w.SizedString(target);
}

Decoded<SymlinkAtReq> SymlinkAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  SymlinkAtReq m;
  m.dir_fd = r.U64();
  m.uid = r.U32();
  m.gid = r.U32();
  m.name = r.SizedString();
  m.target = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

void LinkAtReq::EncodeTo(Writer& w) const {
  w.U64(dir_fd);
  w.U64(target);
  w.SizedString(name);
}

Decoded<LinkAtReq> LinkAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  LinkAtReq m;
  m.dir_fd = r.U64();
  m.target = r.U64();
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

void UnlinkAtReq::EncodeTo(Writer& w) const {
  w.U64(dir_fd);
  w.U32(flags);
  w.SizedString(name);
}

Decoded<UnlinkAtReq> UnlinkAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  UnlinkAtReq m;
  m.dir_fd = r.U64();
  m.flags = r.U32();
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

void RenameAtReq::EncodeTo(Writer& w) const {
  w.U64(old_dir);
  w.U64(new_dir);
  w.SizedString(old_name);
  w.SizedString(new_name);
}

Decoded<RenameAtReq> RenameAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  RenameAtReq m;
  m.old_dir = r.U64();
  m.new_dir = r.U64();
  m.old_name = r.SizedString();
  m.new_name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

void RenameAt2Req::EncodeTo(Writer& w) const {
  w.U64(old_dir);
  w.U64(new_dir);
  w.SizedString(old_name);
  w.SizedString(new_name);
  w.U32(flags);
}

Decoded<RenameAt2Req> RenameAt2Req::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  RenameAt2Req m;
  m.old_dir = r.U64();
  m.new_dir = r.U64();
  m.old_name = r.SizedString();
  m.new_name = r.SizedString();
  m.flags = r.U32();
  if (!r.ok()) return r.error();
  return m;
}

void Dirent64::EncodeTo(Writer& w) const {
  if (uint8_t* p = w.Reserve(kFixedSize)) {
    StoreU64(p, ino);
    StoreU32(p + 8, dev_minor);
    StoreU32(p + 12, dev_major);
    StoreU64(p + 16, off);
    p[24] = type;
  }
  w.SizedString(name);
}

void Getdents64Resp::EncodeTo(Writer& w) const {
  w.Count(dirents.size());
  for (const Dirent64& d : dirents) d.EncodeTo(w);
}

Decoded<Getdents64Resp> Getdents64Resp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  Getdents64Resp m;
  // Every dirent takes at least 27 bytes: checked before reserving. (gVisor
  // allocates `count` dirents first and checks afterwards.)
  uint16_t n = r.Count(Dirent64::kMinSize);
  if (!r.ok()) return r.error();
  m.dirents.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    Dirent64 d;
    if (const uint8_t* p = r.Fixed(Dirent64::kFixedSize)) {
      d.ino = LoadU64(p);
      d.dev_minor = LoadU32(p + 8);
      d.dev_major = LoadU32(p + 12);
      d.off = LoadU64(p + 16);
      d.type = p[24];
    }
    d.name = r.SizedString();
    if (!r.ok()) return r.error();
    m.dirents.push_back(d);
  }
  return m;
}

}  // namespace hg::wire
