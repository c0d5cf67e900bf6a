// Session messages: Error (0), Mount (1), Channel (2), and the empty-message
// base shared by every message without a payload.
//
//   Writer w(window);
//   ErrorResp::For(Errno(ENOENT)).EncodeTo(w);        // sent with MID 0
//
//   Decoded<MountResp> m = MountResp::Decode(payload);  // client
//   if (m.ok()) max = m->max_message_size;
//
// Layouts: ../../../shared/reference/lisafs-protocol.md §3.2, §3.4, §2.1.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_SESSION_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_SESSION_H_

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "gofer/wire/byte_order.h"
#include "gofer/wire/errors.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/statx.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

// A message with an empty payload. Like gVisor's EmptyMessage, decoding accepts
// (and ignores) any bytes: trailing bytes are never an error in LisaFS.
template <typename Self>
struct EmptyMessage {
  static constexpr size_t kSize = 0;
  size_t EncodedSize() const { return 0; }
  void EncodeTo(Writer&) const {}
  static Decoded<Self> Decode(std::span<const uint8_t>) { return Self{}; }
  friend bool operator==(const Self&, const Self&) { return true; }
};

// MID 0 payload: a positive Linux errno, sent instead of the request's response.
struct ErrorResp {
  static constexpr size_t kSize = 4;
  // gVisor's unexported field `errno`; named errnum because errno is a macro.
  uint32_t errnum = 0;

  static ErrorResp For(Errno e) { return {static_cast<uint32_t>(e.value())}; }
  // The errno a client should surface. 0 and values above INT_MAX become EIO:
  // a zero errno would read as success and hide the failure.
  Errno AsErrno() const {
    return Errno(errnum == 0 || errnum > INT32_MAX ? EIO : static_cast<int>(errnum));
  }

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U32(errnum); }
  // Stricter than gVisor: its client reads the 4 bytes unchecked (UnmarshalUnsafe).
  static Decoded<ErrorResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return ErrorResp{LoadU32(src.data())};
  }
  friend bool operator==(const ErrorResp&, const ErrorResp&) = default;
};

struct MountReq : EmptyMessage<MountReq> {};

// Root inode, the max payload size (header excluded), and the MIDs this
// connection serves (gVisor's stock gofer: 1..33 without Flush).
struct MountResp {
  Inode root;
  uint32_t max_message_size = 0;
  // MIDs as sent; values outside 0..33 are kept (extensions use them).
  std::vector<MID> supported_mids;

  size_t EncodedSize() const { return Inode::kSize + 4 + 2 + 2 * supported_mids.size(); }
  void EncodeTo(Writer& w) const;
  static Decoded<MountResp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const MountResp&, const MountResp&) = default;
};

struct ChannelReq : EmptyMessage<ChannelReq> {};

// Where the channel's packet window lives in the donated memfd. Sent with two
// FDs: the memfd, then the FD socket.
struct ChannelResp {
  static constexpr size_t kSize = 16;
  int64_t data_offset = 0;   // gVisor: dataOffset
  uint64_t data_length = 0;  // gVisor: dataLength

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreI64(p, data_offset);
      StoreU64(p + 8, data_length);
    }
  }
  static Decoded<ChannelResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return ChannelResp{LoadI64(src.data()), LoadU64(src.data() + 8)};
  }
  friend bool operator==(const ChannelResp&, const ChannelResp&) = default;
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_SESSION_H_
