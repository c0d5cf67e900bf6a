#include "gofer/cmd/allowed_ops.h"

#include <linux/seccomp.h>

#include <array>
#include <optional>

#include "gofer/fsgofer/syscalls_by_op.h"
#include "seccomp/interpreter.h"

namespace hg::cmd {
namespace {

using fsgofer::SyscallArg;
using fsgofer::SyscallUse;

// Values tried for arguments we do not fix. FDs are never negative; other
// arguments may be anything, so the extremes and a typical pointer are tried.
constexpr uint64_t kFdValues[] = {0, 3, 1023, 0x7fffffff};
constexpr uint64_t kVaryingValues[] = {0, 1, 0x7f0000001000ull, 0xffffffffull,
                                       0xffffffffffffffffull};

bool Acceptable(const seccomp::Verdict& v, bool audit) {
  if (v.allowed()) return true;
  return audit && v.action() == SECCOMP_RET_LOG;
}

// nullopt if every combination is acceptable, else the first verdict that is not.
std::optional<std::string> Evaluate(const seccomp::BpfProgram& program, seccomp::Arch arch,
                                    const SyscallUse& use, bool audit) {
  seccomp::ErrorOr<int> nr = seccomp::SyscallNumber(arch, use.name);
  if (!nr.ok()) return "unknown syscall";
  std::array<std::vector<uint64_t>, 6> values;
  for (size_t i = 0; i < 6; ++i) {
    const SyscallArg& a = use.args[i];
    switch (a.kind) {
      case SyscallArg::Kind::kFixed:
        values[i] = {a.value};
        break;
      case SyscallArg::Kind::kFd:
        values[i].assign(std::begin(kFdValues), std::end(kFdValues));
        break;
      case SyscallArg::Kind::kVaries:
        values[i].assign(std::begin(kVaryingValues), std::end(kVaryingValues));
        break;
    }
  }
  std::array<size_t, 6> idx{};
  for (;;) {
    seccomp::SyscallArgs args{};
    for (size_t i = 0; i < 6; ++i) args[i] = values[i][idx[i]];
    seccomp::Verdict v = seccomp::Interpret(program, seccomp::SeccompData::For(arch, *nr, args));
    if (!Acceptable(v, audit)) return seccomp::ActionName(v.ret);
    // Odometer over the combinations.
    size_t i = 0;
    while (i < 6 && ++idx[i] == values[i].size()) idx[i++] = 0;
    if (i == 6) return std::nullopt;
  }
}

}  // namespace

std::vector<std::string> ForbiddenSyscalls(const seccomp::BpfProgram& program, seccomp::Arch arch,
                                           wire::MID mid, bool audit) {
  std::vector<std::string> out;
  for (const SyscallUse& u : fsgofer::SyscallsForMid(mid)) {
    if (Evaluate(program, arch, u, audit)) out.emplace_back(u.name);
  }
  return out;
}

AllowedOps DeriveAllowedOps(const seccomp::BpfProgram& program, seccomp::Arch arch, bool audit) {
  AllowedOps ops;
  for (uint16_t raw = 1; raw < wire::kNumMids; ++raw) {
    const auto mid = static_cast<wire::MID>(raw);
    std::optional<RefusedOp> refused;
    for (const SyscallUse& u : fsgofer::SyscallsForMid(mid)) {
      if (std::optional<std::string> verdict = Evaluate(program, arch, u, audit)) {
        refused = RefusedOp{mid, std::string(u.name), std::string(u.why), *verdict};
        break;
      }
    }
    if (refused) {
      ops.refused.push_back(std::move(*refused));
    } else {
      ops.allowed.Add(mid);
    }
  }
  return ops;
}

}  // namespace hg::cmd
