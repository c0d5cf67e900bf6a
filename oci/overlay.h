// runsc's overlay settings: the --overlay2 flag and the overlay medium.
//
//   oci::Overlay2 o = oci::Overlay2::Default();          // "root:self", runsc's default
//   if (auto st = o.Set("all:memory,size=1g"); !st.ok()) return st.error();
//   o.RootOverlayMedium().kind() == oci::OverlayMedium::Kind::kMemory;
//   o.SubMountOverlaySize() == "1g";
//
// Mirrors runsc/config/config.go (OverlayMedium.Set, Overlay2.Set/String,
// Root/SubMountOverlayMedium/Size). Whether a mount is overlaid decides whether the
// gofer serves it read-only, so this is part of the policy, not a performance knob.
#ifndef HARDGOFER_OCI_OVERLAY_H_
#define HARDGOFER_OCI_OVERLAY_H_

#include <string>
#include <string_view>

#include "oci/error.h"

namespace hg::oci {

// "" (no overlay), "memory", "self", or "dir=/abs/path" (anonymous filestore there).
class OverlayMedium {
 public:
  enum class Kind { kNone, kMemory, kSelf, kAnon };

  OverlayMedium() = default;  // no overlay
  // runsc OverlayMedium.Set. Errors: `unexpected medium: "x"`, `overlay host file
  // directory should be an absolute path, got "x"`.
  static ErrorOr<OverlayMedium> Parse(std::string_view v);

  Kind kind() const { return kind_; }
  bool IsBackedByAnon() const { return kind_ == Kind::kAnon; }
  // The directory of a "dir=" medium ("" otherwise).
  std::string HostFileDir() const;
  // The flag spelling; "" for no overlay.
  const std::string& ToString() const { return text_; }
  friend bool operator==(const OverlayMedium& a, const OverlayMedium& b) { return a.text_ == b.text_; }

 private:
  Kind kind_ = Kind::kNone;
  std::string text_;
};

// --overlay2: "none" or "{root|all}:{medium}[,size={size}]".
class Overlay2 {
 public:
  // runsc defaultOverlay2(): root mount overlaid, backed by a file in the rootfs.
  static Overlay2 Default();
  // The zero value runsc's checkOverlay2 parses into (nothing overlaid, medium "").
  static Overlay2 Zero() { return Overlay2(); }
  // Default().Set(v).
  static ErrorOr<Overlay2> Parse(std::string_view v);

  // runsc Overlay2.Set, statefully: like runsc, "root:..." sets the root mount but
  // leaves a sub-mount setting from an earlier "all:..." in place, which matters when
  // the flag is set twice or overridden by an annotation. On error *this is unchanged
  // (runsc partially updates, but every error is fatal there).
  ErrorOr<void> Set(std::string_view v);

  // runsc Overlay2.String: "none", "root:self", "all:memory,size=1g", ...
  std::string ToString() const;
  // Any medium set (runsc Enabled: medium != "", even for "all:").
  bool Enabled() const { return medium_.kind() != OverlayMedium::Kind::kNone; }
  bool root_mount() const { return root_mount_; }
  bool sub_mounts() const { return sub_mounts_; }
  const OverlayMedium& medium() const { return medium_; }
  const std::string& size() const { return size_; }

  OverlayMedium RootOverlayMedium() const { return root_mount_ ? medium_ : OverlayMedium(); }
  std::string RootOverlaySize() const { return root_mount_ ? size_ : std::string(); }
  OverlayMedium SubMountOverlayMedium() const { return sub_mounts_ ? medium_ : OverlayMedium(); }
  std::string SubMountOverlaySize() const { return sub_mounts_ ? size_ : std::string(); }

 private:
  bool root_mount_ = false;
  bool sub_mounts_ = false;
  OverlayMedium medium_;
  std::string size_;
};

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_OVERLAY_H_
