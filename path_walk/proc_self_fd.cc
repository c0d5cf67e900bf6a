#include "path_walk/proc_self_fd.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <climits>

#include "path_walk/internal/syscalls.h"

namespace hg::path_walk {

std::string FdEntryName(int fd) { return std::to_string(fd); }

Result<ProcSelfFd> ProcSelfFd::Open(std::string_view proc_mount) {
  if (proc_mount.empty() || proc_mount.front() != '/') return Errno(EINVAL);
  if (proc_mount.find('\0') != std::string_view::npos) return Errno(EINVAL);
  std::string path(proc_mount);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  path += path == "/" ? "self/fd" : "/self/fd";
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Errno::Last();
  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) != 0) return Errno::Last();
  if (fs.f_type != PROC_SUPER_MAGIC) return Errno(EINVAL);
  HG_ASSIGN_OR_RETURN(Statx st, internal::StatxFd(fd.get()));
  return ProcSelfFd(std::move(fd), std::move(path), StatxDev(st), st.stx_ino);
}

Result<std::string> ProcSelfFd::ReadLink(const Handle& h) const {
  std::string buf(PATH_MAX, '\0');
  const std::string entry = FdEntryName(h.fd());
  ssize_t n = ::readlinkat(fd_.get(), entry.c_str(), buf.data(), buf.size());
  if (n < 0) return Errno::Last();
  if (static_cast<std::size_t>(n) >= buf.size()) return Errno(ENAMETOOLONG);
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

Status ProcSelfFd::CheckPathStillNamesSelf() const {
  Statx st{};
  // Follows symlinks on purpose: "/proc/self" is one.
  if (::statx(AT_FDCWD, path_.c_str(), AT_NO_AUTOMOUNT, STATX_INO, &st) != 0) {
    return Errno(ESTALE);
  }
  if (StatxDev(st) != dev_ || st.stx_ino != ino_) return Errno(ESTALE);
  return Status::Ok();
}

}  // namespace hg::path_walk
