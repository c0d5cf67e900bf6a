#include "path_walk/rename_at.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_* (glibc >= 2.28)

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {

Status RenameAt(const Handle& old_dir, const Name& old_name, const Handle& new_dir,
                const Name& new_name, unsigned flags) {
  if (flags != 0 && flags != RENAME_NOREPLACE && flags != RENAME_EXCHANGE) return Errno(EINVAL);
  HG_RETURN_IF_ERROR(internal::RequireDir(old_dir));
  HG_RETURN_IF_ERROR(internal::RequireDir(new_dir));
  if (!old_dir.mount().SameRootAs(new_dir.mount())) return Errno(EXDEV);
  return StatusFromRet(
      ::renameat2(old_dir.fd(), old_name.c_str(), new_dir.fd(), new_name.c_str(), flags));
}

}  // namespace hg::path_walk
