// The input digest recorded in policy.pb: which inputs a policy was compiled from.
//
//   policy::DigestInputs in{spec_bytes, CanonicalFlags(flags), op_bytes, {ext_text}, false, "x86_64"};
//   std::string d = policy::InputDigest(in);   // "sha256:9f2c..."
//
// Two compilations with the same digest had the same inputs, so a reviewer who
// approved one policy can check that a deployed one came from the same spec,
// flags, operator policy and extensions. The encoding is framed (every field
// is tagged and length-prefixed), so no two different input tuples share a
// byte string:
//
//   "hardgofer-policy-inputs/v1\n"
//   then for each field, in this order:  <tag> "\n" <decimal length> "\n" <bytes> "\n"
//     spec             config.json, the bytes as read (not re-serialised)
//     flags            CanonicalFlags() of the command-line flags (before annotations:
//                      the annotations are inside the spec bytes)
//     operator_policy  the operator policy file's bytes; tag "no_operator_policy"
//                      with length 0 when none was given
//     extension        one field per descriptor, in registration order:
//                      CanonicalDescriptorText() (name, version, flags, rules)
//     mode             "enforce" or "audit"
//     arch             "x86_64"
//
// Not covered, by design: the bundle's location (sources are recorded as
// written in config.json), and host state the compiler consults (whether a
// rootfs or mount source is a directory decides runsc's self-overlay fallback;
// such fallbacks are listed as diagnostics in the policy itself).
#ifndef HARDGOFER_POLICY_DIGEST_H_
#define HARDGOFER_POLICY_DIGEST_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hg::policy {

struct DigestInputs {
  std::string_view spec_bytes;
  std::string canonical_flags;
  std::optional<std::string_view> operator_policy_bytes;
  std::vector<std::string> extension_texts;
  std::string mode;
  std::string arch;
};

// The framed byte string described above (exposed for tests and reviewers).
std::string CanonicalInputBytes(const DigestInputs& in);
// "sha256:" + hex of CanonicalInputBytes.
std::string InputDigest(const DigestInputs& in);
// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_DIGEST_H_
