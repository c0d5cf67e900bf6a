// Which LisaFS messages the confined gofer may serve, decided by running the
// seccomp program it installs on every syscall those messages need.
//
//   AllowedOps ops = DeriveAllowedOps(filled_program, seccomp::Arch::kX86_64, /*audit=*/false);
//   cc.opts.allowed_mids = cc.opts.allowed_mids.Intersect(ops.allowed);
//   for (const RefusedOp& r : ops.refused) log(r.mid, r.syscall, r.verdict);
//
// Why: the program's violation action is KILL_PROCESS. A client asking for a
// message whose handling reaches a forbidden syscall (mkdirat with directfs
// on, say) would otherwise kill the gofer and every mount it serves. A
// message left out of allowed_mids is answered EOPNOTSUPP by the dispatcher
// before any backend code runs and is not advertised at Mount.
//
// How: for each MID, every entry of fsgofer::SyscallsForMid is evaluated with
// the seccomp interpreter (the kernel's semantics on the exact program). Fixed
// arguments take their value; an FD takes several non-negative values; an
// argument that varies takes several values including 0 and all-ones. The
// syscall counts as allowed only if *every* combination is ALLOW (or LOG in
// audit mode, where the kernel logs instead of killing): a rule that depends
// on a value we do not control is treated as forbidden. Conservative on
// purpose — a refused message costs an errno, a wrong "allowed" costs the
// gofer.
#ifndef HARDGOFER_GOFER_CMD_ALLOWED_OPS_H_
#define HARDGOFER_GOFER_CMD_ALLOWED_OPS_H_

#include <string>
#include <vector>

#include "gofer/server/connection_opts.h"
#include "gofer/wire/mid.h"
#include "seccomp/arch.h"
#include "seccomp/bpf_program.h"

namespace hg::cmd {

struct RefusedOp {
  wire::MID mid;
  std::string syscall;  // the first syscall of the MID the program does not allow
  std::string why;      // what fsgofer uses it for
  std::string verdict;  // the program's answer, e.g. "KILL_PROCESS"
};

struct AllowedOps {
  server::MidSet allowed;          // MIDs 1..33 whose every syscall is allowed
  std::vector<RefusedOp> refused;  // one per refused MID, in MID order
};

// `program` must have its placeholders filled (seccomp::FillHoles). MIDs with
// no syscall entry (Flush) are allowed: fsgofer refuses them without a call.
AllowedOps DeriveAllowedOps(const seccomp::BpfProgram& program, seccomp::Arch arch, bool audit);

// Every syscall name of SyscallsForMid(mid) the program does not allow (tests,
// and the startup log at debug level).
std::vector<std::string> ForbiddenSyscalls(const seccomp::BpfProgram& program, seccomp::Arch arch,
                                           wire::MID mid, bool audit);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_ALLOWED_OPS_H_
