// Host unix-socket messages: Connect (21), BindAt (29), Listen (30),
// Accept (31), ConnectWithCreds (32). Responses to Connect, ConnectWithCreds,
// BindAt and Accept carry one donated host FD beside the payload.
//
//   Decoded<ConnectWithCredsReq> req = ConnectWithCredsReq::Decode(payload);
//   // sock_type 0 means "any"; the handler maps others to SOCK_* or ENXIO.
//
// Layouts: ../../../shared/reference/lisafs-protocol.md §5.1.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_SOCKET_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_SOCKET_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/create_common.h"
#include "gofer/wire/errors.h"
#include "gofer/wire/messages_session.h"
#include "gofer/wire/statx.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

struct ConnectReq {
  static constexpr size_t kSize = 16;  // includes 4 bytes of padding at 12
  FDID fd = kInvalidFDID;              // control FD of a socket file
  uint32_t sock_type = 0;              // SOCK_STREAM/DGRAM/SEQPACKET, or 0 = any

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, fd);
      StoreU32(p + 8, sock_type);
      StoreU32(p + 12, 0);
    }
  }
  static Decoded<ConnectReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return ConnectReq{LoadU64(src.data()), LoadU32(src.data() + 8)};
  }
  friend bool operator==(const ConnectReq&, const ConnectReq&) = default;
};
// Also the response to ConnectWithCreds (payload empty, one FD donated).
struct ConnectResp : EmptyMessage<ConnectResp> {};

// ConnectReq (with its padding) followed by the credentials to connect with.
struct ConnectWithCredsReq {
  static constexpr size_t kSize = 24;
  FDID fd = kInvalidFDID;
  uint32_t sock_type = 0;
  UID uid = 0;
  GID gid = 0;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, fd);
      StoreU32(p + 8, sock_type);
      StoreU32(p + 12, 0);
      StoreU32(p + 16, uid);
      StoreU32(p + 20, gid);
    }
  }
  static Decoded<ConnectWithCredsReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    const uint8_t* p = src.data();
    return ConnectWithCredsReq{LoadU64(p), LoadU32(p + 8), LoadU32(p + 16), LoadU32(p + 20)};
  }
  friend bool operator==(const ConnectWithCredsReq&, const ConnectWithCredsReq&) = default;
};

struct BindAtReq {
  FDID dir_fd = kInvalidFDID;
  UID uid = kNoUID;
  GID gid = kNoGID;
  uint16_t mode = 0;
  uint32_t sock_type = 0;
  std::string_view name;

  size_t EncodedSize() const { return kCreateCommonSize + 4 + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<BindAtReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const BindAtReq&, const BindAtReq&) = default;
};

struct BindAtResp {
  static constexpr size_t kSize = Inode::kSize + 8;  // 160
  Inode child;                // control FD of the socket file
  FDID bound_socket_fd = kInvalidFDID;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      child.StoreTo(p);
      StoreU64(p + Inode::kSize, bound_socket_fd);
    }
  }
  static Decoded<BindAtResp> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return BindAtResp{Inode::LoadFrom(src.data()), LoadU64(src.data() + Inode::kSize)};
  }
  friend bool operator==(const BindAtResp&, const BindAtResp&) = default;
};

struct ListenReq {
  static constexpr size_t kSize = 16;  // includes 4 bytes of padding at 12
  FDID fd = kInvalidFDID;              // bound socket FD
  int32_t backlog = 0;

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, fd);
      StoreI32(p + 8, backlog);
      StoreU32(p + 12, 0);
    }
  }
  // gVisor's client leaves the padding unwritten (MarshalBytes skips it), so
  // garbage there is normal and ignored.
  static Decoded<ListenReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return ListenReq{LoadU64(src.data()), LoadI32(src.data() + 8)};
  }
  friend bool operator==(const ListenReq&, const ListenReq&) = default;
};
struct ListenResp : EmptyMessage<ListenResp> {};

struct AcceptReq {
  static constexpr size_t kSize = 8;
  FDID fd = kInvalidFDID;  // bound socket FD

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const { w.U64(fd); }
  static Decoded<AcceptReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return AcceptReq{LoadU64(src.data())};
  }
  friend bool operator==(const AcceptReq&, const AcceptReq&) = default;
};

struct AcceptResp {
  std::string_view peer_addr;  // gVisor's stock server always sends ""

  size_t EncodedSize() const { return SizedStringSize(peer_addr); }
  void EncodeTo(Writer& w) const { w.SizedString(peer_addr); }
  static Decoded<AcceptResp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const AcceptResp&, const AcceptResp&) = default;
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_SOCKET_H_
