#include "gofer/wire/frame.h"

namespace hg::wire {

Decoded<SocketFrame> ParseSocketFrame(std::span<const uint8_t> bytes) {
  Decoded<SocketHeader> h = SocketHeader::Decode(bytes);
  if (!h.ok()) return h.error();
  std::span<const uint8_t> rest = bytes.subspan(SocketHeader::kSize);
  if (h->payload_len > rest.size()) return DecodeError::kLengthOverrun;
  return SocketFrame{*h, rest.first(h->payload_len)};
}

Decoded<ChannelFrame> ParseChannelRequest(std::span<const uint8_t> datagram) {
  Decoded<ChannelHeader> h = ChannelHeader::DecodeRequest(datagram);
  if (!h.ok()) return h.error();
  return ChannelFrame{*h, datagram.subspan(ChannelHeader::kSize)};
}

Decoded<ChannelFrame> ParseChannelResponse(std::span<const uint8_t> datagram) {
  Decoded<ChannelHeader> h = ChannelHeader::Decode(datagram);
  if (!h.ok()) return h.error();
  return ChannelFrame{*h, datagram.subspan(ChannelHeader::kSize)};
}

}  // namespace hg::wire
