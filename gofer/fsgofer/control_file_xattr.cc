// ControlFile: extended attributes, within the mount's allowed namespaces.
//
// The handle is O_PATH, which the f*xattr calls refuse, so regular files,
// directories and FIFOs are re-opened through path_walk (Reopen: the exact
// object, O_NONBLOCK so a FIFO never blocks) for one call. Other types
// (symlinks, sockets, devices) cannot carry user.* attributes in Linux; they
// answer what the kernel answers for user.* there (ENODATA to read, EPERM to
// write, an empty list) without a syscall. trusted.*/security.* on those
// types are not served (EOPNOTSUPP): reaching them would need a path-based
// l*xattr call, which fsgofer never makes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "gofer/fsgofer/control_file.h"
#include "path_walk/open_at.h"

namespace hg::fsgofer {
namespace {

// XATTR_SIZE_MAX / XATTR_LIST_MAX from linux/limits.h.
constexpr size_t kXattrSizeMax = 65536;
constexpr size_t kXattrListMax = 65536;

bool Reopenable(const path_walk::Handle& h) {
  return h.is_regular() || h.is_dir() || h.type() == S_IFIFO;
}

bool IsUser(const server::XattrName& n) { return n.str().rfind("user.", 0) == 0; }

}  // namespace

Result<std::string> ControlFile::GetXattr(const server::XattrName& name, uint32_t size) {
  if (!mount_->rules().XattrAllowed(name.str())) return Refuse(Rule::kXattrNamespace, "FGetXattr");
  if (!Reopenable(h_)) return Errno(IsUser(name) ? ENODATA : EOPNOTSUPP);
  HG_ASSIGN_OR_RETURN(UniqueFd fd, path_walk::Reopen(mount_->proc(), h_, O_RDONLY | O_NONBLOCK));
  // getxattr(2) with size 0 asks for the value's size; the client only learns
  // it from the value, so always read up to the maximum (gVisor does too).
  const size_t cap = (size == 0 || size > kXattrSizeMax) ? kXattrSizeMax : size;
  std::string value(cap, '\0');
  ssize_t n = ::fgetxattr(fd.get(), name.c_str(), value.data(), value.size());
  if (n < 0) return Errno::Last();
  value.resize(static_cast<size_t>(n));
  return value;
}

Status ControlFile::SetXattr(const server::XattrName& name, std::string_view value,
                             uint32_t flags) {
  HG_RETURN_IF_ERROR(CheckWritable("FSetXattr"));
  if (!mount_->rules().XattrAllowed(name.str())) return Refuse(Rule::kXattrNamespace, "FSetXattr");
  if ((flags & ~static_cast<uint32_t>(XATTR_CREATE | XATTR_REPLACE)) != 0) return Errno(EINVAL);
  if (!Reopenable(h_)) return Errno(IsUser(name) ? EPERM : EOPNOTSUPP);
  HG_ASSIGN_OR_RETURN(UniqueFd fd, path_walk::Reopen(mount_->proc(), h_, O_RDONLY | O_NONBLOCK));
  return StatusFromRet(
      ::fsetxattr(fd.get(), name.c_str(), value.data(), value.size(), static_cast<int>(flags)));
}

Result<std::vector<std::string>> ControlFile::ListXattr(uint64_t size) {
  std::vector<std::string> names;
  if (!Reopenable(h_)) return names;
  HG_ASSIGN_OR_RETURN(UniqueFd fd, path_walk::Reopen(mount_->proc(), h_, O_RDONLY | O_NONBLOCK));
  std::string buf(kXattrListMax, '\0');
  ssize_t n = ::flistxattr(fd.get(), buf.data(), buf.size());
  if (n < 0) return Errno::Last();
  // Names outside the allowed namespaces are not shown: a client must not
  // learn, e.g., the host's security labels through a mount that hides them.
  size_t listed = 0;
  size_t i = 0;
  while (i < static_cast<size_t>(n)) {
    size_t end = buf.find('\0', i);
    if (end == std::string::npos || end > static_cast<size_t>(n)) break;
    std::string_view x(buf.data() + i, end - i);
    if (!x.empty() && mount_->rules().XattrAllowed(x)) {
      names.emplace_back(x);
      listed += x.size() + 1;
    }
    i = end + 1;
  }
  // listxattr(2) semantics for the filtered list: a non-zero buffer that is
  // too small is ERANGE.
  if (size != 0 && listed > size) return Errno(ERANGE);
  return names;
}

Status ControlFile::RemoveXattr(const server::XattrName& name) {
  HG_RETURN_IF_ERROR(CheckWritable("FRemoveXattr"));
  if (!mount_->rules().XattrAllowed(name.str()))
    return Refuse(Rule::kXattrNamespace, "FRemoveXattr");
  if (!Reopenable(h_)) return Errno(IsUser(name) ? EPERM : EOPNOTSUPP);
  HG_ASSIGN_OR_RETURN(UniqueFd fd, path_walk::Reopen(mount_->proc(), h_, O_RDONLY | O_NONBLOCK));
  return StatusFromRet(::fremovexattr(fd.get(), name.c_str()));
}

}  // namespace hg::fsgofer
