// Installs a compiled seccomp program on every thread of this process.
//
//   ErrorOr<void> s = Install(filter.program, Bindings::ForThisProcess());
//   if (!s.ok()) Die(s.error().ToString());   // "tsync: thread 1234 could not ..."
//
// Steps, in this order, each reported as its own ErrorCode: fill the
// placeholders (kUnboundPlaceholder; an unfilled tgkill rule would kill the
// gofer on its first abort()), prctl(PR_SET_NO_NEW_PRIVS) (kNoNewPrivs;
// required for an unprivileged filter and keeps execve from regaining
// privileges), then seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC)
// (kSeccompInstall, or kTsync naming the thread that could not be
// synchronised). TSYNC matters: a thread started before the filter would
// otherwise run unconfined. There is no way back; tests call this in a
// forked child.
#ifndef HARDGOFER_SECCOMP_INSTALL_H_
#define HARDGOFER_SECCOMP_INSTALL_H_

#include "seccomp/bpf_program.h"
#include "seccomp/error.h"
#include "seccomp/placeholder.h"

namespace hg::seccomp {

ErrorOr<void> Install(const BpfProgram& program, const Bindings& bindings);

// The last two steps alone, for a program whose holes are already filled.
ErrorOr<void> SetNoNewPrivs();
ErrorOr<void> InstallFilterOnAllThreads(const BpfProgram& filled);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_INSTALL_H_
