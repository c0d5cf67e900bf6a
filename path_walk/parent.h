// "..": the parent of a handle, and where a handle sits (parent + name).
//
//   HG_ASSIGN_OR_RETURN(Location at, Locate(proc, root, handle));
//   HG_RETURN_IF_ERROR(UnlinkAt(at.parent, at.name, 0));   // remove what we hold
//   HG_ASSIGN_OR_RETURN(Handle up, Parent(proc, root, handle));   // ".." (root: root)
//
// A raw openat(fd, "..") is exactly what guarantee 3 of the threat model must
// not do: if a host process has moved the directory outside the root, its
// ".." is outside too. So the parent is never taken from the kernel's "..".
// Instead: read the handle's current path from /proc/self/fd, require it to
// lie below the root's current path (EXDEV otherwise, e.g. the object was
// moved out), walk the parent components down *from the root* with the
// normal per-component walk (so the parent is inside the root by
// construction), and check that the last component there is the same
// object as the handle (dev + ino). A host rename racing with this makes the
// check fail; the lookup is retried a few times, then fails with EAGAIN.
// Paths longer than PATH_MAX cannot be read from procfs: ENAMETOOLONG.
#ifndef HARDGOFER_PATH_WALK_PARENT_H_
#define HARDGOFER_PATH_WALK_PARENT_H_

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/mount_root.h"
#include "path_walk/name.h"
#include "path_walk/proc_self_fd.h"

namespace hg::path_walk {

struct Location {
  Handle parent;  // directory handle, depth = h's current depth - 1
  Name name;      // h's current name in `parent`
};

// Where `h` currently is below `root`. The root itself has no location inside
// the mount: EBUSY (as rename/unlink of a mount point). Handles of another
// mount: EXDEV. Unlinked objects: ENOENT.
Result<Location> Locate(const ProcSelfFd& proc, const MountRoot& root, const Handle& h);

// The directory containing `h`; the parent of the root is the root itself
// (depth never goes below 0), as ".." at "/" in a chroot.
Result<Handle> Parent(const ProcSelfFd& proc, const MountRoot& root, const Handle& h);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_PARENT_H_
