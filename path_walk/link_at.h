// Hard links: from an existing name, or from a handle the server holds.
//
//   HG_ASSIGN_OR_RETURN(Child c, LinkAt(old_dir, old_name, new_dir, new_name));
//   HG_ASSIGN_OR_RETURN(Child c, LinkHandle(proc, target, new_dir, new_name));
//
// Both refuse handles of different mounts (EXDEV) and never follow a symlink:
// linking a symlink links the symlink itself, so a symlink pointing outside
// the root can never turn into a hard link to the outside file.
//
// Why LinkHandle goes through /proc/self/fd and not AT_EMPTY_PATH:
// linkat(fd, "", ..., AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH, which a
// confined server should not keep. linkat(proc, "N", ..., AT_SYMLINK_FOLLOW)
// follows only the magic link of our own descriptor, lands on exactly the
// object the handle pins (the same object AT_EMPTY_PATH would use), and needs
// no capability. The parent+name form (LinkAt) needs neither procfs nor a
// capability but links whatever is at old_name at the time of the call, which
// a host process may have replaced since the caller last looked.
#ifndef HARDGOFER_PATH_WALK_LINK_AT_H_
#define HARDGOFER_PATH_WALK_LINK_AT_H_

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"
#include "path_walk/proc_self_fd.h"

namespace hg::path_walk {

// linkat(old_dir, old_name, new_dir, new_name, 0). Directories: EPERM (kernel).
Result<Child> LinkAt(const Handle& old_dir, const Name& old_name, const Handle& new_dir,
                     const Name& new_name);

// Links the object behind `target` as new_dir/new_name. Directory handles:
// EPERM. If the new entry is replaced by a host process before its handle is
// taken: EAGAIN (the link stays).
Result<Child> LinkHandle(const ProcSelfFd& proc, const Handle& target, const Handle& new_dir,
                         const Name& new_name);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_LINK_AT_H_
