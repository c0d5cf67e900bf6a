// Errors of the seccomp room: a code per failing step plus a message that names
// the offending input (syscall name, rule source, instruction index).
//
//   ErrorOr<CompiledFilter> f = Compile(rules, deny, {});
//   if (!f.ok()) {
//     std::cerr << f.error().ToString();   // "unknown_syscall: unknown syscall \"fooat\" ..."
//     return 1;
//   }
//
// Why not hg::Result: Result carries only an errno, and a policy reviewer needs
// "unknown syscall \"fooat\" (from extension:encrypted)", not "EINVAL".
// ErrorOr works with HG_ASSIGN_OR_RETURN / HG_RETURN_IF_ERROR from base/result.h.
#ifndef HARDGOFER_SECCOMP_ERROR_H_
#define HARDGOFER_SECCOMP_ERROR_H_

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/expected.h"

namespace hg::seccomp {

enum class ErrorCode {
  // A rule names a syscall the target architecture does not have.
  kUnknownSyscall,
  // A rule is malformed or contradicts itself (bad argument index, value bits
  // outside the mask, two different values required of one argument, ...).
  kInvalidRule,
  // No table exists for this architecture (e.g. the runtime set on aarch64).
  kUnsupportedArch,
  // A placeholder (e.g. self_pid) has no value at install or query time; an
  // unfilled program would deny the call it guards, so this is refused early.
  kUnboundPlaceholder,
  // libseccomp refused a call; errno() holds its error.
  kLibseccomp,
  // A BPF program the kernel would reject (bad opcode, jump out of range, ...).
  kMalformedProgram,
  // prctl(PR_SET_NO_NEW_PRIVS) failed.
  kNoNewPrivs,
  // seccomp(SECCOMP_SET_MODE_FILTER) failed.
  kSeccompInstall,
  // TSYNC could not synchronise another thread (it has its own filter).
  kTsync,
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message, int sys_errno = 0)
      : code_(code), message_(std::move(message)), errno_(sys_errno) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The errno of the failing system or libseccomp call, 0 if none.
  int sys_errno() const { return errno_; }
  // "<code>: <message>[: <strerror>]", one line.
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
  int errno_;
};

// Value-or-Error (base/expected.h).
template <typename T>
using ErrorOr = Expected<T, Error>;

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_ERROR_H_
