#include "path_walk/mount_root.h"

#include <fcntl.h>
#include <linux/openat2.h>

#include <string>

#include "path_walk/internal/beneath.h"
#include "path_walk/internal/syscalls.h"

namespace hg::path_walk {

Result<MountRoot> OpenMountRoot(std::string_view path, const Options& options) {
  if (path.empty() || path.front() != '/') return Errno(EINVAL);
  if (path.find('\0') != std::string_view::npos) return Errno(EINVAL);
  const std::string p(path);

  UniqueFd fd;
  if (EffectiveResolver(options.resolver) == Resolver::kOpenat2) {
    auto opened = internal::Openat2(AT_FDCWD, p.c_str(), O_PATH, 0, RESOLVE_NO_MAGICLINKS);
    if (opened.ok()) {
      fd = std::move(opened).value();
    } else if (opened.error() != Errno(ENOSYS) || options.resolver != Resolver::kAuto) {
      return opened.error();
    } else {
      internal::NoteOpenat2Missing();
    }
  }
  if (!fd.valid()) {
    fd.reset(::open(p.c_str(), O_PATH | O_CLOEXEC));
    if (!fd.valid()) return Errno::Last();
  }

  HG_ASSIGN_OR_RETURN(Statx st, internal::StatxFd(fd.get()));
  const mode_t type = st.stx_mode & S_IFMT;
  if (type != S_IFDIR && type != S_IFREG) return Errno(EINVAL);

  MountContext mount;
  mount.resolver = options.resolver;
  mount.no_xdev = options.no_xdev;
  mount.root_dev = StatxDev(st);
  mount.root_ino = st.stx_ino;
  return MountRoot(internal::HandleAccess::Make(std::move(fd), 0, st, mount), options);
}

}  // namespace hg::path_walk
