// The single lookup primitive every path_walk operation is built on: open one
// validated component beneath a directory handle, never following anything.
//
//   HG_ASSIGN_OR_RETURN(UniqueFd fd, OpenBeneath(dir, name, O_RDONLY, 0));
//   HG_ASSIGN_OR_RETURN(Child child, StepTo(dir, name));   // O_PATH handle + statx
//
// Keeping all lookups in one place is what makes the escape argument short:
// a Name has no '/', no "." and no "..", O_NOFOLLOW (plus RESOLVE_NO_SYMLINKS
// and RESOLVE_NO_MAGICLINKS under openat2) refuses to traverse a trailing
// symlink, so the kernel can only return the object named `name` in the
// directory the handle pins, wherever that directory currently is.
#ifndef HARDGOFER_PATH_WALK_INTERNAL_BENEATH_H_
#define HARDGOFER_PATH_WALK_INTERNAL_BENEATH_H_

#include <sys/types.h>

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"

namespace hg::path_walk::internal {

// The only way to construct a Handle.
struct HandleAccess {
  static Handle Make(UniqueFd fd, std::uint32_t depth, const Statx& st, const MountContext& mount) {
    return Handle(std::move(fd), depth, st, mount);
  }
};

// ENOTDIR unless `dir` is a directory handle.
Status RequireDir(const Handle& dir);

// EXDEV if the mount forbids crossings and `child` (looked up in `dir`) sits
// on another mount than `dir`.
Status CheckSameMount(const Handle& dir, const Statx& child);

// Opens `name` beneath `dir` with `flags` (O_CLOEXEC | O_NOFOLLOW are always
// added; mode is used only with O_CREAT). Uses the mount's resolver.
Result<UniqueFd> OpenBeneath(const Handle& dir, const Name& name, int flags, mode_t mode);

// O_PATH handle (depth + 1) and statx of `name` beneath `dir`. A symlink is
// returned as itself.
Result<Child> StepTo(const Handle& dir, const Name& name);

// statx of `name` beneath `dir` without following it, with the mount rule.
Result<Statx> StatBeneath(const Handle& dir, const Name& name);

// EAGAIN unless `st` has file type `type`: used after creating an entry and
// opening it by name, to notice a host process that replaced it in between.
Status RequireType(const Statx& st, mode_t type);

}  // namespace hg::path_walk::internal

#endif  // HARDGOFER_PATH_WALK_INTERNAL_BENEATH_H_
