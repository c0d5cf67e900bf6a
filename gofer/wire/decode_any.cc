#include "gofer/wire/decode_any.h"

#include <utility>

namespace hg::wire {
namespace {

template <typename V, typename T>
Decoded<V> Lift(Decoded<T> d) {
  if (!d.ok()) return d.error();
  return V(std::in_place_type<T>, std::move(d).value());
}

template <typename V>
Outcome<std::vector<uint8_t>, EncodeError> EncodeVariant(const V& m) {
  return std::visit([](const auto& msg) { return Encode(msg); }, m);
}

}  // namespace

Decoded<Request> DecodeAny(MID mid, std::span<const uint8_t> payload) {
  switch (mid) {
    case MID::kError:
      return DecodeError::kNoSuchMessage;
#define HG_WIRE_CASE_(Name, Req, Resp) \
  case MID::k##Name:                   \
    return Lift<Request>(Req::Decode(payload));
      HG_WIRE_FOR_EACH_RPC(HG_WIRE_CASE_)
#undef HG_WIRE_CASE_
  }
  return DecodeError::kUnknownMid;
}

Decoded<Response> DecodeAnyResponse(MID mid, std::span<const uint8_t> payload) {
  switch (mid) {
    case MID::kError:
      return Lift<Response>(ErrorResp::Decode(payload));
#define HG_WIRE_CASE_(Name, Req, Resp) \
  case MID::k##Name:                   \
    return Lift<Response>(Resp::Decode(payload));
      HG_WIRE_FOR_EACH_RPC(HG_WIRE_CASE_)
#undef HG_WIRE_CASE_
  }
  return DecodeError::kUnknownMid;
}

size_t EncodedSize(const Request& m) {
  return std::visit([](const auto& msg) { return msg.EncodedSize(); }, m);
}
size_t EncodedSize(const Response& m) {
  return std::visit([](const auto& msg) { return msg.EncodedSize(); }, m);
}
void EncodeTo(const Request& m, Writer& w) {
  std::visit([&w](const auto& msg) { msg.EncodeTo(w); }, m);
}
void EncodeTo(const Response& m, Writer& w) {
  std::visit([&w](const auto& msg) { msg.EncodeTo(w); }, m);
}
Outcome<std::vector<uint8_t>, EncodeError> EncodeAny(const Request& m) { return EncodeVariant(m); }
Outcome<std::vector<uint8_t>, EncodeError> EncodeAny(const Response& m) {
  return EncodeVariant(m);
}

}  // namespace hg::wire
