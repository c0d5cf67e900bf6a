// Query: the interpreter's verdict on the compiled program, explained by the
// source rules.
#include "seccomp/query.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "seccomp/sets.h"
#include "seccomp/test_util.h"

namespace hg::seccomp {
namespace {

using testing::MustCompile;
using testing::StockRules;

class QueryTest : public ::testing::Test {
 protected:
  QueryTest() : rules_(StockRules(false)), filter_(MustCompile(rules_, DenyExecMappings())) {}

  QueryAnswer Ask(const SyscallQuery& q, const Bindings* b = nullptr) {
    ErrorOr<QueryAnswer> a =
        Query(filter_.program, Arch::kX86_64, Mode::kEnforce, rules_, DenyExecMappings(), q, b);
    EXPECT_TRUE(a.ok()) << a.error().ToString();
    EXPECT_TRUE(a->agrees()) << a->ToString();
    return std::move(a).value();
  }

  RuleSet rules_;
  CompiledFilter filter_;
};

TEST_F(QueryTest, AllowListsTheMatchingRules) {
  QueryAnswer a = Ask(SyscallQuery::ByName("fcntl", {3, F_GETFL}));
  EXPECT_TRUE(a.allowed());
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_EQ(a.reasons[0].kind, MatchedRule::Kind::kAllow);
  EXPECT_EQ(a.reasons[0].conditions, "arg1 == 0x3");
  EXPECT_EQ(a.reasons[0].reason.source, "fsgofer");
  const std::string text = a.ToString();
  EXPECT_EQ(text.rfind("allow (ALLOW after ", 0), 0u) << text;
  EXPECT_NE(text.find("fcntl(fd, F_GETFL)"), std::string::npos) << text;
  EXPECT_GT(a.verdict.insns_executed, 3u);
}

TEST_F(QueryTest, AllowFromTwoSetsListsBoth) {
  QueryAnswer a = Ask(SyscallQuery::ByName("futex", {0x1000, 128, 2, 0, 0, 0}));
  EXPECT_TRUE(a.allowed());
  ASSERT_EQ(a.reasons.size(), 2u) << a.ToString();
  EXPECT_EQ(a.reasons[0].reason.source, "runtime");  // merged first
  EXPECT_EQ(a.reasons[1].reason.source, "fsgofer");
  // glibc leaves garbage in arg4: only the runtime rule allows it.
  QueryAnswer g = Ask(SyscallQuery::ByName("futex", {0x1000, 128, 2, 0, 0xdead, 0}));
  EXPECT_TRUE(g.allowed());
  ASSERT_EQ(g.reasons.size(), 1u);
  EXPECT_EQ(g.reasons[0].reason.source, "runtime");
}

TEST_F(QueryTest, DenyExplainsTheDenyRuleAndWhatItOverrides) {
  QueryAnswer a = Ask(SyscallQuery::ByName(
      "mmap", {0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0}));
  EXPECT_FALSE(a.allowed());
  EXPECT_EQ(a.verdict.ret, SECCOMP_RET_KILL_PROCESS);
  ASSERT_GE(a.reasons.size(), 2u);
  EXPECT_EQ(a.reasons[0].kind, MatchedRule::Kind::kDeny);
  EXPECT_EQ(a.reasons[0].reason.source, "deny_exec_mappings");
  EXPECT_EQ(a.reasons[1].kind, MatchedRule::Kind::kOverridden);
  EXPECT_EQ(a.ToString().rfind("deny (KILL_PROCESS", 0), 0u);
}

TEST_F(QueryTest, DefaultSaysWhatWouldBeAllowed) {
  QueryAnswer a = Ask(SyscallQuery::ByName("fcntl", {3, F_SETLK}));
  EXPECT_FALSE(a.allowed());
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_EQ(a.reasons[0].kind, MatchedRule::Kind::kDefault);
  EXPECT_NE(a.reasons[0].reason.why.find("arg1 == 0x3 OR arg1 == 0x4"), std::string::npos)
      << a.reasons[0].reason.why;
  QueryAnswer p = Ask(SyscallQuery::ByName("ptrace"));
  EXPECT_FALSE(p.allowed());
  EXPECT_EQ(p.reasons[0].reason.what, "no rule allows ptrace");
}

TEST_F(QueryTest, ErrnoFallback) {
  QueryAnswer a = Ask(SyscallQuery::ByName("clone3", {0x1000, 88}));
  EXPECT_FALSE(a.allowed());
  EXPECT_EQ(a.verdict.ret, SECCOMP_RET_ERRNO | 38u);
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_EQ(a.reasons[0].kind, MatchedRule::Kind::kErrno);
  EXPECT_EQ(a.ToString().rfind("deny (ERRNO(38)", 0), 0u);
}

TEST_F(QueryTest, ByNumberX32AndForeignArch) {
  QueryAnswer n = Ask(SyscallQuery::ByNumber(SYS_getpid));
  EXPECT_TRUE(n.allowed());
  EXPECT_EQ(n.syscall, "getpid");
  QueryAnswer x = Ask(SyscallQuery::ByNumber(kX32SyscallBit | SYS_getpid));
  EXPECT_FALSE(x.allowed());
  EXPECT_EQ(x.syscall, "x32:getpid");
  ASSERT_EQ(x.reasons.size(), 1u);
  EXPECT_EQ(x.reasons[0].kind, MatchedRule::Kind::kBadArch);
  SyscallQuery i386 = SyscallQuery::ByNumber(20);
  i386.audit_arch = kAuditArchI386;
  QueryAnswer i = Ask(i386);
  EXPECT_FALSE(i.allowed());
  EXPECT_EQ(i.verdict.ret, SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(i.syscall, "i386 syscall 20");
  EXPECT_EQ(i.reasons[0].kind, MatchedRule::Kind::kBadArch);
  QueryAnswer none = Ask(SyscallQuery::ByNumber(999));
  EXPECT_FALSE(none.allowed());
  EXPECT_EQ(none.syscall, "syscall 999");
}

TEST_F(QueryTest, PlaceholdersSymbolicOrBound) {
  // Offline: the program still holds the sentinel; "self_pid" as an argument
  // means the same thing on both sides.
  QueryAnswer sym =
      Ask(SyscallQuery::ByName("tgkill", {ArgValue::Of(Placeholder::kSelfPid), 7, 0}));
  EXPECT_TRUE(sym.allowed());
  QueryAnswer other = Ask(SyscallQuery::ByName("tgkill", {1, 7, 0}));
  EXPECT_FALSE(other.allowed());
  // Bound: the program is filled in first.
  Bindings b;
  b.Set(Placeholder::kSelfPid, 4321);
  EXPECT_TRUE(Ask(SyscallQuery::ByName("tgkill", {4321, 7, 0}), &b).allowed());
  EXPECT_FALSE(Ask(SyscallQuery::ByName("tgkill", {4322, 7, 0}), &b).allowed());
  const Bindings empty;
  ErrorOr<QueryAnswer> unbound = Query(filter_.program, Arch::kX86_64, Mode::kEnforce, rules_,
                                       DenyExecMappings(), SyscallQuery::ByName("getpid"), &empty);
  ASSERT_FALSE(unbound.ok());
  EXPECT_EQ(unbound.error().code(), ErrorCode::kUnboundPlaceholder);
}

TEST_F(QueryTest, NotesSyscallsTheKernelDoesNotFilter) {
  for (uint32_t nr : {335u /* uretprobe */, 336u /* uprobe */}) {
    QueryAnswer a = Ask(SyscallQuery::ByNumber(nr));
    EXPECT_FALSE(a.allowed());  // the program's answer...
    ASSERT_FALSE(a.reasons.empty());
    EXPECT_EQ(a.reasons[0].kind, MatchedRule::Kind::kKernelExempt);  // ...which the kernel skips
    EXPECT_NE(a.ToString().find("does not consult seccomp"), std::string::npos);
  }
  QueryAnswer other = Ask(SyscallQuery::ByNumber(337));
  for (const MatchedRule& m : other.reasons) EXPECT_NE(m.kind, MatchedRule::Kind::kKernelExempt);
}

TEST_F(QueryTest, UnknownName) {
  ErrorOr<QueryAnswer> a = Query(filter_.program, Arch::kX86_64, Mode::kEnforce, rules_,
                                 DenyExecMappings(), SyscallQuery::ByName("fooat"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code(), ErrorCode::kUnknownSyscall);
  EXPECT_NE(a.error().message().find("fooat"), std::string::npos);
}

TEST_F(QueryTest, SaysSoWhenProgramAndRulesDisagree) {
  // The program allows LisaFS syscalls; these rules do not.
  CompiledFilter lisafs = MustCompile(StockRules(true), DenyExecMappings());
  ErrorOr<QueryAnswer> a = Query(lisafs.program, Arch::kX86_64, Mode::kEnforce, rules_,
                                 DenyExecMappings(), SyscallQuery::ByName("mkdirat"));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->allowed());
  EXPECT_FALSE(a->agrees());
  EXPECT_NE(a->ToString().find("WARNING: the program and its rules disagree"), std::string::npos);
}

}  // namespace
}  // namespace hg::seccomp
