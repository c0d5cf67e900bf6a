#include "path_walk/internal/syscalls.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hg::path_walk::internal {

long RawOpenat2(int dirfd, const char* path, const open_how* how) {
  return ::syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

Result<UniqueFd> Openat2(int dirfd, const char* path, std::uint64_t flags, std::uint64_t mode,
                         std::uint64_t resolve) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  how.resolve = resolve;
  long fd = RetryOnEagain([&] { return RawOpenat2(dirfd, path, &how); });
  if (fd < 0) return Errno::Last();
  return UniqueFd(static_cast<int>(fd));
}

Result<Statx> StatxFd(int fd) {
  Statx st{};
  if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, kStatxMask, &st) != 0) {
    return Errno::Last();
  }
  return st;
}

Result<Statx> StatxAt(int dirfd, const char* name) {
  Statx st{};
  if (::statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, kStatxMask, &st) != 0) {
    return Errno::Last();
  }
  return st;
}

}  // namespace hg::path_walk::internal
