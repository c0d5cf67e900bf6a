// `policy query`: the verdict of the compiled program, with the rules behind it.
//
//   policy::ErrorOr<policy::LoadedPolicy> p = policy::ReadPolicyDir(outdir);
//   policy::ErrorOr<seccomp::SyscallQuery> q = policy::ParseQueryArgs(p->rules.arch, "bpf", {});
//   policy::ErrorOr<seccomp::QueryAnswer> a = policy::QueryPolicy(*p, *q);
//   std::cout << a->ToString();   // "deny (KILL_PROCESS after 9 instructions) bpf\n  default ..."
//
// The verdict is seccomp.bpf run on the classic-BPF interpreter, so it is about
// the program the kernel runs; the reasons are the source rules from policy.pb
// evaluated on the same arguments (a disagreement is printed as a warning).
// Placeholders keep their offline sentinels on both sides: `ARG0=self_pid`
// asks about the gofer's own pid. In audit mode a violation's action is LOG
// (the call runs and is logged); the first word is still "deny" because the
// policy does not allow it.
#ifndef HARDGOFER_POLICY_QUERY_H_
#define HARDGOFER_POLICY_QUERY_H_

#include "policy/error.h"
#include "policy/output_dir.h"
#include "seccomp/query.h"

namespace hg::policy {

ErrorOr<seccomp::QueryAnswer> QueryPolicy(const LoadedPolicy& policy, const seccomp::SyscallQuery& q);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_QUERY_H_
