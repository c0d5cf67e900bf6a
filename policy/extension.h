// What the policy compiler needs to know about a gofer extension, as plain data.
//
//   policy::ExtensionDescriptor cache;
//   cache.name = "tiered_cache";
//   cache.version = "1";
//   cache.claims = [](const oci::Spec&, const oci::Mount* m) {
//     return m != nullptr && m->destination == "/cache";     // never the rootfs
//   };
//   cache.can_donate_host_fds = false;                        // needs directfs off there
//   cache.rules.Allow("fallocate", {seccomp::ArgCond::Eq(1, 0)},
//                     {"fallocate(fd, 0, ...)", "preallocate cache blocks", ""});
//   inputs.extensions.push_back(std::move(cache));
//
// The compiler runs offline, with no server, so an extension is described by a
// *pure* decision (`claims`: does it serve this mount of this spec?) plus the
// facts that change the policy. policy::DescriptorFor (extension_adapter.h)
// builds one from a real server::Extension; tests also use fake ones. Rules
// of the game, mirroring runsc's extension registry:
//   * extensions are tried in list (registration) order for every gofer-served
//     mount, rootfs included (`mount == nullptr`), never for /dev; the first
//     that claims a mount serves it;
//   * an extension that cannot donate host FDs must not claim a mount with
//     directfs on: the sentry's directfs mount requires a host FD from Mount,
//     so the sandbox would fail to mount it. The compiler reports that as an
//     error with the hint that fixes it;
//   * `rules` are merged (OR, widening only) with source "extension:<name>",
//     but only when the extension claims at least one mount (runsc merges every
//     registered extension's rules; an extension that serves nothing needs no
//     syscalls after confinement);
//   * `claims` must be deterministic: it is code, so the digest cannot cover
//     it. `version` stands for it in the digest: change it whenever `claims` or
//     the rules change.
#ifndef HARDGOFER_POLICY_EXTENSION_H_
#define HARDGOFER_POLICY_EXTENSION_H_

#include <functional>
#include <string>
#include <vector>

#include "oci/spec.h"
#include "policy/error.h"
#include "seccomp/rule.h"

namespace hg::policy {

struct ExtensionDescriptor {
  // [a-z0-9_]+, unique in the list; appears as "extension:<name>" in reasons.
  std::string name;
  // Non-empty; part of the input digest (see above).
  std::string version;
  // Pure: does this extension serve `mount` (nullptr = the rootfs) of `spec`?
  // `spec` has bundle-relative paths resolved, as runsc's gofer sees it.
  std::function<bool(const oci::Spec& spec, const oci::Mount* mount)> claims;
  // Whether its Mount handler can return a host FD to the mount point.
  bool can_donate_host_fds = true;
  // Whether it reads key files; if so, and it claims a mount, the operator
  // policy must name at least one (a tenant's annotations never may).
  bool needs_key_files = false;
  // Syscalls it needs after confinement. Reason sources are replaced by
  // "extension:<name>"; an unknown syscall name is a compile error naming the
  // extension.
  seccomp::RuleSet rules{"extension"};
};

// Checks names (syntax, uniqueness), versions and that `claims` is set.
// Error kind kExtension naming the descriptor.
ErrorOr<void> ValidateExtensions(const std::vector<ExtensionDescriptor>& extensions);

// The text of a descriptor that goes into the input digest: name, version,
// can_donate_host_fds, needs_key_files and every rule (RuleSet::Describe).
std::string CanonicalDescriptorText(const ExtensionDescriptor& e);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_EXTENSION_H_
