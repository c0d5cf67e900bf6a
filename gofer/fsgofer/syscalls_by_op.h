// Which host syscalls fsgofer (and the server around it) may make while
// handling one LisaFS message, with the argument values it passes where they
// are fixed.
//
//   for (const fsgofer::SyscallUse& u : fsgofer::SyscallsForMid(wire::MID::kMkdirAt)) {
//     // u.name == "mkdirat", "openat2", "statx", ...; u.args[i].kind/value
//   }
//
// Why it exists: the confined gofer runs under a seccomp program whose
// violation action kills the whole process. `hardgofer run` evaluates that
// program for every entry listed here and stops serving (EOPNOTSUPP, not
// advertised at Mount) any message whose syscalls are not all allowed, so a
// client can never make the gofer die (gofer/cmd/allowed_ops.h).
//
// Keep it exact. A syscall missing here is a message the gofer serves and
// then dies on; an argument listed as fixed that actually varies can make a
// rule look satisfied when it is not. When fsgofer, path_walk or the server's
// handling of a message changes, change this table in the same commit (the
// tests in gofer/cmd and tests/e2e run every message under the real program).
// Names are strings (this room may not include seccomp); they are resolved to
// numbers by the reader.
//
// Scope: the calls specific to one message. What every message needs (the
// socket/channel I/O of the transport, futex, memory allocation) and what
// serving needs at all (threads, signals) are the runtime set's business and
// are not repeated per message.
#ifndef HARDGOFER_GOFER_FSGOFER_SYSCALLS_BY_OP_H_
#define HARDGOFER_GOFER_FSGOFER_SYSCALLS_BY_OP_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "gofer/wire/mid.h"

namespace hg::fsgofer {

// What is known about one syscall argument.
struct SyscallArg {
  enum class Kind : uint8_t {
    kVaries,  // anything (pointers, sizes, client-chosen values)
    kFd,      // a descriptor we hold: always >= 0
    kFixed,   // always exactly `value` (as the 64-bit register holds it)
  };
  Kind kind = Kind::kVaries;
  uint64_t value = 0;

  static constexpr SyscallArg Varies() { return {}; }
  static constexpr SyscallArg Fd() { return {Kind::kFd, 0}; }
  static constexpr SyscallArg Fixed(uint64_t v) { return {Kind::kFixed, v}; }
  // A negative int (AT_FDCWD) as the kernel sees it in a 64-bit register.
  static constexpr SyscallArg FixedInt(int v) {
    return {Kind::kFixed, static_cast<uint64_t>(static_cast<int64_t>(v))};
  }
};

struct SyscallUse {
  std::string_view name;  // x86_64 syscall name ("openat2", "newfstatat", ...)
  std::array<SyscallArg, 6> args{};
  std::string_view why;  // where in the handling it happens
};

// Every syscall handling `mid` may make (some only on some paths: the table is
// the union, because any of them may be reached by a client's choice of
// arguments). Empty for MIDs fsgofer does not serve (Flush, Error) and for
// unknown values.
std::span<const SyscallUse> SyscallsForMid(wire::MID mid);

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_SYSCALLS_BY_OP_H_
