#include "gofer/wire/messages_socket.h"

#include "gofer/wire/reader.h"

namespace hg::wire {

void BindAtReq::EncodeTo(Writer& w) const {
  if (uint8_t* p = w.Reserve(kCreateCommonSize + 4)) {
    StoreCreateCommon(p, *this);
    StoreU32(p + kCreateCommonSize, sock_type);
  }
  w.SizedString(name);
}

Decoded<BindAtReq> BindAtReq::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  BindAtReq m;
  if (const uint8_t* p = r.Fixed(kCreateCommonSize + 4)) {
    LoadCreateCommon(p, &m);
    m.sock_type = LoadU32(p + kCreateCommonSize);
  }
  m.name = r.SizedString();
  if (!r.ok()) return r.error();
  return m;
}

Decoded<AcceptResp> AcceptResp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  AcceptResp m{r.SizedString()};
  if (!r.ok()) return r.error();
  return m;
}

}  // namespace hg::wire
