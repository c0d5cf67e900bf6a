// `policy query` arguments: SYSCALL and ARGn=VALUE, parsed into a seccomp query.
//
//   policy::ErrorOr<seccomp::SyscallQuery> q = policy::ParseQueryArgs(
//       seccomp::Arch::kX86_64, "mmap", {"ARG2=PROT_READ|PROT_EXEC", "ARG3=MAP_PRIVATE|MAP_ANONYMOUS"});
//
// SYSCALL: a name ("openat"), a number ("257", "0x101"), or an x32 call
// ("x32:getpid", "x32:39": the number with the x32 bit set). With arch "i386"
// (seccomp_data.arch of a 32-bit int $0x80 call) the syscall is a number.
// VALUE: decimal, 0x-hex or negative integers (two's complement, so
// ARG0=-100 is AT_FDCWD as the kernel sees it), a symbol (AT_FDCWD, O_CLOEXEC,
// PROT_EXEC, MAP_STACK, FUTEX_WAKE_PRIVATE, AF_UNIX, ...; SymbolNames() lists
// them), several joined with '|', or "self_pid" (the placeholder `run` fills
// with the gofer's pid). Arguments not given are 0.
#ifndef HARDGOFER_POLICY_QUERY_ARGS_H_
#define HARDGOFER_POLICY_QUERY_ARGS_H_

#include <string>
#include <vector>

#include "policy/error.h"
#include "seccomp/arch.h"
#include "seccomp/query.h"
#include "seccomp/rule.h"

namespace hg::policy {

// `arch_name` "" means the program's arch; else "x86_64", "aarch64", "i386".
ErrorOr<seccomp::SyscallQuery> ParseQueryArgs(seccomp::Arch program_arch,
                                              const std::string& syscall,
                                              const std::vector<std::string>& args,
                                              const std::string& arch_name = "");

// One VALUE as above.
ErrorOr<seccomp::ArgValue> ParseArgValue(const std::string& text);

// The known symbols, sorted.
std::vector<std::string> SymbolNames();

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_QUERY_ARGS_H_
