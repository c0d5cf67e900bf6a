#include "path_walk/stat_at.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {

Result<Statx> StatAt(const Handle& dir, const Name& name) {
  return internal::StatBeneath(dir, name);
}

Result<std::string> ReadLink(const Handle& h) {
  if (!h.is_symlink()) return Errno(EINVAL);
  // Linux symlink contents are shorter than PATH_MAX; one more byte tells a
  // full buffer from a truncated one.
  std::string buf(PATH_MAX + 1, '\0');
  ssize_t n = ::readlinkat(h.fd(), "", buf.data(), buf.size());
  if (n < 0) return Errno::Last();
  if (static_cast<std::size_t>(n) >= buf.size()) return Errno(ENAMETOOLONG);
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

}  // namespace hg::path_walk
