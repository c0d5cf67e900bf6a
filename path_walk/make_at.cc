#include "path_walk/make_at.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {
namespace {

// Opens the entry just created and checks it is still of the created type.
Result<Child> TakeNew(const Handle& dir, const Name& name, mode_t type) {
  HG_ASSIGN_OR_RETURN(Child child, internal::StepTo(dir, name));
  HG_RETURN_IF_ERROR(internal::RequireType(child.stat, type));
  return child;
}

}  // namespace

Result<Child> MkdirAt(const Handle& dir, const Name& name, mode_t mode) {
  HG_RETURN_IF_ERROR(internal::RequireDir(dir));
  if (::mkdirat(dir.fd(), name.c_str(), mode & 07777) != 0) return Errno::Last();
  return TakeNew(dir, name, S_IFDIR);
}

Result<Child> MknodAt(const Handle& dir, const Name& name, mode_t mode, dev_t dev) {
  HG_RETURN_IF_ERROR(internal::RequireDir(dir));
  const mode_t type = mode & S_IFMT;
  if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
      type != S_IFSOCK) {
    return Errno(EINVAL);
  }
  const bool is_device = type == S_IFCHR || type == S_IFBLK;
  if (::mknodat(dir.fd(), name.c_str(), type | (mode & 07777), is_device ? dev : 0) != 0) {
    return Errno::Last();
  }
  return TakeNew(dir, name, type);
}

Result<Child> SymlinkAt(const Handle& dir, const Name& name, std::string_view target) {
  HG_RETURN_IF_ERROR(internal::RequireDir(dir));
  if (target.empty()) return Errno(ENOENT);
  if (target.find('\0') != std::string_view::npos) return Errno(EINVAL);
  if (target.size() >= PATH_MAX) return Errno(ENAMETOOLONG);
  const std::string t(target);
  if (::symlinkat(t.c_str(), dir.fd(), name.c_str()) != 0) return Errno::Last();
  return TakeNew(dir, name, S_IFLNK);
}

}  // namespace hg::path_walk
