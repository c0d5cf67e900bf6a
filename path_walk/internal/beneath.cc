#include "path_walk/internal/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <unistd.h>

#include <limits>

#include "path_walk/internal/syscalls.h"

namespace hg::path_walk::internal {
namespace {

Result<UniqueFd> OpenWithOpenat2(const Handle& dir, const Name& name, int flags, mode_t mode) {
  std::uint64_t resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
  if (dir.mount().no_xdev) resolve |= RESOLVE_NO_XDEV;
  // openat2 rejects a non-zero mode without O_CREAT/O_TMPFILE.
  const bool creating = (flags & O_CREAT) != 0;
  const std::uint64_t how_mode = creating ? (mode & 07777) : 0;
  for (int attempt = 0;; ++attempt) {
    auto fd = Openat2(dir.fd(), name.c_str(), static_cast<std::uint64_t>(flags), how_mode, resolve);
    if (fd.ok() || fd.error() != Errno(EXDEV)) return fd;
    // RESOLVE_BENEATH ends every lookup by checking that the result is still
    // below `dir`; a host process that renames the entry out of `dir` in the
    // middle of our lookup makes that check fail with EXDEV. That is a race,
    // not an answer: look again (bounded, like EAGAIN). Not after O_CREAT:
    // the check runs after the file was created, and a second attempt could
    // create a second file. Under the no-crossing rule EXDEV may also be a
    // real mount crossing, which a statx of the name tells apart.
    if (creating || attempt >= kOpenat2MaxRetries) return fd;
    if (dir.mount().no_xdev) {
      auto st = StatxAt(dir.fd(), name.c_str());
      if (st.ok() && !CheckSameMount(dir, *st).ok()) return fd;
    }
  }
}

Result<UniqueFd> OpenWithFallback(const Handle& dir, const Name& name, int flags, mode_t mode) {
  const bool check_mount = dir.mount().no_xdev;
  // Under the no-crossing rule the mount is only known after the open, so a
  // truncation must wait until the check passed: otherwise a file
  // bind-mounted over `name` would be truncated before we refuse it.
  const bool truncate_after = check_mount && (flags & O_TRUNC) != 0 && (flags & O_PATH) == 0;
  if (truncate_after) flags &= ~O_TRUNC;
  UniqueFd fd(::openat(dir.fd(), name.c_str(), flags, (flags & O_CREAT) != 0 ? (mode & 07777) : 0));
  if (!fd.valid()) return Errno::Last();
  if (check_mount) {
    HG_ASSIGN_OR_RETURN(Statx st, StatxFd(fd.get()));
    HG_RETURN_IF_ERROR(CheckSameMount(dir, st));
  }
  if (truncate_after && ::ftruncate(fd.get(), 0) != 0) return Errno::Last();
  return fd;
}

}  // namespace

Status RequireDir(const Handle& dir) {
  return dir.is_dir() ? Status::Ok() : Status(Errno(ENOTDIR));
}

Status CheckSameMount(const Handle& dir, const Statx& child) {
  if (!dir.mount().no_xdev) return Status::Ok();
  // Prefer the mount id: one filesystem can be mounted twice (bind mounts
  // share a device number), and one mount can span several device numbers
  // (btrfs subvolumes). Kernels without STATX_MNT_ID only have the device.
  if (dir.has_mnt_id() && (child.stx_mask & STATX_MNT_ID) != 0) {
    return dir.mnt_id() == child.stx_mnt_id ? Status::Ok() : Status(Errno(EXDEV));
  }
  return dir.dev() == StatxDev(child) ? Status::Ok() : Status(Errno(EXDEV));
}

Result<UniqueFd> OpenBeneath(const Handle& dir, const Name& name, int flags, mode_t mode) {
  HG_RETURN_IF_ERROR(RequireDir(dir));
  flags |= O_CLOEXEC | O_NOFOLLOW;
  const Resolver configured = dir.mount().resolver;
  Result<UniqueFd> fd = Errno(ENOSYS);
  if (EffectiveResolver(configured) == Resolver::kOpenat2) {
    fd = OpenWithOpenat2(dir, name, flags, mode);
    if (!fd.ok() && fd.error() == Errno(ENOSYS) && configured == Resolver::kAuto) {
      // An old kernel or a filter hiding openat2: switch the process over once.
      NoteOpenat2Missing();
      fd = OpenWithFallback(dir, name, flags, mode);
    }
  } else {
    fd = OpenWithFallback(dir, name, flags, mode);
  }
  return fd;
}

Result<Child> StepTo(const Handle& dir, const Name& name) {
  HG_ASSIGN_OR_RETURN(UniqueFd fd, OpenBeneath(dir, name, O_PATH, 0));
  HG_ASSIGN_OR_RETURN(Statx st, StatxFd(fd.get()));
  // openat2 already refused a crossing; the fallback checked it only when the
  // rule is on, which CheckSameMount repeats cheaply for both.
  HG_RETURN_IF_ERROR(CheckSameMount(dir, st));
  std::uint32_t depth = dir.depth();
  if (depth < std::numeric_limits<std::uint32_t>::max()) ++depth;
  return Child{HandleAccess::Make(std::move(fd), depth, st, dir.mount()), st};
}

Result<Statx> StatBeneath(const Handle& dir, const Name& name) {
  HG_RETURN_IF_ERROR(RequireDir(dir));
  HG_ASSIGN_OR_RETURN(Statx st, StatxAt(dir.fd(), name.c_str()));
  HG_RETURN_IF_ERROR(CheckSameMount(dir, st));
  return st;
}

Status RequireType(const Statx& st, mode_t type) {
  return (st.stx_mode & S_IFMT) == type ? Status::Ok() : Status(Errno(EAGAIN));
}

}  // namespace hg::path_walk::internal
