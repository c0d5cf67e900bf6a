#include "gofer/wire/builders.h"

#include <algorithm>

#include "gofer/wire/byte_order.h"

namespace hg::wire {

CountedArrayBuilder::CountedArrayBuilder(Writer& w, size_t prefix)
    : w_(w), header_(w.Reserve(prefix + 2)), prefix_(prefix) {}

uint8_t* CountedArrayBuilder::Finish() {
  if (header_ == nullptr) return nullptr;
  StoreU16(header_ + prefix_, count_);
  return header_;
}

bool WalkRespBuilder::Add(const Inode& inode) {
  if (!b_.Fits(Inode::kSize)) return false;
  inode.EncodeTo(b_.writer());
  b_.Added();
  return true;
}

void WalkRespBuilder::Finish(WalkStatus status) {
  if (uint8_t* h = b_.Finish()) h[0] = static_cast<uint8_t>(status);
}

bool WalkStatRespBuilder::Add(const Statx& stat) {
  if (!b_.Fits(Statx::kSize)) return false;
  stat.EncodeTo(b_.writer());
  b_.Added();
  return true;
}

bool Getdents64RespBuilder::Add(const Dirent64& d) {
  if (d.name.size() > UINT16_MAX || !b_.Fits(d.EncodedSize())) return false;
  d.EncodeTo(b_.writer());
  b_.Added();
  return true;
}

bool StringArrayBuilder::Add(std::string_view s) {
  if (s.size() > UINT16_MAX || !b_.Fits(SizedStringSize(s))) return false;
  b_.writer().SizedString(s);
  b_.Added();
  return true;
}

PReadRespBuilder::PReadRespBuilder(Writer& w, size_t max_bytes) : w_(w) {
  start_ = w.size();
  header_ = w.Reserve(PReadResp::kHeaderSize);
  if (header_ == nullptr) return;
  size_t n = std::min(max_bytes, w.remaining());
  uint8_t* p = w.Reserve(n);
  if (p != nullptr && n != 0) data_ = {p, n};
}

void PReadRespBuilder::Finish(size_t n) {
  if (header_ == nullptr) return;
  n = std::min(n, data_.size());
  StoreU64(header_, n);
  w_.Truncate(start_ + PReadResp::kHeaderSize + n);
}

}  // namespace hg::wire
