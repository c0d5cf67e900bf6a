// Extended-attribute messages: FGetXattr (25), FSetXattr (26), FListXattr
// (27), FRemoveXattr (28). All take a control FD.
//
//   Decoded<FSetXattrReq> req = FSetXattrReq::Decode(payload);
//   // req->name / req->value: opaque bytes (value may be binary); the handler
//   // checks the namespace policy and NUL-termination before any syscall.
//
// Layouts: ../../../shared/reference/lisafs-protocol.md §5.1.
#ifndef HARDGOFER_GOFER_WIRE_MESSAGES_XATTR_H_
#define HARDGOFER_GOFER_WIRE_MESSAGES_XATTR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/errors.h"
#include "gofer/wire/messages_session.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

struct FGetXattrReq {
  FDID fd = kInvalidFDID;
  uint32_t buf_size = 0;  // gVisor stock: 0 or > 65536 means 65536
  std::string_view name;

  size_t EncodedSize() const { return 12 + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<FGetXattrReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const FGetXattrReq&, const FGetXattrReq&) = default;
};

struct FGetXattrResp {
  std::string_view value;  // at most 65535 bytes on the wire

  size_t EncodedSize() const { return SizedStringSize(value); }
  void EncodeTo(Writer& w) const { w.SizedString(value); }
  static Decoded<FGetXattrResp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const FGetXattrResp&, const FGetXattrResp&) = default;
};

struct FSetXattrReq {
  FDID fd = kInvalidFDID;
  uint32_t flags = 0;  // XATTR_CREATE / XATTR_REPLACE
  std::string_view name;
  std::string_view value;

  size_t EncodedSize() const { return 12 + SizedStringSize(name) + SizedStringSize(value); }
  void EncodeTo(Writer& w) const;
  static Decoded<FSetXattrReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const FSetXattrReq&, const FSetXattrReq&) = default;
};
struct FSetXattrResp : EmptyMessage<FSetXattrResp> {};

struct FListXattrReq {
  static constexpr size_t kSize = 16;
  FDID fd = kInvalidFDID;
  uint64_t size = 0;  // listxattr(2) buffer size

  size_t EncodedSize() const { return kSize; }
  void EncodeTo(Writer& w) const {
    if (uint8_t* p = w.Reserve(kSize)) {
      StoreU64(p, fd);
      StoreU64(p + 8, size);
    }
  }
  static Decoded<FListXattrReq> Decode(std::span<const uint8_t> src) {
    if (src.size() < kSize) return DecodeError::kTruncated;
    return FListXattrReq{LoadU64(src.data()), LoadU64(src.data() + 8)};
  }
  friend bool operator==(const FListXattrReq&, const FListXattrReq&) = default;
};

// StringArray of attribute names.
struct FListXattrResp {
  std::vector<std::string_view> xattrs;

  size_t EncodedSize() const { return StringArraySize(xattrs); }
  void EncodeTo(Writer& w) const { w.StringArray(xattrs); }
  static Decoded<FListXattrResp> Decode(std::span<const uint8_t> src);
  friend bool operator==(const FListXattrResp&, const FListXattrResp&) = default;
};

struct FRemoveXattrReq {
  FDID fd = kInvalidFDID;
  std::string_view name;

  size_t EncodedSize() const { return 8 + SizedStringSize(name); }
  void EncodeTo(Writer& w) const;
  static Decoded<FRemoveXattrReq> Decode(std::span<const uint8_t> src);
  friend bool operator==(const FRemoveXattrReq&, const FRemoveXattrReq&) = default;
};
struct FRemoveXattrResp : EmptyMessage<FRemoveXattrResp> {};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_MESSAGES_XATTR_H_
