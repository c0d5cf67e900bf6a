// The named syscall sets a gofer's seccomp program is composed of.
//
//   ErrorOr<RuleSet> runtime = RuntimeSet(Arch::kX86_64);
//   RuleSet all("gofer");
//   all.Merge(*runtime).Merge(FsgoferSet(arch));
//   if (directfs_off_somewhere) all.Merge(LisafsSet(arch), "mount /data: directfs off");
//   if (uds_open || uds_create) all.Merge(HostUdsCommonSet(arch), "--host-uds=open");
//   ErrorOr<CompiledFilter> f = Compile(all, DenyExecMappings(), {.arch = arch});
//
// Every rule carries a Reason whose source is the set name. The runsc-derived
// sets reproduce runsc/fsgofer/filter/config*.go (gVisor 3c5eee17dc45)
// exactly, argument restrictions included; seccomp/README.md lists every
// difference from runsc and why. Which sets to include is the policy
// compiler's decision, not this room's.
#ifndef HARDGOFER_SECCOMP_SETS_H_
#define HARDGOFER_SECCOMP_SETS_H_

#include <string_view>

#include "seccomp/arch.h"
#include "seccomp/error.h"
#include "seccomp/rule.h"

namespace hg::seccomp {

inline constexpr std::string_view kRuntimeSet = "runtime";
inline constexpr std::string_view kFsgoferSet = "fsgofer";
inline constexpr std::string_view kLisafsSet = "lisafs";
inline constexpr std::string_view kHostUdsCommonSet = "host_uds_common";
inline constexpr std::string_view kHostUdsOpenSet = "host_uds_open";
inline constexpr std::string_view kHostUdsCreateSet = "host_uds_create";
inline constexpr std::string_view kHostFifoSet = "host_fifo";
inline constexpr std::string_view kDenyExecMappings = "deny_exec_mappings";

// What hardgofer's own C++20/glibc 2.36 process needs after confinement:
// memory, threads, futexes, signals, time, exit. Measured with strace on
// seccomp_runtime_probe (see README) and proven complete by running that probe
// under a program compiled from this set alone. No mmap/mprotect rule permits
// PROT_EXEC. kUnsupportedArch for aarch64 until it is measured there.
ErrorOr<RuleSet> RuntimeSet(Arch arch);

// runsc's stock gofer allowlist (config.go allowedSyscalls + config_<arch>.go):
// 54 syscalls with runsc's argument restrictions. tgkill's pid is the
// kSelfPid placeholder.
RuleSet FsgoferSet(Arch arch);

// runsc's lisafsFilters: the 16 syscalls only LisaFS RPCs need (directfs off
// globally, or a gofer-served mount with directfs suppressed).
RuleSet LisafsSet(Arch arch);

// runsc's udsCommonSyscalls (host UDS open or create), udsOpenSyscalls
// (--host-uds=open|all), udsCreateSyscalls (--host-uds=create|all).
RuleSet HostUdsCommonSet(Arch arch);
RuleSet HostUdsOpenSet(Arch arch);
RuleSet HostUdsCreateSet(Arch arch);

// --host-fifo=open: empty, as in runsc (--host-fifo is not a filter.Options
// field). Opening a host FIFO uses openat, already in the fsgofer set; the
// flag only changes the sentry's mount options. Kept as a named set so the
// policy output can say "host_fifo: no extra syscalls" with its reason.
RuleSet HostFifoSet(Arch arch);

// runsc's seccomp.DenyNewExecMappings: mmap or mprotect with PROT_EXEC set in
// the prot argument gets the violation action, whatever the allow rules say.
DenyRules DenyExecMappings();

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_SETS_H_
