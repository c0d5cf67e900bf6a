// Target architectures of a compiled filter and their syscall tables.
//
//   ErrorOr<int> nr = SyscallNumber(Arch::kX86_64, "openat");   // 257
//   std::optional<std::string> name = SyscallName(Arch::kX86_64, 257);
//
// The arch is a parameter everywhere (sets, compiler, interpreter) so aarch64
// tables can be added without touching callers. Names are libseccomp's, which
// follow the kernel's (e.g. "newfstatat" on both x86_64 and aarch64).
#ifndef HARDGOFER_SECCOMP_ARCH_H_
#define HARDGOFER_SECCOMP_ARCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "seccomp/error.h"

namespace hg::seccomp {

enum class Arch : uint8_t { kX86_64, kAarch64 };

// AUDIT_ARCH_* values as the kernel puts them in seccomp_data.arch.
inline constexpr uint32_t kAuditArchX86_64 = 0xC000003E;
inline constexpr uint32_t kAuditArchAarch64 = 0xC00000B7;
inline constexpr uint32_t kAuditArchI386 = 0x40000003;
// x32 syscalls arrive on x86_64 with this bit set in the syscall number. A
// filter for x86_64 must kill them: they reach the same kernel code with a
// different number, bypassing rules written for the 64-bit numbers.
inline constexpr uint32_t kX32SyscallBit = 0x40000000;

struct ArchInfo {
  Arch arch;
  std::string_view name;  // "x86_64", "aarch64"
  uint32_t audit_arch;    // seccomp_data.arch
  uint32_t scmp_token;    // libseccomp SCMP_ARCH_*
};

const ArchInfo& Info(Arch arch);
std::string_view ArchName(Arch arch);
// The arch this binary was built for (what Install() runs on).
Arch NativeArch();
std::optional<Arch> ArchFromName(std::string_view name);
std::optional<Arch> ArchFromAudit(uint32_t audit_arch);

// The syscall number of `name` on `arch`; kUnknownSyscall naming the name and
// the arch if the arch has no such syscall.
ErrorOr<int> SyscallNumber(Arch arch, std::string_view name);
// The name of syscall `nr` on `arch` (no x32 bit), if it has one.
std::optional<std::string> SyscallName(Arch arch, int nr);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_ARCH_H_
