// The named sets against runsc's source (gVisor 3c5eee17dc45,
// runsc/fsgofer/filter/config*.go), rule by rule. Expected values are written
// as raw Linux ABI numbers, independently of the headers the sets use.
#include "seccomp/sets.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace hg::seccomp {
namespace {

using Conj = std::vector<ArgCond>;
using Expected = std::map<std::string, std::vector<Conj>>;

const ArgCond kSelfPid = ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid));

// Every syscall of `s` has exactly the expected alternatives (in order), and
// every alternative has a full reason whose source is the set's name.
void ExpectSet(const RuleSet& s, const Expected& expected) {
  ASSERT_TRUE(s.status().ok()) << s.status().error().ToString();
  EXPECT_EQ(s.size(), expected.size()) << s.Describe();
  for (const auto& [name, alts] : expected) {
    const SyscallRule* rule = s.Find(name);
    ASSERT_NE(rule, nullptr) << "missing " << name;
    ASSERT_EQ(rule->allow.size(), alts.size()) << name;
    for (size_t i = 0; i < alts.size(); ++i) {
      EXPECT_EQ(rule->allow[i].conds, alts[i])
          << name << " alternative " << i << ": got " << rule->allow[i].ConditionsToString();
    }
  }
  for (const auto& [name, rule] : s.rules()) {
    EXPECT_TRUE(expected.count(name)) << "unexpected " << name;
    for (const Alternative& alt : rule.allow) {
      EXPECT_FALSE(alt.reason.what.empty()) << name;
      EXPECT_FALSE(alt.reason.why.empty()) << name;
      EXPECT_EQ(alt.reason.source, s.name()) << name;
    }
  }
}

Expected StockCommon() {
  return {
      {"accept", {{}}},
      {"clock_gettime", {{}}},
      {"close", {{}}},
      {"dup", {{}}},
      {"epoll_ctl", {{}}},
      {"epoll_pwait", {{ArgCond::Eq(4, 0)}}},
      {"eventfd2", {{ArgCond::Eq(0, 0), ArgCond::Eq(1, 0)}}},
      {"exit", {{}}},
      {"exit_group", {{}}},
      {"fchmod", {{}}},
      {"fchmodat", {{}}},
      {"fchownat", {{}}},
      // F_GETFL 3, F_SETFL 4, F_GETFD 1, F_ADD_SEALS 1033.
      {"fcntl",
       {{ArgCond::Eq(1, 3)}, {ArgCond::Eq(1, 4)}, {ArgCond::Eq(1, 1)}, {ArgCond::Eq(1, 1033)}}},
      // NonNegativeFD; MaskedEqual(AT_EMPTY_PATH 0x1000, AT_EMPTY_PATH).
      {"statx", {{ArgCond::NonNegFd(0), ArgCond::FlagsSet(2, 0x1000)}}},
      {"fsync", {{}}},
      // FUTEX_WAIT|PRIVATE 128, FUTEX_WAKE|PRIVATE 129 (arg4 == 0); FUTEX_WAIT 0, FUTEX_WAKE 1.
      {"futex",
       {{ArgCond::Eq(1, 128), ArgCond::Eq(4, 0)},
        {ArgCond::Eq(1, 129), ArgCond::Eq(4, 0)},
        {ArgCond::Eq(1, 0)},
        {ArgCond::Eq(1, 1)}}},
      {"getcpu", {{ArgCond::Eq(1, 0), ArgCond::Eq(2, 0)}}},
      {"getpid", {{}}},
      {"getrandom", {{}}},
      {"gettid", {{}}},
      {"gettimeofday", {{}}},
      {"lgetxattr", {{}}},
      {"llistxattr", {{}}},
      {"lremovexattr", {{}}},
      {"lsetxattr", {{}}},
      {"lseek", {{}}},
      {"madvise", {{}}},
      {"memfd_create", {{}}},
      // MAP_SHARED 1; MAP_PRIVATE|MAP_ANONYMOUS 0x22; |MAP_FIXED 0x32;
      // PROT_READ|PROT_WRITE 3 with MAP_DROPPABLE|MAP_ANONYMOUS 0x28.
      {"mmap",
       {{ArgCond::Eq(3, 0x1)},
        {ArgCond::Eq(3, 0x22)},
        {ArgCond::Eq(3, 0x32)},
        {ArgCond::Eq(2, 3), ArgCond::Eq(3, 0x28)}}},
      {"mprotect", {{}}},
      {"munmap", {{}}},
      {"nanosleep", {{}}},
      {"openat", {{}}},
      {"openat2", {{}}},
      {"ppoll", {{}}},
      // PR_SET_VMA 0x53564d41, PR_SET_VMA_ANON_NAME 0.
      {"prctl", {{ArgCond::Eq(0, 0x53564d41), ArgCond::Eq(1, 0)}}},
      {"pread64", {{}}},
      {"pwrite64", {{}}},
      {"read", {{}}},
      // MSG_DONTWAIT|MSG_TRUNC 0x60; |MSG_PEEK 0x62.
      {"recvmsg", {{ArgCond::Eq(2, 0x60)}, {ArgCond::Eq(2, 0x62)}}},
      {"restart_syscall", {{}}},
      {"rt_sigaction", {{}}},
      {"rt_sigprocmask", {{}}},
      {"rt_sigreturn", {{}}},
      {"sched_getaffinity", {{ArgCond::Eq(0, 0)}}},
      {"sched_yield", {{}}},
      // 0; MSG_DONTWAIT|MSG_NOSIGNAL 0x4040.
      {"sendmsg", {{ArgCond::Eq(2, 0)}, {ArgCond::Eq(2, 0x4040)}}},
      {"shutdown", {{ArgCond::Eq(1, 2)}}},  // SHUT_RDWR
      {"sigaltstack", {{}}},
      // AF_UNIX 1, SOCK_SEQPACKET|SOCK_CLOEXEC 0x80005, 0.
      {"socketpair", {{ArgCond::Eq(0, 1), ArgCond::Eq(1, 0x80005), ArgCond::Eq(2, 0)}}},
      {"tgkill", {{kSelfPid}}},
      {"write", {{}}},
      {"newfstatat", {{}}},
  };
}

