#include "gofer/wire/messages_io.h"

#include "gofer/wire/reader.h"

namespace hg::wire {
namespace {

void EncodeFdArray(const std::vector<FDID>& fds, Writer& w) {
  w.Count(fds.size());
  if (!w.ok()) return;
  uint8_t* p = w.Reserve(8 * fds.size());
  if (p == nullptr) return;
  for (size_t i = 0; i < fds.size(); ++i) StoreU64(p + 8 * i, fds[i]);
}

Decoded<std::vector<FDID>> DecodeFdArray(std::span<const uint8_t> src) {
  Reader r(src);
  uint16_t n = r.Count(8);  // checked before allocating n FDIDs
  const uint8_t* p = r.Fixed(8 * size_t{n});
  if (!r.ok()) return r.error();
  std::vector<FDID> fds(n);
  for (uint16_t i = 0; i < n; ++i) fds[i] = LoadU64(p + 8 * i);
  return fds;
}

}  // namespace

void OpenCreateAtReq::EncodeTo(Writer& w) const {
  if (uint8_t* p = w.Reserve(kCreateCommonSize + 4)) {
    StoreCreateCommon(p, *this);
    StoreU32(p + kCreateCommonSize, flags);
  }
  w.SizedString(name);
}

Decoded<OpenCreateAtReq> OpenCreateAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  OpenCreateAtReq m;
  if (const uint8_t* p = r.Fixed(kCreateCommonSize + 4)) {
    LoadCreateCommon(p, &m);
    m.flags = LoadU32(p + kCreateCommonSize);
  }
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

void CloseReq::EncodeTo(Writer& w) const { EncodeFdArray(fds, w); }

Decoded<CloseReq> CloseReq::Decode(std::span<const uint8_t> src) {
  Decoded<std::vector<FDID>> fds = DecodeFdArray(src);
  if (!fds.ok()) return fds.error();
  return CloseReq{std::move(fds).value()};
}

void FsyncReq::EncodeTo(Writer& w) const { EncodeFdArray(fds, w); }

Decoded<FsyncReq> FsyncReq::Decode(std::span<const uint8_t> src) {
  Decoded<std::vector<FDID>> fds = DecodeFdArray(src);
  if (!fds.ok()) return fds.error();
  return FsyncReq{std::move(fds).value()};
}

void PWriteReq::EncodeTo(Writer& w) const {
  if (data.size() > UINT32_MAX) {
    w.Fail(EncodeError::kTooLong);
    return;
  }
  if (uint8_t* p = w.Reserve(kHeaderSize)) {
    StoreU64(p, offset);
    StoreU64(p + 8, fd);
    StoreU32(p + 16, static_cast<uint32_t>(data.size()));
  }
  w.Bytes(data);
}

Decoded<PWriteReq> PWriteReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  PWriteReq m;
  uint32_t n = 0;
  if (const uint8_t* p = r.Fixed(kHeaderSize)) {
    m.offset = LoadU64(p);
    m.fd = LoadU64(p + 8);
    n = LoadU32(p + 16);
  }
  m.data = r.Bytes(n);
  if (!r.ok()) return r.error();
  return m;
}

Decoded<PReadResp> PReadResp::Decode(std::span<const uint8_t> src, uint64_t max_bytes) {
  Reader r(src);
  uint64_t n = r.U64();
  PReadResp m{r.Bytes(n)};
  if (!r.ok()) return r.error();
  if (n > max_bytes) return DecodeError::kLimitExceeded;
  return m;
}

}  // namespace hg::wire
