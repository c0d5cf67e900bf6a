// Removing a name beneath a directory handle.
//
//   HG_RETURN_IF_ERROR(UnlinkAt(dir, name, 0));             // file, symlink, ...
//   HG_RETURN_IF_ERROR(UnlinkAt(dir, name, AT_REMOVEDIR));  // empty directory
//
// unlinkat(2) never follows the name: removing a symlink removes the symlink,
// not its target. A mount point gives EBUSY (kernel).
#ifndef HARDGOFER_PATH_WALK_UNLINK_AT_H_
#define HARDGOFER_PATH_WALK_UNLINK_AT_H_

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"

namespace hg::path_walk {

// `flags` is 0 or AT_REMOVEDIR (EINVAL otherwise).
Status UnlinkAt(const Handle& dir, const Name& name, int flags);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_UNLINK_AT_H_
