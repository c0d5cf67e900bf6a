#include "path_walk/unlink_at.h"

#include <fcntl.h>
#include <unistd.h>

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {

Status UnlinkAt(const Handle& dir, const Name& name, int flags) {
  if (flags != 0 && flags != AT_REMOVEDIR) return Errno(EINVAL);
  HG_RETURN_IF_ERROR(internal::RequireDir(dir));
  return StatusFromRet(::unlinkat(dir.fd(), name.c_str(), flags));
}

}  // namespace hg::path_walk
