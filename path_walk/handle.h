// Handles: O_PATH descriptors to objects inside a served tree, each knowing its
// depth below the mount root and the rules of the mount it came from.
//
//   HG_ASSIGN_OR_RETURN(MountRoot root, OpenMountRoot("/srv/volume", {}));
//   HG_ASSIGN_OR_RETURN(WalkResult w, Walk(root.handle(), names));
//   const Handle& h = w.steps.back().handle;
//   h.depth();        // components below the mount root (root itself: 0)
//   h.is_symlink();   // file type as seen when the handle was opened
//   ::fstat(h.fd(), ...) / fchownat(h.fd(), "", ..., AT_EMPTY_PATH) etc.
//
// A Handle can only be made by path_walk (by walking from a MountRoot), so
// holding one is proof that the object was inside the root when it was
// reached. The descriptor pins the object, not its path: if a host process
// later moves it outside the root, the handle follows it (guarantee 3 in
// docs/threat-model.md) and operations through it touch that object and its
// subtree only. Handles are O_PATH|O_CLOEXEC and move-only; to read or write
// the file, use Reopen() (open_at.h).
#ifndef HARDGOFER_PATH_WALK_HANDLE_H_
#define HARDGOFER_PATH_WALK_HANDLE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"
#include "path_walk/resolver.h"

namespace hg::path_walk {

using Statx = struct ::statx;

// What every statx in path_walk asks for: the LisaFS Statx fields (basic
// stats and birth time) plus the mount id used by the no-crossing rule.
inline constexpr unsigned kStatxMask = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID;

// The rules of one mount, copied into each of its handles so an operation on
// any handle enforces the same rules as the walk that produced it.
struct MountContext {
  Resolver resolver = Resolver::kAuto;
  bool no_xdev = false;
  // Identity of the mount root, so handles of different mounts are never mixed
  // (rename/link across mounts, or locating a handle under the wrong root).
  std::uint64_t root_dev = 0;
  std::uint64_t root_ino = 0;

  bool SameRootAs(const MountContext& o) const {
    return root_dev == o.root_dev && root_ino == o.root_ino;
  }
};

namespace internal {
struct HandleAccess;
}  // namespace internal

class Handle {
 public:
  Handle(Handle&&) noexcept = default;
  Handle& operator=(Handle&&) noexcept = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  // The O_PATH descriptor. Owned by the handle: never close it.
  int fd() const { return fd_.get(); }
  // Components below the mount root when the handle was made; 0 only for the root.
  std::uint32_t depth() const { return depth_; }
  bool is_root() const { return depth_ == 0; }

  // File type bits (S_IFMT) of the object; a descriptor's type never changes.
  mode_t type() const { return type_; }
  bool is_dir() const { return type_ == S_IFDIR; }
  bool is_symlink() const { return type_ == S_IFLNK; }
  bool is_regular() const { return type_ == S_IFREG; }
  bool is_socket() const { return type_ == S_IFSOCK; }

  // Identity of the object (stable for the life of the descriptor).
  std::uint64_t dev() const { return dev_; }
  std::uint64_t ino() const { return ino_; }
  // Mount id; meaningful only when has_mnt_id() (kernels with STATX_MNT_ID).
  std::uint64_t mnt_id() const { return mnt_id_; }
  bool has_mnt_id() const { return has_mnt_id_; }
  bool SameObjectAs(const Statx& st) const;

  const MountContext& mount() const { return mount_; }

  // Another descriptor for the same object, same depth and mount.
  Result<Handle> Dup() const;
  // Fresh statx of the object (no name lookup; symlinks are not followed).
  Result<Statx> Stat() const;

 private:
  friend struct internal::HandleAccess;
  Handle(UniqueFd fd, std::uint32_t depth, const Statx& st, const MountContext& mount);

  UniqueFd fd_;
  std::uint32_t depth_ = 0;
  mode_t type_ = 0;
  bool has_mnt_id_ = false;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::uint64_t mnt_id_ = 0;
  MountContext mount_;
};

// A handle together with the statx taken right after it was opened: what a
// walk step or a create returns (a LisaFS Inode is built from exactly this).
struct Child {
  Handle handle;
  Statx stat;
};

// Device number of a statx record, in the st_dev encoding.
std::uint64_t StatxDev(const Statx& st);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_HANDLE_H_
