// The seccomp rules of a policy as protobuf, and back.
//
//   pb::Seccomp s;
//   policy::RulesToProto(rules, deny, seccomp::Arch::kX86_64, &s);   // into policy.pb
//   policy::ErrorOr<policy::PolicyRules> r = policy::RulesFromProto(s);  // for `query`
//   seccomp::Query(program, arch, mode, r->allow, r->deny, q);
//
// policy.pb keeps the source rules next to the program's digest so that
// `policy query` can explain the verdict of the *compiled program* (run on the
// interpreter) with the rules it came from. The round trip is exact: reading
// back and recompiling yields the same program (tested).
#ifndef HARDGOFER_POLICY_RULES_PROTO_H_
#define HARDGOFER_POLICY_RULES_PROTO_H_

#include "policy/error.h"
#include "policy/policy.pb.h"
#include "seccomp/arch.h"
#include "seccomp/compiler.h"
#include "seccomp/rule.h"

namespace hg::policy {

// Fills s->syscall and s->deny (replacing what was there).
void RulesToProto(const seccomp::RuleSet& allow, const seccomp::DenyRules& deny,
                  seccomp::Arch arch, pb::Seccomp* s);

struct PolicyRules {
  seccomp::Arch arch = seccomp::Arch::kX86_64;
  seccomp::Mode mode = seccomp::Mode::kEnforce;
  seccomp::RuleSet allow{"policy"};
  seccomp::DenyRules deny;
};

// kOutput error naming the rule if the proto is not one RulesToProto could
// have written (unknown kind, arch, mode or placeholder; an invalid condition).
ErrorOr<PolicyRules> RulesFromProto(const pb::Seccomp& s);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_RULES_PROTO_H_
