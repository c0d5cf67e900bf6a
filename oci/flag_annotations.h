// Annotations that change runsc flags: `dev.gvisor.bundle.<NAME>=true` and
// `dev.gvisor.flag.<FLAG>=<VALUE>` (runsc specutils.FixConfig).
//
//   oci::RuntimeFlags flags = FromCommandLine(...);
//   auto diags = oci::ApplyFlagAnnotations(spec.annotations, &flags);
//   if (!diags.ok()) return Fail(diags.error().message);  // runsc refuses the container
//   // `flags` is now what runsc (sandbox and gofer alike) actually runs with.
//
// Why it matters for a gofer policy: runsc lets the *container author* change some
// flags without operator consent. `dev.gvisor.flag.host-uds` and
// `dev.gvisor.flag.overlay2` (memory/self media only) are on runsc's override
// allowlist, and the `experimental-high-performance` bundle forces `directfs=true` and
// `overlay2=root:self` even over explicit command-line flags. A compiler that ignored
// these would describe a different gofer from the one runsc starts. Every change made
// here is returned as a Diagnostic so `explain` shows who asked for it.
//
// Modelled precisely: directfs, host-uds, host-fifo, overlay2, file-access,
// file-access-mounts. Other allowlisted flags (debug, strace, qdisc, ...) do not affect
// the gofer; they are reported as kIgnoredFlagAnnotation and their values are not
// validated (runsc would reject a malformed one).
#ifndef HARDGOFER_OCI_FLAG_ANNOTATIONS_H_
#define HARDGOFER_OCI_FLAG_ANNOTATIONS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"
#include "oci/runtime_flags.h"

namespace hg::oci {

inline constexpr std::string_view kFlagAnnotationPrefix = "dev.gvisor.flag.";
inline constexpr std::string_view kBundleAnnotationPrefix = "dev.gvisor.bundle.";

// runsc FixConfig, in runsc's order: bundles first (value must be "true"; unknown
// bundle names are skipped with a warning; conflicting bundles are an error), then
// each flag annotation (allowlisted flags, or any flag with allow_flag_override; the
// overlay2 allowlist check admits only none/memory/self media), then Validate().
// Annotations are visited in key order; runsc's Go map order only changes which of
// several fatal errors it reports.
ErrorOr<std::vector<Diagnostic>> ApplyFlagAnnotations(
    const std::map<std::string, std::string>& annotations, RuntimeFlags* flags);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_FLAG_ANNOTATIONS_H_
