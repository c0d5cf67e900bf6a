// Creating directories, special files and symlinks at a name beneath a handle.
//
//   HG_ASSIGN_OR_RETURN(Child d, MkdirAt(dir, name, 0755));
//   HG_ASSIGN_OR_RETURN(Child f, MknodAt(dir, name, S_IFIFO | 0600, 0));
//   HG_ASSIGN_OR_RETURN(Child l, SymlinkAt(dir, name, "../anything/at/all"));
//
// Each returns the new entry's O_PATH handle and statx (a LisaFS Inode). The
// *at() syscalls never follow a trailing symlink when creating, so an entry
// the host planted at `name` (even a dangling symlink to outside) makes the
// call fail with EEXIST instead of creating anything elsewhere. If a host
// process replaces the new entry before its handle is taken, the call fails
// with EAGAIN and leaves the entry alone. Ownership (fchownat on the handle,
// AT_EMPTY_PATH) is the caller's business.
#ifndef HARDGOFER_PATH_WALK_MAKE_AT_H_
#define HARDGOFER_PATH_WALK_MAKE_AT_H_

#include <sys/types.h>

#include <string_view>

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"

namespace hg::path_walk {

// Permission bits of `mode` are used (the umask applies, as for mkdir(2)).
Result<Child> MkdirAt(const Handle& dir, const Name& name, mode_t mode);

// `mode` must carry one of S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK
// (EINVAL otherwise); `dev` is used for character and block devices. Whether
// a mount may create devices at all is the server's policy.
Result<Child> MknodAt(const Handle& dir, const Name& name, mode_t mode, dev_t dev);

// Creates a symlink whose content is `target`, stored verbatim: the content is
// data for the client, never resolved by the server. Empty target: ENOENT (as
// symlink(2)); a NUL inside: EINVAL; PATH_MAX bytes or more: ENAMETOOLONG.
Result<Child> SymlinkAt(const Handle& dir, const Name& name, std::string_view target);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_MAKE_AT_H_
