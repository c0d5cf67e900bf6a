// DeriveAllowedOps on the real compiled programs of examples/bundles/*.
#include "gofer/cmd/allowed_ops.h"

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <set>
#include <string>

#include "gofer/fsgofer/syscalls_by_op.h"
#include "policy/compiler.h"
#include "policy/testing/examples.h"
#include "seccomp/placeholder.h"

namespace hg::cmd {
namespace {

using wire::MID;

// The syscalls runsc adds only without directfs (gofer-policy.md §4.3).
// runsc's LisaFS set minus ftruncate, which the runtime set also allows
// (every flipcall channel sizes its memfd with it), so it is never the reason
// a message is refused.
const std::set<std::string> kLisafsOnly = {"fallocate", "fgetxattr", "flistxattr", "fremovexattr",
                                           "fsetxattr", "fstatfs",   "getdents64", "linkat",
                                           "mkdirat",   "mknodat",   "readlinkat", "renameat2",
                                           "symlinkat", "unlinkat",  "utimensat"};

struct Compiled {
  std::string name;
  bool lisafs_set = false;  // the policy includes the LisaFS set
  bool audit = false;
  bool extension_rules = false;  // an extension's rules were merged (they may add any syscall)
  seccomp::BpfProgram program;
};

std::vector<Compiled> CompileExamples() {
  std::vector<Compiled> out;
  auto examples = policy::testing::Examples();
  if (!examples.ok()) {
    ADD_FAILURE() << examples.error().ToString();
    return out;
  }
  for (const auto& ex : *examples) {
    policy::CompileCommand cmd = policy::testing::CommandFor(ex, "");
    auto flags = policy::ParseRuntimeFlags(cmd.flags);
    if (!flags.ok()) {
      ADD_FAILURE() << ex.name << ": " << flags.error().ToString();
      continue;
    }
    auto in = policy::LoadInputs(ex.dir, *flags, ex.operator_policy);
    if (!in.ok()) {
      ADD_FAILURE() << ex.name << ": " << in.error().ToString();
      continue;
    }
    in->extensions = cmd.extensions;
    in->audit = cmd.audit;
    auto c = policy::CompilePolicy(*in);
    if (!c.ok()) {
      ADD_FAILURE() << ex.name << ": " << c.error().ToString();
      continue;
    }
    auto filled = seccomp::FillHoles(c->filter.program, seccomp::Bindings::ForThisProcess());
    if (!filled.ok()) {
      ADD_FAILURE() << ex.name << ": " << filled.error().ToString();
      continue;
    }
    bool lisafs = false;
    for (const auto& s : c->policy.seccomp().set()) {
      if (s.name() == "lisafs") lisafs = s.included();
    }
    bool ext_rules = false;
    for (const auto& e : c->policy.extension()) ext_rules = ext_rules || e.rules_merged();
    out.push_back({ex.name, lisafs, cmd.audit, ext_rules, *filled});
  }
  return out;
}

const std::vector<Compiled>& Examples() {
  static const std::vector<Compiled>* all = new std::vector<Compiled>(CompileExamples());
  return *all;
}

bool UsesLisafsOnly(MID mid) {
  for (const auto& u : fsgofer::SyscallsForMid(mid)) {
    if (kLisafsOnly.count(std::string(u.name))) return true;
  }
  return false;
}

TEST(AllowedOpsTest, ExamplesCoverBothDirectfsModes) {
  const auto& ex = Examples();
  ASSERT_GE(ex.size(), 5u);
  size_t with = 0, without = 0;
  for (const auto& c : ex) (c.lisafs_set ? with : without)++;
  EXPECT_GT(with, 0u);
  EXPECT_GT(without, 0u);
}

// directfs on (no LisaFS set): every MID that needs a LisaFS-only syscall is
// refused, and the refusal names such a syscall or an earlier forbidden one.
TEST(AllowedOpsTest, DirectfsOnRefusesLisafsOnlyMessages) {
  for (const auto& c : Examples()) {
    if (c.lisafs_set || c.audit || c.extension_rules) continue;
    AllowedOps ops = DeriveAllowedOps(c.program, seccomp::Arch::kX86_64, false);
    for (uint16_t raw = 1; raw < wire::kNumMids; ++raw) {
      const MID mid = static_cast<MID>(raw);
      if (!UsesLisafsOnly(mid)) continue;
      // BindAt's one LisaFS-only syscall is its cleanup unlinkat(dirfd, name,
      // 0), which the host_uds_create set allows too (sets_runsc.cc).
      if (mid == MID::kBindAt && c.name == "host-uds-create") continue;
      EXPECT_FALSE(ops.allowed.Contains(mid)) << c.name << " MID " << raw;
      std::vector<std::string> forbidden =
          ForbiddenSyscalls(c.program, seccomp::Arch::kX86_64, mid, false);
      EXPECT_TRUE(std::any_of(forbidden.begin(), forbidden.end(),
                              [](const std::string& s) { return kLisafsOnly.count(s) > 0; }))
          << c.name << " MID " << raw;
    }
    // The dedicated LisaFS-only messages in particular.
    for (MID m : {MID::kMkdirAt, MID::kUnlinkAt, MID::kRenameAt, MID::kSymlinkAt, MID::kFStatFS,
                  MID::kFAllocate, MID::kReadLinkAt, MID::kGetdents64}) {
      EXPECT_FALSE(ops.allowed.Contains(m)) << c.name << " " << static_cast<int>(m);
    }
  }
}

// With the LisaFS set, no refusal is ever because of a LisaFS-only syscall
// whose rule the message's arguments satisfy.
TEST(AllowedOpsTest, LisafsSetAllowsItsSyscalls) {
  for (const auto& c : Examples()) {
    if (!c.lisafs_set || c.audit) continue;
    for (MID m : {MID::kMkdirAt, MID::kUnlinkAt, MID::kRenameAt, MID::kSymlinkAt, MID::kFStatFS,
                  MID::kFAllocate, MID::kReadLinkAt, MID::kRenameAt2, MID::kMknodAt}) {
      for (const std::string& s : ForbiddenSyscalls(c.program, seccomp::Arch::kX86_64, m, false)) {
        EXPECT_EQ(kLisafsOnly.count(s), 0u) << c.name << " MID " << static_cast<int>(m) << " " << s;
      }
    }
  }
}

// Every refusal is reported once, with the syscall and the verdict, and the
// allowed and refused sets partition 1..33.
TEST(AllowedOpsTest, RefusalsPartitionTheMids) {
  for (const auto& c : Examples()) {
    AllowedOps ops = DeriveAllowedOps(c.program, seccomp::Arch::kX86_64, c.audit);
    EXPECT_EQ(ops.allowed.size() + ops.refused.size(), wire::kNumMids - 1u) << c.name;
    for (const RefusedOp& r : ops.refused) {
      EXPECT_FALSE(ops.allowed.Contains(r.mid));
      EXPECT_FALSE(r.syscall.empty());
      EXPECT_FALSE(r.verdict.empty());
      EXPECT_NE(r.verdict, "ALLOW");
    }
  }
}

// A program that allows everything allows every message; one that kills
// everything refuses every message that makes a syscall.
TEST(AllowedOpsTest, TrivialPrograms) {
  auto allow = seccomp::BpfProgram::FromInsns({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)});
  ASSERT_TRUE(allow.ok());
  EXPECT_EQ(DeriveAllowedOps(*allow, seccomp::Arch::kX86_64, false).allowed, server::MidSet::All());
  auto kill = seccomp::BpfProgram::FromInsns({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)});
  ASSERT_TRUE(kill.ok());
  AllowedOps k = DeriveAllowedOps(*kill, seccomp::Arch::kX86_64, false);
  EXPECT_EQ(k.allowed, server::MidSet{MID::kFlush});
  auto log = seccomp::BpfProgram::FromInsns({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG)});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(DeriveAllowedOps(*log, seccomp::Arch::kX86_64, true).allowed, server::MidSet::All());
  EXPECT_EQ(DeriveAllowedOps(*log, seccomp::Arch::kX86_64, false).allowed,
            server::MidSet{MID::kFlush});
}

