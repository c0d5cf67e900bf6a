#include "gofer/wire/messages_xattr.h"

#include "gofer/wire/reader.h"

namespace hg::wire {

void FGetXattrReq::EncodeTo(Writer& w) const {
  w.U64(fd);
  w.U32(buf_size);
  w.SizedString(name);
}

Decoded<FGetXattrReq> FGetXattrReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  FGetXattrReq m;
  m.fd = r.U64();
  m.buf_size = r.U32();
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

Decoded<FGetXattrResp> FGetXattrResp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  FGetXattrResp m{r.SizedString()};
  if (!r.ok()) return r.error();
  return m;
}

void FSetXattrReq::EncodeTo(Writer& w) const {
  w.U64(fd);
  w.U32(flags);
  w.SizedString(name);
  w.SizedString(value);
}

Decoded<FSetXattrReq> FSetXattrReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  FSetXattrReq m;
  m.fd = r.U64();
  m.flags = r.U32();
  m.name = r.SizedString();
  m.value = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

Decoded<FListXattrResp> FListXattrResp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  FListXattrResp m;
  r.StringArray(&m.xattrs);  // count checked against the payload before reserving
  if (!r.ok()) return r.error();
  return m;
}

void FRemoveXattrReq::EncodeTo(Writer& w) const {
  w.U64(fd);
  w.SizedString(name);
}

Decoded<FRemoveXattrReq> FRemoveXattrReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  FRemoveXattrReq m;
  m.fd = r.U64();
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

}  // namespace hg::wire
