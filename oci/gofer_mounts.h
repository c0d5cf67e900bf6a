// Which mounts the gofer serves, in which --io-fds slot, read-only or not, with or
// without directfs: the runsc decisions a gofer policy is made of.
//
//   auto pod = oci::PodMountHints::Parse(spec.annotations);          // after ResolveBundlePaths
//   auto rootfs = oci::ParseRootfsHint(spec.annotations);
//   auto plan = oci::PlanGoferMounts(spec, flags, *pod, *rootfs, oci::HostDirectoryProbe());
//   for (const oci::GoferMount& m : plan->mounts) {
//     if (!m.served) continue;                       // tmpfs-hinted or EROFS: not ours
//     Serve(io_fds[*m.io_fd_index], m.mount_path, m.readonly, m.directfs);
//   }
//
// Mirrors runsc/container/container.go (initGoferConfs, createGoferConf) for building
// the conf list, and runsc/cmd/gofer.go (serve, lisafsNeededForDirectFSSuppression) for
// using it:
//   * conf[0] is the rootfs: --overlay2's root medium and size, or the rootfs hint's
//     (absent hint overlay = none); root.readonly forces no overlay; a non-bind
//     rootfs hint type (erofs) makes the lower layer erofs;
//   * then each spec mount with HasMountConfig, in spec order: lower lisafs (erofs
//     for EROFS mounts); --overlay2's sub-mount medium and size; the "ro" option
//     forces no overlay; a sandbox-local pod hint (share container|pod) forces medium
//     self with no size, *even for "ro" mounts*, and a hint whose own mount is not a
//     gofer mount (type tmpfs without bind/rbind options) makes the lower none, so the
//     gofer does not serve it;
//   * medium self on a source that is not a directory falls back to memory (runsc
//     stats the source on the host; here the probe does);
//   * served = lower lisafs; readonly = root.readonly || overlaid for the rootfs,
//     "ro" in options || overlaid for submounts; --io-fds are consumed in conf order
//     by served mounts only;
//   * directfs = --directfs && !hint.directfs=off (opt-out only).
#ifndef HARDGOFER_OCI_GOFER_MOUNTS_H_
#define HARDGOFER_OCI_GOFER_MOUNTS_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "oci/error.h"
#include "oci/gofer_mount_conf.h"
#include "oci/mount_hints.h"
#include "oci/runtime_flags.h"
#include "oci/spec.h"

namespace hg::oci {

// Says whether `path` (a resolved rootfs path or mount source) is a directory; an
// error when it cannot tell (runsc: fatal "failed to stat mount ...").
using DirectoryProbe = std::function<ErrorOr<bool>(const std::string& path)>;
// stat(2) on the host, following symlinks like Go's os.Stat.
DirectoryProbe HostDirectoryProbe();

// runsc initGoferConfs. `diagnostics` receives self→memory fallbacks.
ErrorOr<std::vector<GoferMountConf>> BuildGoferMountConfs(
    const Spec& spec, const Overlay2& overlay2, const PodMountHints& pod_hints,
    const std::optional<RootfsHint>& rootfs_hint, const DirectoryProbe& probe,
    std::vector<Diagnostic>* diagnostics);

// 1 (rootfs) + the number of spec mounts with HasMountConfig: the length every
// --gofer-mount-confs list for this spec must have.
size_t ExpectedGoferMountConfCount(const Spec& spec);

// One entry per GoferMountConf.
struct GoferMount {
  size_t conf_index = 0;              // 0 = rootfs
  std::optional<size_t> spec_index;   // index in spec.mounts; nullopt for the rootfs
  std::string mount_path;             // "/" for the rootfs, else the spec destination
  std::string source;                 // root.path or the mount's source (resolved)
  GoferMountConf conf;
  bool served = false;                // conf.ShouldUseLisafs(): a gofer connection
  std::optional<size_t> io_fd_index;  // slot in --io-fds when served
  bool overlaid = false;              // conf.ShouldUseOverlayfs()
  bool readonly_in_spec = false;      // root.readonly / "ro" option
  bool readonly = false;              // served && (readonly_in_spec || overlaid)
  bool directfs = false;              // effective: served && --directfs && !suppressed
  bool directfs_suppressed = false;   // a hint said directfs: off (rootfs or pod hint)
  // The hint that applies (for explain): pod hint name ("" if none) or, for the
  // rootfs, whether a rootfs hint exists.
  std::string pod_hint_name;
  bool rootfs_hint = false;
  // The annotation that suppressed directfs, e.g.
  // "dev.gvisor.spec.mount.cache.directfs" or "dev.gvisor.spec.rootfs.directfs".
  std::string directfs_hint_key;
  ShareType share = ShareType::kInvalid;  // from the pod hint
  // The sentry's caching mode: rootfs --file-access; submounts the hint's, else
  // --file-access-mounts.
  FileAccess file_access = FileAccess::kExclusive;
};

struct GoferMountPlan {
  std::vector<GoferMount> mounts;  // conf order: rootfs, then spec order
  bool confs_from_flag = false;    // --gofer-mount-confs was given and used
  size_t served_count = 0;         // the number of --io-fds the gofer needs
  // runsc lisafsNeededForDirectFSSuppression: a served rootfs with a rootfs hint
  // directfs=off, or a served submount whose pod hint says directfs=off. Independent
  // of --directfs; the LisaFS syscall set is needed iff !directfs || this.
  bool lisafs_needed_for_directfs_suppression = false;
  // Self→memory fallbacks and pod hints that match no mount of this container, in
  // conf order then hint-name order.
  std::vector<Diagnostic> diagnostics;
  bool LisafsSyscallsNeeded(const RuntimeFlags& flags) const {
    return !flags.directfs || lisafs_needed_for_directfs_suppression;
  }
};

// Builds (or, with flags.gofer_mount_confs, takes and checks the count of) the conf
// list and derives every served mount. `spec` must have had ResolveBundlePaths
// applied, as runsc matches hints against resolved sources.
ErrorOr<GoferMountPlan> PlanGoferMounts(const Spec& spec, const RuntimeFlags& flags,
                                        const PodMountHints& pod_hints,
                                        const std::optional<RootfsHint>& rootfs_hint,
                                        const DirectoryProbe& probe);

// Maps a list of gofer-side socket fds to the plan, as runsc's gofer does: too few is
// `no FD found for mount`, too many is `too many FDs passed for mounts`. Returns, per
// served mount in plan order, its fd.
ErrorOr<std::vector<int>> AssignIoFds(const GoferMountPlan& plan, const std::vector<int>& io_fds);

// Everything the policy compiler and `run` need from one bundle, in runsc's order:
// ValidateSpecForRunsc, ApplyFlagAnnotations, PodMountHints::Parse, ParseRootfsHint,
// PlanGoferMounts. `flags` are the command-line flags; effective_flags what runsc runs
// with after annotations. Diagnostics of all steps, in that order.
struct SpecAnalysis {
  RuntimeFlags effective_flags;
  PodMountHints pod_hints;
  std::optional<RootfsHint> rootfs_hint;
  GoferMountPlan plan;
  std::vector<Diagnostic> diagnostics;
};
ErrorOr<SpecAnalysis> AnalyzeSpec(const Spec& spec, const RuntimeFlags& flags,
                                  const DirectoryProbe& probe);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_GOFER_MOUNTS_H_
