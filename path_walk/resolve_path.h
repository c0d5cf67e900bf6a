// Resolving a whole slash-separated path below a mount root, for server-side
// callers (the `serve` command, configuration, tests) rather than RPCs.
//
//   HG_ASSIGN_OR_RETURN(Handle h, ResolvePath(root, "a/../../../etc"));  // = root/etc
//
// ".." is lexical: it returns to the handle the walk came from, and at the
// root it stays at the root (depth never goes below 0), so "a/../../.." and
// "/.." both name the root, as inside a chroot. A leading '/' means the mount
// root. Because each step is a handle, a host process renaming a directory
// mid-walk cannot redirect ".." to the directory's new parent. A symlink is
// never followed: as the last component it is returned as itself, anywhere
// else the walk fails with ELOOP. Components are validated as Names
// (EINVAL / ENAMETOOLONG); there is no overall length limit, so trees deeper
// than PATH_MAX resolve fine.
#ifndef HARDGOFER_PATH_WALK_RESOLVE_PATH_H_
#define HARDGOFER_PATH_WALK_RESOLVE_PATH_H_

#include <string_view>

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/mount_root.h"

namespace hg::path_walk {

Result<Handle> ResolvePath(const MountRoot& root, std::string_view path);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_RESOLVE_PATH_H_
