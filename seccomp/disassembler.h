// Text form of a seccomp program, for goldens, reviews and `policy explain`.
//
//   std::string text = Disassemble(filter.program, Arch::kX86_64);
//   // 0000: ld   [4]                           ; A = arch
//   // 0001: jeq  #0xc000003e  jt 0002 jf 0040 ; x86_64
//   // 0002: ld   [0]                           ; A = nr
//   // ...
//   // 0012: jeq  #0xffffde00  jt 0013 jf 0039 ; self_pid.lo32
//
// One line per instruction with absolute jump targets, so a diff of two
// goldens shows exactly which comparisons moved. Comparisons are annotated by
// what A holds on every path into them (syscall names when A is the syscall
// number, the arch name, argument halves, placeholders by name).
#ifndef HARDGOFER_SECCOMP_DISASSEMBLER_H_
#define HARDGOFER_SECCOMP_DISASSEMBLER_H_

#include <string>

#include "seccomp/arch.h"
#include "seccomp/bpf_program.h"

namespace hg::seccomp {

std::string Disassemble(const BpfProgram& program, Arch arch);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_DISASSEMBLER_H_
