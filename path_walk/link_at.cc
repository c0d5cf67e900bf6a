#include "path_walk/link_at.h"

#include <fcntl.h>
#include <unistd.h>

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {

Result<Child> LinkAt(const Handle& old_dir, const Name& old_name, const Handle& new_dir,
                     const Name& new_name) {
  HG_RETURN_IF_ERROR(internal::RequireDir(old_dir));
  HG_RETURN_IF_ERROR(internal::RequireDir(new_dir));
  if (!old_dir.mount().SameRootAs(new_dir.mount())) return Errno(EXDEV);
  // A mount point at old_name needs no check here: linkat refuses to link
  // across vfsmounts (EXDEV) whatever the mount's rules are.
  if (::linkat(old_dir.fd(), old_name.c_str(), new_dir.fd(), new_name.c_str(), 0) != 0) {
    return Errno::Last();
  }
  return internal::StepTo(new_dir, new_name);
}

Result<Child> LinkHandle(const ProcSelfFd& proc, const Handle& target, const Handle& new_dir,
                         const Name& new_name) {
  HG_RETURN_IF_ERROR(internal::RequireDir(new_dir));
  if (!target.mount().SameRootAs(new_dir.mount())) return Errno(EXDEV);
  if (target.is_dir()) return Errno(EPERM);
  const std::string entry = FdEntryName(target.fd());
  if (::linkat(proc.fd(), entry.c_str(), new_dir.fd(), new_name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return Errno::Last();
  }
  HG_ASSIGN_OR_RETURN(Child child, internal::StepTo(new_dir, new_name));
  if (!target.SameObjectAs(child.stat)) return Errno(EAGAIN);
  return child;
}

}  // namespace hg::path_walk
