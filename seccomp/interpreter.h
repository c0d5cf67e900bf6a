// A classic-BPF interpreter for seccomp programs: what would the kernel
// decide for this syscall?
//
//   SeccompData d = SeccompData::For(Arch::kX86_64, 257 /* openat */, {AT_FDCWD, path, O_RDONLY});
//   Verdict v = Interpret(program, d);
//   if (v.action() == SECCOMP_RET_ALLOW) ...
//   v.insns_executed                       // for bench: cost of this call
//
// `policy query` answers with this interpreter so the answer is about the
// compiled program, not the source rules. Semantics follow the kernel's
// classic-BPF-for-seccomp: 32-bit A and X, 16 scratch words, loads of aligned
// words of struct seccomp_data in host (little-endian) order, BPF_LEN = 64,
// division by a zero X returns 0 (SECCOMP_RET_KILL_THREAD), as the kernel's
// converted program does. A BpfProgram is validated on construction, so Interpret
// cannot fail; InterpretUnvalidated validates raw instructions first and reports a
// malformed program instead of crashing.
#ifndef HARDGOFER_SECCOMP_INTERPRETER_H_
#define HARDGOFER_SECCOMP_INTERPRETER_H_

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "seccomp/arch.h"
#include "seccomp/bpf_program.h"
#include "seccomp/error.h"
#include "seccomp/rule.h"

namespace hg::seccomp {

// struct seccomp_data, field for field.
struct SeccompData {
  int32_t nr = 0;
  uint32_t arch = 0;
  uint64_t instruction_pointer = 0;
  SyscallArgs args{};

  // A call of syscall `nr` with `args` on `arch` (audit arch of `arch`).
  static SeccompData For(Arch arch, int nr, SyscallArgs args = {});
};

struct Verdict {
  uint32_t ret = 0;           // the program's return value
  size_t insns_executed = 0;  // instructions run, the return included

  // SECCOMP_RET_ACTION_FULL part (e.g. SECCOMP_RET_ERRNO), and the data part.
  uint32_t action() const { return ret & 0xffff0000u; }
  uint16_t data() const { return static_cast<uint16_t>(ret & 0xffffu); }
  bool allowed() const;  // action() == SECCOMP_RET_ALLOW
};

Verdict Interpret(const BpfProgram& program, const SeccompData& data);
ErrorOr<Verdict> InterpretUnvalidated(std::span<const sock_filter> insns, const SeccompData& data);

// "ALLOW", "KILL_PROCESS", "KILL_THREAD", "TRAP(3)", "ERRNO(38)", "LOG",
// "TRACE(1)", "USER_NOTIF", or "UNKNOWN(0x...)" (which the kernel treats as
// KILL_PROCESS).
std::string ActionName(uint32_t ret);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_INTERPRETER_H_
