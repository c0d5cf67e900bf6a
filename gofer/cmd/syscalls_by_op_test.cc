// gofer/fsgofer/syscalls_by_op.h: the table the allowed operations come from
// (tested here, where it is consumed).
#include "gofer/fsgofer/syscalls_by_op.h"

#include <gtest/gtest.h>

#include "gofer/fsgofer/fs_connection.h"
#include "seccomp/arch.h"

namespace hg::fsgofer {
namespace {

// Every message fsgofer serves has entries, and every name is a real x86_64
// syscall (a typo would make the derivation refuse the message forever).
TEST(SyscallsByOpTest, EveryServedMessageHasKnownSyscalls) {
  HostResources host;
  auto proc = path_walk::ProcSelfFd::Open();
  ASSERT_TRUE(proc.ok());
  host.proc = std::make_shared<const path_walk::ProcSelfFd>(std::move(proc).value());
  auto impl = FsConnectionImpl::Create({.rules = {}, .host = host, .walk = {}});
  ASSERT_TRUE(impl.ok());
  for (wire::MID mid : (*impl)->SupportedMessages()) {
    auto uses = SyscallsForMid(mid);
    EXPECT_FALSE(uses.empty()) << wire::MidName(mid);
    for (const SyscallUse& u : uses) {
      EXPECT_TRUE(seccomp::SyscallNumber(seccomp::Arch::kX86_64, u.name).ok())
          << wire::MidName(mid) << ": " << u.name;
      EXPECT_FALSE(u.why.empty());
    }
  }
  EXPECT_TRUE(SyscallsForMid(wire::MID::kFlush).empty());
  EXPECT_TRUE(SyscallsForMid(wire::MID::kError).empty());
  EXPECT_TRUE(SyscallsForMid(static_cast<wire::MID>(200)).empty());
}

// The fixed arguments that decide rules in the policy's sets.
TEST(SyscallsByOpTest, FixedArgumentsMatchWhatFsgoferPasses) {
  bool fallocate_mode0 = false;
  for (const SyscallUse& u : SyscallsForMid(wire::MID::kFAllocate)) {
    if (u.name == "fallocate") {
      fallocate_mode0 = u.args[1].kind == SyscallArg::Kind::kFixed && u.args[1].value == 0;
    }
  }
  EXPECT_TRUE(fallocate_mode0);
  bool at_fdcwd = false;
  for (const SyscallUse& u : SyscallsForMid(wire::MID::kMount)) {
    if (u.name == "openat2") {
      at_fdcwd =
          u.args[0].kind == SyscallArg::Kind::kFixed && static_cast<int>(u.args[0].value) == -100;
    }
  }
  EXPECT_TRUE(at_fdcwd);
}

}  // namespace
}  // namespace hg::fsgofer