// Host sockets under an enforcing program: with --host-uds=create the
// socket-creating messages (BindAt, Listen, Accept) are served, and Connect is
// refused only because connecting is not allowed (never because of socket(2),
// whose type argument the host-UDS sets restrict to the three types fsgofer
// passes). This failed while the table listed socket's type as "varies": no
// enforcing gofer could then serve a host socket at all.
TEST(AllowedOpsTest, HostUdsCreateServesSocketCreation) {
  const Compiled* uds = nullptr;
  for (const auto& c : Examples()) {
    if (c.name == "host-uds-create") uds = &c;
  }
  ASSERT_NE(uds, nullptr) << "example host-uds-create is missing";
  AllowedOps ops = DeriveAllowedOps(uds->program, seccomp::Arch::kX86_64, false);
  for (const RefusedOp& r : ops.refused) {
    EXPECT_NE(r.syscall, "socket") << "MID " << static_cast<int>(r.mid) << " refused at socket";
  }
  for (MID m : {MID::kBindAt, MID::kListen, MID::kAccept}) {
    EXPECT_TRUE(ops.allowed.Contains(m))
        << "MID " << static_cast<int>(m) << ": "
        << ::testing::PrintToString(
               ForbiddenSyscalls(uds->program, seccomp::Arch::kX86_64, m, false));
  }
}

// A rule on an argument fsgofer does not fix never counts as satisfied.
TEST(AllowedOpsTest, ConditionOnVaryingArgumentIsRefused) {
  // fsync allowed only for fd 7: FSync's fd varies, so FSync is refused.
  const int nr = 74;  // fsync on x86_64
  auto p = seccomp::BpfProgram::FromInsns({
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),  // nr
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),  // arg0 low
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  });
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(ForbiddenSyscalls(*p, seccomp::Arch::kX86_64, MID::kFSync, false),
            std::vector<std::string>{"fsync"});
}

}  // namespace
}  // namespace hg::cmd
