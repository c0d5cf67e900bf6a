// runsc's per-mount gofer configuration: `<lower>:<upper>[:size=<size>]`.
//
//   auto confs = oci::ParseGoferMountConfs("lisafs:self,lisafs:none,none:memory");
//   confs->at(0).ShouldUseLisafs();      // true: served by the gofer over LisaFS
//   confs->at(0).ShouldUseOverlayfs();   // true: overlaid, so the gofer serves it read-only
//   oci::FormatGoferMountConfs(*confs);  // "lisafs:self,lisafs:none,none:memory"
//
// Mirrors runsc/specutils/gofer_conf.go. The list has one entry for the rootfs (index 0)
// and then one per spec mount with a mount config (HasMountConfig), in spec order; the
// lower layer says who serves the mount, the upper layer whether it is overlaid.
#ifndef HARDGOFER_OCI_GOFER_MOUNT_CONF_H_
#define HARDGOFER_OCI_GOFER_MOUNT_CONF_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace hg::oci {

enum class LowerType : uint8_t {
  kNone,    // no lower layer: a tmpfs in the sentry
  kLisafs,  // served by the gofer over LisaFS
  kErofs,   // an EROFS image file opened by runsc; no gofer
};
enum class UpperType : uint8_t {
  kNone,    // not overlaid
  kMemory,  // overlay upper layer in application memory
  kSelf,    // overlay upper layer in a filestore file inside the mount source
  kAnon,    // overlay upper layer in a filestore file in --overlay2's dir=
};
const char* LowerTypeName(LowerType t);  // "none", "lisafs", "erofs"
const char* UpperTypeName(UpperType t);  // "none", "memory", "self", "anon"

struct GoferMountConf {
  LowerType lower = LowerType::kNone;
  UpperType upper = UpperType::kNone;
  std::string size;  // upper tmpfs size; "" = default

  // runsc GoferMountConf.Set. Errors (runsc's words): `invalid gofer mount config
  // format: "x"`, `invalid gofer mount config lower layer type: x`, `... upper layer
  // type: x`, `invalid gofer mount config: "none:none"`.
  static ErrorOr<GoferMountConf> Parse(std::string_view v);
  // "lower:upper" plus ":size=<size>" when size is set.
  std::string ToString() const;

  bool ShouldUseLisafs() const { return lower == LowerType::kLisafs; }
  bool ShouldUseErofs() const { return lower == LowerType::kErofs; }
  bool ShouldUseTmpfs() const { return lower == LowerType::kNone; }
  bool ShouldUseOverlayfs() const { return lower != LowerType::kNone && upper != UpperType::kNone; }
  bool IsFilestorePresent() const { return upper == UpperType::kSelf || upper == UpperType::kAnon; }
  bool IsSelfBacked() const { return upper == UpperType::kSelf; }
  // none:none has neither a lower layer nor a tmpfs to stand in for one.
  bool Valid() const { return lower != LowerType::kNone || upper != UpperType::kNone; }

  friend bool operator==(const GoferMountConf&, const GoferMountConf&) = default;
};

// runsc GoferMountConfFlags.Set: a comma-separated list appended to `out` (the flag
// may be repeated). Error: `invalid GoferMountConf value (x): <reason>`.
ErrorOr<void> AppendGoferMountConfs(std::string_view v, std::vector<GoferMountConf>* out);
// A fresh list from one flag value.
ErrorOr<std::vector<GoferMountConf>> ParseGoferMountConfs(std::string_view v);
// The flag value for `confs` (comma-joined ToString), as runsc passes it to the gofer.
std::string FormatGoferMountConfs(const std::vector<GoferMountConf>& confs);

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_GOFER_MOUNT_CONF_H_