TEST(FsgoferSetTest, MatchesRunscAmd64) {
  Expected e = StockCommon();
  // CLONE_VM|FS|FILES|SIGHAND 0xf00, THREAD 0x10000, SYSVSEM 0x40000, SETTLS 0x80000.
  e["clone"] = {{ArgCond::Eq(0, 0xd0f00), ArgCond::Eq(2, 0), ArgCond::Eq(3, 0)}};
  EXPECT_EQ(e.size(), 54u);  // 52 common + clone + newfstatat
  ExpectSet(FsgoferSet(Arch::kX86_64), e);
}

TEST(FsgoferSetTest, MatchesRunscArm64) {
  Expected e = StockCommon();
  e["clone"] = {{ArgCond::Eq(0, 0x50f00)}};  // no CLONE_SETTLS, other args any
  ExpectSet(FsgoferSet(Arch::kAarch64), e);
}

TEST(LisafsSetTest, MatchesRunscLisafsFilters) {
  const Expected e = {
      {"fallocate", {{ArgCond::Eq(1, 0)}}},
      {"fgetxattr", {{ArgCond::NonNegFd(0)}}},
      {"flistxattr", {{ArgCond::NonNegFd(0)}}},
      {"fremovexattr", {{ArgCond::NonNegFd(0)}}},
      {"fsetxattr", {{ArgCond::NonNegFd(0)}}},
      {"fstatfs", {{}}},
      {"getdents64", {{}}},
      // runsc's rule, plus hardgofer's link through /proc/self/fd (0x400 =
      // AT_SYMLINK_FOLLOW): path_walk links the client's inode, not a name.
      {"linkat",
       {{ArgCond::NonNegFd(0), ArgCond::NonNegFd(2), ArgCond::Eq(4, 0)},
        {ArgCond::NonNegFd(0), ArgCond::NonNegFd(2), ArgCond::Eq(4, 0x400)}}},
      {"mkdirat", {{}}},
      {"mknodat", {{}}},
      {"readlinkat", {{}}},
      {"renameat2", {{}}},
      {"symlinkat", {{}}},
      {"ftruncate", {{}}},
      {"unlinkat", {{}}},
      {"utimensat", {{}}},
  };
  EXPECT_EQ(e.size(), 16u);
  ExpectSet(LisafsSet(Arch::kX86_64), e);
  ExpectSet(LisafsSet(Arch::kAarch64), e);
}

TEST(HostUdsSetsTest, MatchRunscWithHardgofersCallShapes) {
  // AF_UNIX 1; SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5, always with
  // SOCK_CLOEXEC|SOCK_NONBLOCK (0x80800) in hardgofer; protocol 0.
  ExpectSet(HostUdsCommonSet(Arch::kX86_64),
            {{"socket",
              {{ArgCond::Eq(0, 1), ArgCond::Eq(1, 0x80801), ArgCond::Eq(2, 0)},
               {ArgCond::Eq(0, 1), ArgCond::Eq(1, 0x80802), ArgCond::Eq(2, 0)},
               {ArgCond::Eq(0, 1), ArgCond::Eq(1, 0x80805), ArgCond::Eq(2, 0)}}},
             // statx(AT_FDCWD, "/proc/self/fd", AT_NO_AUTOMOUNT)
             {"statx", {{ArgCond::MaskedEq(0, 0xffffffff, 0xffffff9c), ArgCond::Eq(2, 0x800)}}}});
  // Per-thread id switch with raw setresuid/setresgid(-1, id, -1) instead of
  // runsc's process-wide setreuid/setregid.
  const ArgCond keep0 = ArgCond::MaskedEq(0, 0xffffffff, 0xffffffff);
  const ArgCond keep2 = ArgCond::MaskedEq(2, 0xffffffff, 0xffffffff);
  ExpectSet(HostUdsOpenSet(Arch::kX86_64), {{"connect", {{}}},
                                            {"geteuid", {{}}},
                                            {"getegid", {{}}},
                                            {"setresuid", {{keep0, keep2}}},
                                            {"setresgid", {{keep0, keep2}}}});
  // + unlinkat(dirfd, name, 0): BindAt's cleanup when the chown fails.
  ExpectSet(HostUdsCreateSet(Arch::kX86_64), {{"accept4", {{}}},
                                              {"bind", {{}}},
                                              {"listen", {{}}},
                                              {"unlinkat", {{ArgCond::Eq(2, 0)}}}});
}

