// wire_decode: every LisaFS decoder of gofer/wire, dispatched on a leading MID.
//
// Input:  byte 0  MID (raw; 0..33 are the protocol, 34..255 must be refused
//                 as unknown)
//         byte 1  mode: bits 0-1 select what the rest is
//                   0 = request payload       DecodeAny(MID, rest)
//                   1 = response payload      DecodeAnyResponse(MID, rest)
//                   2 = socket frame          ParseSocketFrame(rest) + DecodeAny
//                   3 = channel datagram      ParseChannelRequest/Response + both
//                 bits 2-7: PRead response limit selector (mode 1 / MID 12)
//         rest    the bytes
//
// Checked beyond "no crash, no sanitizer report":
//   * canonical round trip: a decoded message re-encodes (EncodeAny never fails
//     on a decoded value), EncodedSize() is exact, the encoding is no longer
//     than the input, decodes to an equal message and re-encodes to the same
//     bytes; every strict prefix of a non-empty canonical encoding is refused;
//   * unknown MIDs are kUnknownMid, MID 0 as a request is kNoSuchMessage;
//   * PReadResp::Decode(limit) agrees with the unlimited decode;
//   * gofer/wire and gofer/transport parse the two frame headers identically
//     (the layouts are deliberately written twice, see transport/frame.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "gofer/transport/frame.h"
#include "gofer/wire/decode_any.h"
#include "gofer/wire/frame.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/mid.h"

namespace {

using hg::wire::DecodeError;
using hg::wire::MID;

[[noreturn]] void Fail(const char* what, unsigned mid) {
  std::fprintf(stderr, "wire_decode: %s (MID %u)\n", what, mid);
  std::abort();
}

template <typename Msg, typename DecodeFn>
void CheckRoundTrip(const Msg& msg, std::span<const uint8_t> input, DecodeFn decode, unsigned mid) {
  auto bytes = hg::wire::EncodeAny(msg);
  if (!bytes.ok()) Fail("a decoded message does not re-encode", mid);
  const std::vector<uint8_t>& b = *bytes;
  if (b.size() != hg::wire::EncodedSize(msg)) Fail("EncodedSize differs from the encoding", mid);
  if (b.size() > input.size()) Fail("canonical encoding longer than the decoded input", mid);
  auto again = decode(std::span<const uint8_t>(b));
  if (!again.ok()) Fail("canonical encoding does not decode", mid);
  if (!(*again == msg)) Fail("canonical encoding decodes to a different message", mid);
  auto bytes2 = hg::wire::EncodeAny(*again);
  if (!bytes2.ok() || *bytes2 != b) Fail("encoding is not idempotent", mid);
  if (!b.empty()) {
    // A copy of exactly the prefix, so ASan sees any read past it.
    std::vector<uint8_t> prefix(b.begin(), b.end() - 1);
    if (decode(std::span<const uint8_t>(prefix)).ok()) {
      Fail("a strict prefix of a canonical encoding decodes", mid);
    }
  }
}

void DecodeRequest(MID mid, std::span<const uint8_t> payload) {
  const unsigned raw = hg::wire::ToRaw(mid);
  auto req = hg::wire::DecodeAny(mid, payload);
  if (!hg::wire::IsKnownMid(mid)) {
    if (req.ok() || req.error() != DecodeError::kUnknownMid) Fail("unknown MID not refused", raw);
    return;
  }
  if (mid == MID::kError) {
    if (req.ok() || req.error() != DecodeError::kNoSuchMessage) Fail("request MID 0 decoded", raw);
    return;
  }
  if (!req.ok()) return;
  CheckRoundTrip(
      *req, payload, [mid](std::span<const uint8_t> p) { return hg::wire::DecodeAny(mid, p); },
      raw);
}

void DecodeResponse(MID mid, std::span<const uint8_t> payload, uint8_t limit_sel) {
  const unsigned raw = hg::wire::ToRaw(mid);
  auto resp = hg::wire::DecodeAnyResponse(mid, payload);
  if (!hg::wire::IsKnownMid(mid)) {
    if (resp.ok() || resp.error() != DecodeError::kUnknownMid) Fail("unknown MID not refused", raw);
    return;
  }
  if (mid == MID::kPRead) {
    // The client-side decode with the receiver's buffer size.
    const uint64_t limit = limit_sel == 63 ? UINT64_MAX : uint64_t{limit_sel} * 7;
    auto limited = hg::wire::PReadResp::Decode(payload, limit);
    if (limited.ok()) {
      if (!resp.ok() || limited->data.size() > limit) Fail("PRead limit decode disagrees", raw);
      if (!(std::get<hg::wire::PReadResp>(*resp) == *limited)) Fail("PRead limit decode differs", raw);
    } else if (resp.ok() && limited.error() != DecodeError::kLimitExceeded) {
      Fail("PRead limited decode failed for a reason other than the limit", raw);
    }
  }
  if (!resp.ok()) return;
  CheckRoundTrip(
      *resp, payload,
      [mid](std::span<const uint8_t> p) { return hg::wire::DecodeAnyResponse(mid, p); }, raw);
}

void ParseSocket(std::span<const uint8_t> bytes) {
  auto f = hg::wire::ParseSocketFrame(bytes);
  if (bytes.size() >= hg::wire::SocketHeader::kSize) {
    const auto wh = hg::wire::SocketHeader::Decode(bytes);
    const auto th = hg::transport::SocketHeader::Decode(bytes.data());
    if (!wh.ok() || wh->payload_len != th.payload_len || hg::wire::ToRaw(wh->mid) != th.mid) {
      Fail("wire and transport socket headers disagree", th.mid);
    }
  }
  if (!f.ok()) return;
  if (f->payload.data() != bytes.data() + hg::wire::SocketHeader::kSize ||
      f->payload.size() != f->header.payload_len) {
    Fail("socket frame payload is not the bytes after the header", hg::wire::ToRaw(f->header.mid));
  }
  DecodeRequest(f->header.mid, f->payload);
}

void ParseChannel(std::span<const uint8_t> bytes, uint8_t limit_sel) {
  auto req = hg::wire::ParseChannelRequest(bytes);
  auto resp = hg::wire::ParseChannelResponse(bytes);
  if (bytes.size() >= hg::wire::ChannelHeader::kSize) {
    const auto th = hg::transport::ChannelHeader::Decode(bytes.data());
    if (!resp.ok() || hg::wire::ToRaw(resp->header.mid) != th.mid ||
        resp->header.num_fds != th.num_fds) {
      Fail("wire and transport channel headers disagree", th.mid);
    }
    // Requests never carry FDs (stricter than gVisor).
    if (req.ok() != (th.num_fds == 0)) Fail("channel request numFDs rule broken", th.mid);
  } else if (req.ok() || resp.ok()) {
    Fail("channel datagram shorter than its header parsed", 0);
  }
  if (req.ok()) DecodeRequest(req->header.mid, req->payload);
  if (resp.ok()) DecodeResponse(resp->header.mid, resp->payload, limit_sel);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const MID mid = static_cast<MID>(data[0]);
  const uint8_t mode = data[1] & 3;
  const uint8_t limit_sel = data[1] >> 2;
  const std::span<const uint8_t> rest(data + 2, size - 2);
  switch (mode) {
    case 0:
      DecodeRequest(mid, rest);
      break;
    case 1:
      DecodeResponse(mid, rest, limit_sel);
      break;
    case 2:
      ParseSocket(rest);
      break;
    default:
      ParseChannel(rest, limit_sel);
      break;
  }
  return 0;
}
