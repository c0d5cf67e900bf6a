// Transport framing: the 8-byte main-socket header and the 4-byte flipcall
// channel header, plus helpers that split a whole frame into header + payload.
//
//   // Socket server: read 8 bytes, check the length before allocating anything.
//   Decoded<SocketHeader> h = SocketHeader::Decode(hdr_bytes, max_message_size);
//   if (!h.ok()) close_connection();        // kPayloadTooLarge: don't read 4 GiB
//
//   // Channel server, on the private copy of the datagram:
//   Decoded<ChannelFrame> f = ParseChannelRequest(datagram);
//   if (!f.ok()) reply_error(ToErrno(f.error()));   // never abandon the channel
//   DecodeAny(f->header.mid, f->payload);
//
// Socket header (pkg/lisafs/sock.go: sockHeader):
//   0 u32 payloadLen (payload only) | 4 u16 MID | 6 u16 padding
// Channel header (pkg/lisafs/channel.go: channelHeader), at flipcall data offset 0:
//   0 u16 MID | 2 u8 numFDs (FDs sent on the channel's FD socket) | 3 u8 padding
// Padding is written as zero and ignored on read. An error response carries
// MID 0, not the request's MID.
#ifndef HARDGOFER_GOFER_WIRE_FRAME_H_
#define HARDGOFER_GOFER_WIRE_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/errors.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

struct SocketHeader {
  static constexpr size_t kSize = 8;
  uint32_t payload_len = 0;
  MID mid = MID::kError;  // raw value: may lie outside 0..33 (dispatcher: EOPNOTSUPP)

  void StoreTo(uint8_t* p) const {
    StoreU32(p, payload_len);
    StoreU16(p + 4, ToRaw(mid));
    StoreU16(p + 6, 0);
  }
  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) StoreTo(p);
  }
  // Needs the 8 header bytes (kTruncated otherwise); the payload is not examined.
  static Decoded<SocketHeader> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return SocketHeader{LoadU32(src.data()), static_cast<MID>(LoadU16(src.data() + 4))};
  }
  // As above, and kPayloadTooLarge if payload_len > max_payload_len. Check this
  // before sizing a buffer by payload_len (gVisor allocates first: stricter).
  static Decoded<SocketHeader> Decode(std::span<const uint8_t> src, uint32_t max_payload_len) {
    Decoded<SocketHeader> h = Decode(src);
    if (h.ok() && h->payload_len > max_payload_len) return DecodeError::kPayloadTooLarge;
    return h;
  }
  friend bool operator==(const SocketHeader&, const SocketHeader&) = default;
};

struct ChannelHeader {
  static constexpr size_t kSize = 4;
  MID mid = MID::kError;
  uint8_t num_fds = 0;

  void StoreTo(uint8_t* p) const {
    StoreU16(p, ToRaw(mid));
    p[2] = num_fds;
    p[3] = 0;
  }
  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) StoreTo(p);
  }
  // Any numFDs (what a client reads in a response).
  static Decoded<ChannelHeader> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return ChannelHeader{static_cast<MID>(LoadU16(src.data())), src[2]};
  }
  // Server side: requests never carry FDs, so numFDs != 0 is kFdsInRequest and
  // the FD socket must not be read (gVisor's server reads it: stricter).
  static Decoded<ChannelHeader> DecodeRequest(std::span<const uint8_t> src) {
    Decoded<ChannelHeader> h = Decode(src);
    if (h.ok() && h->num_fds != 0) return DecodeError::kFdsInRequest;
    return h;
  }
  friend bool operator==(const ChannelHeader&, const ChannelHeader&) = default;
};

// A frame split into its header and a view of its payload.
struct SocketFrame {
  SocketHeader header;
  std::span<const uint8_t> payload;
};
struct ChannelFrame {
  ChannelHeader header;
  std::span<const uint8_t> payload;
};

// Header + exactly payload_len payload bytes (kLengthOverrun if fewer; bytes
// after the payload belong to the next frame and are not part of this one).
Decoded<SocketFrame> ParseSocketFrame(std::span<const uint8_t> bytes);
// A flipcall datagram (dataLen bytes at window offset 16): header, then the
// rest is the payload. Request version rejects numFDs != 0.
Decoded<ChannelFrame> ParseChannelRequest(std::span<const uint8_t> datagram);
Decoded<ChannelFrame> ParseChannelResponse(std::span<const uint8_t> datagram);

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_FRAME_H_
