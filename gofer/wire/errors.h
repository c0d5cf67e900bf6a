// What can go wrong when decoding or encoding a LisaFS message, and the value
// type that carries either a result or that error.
//
//   Decoded<WalkReq> req = WalkReq::Decode(payload);
//   if (!req.ok()) return ErrorResp::For(ToErrno(req.error()));   // EIO, as gVisor
//   for (std::string_view name : req->path) ...
//
// The decoder is the attack surface of the whole gofer, so its failures are
// values, never exceptions or aborts, and each says which structural rule the
// peer broke (useful in logs and fuzzers). The errno sent back is chosen in one
// place, ToErrno(), and matches what gVisor's server answers: a malformed
// payload is EIO (every gVisor handler maps a failed CheckedUnmarshal to EIO).
#ifndef HARDGOFER_GOFER_WIRE_ERRORS_H_
#define HARDGOFER_GOFER_WIRE_ERRORS_H_

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <variant>

#include "base/result.h"

namespace hg::wire {

enum class DecodeError : uint8_t {
  // The payload ends inside a fixed-size field or fixed-size message.
  kTruncated = 1,
  // A length prefix (SizedString length, PWrite/PRead NumBytes) runs past the
  // end of the payload.
  kLengthOverrun,
  // An array count needs more bytes than remain (checked before anything is
  // allocated for the array, so a count of 0xffff costs nothing).
  kCountOverrun,
  // PRead response NumBytes larger than the buffer the receiver asked for
  // (gVisor's client rejects it the same way).
  kLimitExceeded,
  // Socket header payloadLen above the negotiated maximum message size.
  kPayloadTooLarge,
  // A channel *request* header with numFDs != 0. Requests never carry FDs; gVisor's
  // server would go and read the FD socket. Stricter than gVisor.
  kFdsInRequest,
  // DecodeAny: MID outside 0..33 (gVisor: EOPNOTSUPP from the dispatcher).
  kUnknownMid,
  // DecodeAny: the MID has no message in this direction (MID 0, Error, is
  // response-only).
  kNoSuchMessage,
};

enum class EncodeError : uint8_t {
  // The destination buffer (e.g. the flipcall window) is too small.
  kNoSpace = 1,
  // A string longer than 65535 bytes, an array longer than 65535 elements, or
  // PWrite data above 4 GiB: the u16/u32 prefix cannot describe it. gVisor
  // silently truncates the prefix and writes a corrupt message; we refuse.
  kTooLong,
};

// Stable names for logs and test output ("truncated", "count-overrun", ...).
std::string_view DecodeErrorName(DecodeError e);
std::string_view EncodeErrorName(EncodeError e);

// The errno a server replies with. kUnknownMid/kNoSuchMessage give EOPNOTSUPP
// (gVisor's dispatcher for an unknown MID); every other decode failure is EIO,
// the same errno gVisor's handlers return for a failed CheckedUnmarshal.
Errno ToErrno(DecodeError e);
// EIO: gVisor answers EIO when a response does not fit the max message size.
Errno ToErrno(EncodeError e);

// A value or an error (std::expected is C++23). value() on an error aborts: that
// is a bug in the caller (it forgot ok()), never a reaction to peer input.
template <typename T, typename E>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Outcome(E error) : v_(error) {}             // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { Check(); return std::get<0>(v_); }
  const T& value() const& { Check(); return std::get<0>(v_); }
  T&& value() && { Check(); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  E error() const {
    if (ok()) std::abort();
    return std::get<1>(v_);
  }

  // For callers on the errno path (hg::Result / HG_ASSIGN_OR_RETURN).
  Result<T> ToResult() && {
    if (!ok()) return ToErrno(error());
    return std::get<0>(std::move(v_));
  }

 private:
  void Check() const {
    if (!ok()) std::abort();
  }
  std::variant<T, E> v_;
};

template <typename T>
using Decoded = Outcome<T, DecodeError>;

// Bytes written, or why nothing usable was written.
using Encoded = Outcome<size_t, EncodeError>;

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_ERRORS_H_
