// Which kernel mechanism resolves a single component beneath a directory handle.
//
//   Options opts;
//   opts.resolver = Resolver::kFallback;          // test switch: force the old-kernel path
//   HG_ASSIGN_OR_RETURN(MountRoot root, OpenMountRoot("/srv/volume", opts));
//   if (EffectiveResolver(opts.resolver) == Resolver::kOpenat2) { ... }
//
// Both mechanisms open exactly one validated component (see name.h) with
// O_NOFOLLOW, so neither can traverse a symlink, "..", or an absolute path:
//   kOpenat2   openat2(dirfd, name, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
//              RESOLVE_NO_SYMLINKS [| RESOLVE_NO_XDEV]); the kernel enforces
//              every rule, and EAGAIN is retried a bounded number of times.
//   kFallback  openat(dirfd, name, O_NOFOLLOW) on kernels without openat2
//              (< 5.6), then statx of the new fd to enforce the per-mount
//              "no crossing" rule by mount id (device id on kernels without
//              STATX_MNT_ID).
// kAuto picks openat2 and switches the whole process to the fallback the first
// time openat2 reports ENOSYS (an old kernel, or a seccomp filter that hides it).
#ifndef HARDGOFER_PATH_WALK_RESOLVER_H_
#define HARDGOFER_PATH_WALK_RESOLVER_H_

#include <cstdint>
#include <string_view>

namespace hg::path_walk {

enum class Resolver : std::uint8_t {
  kAuto,      // openat2 when the kernel has it, otherwise the fallback
  kOpenat2,   // always openat2; ENOSYS is reported as an error, never hidden
  kFallback,  // always openat(O_NOFOLLOW) + statx checks (also the test switch)
};

std::string_view ResolverName(Resolver r);

// True when openat2(2) is usable in this process. Probed once and cached; a
// later ENOSYS seen by a kAuto mount flips it to false for the whole process.
bool Openat2Available();

// The mechanism a mount configured with `r` uses right now: kOpenat2 or kFallback.
Resolver EffectiveResolver(Resolver r);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_RESOLVER_H_
