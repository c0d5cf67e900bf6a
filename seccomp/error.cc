#include "seccomp/error.h"

#include <cstring>

namespace hg::seccomp {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnknownSyscall:
      return "unknown_syscall";
    case ErrorCode::kInvalidRule:
      return "invalid_rule";
    case ErrorCode::kUnsupportedArch:
      return "unsupported_arch";
    case ErrorCode::kUnboundPlaceholder:
      return "unbound_placeholder";
    case ErrorCode::kLibseccomp:
      return "libseccomp";
    case ErrorCode::kMalformedProgram:
      return "malformed_program";
    case ErrorCode::kNoNewPrivs:
      return "no_new_privs";
    case ErrorCode::kSeccompInstall:
      return "seccomp_install";
    case ErrorCode::kTsync:
      return "tsync";
  }
  return "unknown_error";
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code_));
  out += ": ";
  out += message_;
  if (errno_ != 0) {
    out += ": ";
    out += std::strerror(errno_);
  }
  return out;
}

}  // namespace hg::seccomp
