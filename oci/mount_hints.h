// gVisor mount hints: pod hints `dev.gvisor.spec.mount.<NAME>.<KEY>` and the rootfs hint
// `dev.gvisor.spec.rootfs.<KEY>`, parsed and validated exactly as runsc does.
//
//   auto hints = oci::PodMountHints::Parse(spec.annotations);
//   if (!hints.ok()) return Fail(hints.error().message);        // runsc would refuse to start
//   for (const auto& d : hints->diagnostics()) explain(d);      // what runsc logged and ignored
//   if (const oci::MountHint* h = hints->FindMount(mount.source); h && h->suppress_directfs) ...
//
//   auto rootfs = oci::ParseRootfsHint(spec.annotations);       // ErrorOr<optional<RootfsHint>>
//
// Mirrors runsc/boot/mount_hints.go. What is fatal and what is ignored matters: runsc
// starts a sandbox with an ignored hint, so a typo in `directfs` silently leaves
// directfs on. Every ignored or dropped hint is therefore a Diagnostic here.
//
// Pod hints (NewPodMountHints):
//   * key after the prefix must split on '.' into exactly <NAME>.<KEY>, else hard error
//     `invalid mount annotation: K=V`; empty NAME is `invalid mount name: `;
//   * a bad KEY or VALUE is logged and ignored (Diagnostic kIgnoredHintField);
//     options drop "shared"/"rshared" (kFilteredMountOption);
//   * a hint without share, source and type is dropped (kDroppedHint), so its
//     `directfs: off` never takes effect;
//   * two hints with the same source: hard error `mounts "a" and "b" have the same
//     mount source "/x"` (see Parse for the one order-dependent case in runsc);
//   * FindMount compares sources byte-for-byte; no path cleaning.
// Rootfs hint (NewRootfsHint): any invalid key or value is a hard error
// `invalid rootfs annotation (key = "k", value = "v"): ...`; once any rootfs key is
// present, source and type are required.
#ifndef HARDGOFER_OCI_MOUNT_HINTS_H_
#define HARDGOFER_OCI_MOUNT_HINTS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"
#include "oci/overlay.h"
#include "oci/runtime_flags.h"
#include "oci/spec.h"

namespace hg::oci {

inline constexpr std::string_view kMountHintPrefix = "dev.gvisor.spec.mount.";
inline constexpr std::string_view kRootfsHintPrefix = "dev.gvisor.spec.rootfs.";

// Who may observe or mutate a volume.
enum class ShareType {
  kInvalid,    // not set (or set to an invalid value, which runsc ignores)
  kContainer,  // one container; no external observers
  kPod,        // several containers of the pod; no external observers
  kShared,     // may also change outside the pod (e.g. NFS)
};
// "invalid", "container", "pod", "shared".
const char* ShareTypeName(ShareType s);

struct MountHint {
  std::string name;
  ShareType share = ShareType::kInvalid;
  // source, type ("bind" or "tmpfs") and options (shared/rshared filtered out); the
  // destination is never set by a hint.
  Mount mount;
  // `directfs: off`. Opt-out only: it can never turn directfs on when --directfs is off.
  bool suppress_directfs = false;
  // Full annotation keys that contributed, sorted (for explain).
  std::vector<std::string> annotation_keys;

  // tmpfs shared within the pod (share container or pod).
  bool ShouldShareMount() const;
  // share container or pod: nothing outside the sandbox observes the volume, so runsc
  // overlays it with a "self" filestore and, for tmpfs hints, does not use the gofer.
  bool IsSandboxLocal() const;
  // runsc MountHint.fileAccessType (the sentry's caching mode for this mount).
  FileAccess FileAccessType() const;
};

class PodMountHints {
 public:
  PodMountHints() = default;  // no hints

  // runsc NewPodMountHints over the spec's annotations. Annotations are visited in
  // key order, so the first hard error reported is deterministic (runsc's depends on
  // Go map order when several annotations are bad; each of them is fatal there).
  //
  // Duplicate sources: runsc validates hints in random map order, deleting incomplete
  // ones as it meets them, and compares each complete hint's source with every hint
  // *still in the map*. So a complete hint and an incomplete hint with the same source
  // fail in some runs and pass in others. We report that as the hard error (runsc may
  // refuse the sandbox; a policy must not depend on luck).
  static ErrorOr<PodMountHints> Parse(const std::map<std::string, std::string>& annotations);

  // The complete hint whose source equals `source` byte-for-byte, or nullptr. At most
  // one exists: Parse rejects duplicates.
  const MountHint* FindMount(std::string_view source) const;
  // Complete hints, sorted by name.
  const std::vector<MountHint>& hints() const { return hints_; }
  // Ignored fields, filtered options and dropped hints, in annotation-key order then
  // hint-name order.
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<MountHint> hints_;
  std::vector<Diagnostic> diagnostics_;
};

struct RootfsHint {
  Mount mount;            // source (absolute) and type ("erofs" or "bind")
  OverlayMedium overlay;  // absent `overlay` key: no overlay
  std::string size;       // `options: size=...`; "" = default
  bool suppress_directfs = false;
  std::vector<std::string> annotation_keys;  // sorted
};

// runsc NewRootfsHint. nullopt when no `dev.gvisor.spec.rootfs.` annotation exists.
ErrorOr<std::optional<RootfsHint>> ParseRootfsHint(const std::map<std::string, std::string>& annotations);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_MOUNT_HINTS_H_
