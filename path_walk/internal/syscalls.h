// Thin syscall wrappers shared by the path_walk sources (not part of the API).
//
//   int attempts = 0;
//   long fd = RetryOnEagain([&] { return RawOpenat2(dirfd, "x", &how); }, &attempts);
//
// openat2 returns EAGAIN when a scoped lookup (RESOLVE_BENEATH/IN_ROOT) raced
// with a rename or mount anywhere in the system; the lookup is then retried.
// Retrying forever would let a host process that renames in a loop stall the
// server, so the number of retries is bounded (libpathrs uses the same 128)
// and the caller finally sees EAGAIN.
#ifndef HARDGOFER_PATH_WALK_INTERNAL_SYSCALLS_H_
#define HARDGOFER_PATH_WALK_INTERNAL_SYSCALLS_H_

#include <linux/openat2.h>

#include <cerrno>
#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"
#include "path_walk/handle.h"

namespace hg::path_walk::internal {

inline constexpr int kOpenat2MaxRetries = 128;

// Calls `attempt` (a syscall-style callable returning -1 with errno set on
// failure) again while it fails with EAGAIN: at most 1 + kOpenat2MaxRetries
// calls in total. Stores the number of calls made in *attempts if given.
template <typename F>
long RetryOnEagain(F&& attempt, int* attempts = nullptr) {
  long ret = -1;
  int calls = 0;
  do {
    ret = attempt();
    ++calls;
  } while (ret < 0 && errno == EAGAIN && calls <= kOpenat2MaxRetries);
  if (attempts != nullptr) *attempts = calls;
  return ret;
}

// One openat2(2) call, nothing else. Returns the fd or -1 with errno set.
long RawOpenat2(int dirfd, const char* path, const open_how* how);

// openat2 with O_CLOEXEC forced and the bounded EAGAIN retry.
Result<UniqueFd> Openat2(int dirfd, const char* path, std::uint64_t flags, std::uint64_t mode,
                         std::uint64_t resolve);

// statx of the object behind fd (symlinks not followed).
Result<Statx> StatxFd(int fd);
// statx of `name` in dirfd without following a trailing symlink or triggering
// an automount.
Result<Statx> StatxAt(int dirfd, const char* name);

// Called when a kAuto mount saw ENOSYS from openat2.
void NoteOpenat2Missing();

}  // namespace hg::path_walk::internal

#endif  // HARDGOFER_PATH_WALK_INTERNAL_SYSCALLS_H_
