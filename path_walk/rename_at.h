// Renaming between two directory handles of the same mount.
//
//   HG_RETURN_IF_ERROR(RenameAt(old_dir, old_name, new_dir, new_name, 0));
//   HG_RETURN_IF_ERROR(RenameAt(a, x, b, y, RENAME_EXCHANGE));
//
// renameat2(2) never follows either name, so a symlink is moved as itself. The
// two handles must come from the same mount root (EXDEV otherwise): each
// served mount is its own tree even when two share a filesystem.
#ifndef HARDGOFER_PATH_WALK_RENAME_AT_H_
#define HARDGOFER_PATH_WALK_RENAME_AT_H_

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"

namespace hg::path_walk {

// `flags`: 0, RENAME_NOREPLACE or RENAME_EXCHANGE (EINVAL otherwise;
// RENAME_WHITEOUT needs privileges a server should not use on behalf of a
// client).
Status RenameAt(const Handle& old_dir, const Name& old_name, const Handle& new_dir,
                const Name& new_name, unsigned flags);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_RENAME_AT_H_
