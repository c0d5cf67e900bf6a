// Compiles a RuleSet (plus deny rules) to a classic-BPF seccomp program with
// libseccomp.
//
//   ErrorOr<CompiledFilter> f = Compile(rules, DenyExecMappings(),
//                                       {.arch = Arch::kX86_64, .mode = Mode::kEnforce});
//   if (!f.ok()) return f.error();          // e.g. unknown syscall "fooat" (from extension:x)
//   WriteFile("seccomp.bpf", f->program.ToBytes());
//   WriteFile("seccomp.pfc", f->pfc);
//
// The program checks the architecture first (any other arch, and any x32
// syscall number on x86_64, gets the bad-arch action) and then the rules. The
// violation and bad-arch actions are SECCOMP_RET_KILL_PROCESS, or
// SECCOMP_RET_LOG in audit mode. Deny rules are folded into every
// alternative of their syscall, so "mmap with PROT_EXEC" is never allowed,
// whatever set allows mmap. Same input, byte-identical program and PFC text:
// rules go to libseccomp in name order, duplicates removed, and libseccomp's
// code generation is deterministic. Placeholders compile to sentinels (see
// placeholder.h); the PFC text names them.
#ifndef HARDGOFER_SECCOMP_COMPILER_H_
#define HARDGOFER_SECCOMP_COMPILER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "seccomp/arch.h"
#include "seccomp/bpf_program.h"
#include "seccomp/error.h"
#include "seccomp/placeholder.h"
#include "seccomp/rule.h"

namespace hg::seccomp {

enum class Mode : uint8_t {
  kEnforce,  // violations and foreign arches: SECCOMP_RET_KILL_PROCESS
  kAudit,    // violations and foreign arches: SECCOMP_RET_LOG (allowed, logged)
};
std::string_view ModeName(Mode mode);  // "enforce", "audit"

// SECCOMP_RET_KILL_PROCESS or SECCOMP_RET_LOG.
uint32_t ViolationAction(Mode mode);

struct CompileOptions {
  Arch arch = Arch::kX86_64;
  Mode mode = Mode::kEnforce;
};

struct CompiledFilter {
  Arch arch;
  Mode mode;
  BpfProgram program;       // seccomp.bpf: program.ToBytes()
  std::string pfc;          // seccomp.pfc: libseccomp's pseudo-code, placeholders by name
  std::vector<Hole> holes;  // where placeholders sit in `program`
  // Alternatives that can never allow anything because a deny rule always
  // wins over them, e.g. "mmap: arg2 has 0x4 set (from ...) is denied by
  // deny_exec_mappings". Empty for the stock sets.
  std::vector<std::string> notes;
};

// Errors: the rule set's recorded error; kUnknownSyscall naming the syscall,
// the arch and the sources of its rules; kInvalidRule for a bad deny rule, a
// literal that collides with a placeholder sentinel, or an errno fallback
// combined with conditional alternatives; kLibseccomp if libseccomp refuses.
ErrorOr<CompiledFilter> Compile(const RuleSet& allow, const DenyRules& deny,
                                const CompileOptions& options);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_COMPILER_H_
