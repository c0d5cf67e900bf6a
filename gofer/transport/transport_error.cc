#include "gofer/transport/transport_error.h"

#include <cerrno>
#include <cstring>

namespace hg::transport {

TransportError TransportError::LastSystem() { return System(errno); }

Errno TransportError::ToErrno() const { return Errno(EIO); }

const char* TransportError::KindName() const {
  switch (kind) {
    case ErrorKind::kEof:
      return "peer closed";
    case ErrorKind::kTruncated:
      return "peer closed mid-frame";
    case ErrorKind::kShutdown:
      return "shut down";
    case ErrorKind::kTooLarge:
      return "payload too large";
    case ErrorKind::kMalformed:
      return "malformed channel message";
    case ErrorKind::kProtocol:
      return "protocol violation";
    case ErrorKind::kSystem:
      return "system call failed";
  }
  return "unknown";
}

std::string TransportError::ToString() const {
  std::string s = KindName();
  if (kind == ErrorKind::kSystem) {
    s += ": ";
    s += std::strerror(sys_errno);
  }
  if (kind == ErrorKind::kTooLarge || kind == ErrorKind::kMalformed) {
    s += " (mid " + std::to_string(mid) + ", length " + std::to_string(length) + ")";
  }
  return s;
}

}  // namespace hg::transport
