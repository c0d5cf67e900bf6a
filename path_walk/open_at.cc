#include "path_walk/open_at.h"

#include <fcntl.h>

#include "path_walk/internal/beneath.h"
#include "path_walk/internal/syscalls.h"

namespace hg::path_walk {
namespace {

constexpr int kAllowedFlags = O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT |
                              O_NOATIME | O_LARGEFILE | O_TRUNC | O_DIRECTORY | O_NOFOLLOW |
                              O_CLOEXEC | O_NOCTTY;

Status CheckFlags(int flags) {
  if ((flags & ~kAllowedFlags) != 0) return Errno(EINVAL);
  if ((flags & O_ACCMODE) == O_ACCMODE) return Errno(EINVAL);
  return Status::Ok();
}

}  // namespace

Result<UniqueFd> OpenAt(const Handle& dir, const Name& name, int flags) {
  HG_RETURN_IF_ERROR(CheckFlags(flags));
  return internal::OpenBeneath(dir, name, flags | O_NOCTTY, 0);
}

Result<Created> CreateAt(const Handle& dir, const Name& name, int flags, mode_t mode) {
  HG_RETURN_IF_ERROR(CheckFlags(flags));
  if ((flags & O_DIRECTORY) != 0) return Errno(EINVAL);
  HG_ASSIGN_OR_RETURN(
      UniqueFd fd,
      internal::OpenBeneath(dir, name, flags | O_CREAT | O_EXCL | O_NOCTTY, mode & 07777));
  HG_ASSIGN_OR_RETURN(Statx opened, internal::StatxFd(fd.get()));
  HG_ASSIGN_OR_RETURN(Child child, internal::StepTo(dir, name));
  if (!child.handle.SameObjectAs(opened)) return Errno(EAGAIN);
  return Created{std::move(child), std::move(fd)};
}

Result<UniqueFd> Reopen(const ProcSelfFd& proc, const Handle& h, int flags) {
  HG_RETURN_IF_ERROR(CheckFlags(flags));
  if (h.is_symlink()) return Errno(ELOOP);
  // O_NOFOLLOW would refuse the magic link itself; the handle already is the
  // final object, so nothing else can be followed.
  flags = (flags & ~O_NOFOLLOW) | O_CLOEXEC | O_NOCTTY;
  const std::string entry = FdEntryName(h.fd());
  UniqueFd fd(::openat(proc.fd(), entry.c_str(), flags));
  if (!fd.valid()) return Errno::Last();
  HG_ASSIGN_OR_RETURN(Statx st, internal::StatxFd(fd.get()));
  if (!h.SameObjectAs(st)) return Errno(EIO);
  return fd;
}

}  // namespace hg::path_walk
