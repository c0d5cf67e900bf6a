// The checks runsc applies to every spec before it runs it (specutils.ValidateSpec).
//
//   auto warnings = oci::ValidateSpecForRunsc(spec);
//   if (!warnings.ok()) return Fail(warnings.error().message);  // "Spec.Root.Path must be defined"
//
// A spec runsc refuses never starts a gofer, so the policy compiler rejects it too
// instead of compiling a policy for a sandbox that cannot exist. Checked (runsc's
// words as the message prefix): process and process.args present; root and root.path
// present; no solaris/windows section; no SELinux label; rootfsPropagation is
// (r)slave or (r)private; every mount destination absolute; gofer mounts carry no
// shared/rshared option; container-type annotations known, and a "container" has a
// sandbox ID. Not checked: the rootfs-tar annotation (needs
// --allow-rootfs-tar-annotation; no gofer effect).
#ifndef HARDGOFER_OCI_SPEC_VALIDATE_H_
#define HARDGOFER_OCI_SPEC_VALIDATE_H_

#include <vector>

#include "oci/error.h"
#include "oci/spec.h"

namespace hg::oci {

// Returns runsc's warnings (e.g. "AppArmor profile \"x\" is being ignored") on success.
ErrorOr<std::vector<Diagnostic>> ValidateSpecForRunsc(const Spec& spec);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_SPEC_VALIDATE_H_