TEST(HostFifoSetTest, IsEmptyAsInRunsc) {
  RuleSet s = HostFifoSet(Arch::kX86_64);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.name(), "host_fifo");
}

TEST(DenyExecMappingsTest, KillsProtExecOnMmapAndMprotect) {
  DenyRules d = DenyExecMappings();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].syscall, "mmap");
  EXPECT_EQ(d[0].cond, ArgCond::FlagsSet(2, 0x4));  // PROT_EXEC
  EXPECT_EQ(d[1].syscall, "mprotect");
  EXPECT_EQ(d[1].cond, ArgCond::FlagsSet(2, 0x4));
  EXPECT_TRUE(ValidateDenyRules(d).ok());
  for (const DenyRule& r : d) EXPECT_EQ(r.reason.source, "deny_exec_mappings");
}

TEST(RuntimeSetTest, NoMemoryRuleAllowsProtExec) {
  RuleSet s = RuntimeSet(Arch::kX86_64).value();
  for (const char* name : {"mmap", "mprotect"}) {
    const SyscallRule* rule = s.Find(name);
    ASSERT_NE(rule, nullptr) << name;
    for (const Alternative& alt : rule->allow) {
      bool excludes_exec = false;
      for (const ArgCond& c : alt.conds) {
        excludes_exec |= c.arg() == 2 && (c.mask() & 0x4) != 0 && (c.value().literal() & 0x4) == 0;
      }
      EXPECT_TRUE(excludes_exec) << name << ": " << alt.ConditionsToString();
    }
  }
  // Nor does any other rule touch pkey_mprotect, which could add PROT_EXEC.
  EXPECT_EQ(s.Find("pkey_mprotect"), nullptr);
}

TEST(RuntimeSetTest, ThreadsOnlyNoProcesses) {
  RuleSet s = RuntimeSet(Arch::kX86_64).value();
  const SyscallRule* clone = s.Find("clone");
  ASSERT_NE(clone, nullptr);
  // glibc's pthread flags: VM|FS|FILES|SYSVSEM|SIGHAND|THREAD|SETTLS|PARENT_SETTID|CHILD_CLEARTID.
  ASSERT_EQ(clone->allow.size(), 1u);
  EXPECT_EQ(clone->allow[0].conds, Conj{ArgCond::Eq(0, 0x3d0f00)});
  const SyscallRule* clone3 = s.Find("clone3");
  ASSERT_NE(clone3, nullptr);
  EXPECT_TRUE(clone3->allow.empty());
  ASSERT_TRUE(clone3->fallback.has_value());
  EXPECT_EQ(clone3->fallback->err, 38);  // ENOSYS
  for (const char* forbidden : {"fork", "vfork", "execve", "execveat", "ptrace", "bpf", "socket",
                                "connect", "mount", "setns", "unshare", "kill"}) {
    EXPECT_EQ(s.Find(forbidden), nullptr) << forbidden;
  }
}

TEST(RuntimeSetTest, EveryRuleHasAReason) {
  RuleSet s = RuntimeSet(Arch::kX86_64).value();
  ASSERT_TRUE(s.status().ok());
  for (const auto& [name, rule] : s.rules()) {
    for (const Alternative& alt : rule.allow) {
      EXPECT_FALSE(alt.reason.what.empty()) << name;
      EXPECT_FALSE(alt.reason.why.empty()) << name;
      EXPECT_EQ(alt.reason.source, "runtime") << name;
    }
  }
}

TEST(RuntimeSetTest, NotMeasuredOnAarch64) {
  ErrorOr<RuleSet> s = RuntimeSet(Arch::kAarch64);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnsupportedArch);
  EXPECT_NE(s.error().message().find("aarch64"), std::string::npos);
}

TEST(SetsTest, EveryNameExistsOnItsArch) {
  for (Arch arch : {Arch::kX86_64, Arch::kAarch64}) {
    std::vector<RuleSet> sets = {FsgoferSet(arch), LisafsSet(arch), HostUdsCommonSet(arch),
                                 HostUdsOpenSet(arch), HostUdsCreateSet(arch)};
    if (arch == Arch::kX86_64) sets.push_back(RuntimeSet(arch).value());
    for (const RuleSet& s : sets) {
      for (const auto& [name, rule] : s.rules()) {
        EXPECT_TRUE(SyscallNumber(arch, name).ok()) << ArchName(arch) << " " << name;
      }
    }
  }
}

}  // namespace
}  // namespace hg::seccomp
