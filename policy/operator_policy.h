// The operator policy file: a textproto of pb::OperatorPolicy (policy.proto),
// parsed strictly and validated before the compiler uses it.
//
//   policy::ErrorOr<pb::OperatorPolicy> op =
//       policy::ParseOperatorPolicy(file_bytes, "ops.textproto");
//   if (!op.ok()) return op.error();   // "ops.textproto: path_deny[0].pattern=\"(\": ..."
//
// Strict because the operator policy is where confinement is tightened: an
// unknown field, an enum value that does not exist, a pattern RE2 rejects or a
// relative key-file path is an error naming the file, the field path and the
// value, never a silently ignored line. Checks that need the spec (does
// mount[0].path name a served mount? does extension[0].name exist?) are made by
// the compiler, with the same error shape.
#ifndef HARDGOFER_POLICY_OPERATOR_POLICY_H_
#define HARDGOFER_POLICY_OPERATOR_POLICY_H_

#include <string>
#include <string_view>

#include "policy/error.h"
#include "policy/policy.pb.h"

namespace hg::policy {

// Bigger than any sensible operator policy; keeps a wrong --operator-policy
// (say, a disk image) from being read into memory.
inline constexpr size_t kMaxOperatorPolicyBytes = 1u << 20;

// The xattr namespaces a policy may name, and the default when it names none.
inline constexpr std::string_view kXattrNamespaces[] = {"security", "system", "trusted", "user"};
inline constexpr std::string_view kDefaultXattrNamespace = "user";

// Parses and validates `text`; `file` names it in errors (kOperatorPolicy).
ErrorOr<pb::OperatorPolicy> ParseOperatorPolicy(std::string_view text, const std::string& file);

// Builds an error about `key` (a field path such as "mount[2].path") of
// `file` with the offending `value`: "<file>: <key>=<quoted value>: <why>".
Error OperatorPolicyError(const std::string& file, const std::string& key,
                          const std::string& value, const std::string& why);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_OPERATOR_POLICY_H_
