// Opening files for I/O: an existing name, a new file, or an existing handle.
//
//   HG_ASSIGN_OR_RETURN(UniqueFd rd, OpenAt(dir, name, O_RDONLY));
//   HG_ASSIGN_OR_RETURN(Created c, CreateAt(dir, name, O_RDWR, 0644));
//   HG_ASSIGN_OR_RETURN(UniqueFd wr, Reopen(proc, c.child.handle, O_WRONLY));
//
// None of these follows a symlink: a symlink at `name` (or as the handle)
// fails with ELOOP (ENOTDIR when O_DIRECTORY was asked for: the kernel checks
// the type first; re-checking the name to "fix" the errno would itself race
// with a host rename), and an existing entry of any kind makes CreateAt fail with
// EEXIST (O_EXCL), so a dangling symlink planted by the host or the client can
// never make us create a file elsewhere. path_walk does not filter file types
// (FIFOs, devices, sockets): which types a mount may open is the server's
// policy, and opening a FIFO without O_NONBLOCK blocks, as with open(2).
//
// Flags accepted: the access mode plus O_APPEND, O_NONBLOCK, O_DSYNC, O_SYNC,
// O_DIRECT, O_NOATIME, O_LARGEFILE, O_TRUNC, O_DIRECTORY (not for CreateAt),
// O_NOFOLLOW, O_CLOEXEC, O_NOCTTY. Anything else (O_CREAT, O_EXCL, O_PATH,
// O_TMPFILE, unknown bits) is EINVAL, on every kernel: openat(2) would ignore
// unknown bits silently, openat2(2) refuses them, and both resolvers must
// behave alike. O_CLOEXEC, O_NOCTTY and O_NOFOLLOW are always added.
#ifndef HARDGOFER_PATH_WALK_OPEN_AT_H_
#define HARDGOFER_PATH_WALK_OPEN_AT_H_

#include <sys/types.h>

#include "base/result.h"
#include "base/unique_fd.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"
#include "path_walk/proc_self_fd.h"

namespace hg::path_walk {

// Opens the existing non-symlink `name` beneath `dir`.
Result<UniqueFd> OpenAt(const Handle& dir, const Name& name, int flags);

struct Created {
  Child child;  // O_PATH handle + statx of the new file
  UniqueFd fd;  // the file opened with the requested flags
};

// Creates a new regular file `name` beneath `dir` (O_CREAT | O_EXCL, permission
// bits of `mode`) and opens it. If a host process replaces the new entry
// before its handle is taken, fails with EAGAIN and leaves the entry alone
// (removing by name could remove the host's file instead).
Result<Created> CreateAt(const Handle& dir, const Name& name, int flags, mode_t mode);

// Opens the object behind `h` again with `flags`: the LisaFS OpenAt path from
// a control handle to an I/O descriptor.
//
// Implemented as openat(proc, "N", flags) on the handle's own magic link, not
// as a fresh lookup of parent + name, because (1) it reaches exactly the
// object the handle pins, even after a host process renamed, replaced or
// unlinked its name, so no check-then-use window exists; (2) it needs no
// parent handle and works for the mount root; (3) it works on every kernel
// the fallback supports. The result is verified to be the same object
// (EIO otherwise, which would mean the procfs view is not ours). Symlink
// handles fail with ELOOP.
Result<UniqueFd> Reopen(const ProcSelfFd& proc, const Handle& h, int flags);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_OPEN_AT_H_
