#include "path_walk/rename_at.h"

#include <fcntl.h>
#include <stdio.h>  // RENAME_* (glibc >= 2.28)
#include <sys/syscall.h>
#include <unistd.h>

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {

Status RenameAt(const Handle& old_dir, const Name& old_name, const Handle& new_dir,
                const Name& new_name, unsigned flags) {
  if (flags != 0 && flags != RENAME_NOREPLACE && flags != RENAME_EXCHANGE) return Errno(EINVAL);
  HG_RETURN_IF_ERROR(internal::RequireDir(old_dir));
  HG_RETURN_IF_ERROR(internal::RequireDir(new_dir));
  if (!old_dir.mount().SameRootAs(new_dir.mount())) return Errno(EXDEV);
  // The raw syscall, not glibc's renameat2(): with flags 0 glibc makes the
  // older renameat syscall, which the gofer's seccomp policy does not allow
  // (runsc's lisafs set lists renameat2 only), so a plain rename would kill a
  // confined gofer.
  return StatusFromRet(static_cast<int>(::syscall(SYS_renameat2, old_dir.fd(), old_name.c_str(),
                                                  new_dir.fd(), new_name.c_str(), flags)));
}

}  // namespace hg::path_walk
