// The root of one served tree: where every walk starts and above which
// nothing can be reached.
//
//   Options opts;
//   opts.no_xdev = true;                          // refuse mounts below the root
//   HG_ASSIGN_OR_RETURN(MountRoot root, OpenMountRoot("/srv/volume", opts));
//   HG_ASSIGN_OR_RETURN(WalkResult w, Walk(root.handle(), names));
//
// The mount path is trusted configuration (it comes from the OCI spec or the
// command line, never from an RPC): it must be absolute, and symlinks in it
// are followed (an operator's /var -> /data is fine) but magic links are not.
// Everything below the root is then reached through handles only.
#ifndef HARDGOFER_PATH_WALK_MOUNT_ROOT_H_
#define HARDGOFER_PATH_WALK_MOUNT_ROOT_H_

#include <string_view>

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/resolver.h"

namespace hg::path_walk {

struct Options {
  // Refuse to cross into another mount below the root (RESOLVE_NO_XDEV under
  // openat2; a mount-id comparison in the fallback). Lookups that would cross
  // fail with EXDEV. Off by default: mounts inside a volume are usually part
  // of it.
  bool no_xdev = false;
  // kFallback forces the pre-openat2 path (tests run every case both ways).
  Resolver resolver = Resolver::kAuto;
};

class MountRoot {
 public:
  MountRoot(MountRoot&&) noexcept = default;
  MountRoot& operator=(MountRoot&&) noexcept = default;

  // The depth-0 handle every walk of this mount starts from.
  const Handle& handle() const { return handle_; }
  const Options& options() const { return options_; }

 private:
  friend Result<MountRoot> OpenMountRoot(std::string_view path, const Options& options);
  MountRoot(Handle handle, const Options& options)
      : handle_(std::move(handle)), options_(options) {}

  Handle handle_;
  Options options_;
};

// Opens `path` (absolute, no NUL) as a mount root. The root may be a directory
// or a regular file (a single bind-mounted file); other types give EINVAL.
// With Resolver::kOpenat2 on a kernel without openat2 this fails with ENOSYS.
Result<MountRoot> OpenMountRoot(std::string_view path, const Options& options);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_MOUNT_ROOT_H_
