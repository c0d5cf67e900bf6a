#include "seccomp/arch.h"

#include <seccomp.h>

#include <cstdlib>
#include <memory>

namespace hg::seccomp {
namespace {

constexpr ArchInfo kArchs[] = {
    {Arch::kX86_64, "x86_64", kAuditArchX86_64, SCMP_ARCH_X86_64},
    {Arch::kAarch64, "aarch64", kAuditArchAarch64, SCMP_ARCH_AARCH64},
};

}  // namespace

const ArchInfo& Info(Arch arch) {
  for (const ArchInfo& info : kArchs) {
    if (info.arch == arch) return info;
  }
  std::abort();  // unreachable: every enumerator has a row
}

std::string_view ArchName(Arch arch) { return Info(arch).name; }

Arch NativeArch() {
#if defined(__x86_64__)
  return Arch::kX86_64;
#elif defined(__aarch64__)
  return Arch::kAarch64;
#else
#error "hardgofer supports x86_64 and aarch64 only"
#endif
}

std::optional<Arch> ArchFromName(std::string_view name) {
  for (const ArchInfo& info : kArchs) {
    if (info.name == name) return info.arch;
  }
  return std::nullopt;
}

std::optional<Arch> ArchFromAudit(uint32_t audit_arch) {
  for (const ArchInfo& info : kArchs) {
    if (info.audit_arch == audit_arch) return info.arch;
  }
  return std::nullopt;
}

ErrorOr<int> SyscallNumber(Arch arch, std::string_view name) {
  const std::string n(name);
  // libseccomp returns __NR_SCMP_ERROR for unknown names and negative
  // pseudo-numbers for syscalls that exist elsewhere but not on this arch.
  int nr = seccomp_syscall_resolve_name_arch(Info(arch).scmp_token, n.c_str());
  if (nr < 0) {
    return Error(ErrorCode::kUnknownSyscall,
                 "unknown syscall \"" + n + "\" for " + std::string(ArchName(arch)));
  }
  return nr;
}

std::optional<std::string> SyscallName(Arch arch, int nr) {
  if (nr < 0) return std::nullopt;
  std::unique_ptr<char, decltype(&std::free)> name(
      seccomp_syscall_resolve_num_arch(Info(arch).scmp_token, nr), &std::free);
  if (name == nullptr) return std::nullopt;
  return std::string(name.get());
}

}  // namespace hg::seccomp
