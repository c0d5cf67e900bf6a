// What the transport moves: frames of (MID, payload bytes, FDs), and the two
// tiny headers that delimit them on the wire.
//
//   SocketHeader h = SocketHeader::Decode(bytes);   // 8 bytes off the socket
//   if (h.payload_len > max_payload) ...            // checked before any allocation
//
//   uint8_t hdr[kChannelHeaderSize];
//   ChannelHeader{mid, num_fds}.Encode(hdr);        // at packet-window offset 16
//
// The transport knows nothing about message types: gofer/wire decodes payloads.
// The two header layouts are repeated here (wire also knows them) on purpose,
// so transport does not depend on wire; both are fixed by gVisor and pinned by
// golden-byte tests (gVisor pkg/lisafs/sock.go sockHeader, channel.go
// channelHeader).
#ifndef HARDGOFER_GOFER_TRANSPORT_FRAME_H_
#define HARDGOFER_GOFER_TRANSPORT_FRAME_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "base/unique_fd.h"

namespace hg::transport {

// LisaFS integers are host order, and gVisor only runs on little-endian hosts.
static_assert(std::endian::native == std::endian::little,
              "LisaFS framing is little-endian; a big-endian port needs byte swaps here");

// Which end of a connection an object serves. The server never accepts FDs
// from the client; the client accepts the FDs a response donates.
enum class Side : uint8_t { kServer, kClient };

// MID 0 is the Error response; its payload is one u32 positive errno
// (gVisor message.go ErrorResp). The transport needs it to answer malformed
// channel requests on its own.
inline constexpr uint16_t kErrorMid = 0;
inline constexpr size_t kErrorPayloadSize = 4;

// One received message. `payload` is borrowed from the communicator or channel
// that returned it and stays valid until the next call on that object; copy it
// if it must live longer. On a channel it is a private copy, never the shared
// window, so the peer cannot change it while it is parsed.
struct Frame {
  uint16_t mid = 0;
  std::span<const uint8_t> payload;
  // Client side only: exactly as many entries as the caller asked for; an
  // entry the peer did not send is invalid (-1). Always empty on the server.
  std::vector<UniqueFd> fds;
};

// Main-socket header (8 bytes): u32 payloadLen, u16 MID, u16 padding.
inline constexpr size_t kSocketHeaderSize = 8;
struct SocketHeader {
  uint32_t payload_len = 0;
  uint16_t mid = 0;

  static SocketHeader Decode(const uint8_t* p) {
    SocketHeader h;
    std::memcpy(&h.payload_len, p, 4);
    std::memcpy(&h.mid, p + 4, 2);
    return h;  // padding ignored on read, as gVisor does
  }
  void Encode(uint8_t* p) const {
    std::memcpy(p, &payload_len, 4);
    std::memcpy(p + 4, &mid, 2);
    p[6] = 0;
    p[7] = 0;
  }
};

// Channel header (4 bytes, at the start of the flipcall datagram): u16 MID,
// u8 numFDs (FDs sent beside this message on the channel's FD socket), u8 pad.
inline constexpr size_t kChannelHeaderSize = 4;
struct ChannelHeader {
  uint16_t mid = 0;
  uint8_t num_fds = 0;

  static ChannelHeader Decode(const uint8_t* p) {
    ChannelHeader h;
    std::memcpy(&h.mid, p, 2);
    h.num_fds = p[2];
    return h;
  }
  void Encode(uint8_t* p) const {
    std::memcpy(p, &mid, 2);
    p[2] = num_fds;
    p[3] = 0;
  }
};

// gVisor's MaxMessageSize (message.go): huge page minus one page, i.e.
// 2 MiB - 4 KiB on 4 KiB-page hosts (512 MiB - 64 KiB on 64 KiB-page arm64).
// It bounds the payload only, not the header.
uint32_t DefaultMaxPayload();

// The system page size (cached).
size_t PageSize();

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_FRAME_H_
