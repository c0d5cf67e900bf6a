#include "path_walk/handle.h"

#include <fcntl.h>
#include <sys/sysmacros.h>

#include "path_walk/internal/syscalls.h"

namespace hg::path_walk {

std::uint64_t StatxDev(const Statx& st) { return makedev(st.stx_dev_major, st.stx_dev_minor); }

Handle::Handle(UniqueFd fd, std::uint32_t depth, const Statx& st, const MountContext& mount)
    : fd_(std::move(fd)),
      depth_(depth),
      type_(st.stx_mode & S_IFMT),
      has_mnt_id_((st.stx_mask & STATX_MNT_ID) != 0),
      dev_(StatxDev(st)),
      ino_(st.stx_ino),
      mnt_id_(st.stx_mnt_id),
      mount_(mount) {}

bool Handle::SameObjectAs(const Statx& st) const {
  return dev_ == StatxDev(st) && ino_ == st.stx_ino;
}

Result<Handle> Handle::Dup() const {
  UniqueFd dup(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!dup.valid()) return Errno::Last();
  Handle h(std::move(dup), depth_, Statx{}, mount_);
  h.type_ = type_;
  h.has_mnt_id_ = has_mnt_id_;
  h.dev_ = dev_;
  h.ino_ = ino_;
  h.mnt_id_ = mnt_id_;
  return h;
}

Result<Statx> Handle::Stat() const { return internal::StatxFd(fd_.get()); }

}  // namespace hg::path_walk
