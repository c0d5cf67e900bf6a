// Escape-proof traversal of a served tree: everything a gofer backend needs.
//
//   using namespace hg::path_walk;
//   HG_ASSIGN_OR_RETURN(ProcSelfFd proc, ProcSelfFd::Open());            // before confinement
//   HG_ASSIGN_OR_RETURN(MountRoot root, OpenMountRoot("/srv/vol", {}));
//   HG_ASSIGN_OR_RETURN(Name a, Name::Make("a"));
//   HG_ASSIGN_OR_RETURN(Name b, Name::Make("b"));
//   std::vector<Name> names{a, b};
//   HG_ASSIGN_OR_RETURN(WalkResult w, Walk(root.handle(), names));
//   if (w.status == WalkStatus::kSuccess) {
//     HG_ASSIGN_OR_RETURN(UniqueFd fd, Reopen(proc, w.steps.back().handle, O_RDONLY));
//   }
//
// The promise and its limits are in docs/threat-model.md; tests/escape is the
// attack suite that checks them against the real kernel, for both resolvers.
#ifndef HARDGOFER_PATH_WALK_PATH_WALK_H_
#define HARDGOFER_PATH_WALK_PATH_WALK_H_

#include "path_walk/handle.h"          // IWYU pragma: export
#include "path_walk/link_at.h"         // IWYU pragma: export
#include "path_walk/make_at.h"         // IWYU pragma: export
#include "path_walk/mount_root.h"      // IWYU pragma: export
#include "path_walk/name.h"            // IWYU pragma: export
#include "path_walk/open_at.h"         // IWYU pragma: export
#include "path_walk/parent.h"          // IWYU pragma: export
#include "path_walk/proc_self_fd.h"    // IWYU pragma: export
#include "path_walk/rename_at.h"       // IWYU pragma: export
#include "path_walk/resolve_path.h"    // IWYU pragma: export
#include "path_walk/resolver.h"        // IWYU pragma: export
#include "path_walk/socket_address.h"  // IWYU pragma: export
#include "path_walk/stat_at.h"         // IWYU pragma: export
#include "path_walk/unlink_at.h"       // IWYU pragma: export
#include "path_walk/walk.h"            // IWYU pragma: export

#endif  // HARDGOFER_PATH_WALK_PATH_WALK_H_
