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

template <typename T>
class [[nodiscard]] ErrorOr {
 public:
  ErrorOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  ErrorOr(Error err) : v_(std::move(err)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). Violations abort rather than read garbage.
  T& value() & {
    Check();
    return std::get<T>(v_);
  }
  const T& value() const& {
    Check();
    return std::get<T>(v_);
  }
  T&& value() && {
    Check();
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  const Error& error() const {
    if (ok()) std::abort();
    return std::get<Error>(v_);
  }

 private:
  void Check() const {
    if (!ok()) std::abort();
  }
  std::variant<T, Error> v_;
};

// Result of a step with no value.
template <>
class [[nodiscard]] ErrorOr<void> {
 public:
  ErrorOr() = default;
  ErrorOr(Error err) : err_(std::move(err)) {}  // NOLINT: implicit by design

  bool ok() const { return !err_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Precondition: !ok().
  const Error& error() const {
    if (ok()) std::abort();
    return *err_;
  }

 private:
  std::optional<Error> err_;
};

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_ERROR_H_
