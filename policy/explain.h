// explain.txt: the whole policy for a reviewer, every decision with its reasons.
//
//   std::string text = policy::RenderExplain(compiled.policy);   // == OUTDIR/explain.txt
//
// Rendered from the Policy protobuf alone, so `hardgofer policy explain OUTDIR`
// (which reads policy.pb) prints exactly what `compile` wrote. Sections, in
// order: inputs, loosenings, mounts, capabilities, seccomp (sets, deny rules,
// every allowed syscall with every alternative and its reason, placeholders),
// extensions, diagnostics (hints and annotations runsc would ignore or drop).
#ifndef HARDGOFER_POLICY_EXPLAIN_H_
#define HARDGOFER_POLICY_EXPLAIN_H_

#include <string>

#include "policy/policy.pb.h"

namespace hg::policy {

std::string RenderExplain(const pb::Policy& policy);

// "fsgofer", "extension:<name>", "not served".
std::string BackendName(const pb::Mount& m);

// "<source>: <why>".
std::string ReasonText(const pb::Reason& r);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_EXPLAIN_H_
