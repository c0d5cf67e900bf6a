#include "gofer/wire/errors.h"

#include <cerrno>

namespace hg::wire {

std::string_view DecodeErrorName(DecodeError e) {
  switch (e) {
    case DecodeError::kTruncated: return "truncated";
    case DecodeError::kLengthOverrun: return "length-overrun";
    case DecodeError::kCountOverrun: return "count-overrun";
    case DecodeError::kLimitExceeded: return "limit-exceeded";
    case DecodeError::kPayloadTooLarge: return "payload-too-large";
    case DecodeError::kFdsInRequest: return "fds-in-request";
    case DecodeError::kUnknownMid: return "unknown-mid";
    case DecodeError::kNoSuchMessage: return "no-such-message";
  }
  return "invalid-decode-error";
}

std::string_view EncodeErrorName(EncodeError e) {
  switch (e) {
    case EncodeError::kNoSpace: return "no-space";
    case EncodeError::kTooLong: return "too-long";
  }
  return "invalid-encode-error";
}

Errno ToErrno(DecodeError e) {
  switch (e) {
    case DecodeError::kUnknownMid:
    case DecodeError::kNoSuchMessage:
      return Errno(EOPNOTSUPP);
    default:
      return Errno(EIO);
  }
}

Errno ToErrno(EncodeError) { return Errno(EIO); }

}  // namespace hg::wire
