// `policy diff`: what changed between two compiled policies, with reasons.
//
//   std::string d = policy::DiffPolicies(a.policy, b.policy);
//   // "mounts:\n  ~ /data: directfs on -> off\n      because dev.gvisor.spec.mount.data.directfs=off: ...\n"
//   // "seccomp:\n  ~ set lisafs: not included -> included\n  + mkdirat: any arguments | ..."
//
// Lines start with "+" (only in B), "-" (only in A) or "~" (changed, A -> B,
// followed by B's reasons for the new value). Mounts are matched by
// destination (with the config.json index when one destination repeats);
// seccomp alternatives by their conditions and reason. Empty when the two
// policies are equal in everything but their digests.
#ifndef HARDGOFER_POLICY_DIFF_H_
#define HARDGOFER_POLICY_DIFF_H_

#include <string>

#include "policy/policy.pb.h"

namespace hg::policy {

std::string DiffPolicies(const pb::Policy& a, const pb::Policy& b);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_DIFF_H_
