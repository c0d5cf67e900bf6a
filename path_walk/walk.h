// Walking a list of components from a directory handle, one at a time.
//
//   std::vector<Name> names = ...;                   // each already a valid Name
//   HG_ASSIGN_OR_RETURN(WalkResult w, Walk(dir, names));
//   switch (w.status) {
//     case WalkStatus::kSuccess: ...                 // w.steps.size() == names.size()
//     case WalkStatus::kComponentDoesNotExist: ...   // steps of the existing prefix
//     case WalkStatus::kComponentSymlink: ...        // last step is a symlink; the
//   }                                                // client reads it and re-walks
//
// Semantics follow LisaFS Walk/WalkStat (shared/reference/lisafs-protocol.md §6):
// symlinks are never followed here, because the sandbox resolves them in its
// own VFS (an absolute target means the *sandbox's* root, not ours). Each step
// opens the next component relative to the descriptor of the previous one, so
// a host process renaming directories mid-walk can move what we hold but can
// never make a later step resolve through a path outside the root.
#ifndef HARDGOFER_PATH_WALK_WALK_H_
#define HARDGOFER_PATH_WALK_WALK_H_

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"

namespace hg::path_walk {

// Values match LisaFS WalkStatus on the wire.
enum class WalkStatus : std::uint8_t {
  kSuccess = 0,                // every component walked
  kComponentDoesNotExist = 1,  // stopped at a missing component (ENOENT)
  kComponentSymlink = 2,       // stopped: the last step is a symlink and more remain
};

struct WalkResult {
  WalkStatus status = WalkStatus::kSuccess;
  // One entry per component walked, in order; handles have depth dir.depth()+i+1.
  std::vector<Child> steps;
};

// Walks `names` from the directory handle `dir`. A symlink as the last
// component is returned as itself with kSuccess. Errors other than ENOENT
// (EACCES, EXDEV under no_xdev, ENOTDIR when a non-final component is neither
// a directory nor a symlink, ...) fail the whole walk; handles already opened
// are closed. `dir` must be a directory unless `names` is empty.
Result<WalkResult> Walk(const Handle& dir, std::span<const Name> names);

// Like Walk but returns only statx records and keeps no descriptors. With
// `stat_start` the first record is `dir` itself (LisaFS: a leading "" name),
// and `dir` may then be a non-directory when `names` is empty. Stops at a
// missing component, and *after* recording a symlink; the caller infers the
// outcome from the number of records.
Result<std::vector<Statx>> WalkStat(const Handle& dir, std::span<const Name> names,
                                    bool stat_start = false);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_WALK_H_
