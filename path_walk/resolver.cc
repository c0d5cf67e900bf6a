#include "path_walk/resolver.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>

#include "path_walk/internal/syscalls.h"

namespace hg::path_walk {
namespace {

enum : int { kUnknown = 0, kPresent = 1, kMissing = 2 };
std::atomic<int> g_openat2_state{kUnknown};

int Probe() {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  long fd = internal::RawOpenat2(AT_FDCWD, "/", &how);
  if (fd >= 0) {
    ::close(static_cast<int>(fd));
    return kPresent;
  }
  // Only ENOSYS means "not there". Any other failure (EPERM from a filter, say)
  // must surface on the real call rather than silently weaken the resolver.
  return errno == ENOSYS ? kMissing : kPresent;
}

}  // namespace

std::string_view ResolverName(Resolver r) {
  switch (r) {
    case Resolver::kAuto:
      return "auto";
    case Resolver::kOpenat2:
      return "openat2";
    case Resolver::kFallback:
      return "fallback";
  }
  return "unknown";
}

bool Openat2Available() {
  int state = g_openat2_state.load(std::memory_order_acquire);
  if (state == kUnknown) {
    int probed = Probe();
    // A concurrent NoteOpenat2Missing() wins over a stale "present".
    int expected = kUnknown;
    g_openat2_state.compare_exchange_strong(expected, probed, std::memory_order_acq_rel);
    state = g_openat2_state.load(std::memory_order_acquire);
  }
  return state == kPresent;
}

Resolver EffectiveResolver(Resolver r) {
  if (r == Resolver::kAuto) return Openat2Available() ? Resolver::kOpenat2 : Resolver::kFallback;
  return r;
}

namespace internal {
void NoteOpenat2Missing() { g_openat2_state.store(kMissing, std::memory_order_release); }
}  // namespace internal

}  // namespace hg::path_walk
