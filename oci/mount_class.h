// How runsc classifies an OCI mount: gofer bind mount, EROFS image, or sentry-internal.
//
//   for (const oci::Mount& m : spec.mounts) {
//     if (!oci::HasMountConfig(m)) continue;   // proc, tmpfs, sysfs...: never the gofer's
//     bool bind = oci::IsGoferMount(m);        // may be served by the gofer over LisaFS
//   }
//
// Mirrors runsc/specutils/specutils.go (IsGoferMount, MaybeConvertToBindMount,
// IsErofsMount, HasMountConfig, IsIDMappedMount) and runsc/specutils/fs.go
// (IsReadonlyMount, FilterMountOptions, ValidateMountOptions). The order of spec
// mounts with a config is the order of --gofer-mount-confs and --io-fds, so a
// classification that differs from runsc's by one mount shifts every later mount onto
// the wrong socket.
#ifndef HARDGOFER_OCI_MOUNT_CLASS_H_
#define HARDGOFER_OCI_MOUNT_CLASS_H_

#include <string>
#include <string_view>
#include <vector>

#include "oci/spec.h"

namespace hg::oci {

inline constexpr std::string_view kMountTypeBind = "bind";    // runsc boot.Bind
inline constexpr std::string_view kMountTypeTmpfs = "tmpfs";  // tmpfs.Name
inline constexpr std::string_view kMountTypeErofs = "erofs";  // erofs.Name

// The OCI rule runsc applies: options containing "bind" or "rbind" make a bind mount
// whatever the type says ("the type is a dummy, often none").
std::string EffectiveMountType(const Mount& m);
// runsc MaybeConvertToBindMount: sets m.type to "bind" when the options say so.
void MaybeConvertToBindMount(Mount& m);
// Bind mount (by type or options) with a non-empty source.
bool IsGoferMount(const Mount& m);
// Type exactly "erofs" (options do not count).
bool IsErofsMount(const Mount& m);
// IsGoferMount || IsErofsMount: the mount owns one --gofer-mount-confs entry.
bool HasMountConfig(const Mount& m);
// Both uid and gid mappings present.
bool IsIDMappedMount(const Mount& m);
// An option exactly "ro" (so "rw" after "ro" does not cancel it, as in runsc).
bool IsReadonlyMount(const std::vector<std::string>& options);

// runsc validateMountOption: "shared"/"rshared" are not supported (mount propagation
// out of the sandbox would break isolation). Returns the runsc error text, or "".
std::string MountOptionError(std::string_view option);

struct FilteredOptions {
  std::vector<std::string> kept;     // in input order
  std::vector<std::string> dropped;  // in input order
  std::vector<std::string> reasons;  // one per dropped option, runsc's text
};
// runsc FilterMountOptions: drops invalid options (logged as warnings by runsc).
FilteredOptions FilterMountOptions(const std::vector<std::string>& options);

// runsc validateRootfsPropagation: the option must set MS_SLAVE or MS_PRIVATE
// (slave, rslave, private, rprivate). Returns runsc's error text, or "".
std::string RootfsPropagationError(std::string_view option);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_MOUNT_CLASS_H_
