// Looking at an entry without opening it, and reading symlinks.
//
//   HG_ASSIGN_OR_RETURN(Statx st, StatAt(dir, name));      // lstat-like
//   HG_ASSIGN_OR_RETURN(std::string t, ReadLink(handle));   // symlink content
//
// StatAt never follows `name` (a symlink reports itself) and honours the
// mount's no-crossing rule (a mount point below a no_xdev mount: EXDEV).
// For a fresh stat of a handle, use Handle::Stat().
#ifndef HARDGOFER_PATH_WALK_STAT_AT_H_
#define HARDGOFER_PATH_WALK_STAT_AT_H_

#include <string>

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"

namespace hg::path_walk {

Result<Statx> StatAt(const Handle& dir, const Name& name);

// The content of the symlink behind `h` (readlinkat(fd, "")). Not a symlink:
// EINVAL. The content is data for the client; the server never resolves it.
Result<std::string> ReadLink(const Handle& h);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_STAT_AT_H_
