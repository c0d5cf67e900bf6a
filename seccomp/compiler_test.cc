// Compiling rule sets with libseccomp: actions, determinism, errors,
// placeholders, deny folding.
#include "seccomp/compiler.h"

#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "seccomp/interpreter.h"
#include "seccomp/sets.h"
#include "seccomp/test_util.h"

namespace hg::seccomp {
namespace {

using testing::MustCompile;
using testing::StockRules;

Reason R(const std::string& source) { return Reason{"what", "why", source}; }

Verdict RunX86(const CompiledFilter& f, int nr, SyscallArgs args = {}) {
  return Interpret(f.program, SeccompData::For(Arch::kX86_64, nr, args));
}

TEST(CompilerTest, ViolationsAndForeignArchesKillTheProcess) {
  CompiledFilter f = MustCompile(StockRules(false), DenyExecMappings());
  EXPECT_TRUE(RunX86(f, SYS_read).allowed());
  EXPECT_EQ(RunX86(f, SYS_ptrace).ret, SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(RunX86(f, SYS_execve).ret, SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(RunX86(f, 1000).ret, SECCOMP_RET_KILL_PROCESS);
  // x32 numbers of allowed syscalls die.
  EXPECT_EQ(RunX86(f, static_cast<int>(kX32SyscallBit | SYS_read)).ret, SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(RunX86(f, static_cast<int>(kX32SyscallBit | 512)).ret, SECCOMP_RET_KILL_PROCESS);
  // -1 (a tracer skipped the call) matches no rule.
  EXPECT_EQ(RunX86(f, -1).ret, SECCOMP_RET_KILL_PROCESS);
  // Any other arch, even for a number that is an allowed x86_64 syscall.
  for (uint32_t arch : {kAuditArchI386, kAuditArchAarch64, 0u}) {
    SeccompData d = SeccompData::For(Arch::kX86_64, SYS_read);
    d.arch = arch;
    EXPECT_EQ(Interpret(f.program, d).ret, SECCOMP_RET_KILL_PROCESS) << arch;
  }
  EXPECT_EQ(f.arch, Arch::kX86_64);
  EXPECT_EQ(f.mode, Mode::kEnforce);
}

TEST(CompilerTest, AuditModeLogsInsteadOfKilling) {
  CompiledFilter enforce = MustCompile(StockRules(false), DenyExecMappings());
  CompiledFilter audit = MustCompile(StockRules(false), DenyExecMappings(),
                                     {.arch = Arch::kX86_64, .mode = Mode::kAudit});
  EXPECT_EQ(RunX86(audit, SYS_ptrace).ret, SECCOMP_RET_LOG);
  EXPECT_TRUE(RunX86(audit, SYS_read).allowed());
  SeccompData i386 = SeccompData::For(Arch::kX86_64, SYS_read);
  i386.arch = kAuditArchI386;
  EXPECT_EQ(Interpret(audit.program, i386).ret, SECCOMP_RET_LOG);
  // Same decisions, only the violation action differs.
  ASSERT_EQ(audit.program.size(), enforce.program.size());
  EXPECT_TRUE(BpfProgram::FromInsns(testing::ReplaceReturns(audit.program.insns(), SECCOMP_RET_LOG,
                                                            SECCOMP_RET_KILL_PROCESS))
                  .value() == enforce.program);
}

TEST(CompilerTest, DenyExecMappingsWinsOverEveryAllow) {
  RuleSet all = StockRules(true);
  CompiledFilter f = MustCompile(all, DenyExecMappings());
  EXPECT_TRUE(f.notes.empty());
  for (uint64_t flags : {uint64_t{MAP_SHARED}, uint64_t{MAP_PRIVATE | MAP_ANONYMOUS}}) {
    EXPECT_TRUE(RunX86(f, SYS_mmap, {0, 4096, PROT_READ | PROT_WRITE, flags, ~0ull, 0}).allowed());
    EXPECT_EQ(RunX86(f, SYS_mmap, {0, 4096, PROT_READ | PROT_EXEC, flags, ~0ull, 0}).ret,
              SECCOMP_RET_KILL_PROCESS);
    EXPECT_EQ(RunX86(f, SYS_mmap, {0, 4096, PROT_EXEC, flags, ~0ull, 0}).ret,
              SECCOMP_RET_KILL_PROCESS);
  }
  EXPECT_TRUE(RunX86(f, SYS_mprotect, {0x1000, 4096, PROT_READ}).allowed());
  EXPECT_EQ(RunX86(f, SYS_mprotect, {0x1000, 4096, PROT_READ | PROT_EXEC}).ret,
            SECCOMP_RET_KILL_PROCESS);
  // PROT_EXEC in the upper half of the register is not PROT_EXEC.
  EXPECT_TRUE(RunX86(f, SYS_mprotect, {0x1000, 4096, 0x400000000ull | PROT_READ}).allowed());
  // Without the deny rules, fsgofer's "mprotect: any" would allow it.
  CompiledFilter open = MustCompile(all, {});
  EXPECT_TRUE(RunX86(open, SYS_mprotect, {0x1000, 4096, PROT_READ | PROT_EXEC}).allowed());
}

TEST(CompilerTest, AnAlternativeThatOnlyAllowsExecIsNotedAndDropped) {
  RuleSet s("x");
  s.AllowAny("exit_group", R("x"));
  s.Allow("mmap", {ArgCond::FlagsSet(2, PROT_EXEC)}, R("extension:jit"));
  CompiledFilter f = MustCompile(s, DenyExecMappings());
  ASSERT_EQ(f.notes.size(), 1u);
  EXPECT_NE(f.notes[0].find("extension:jit"), std::string::npos) << f.notes[0];
  EXPECT_EQ(RunX86(f, SYS_mmap, {0, 4096, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS}).ret,
            SECCOMP_RET_KILL_PROCESS);
}

TEST(CompilerTest, SameInputByteIdenticalOutput) {
  CompiledFilter a = MustCompile(StockRules(true), DenyExecMappings());
  CompiledFilter b = MustCompile(StockRules(true), DenyExecMappings());
  EXPECT_EQ(a.program.ToBytes(), b.program.ToBytes());
  EXPECT_EQ(a.pfc, b.pfc);
  // Merge order does not matter either.
  RuleSet forward("p");
  forward.Merge(RuntimeSet(Arch::kX86_64).value())
      .Merge(FsgoferSet(Arch::kX86_64))
      .Merge(HostUdsCommonSet(Arch::kX86_64))
      .Merge(LisafsSet(Arch::kX86_64));
  RuleSet backward("p");
  backward.Merge(LisafsSet(Arch::kX86_64))
      .Merge(HostUdsCommonSet(Arch::kX86_64))
      .Merge(FsgoferSet(Arch::kX86_64))
      .Merge(RuntimeSet(Arch::kX86_64).value());
  EXPECT_EQ(MustCompile(forward, DenyExecMappings()).program.ToBytes(),
            MustCompile(backward, DenyExecMappings()).program.ToBytes());
}

TEST(CompilerTest, UnknownSyscallNamesTheNameArchAndSource) {
  RuleSet s("x");
  s.AllowAny("read", R("fsgofer"));
  s.AllowAny("fooat", R("extension:encrypted"));
  ErrorOr<CompiledFilter> f = Compile(s, {}, {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), ErrorCode::kUnknownSyscall);
  EXPECT_NE(f.error().message().find("\"fooat\""), std::string::npos) << f.error().message();
  EXPECT_NE(f.error().message().find("x86_64"), std::string::npos);
  EXPECT_NE(f.error().message().find("extension:encrypted"), std::string::npos);
  // A name that exists elsewhere but not on the target arch.
  RuleSet open("y");
  open.AllowAny("open", R("extension:legacy"));
  ErrorOr<CompiledFilter> g = Compile(open, {}, {.arch = Arch::kAarch64});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code(), ErrorCode::kUnknownSyscall);
  EXPECT_NE(g.error().message().find("aarch64"), std::string::npos);
  // An unknown syscall in a deny rule.
  ErrorOr<CompiledFilter> h = Compile(open, {{"mmapp", ArgCond::FlagsSet(2, 4), R("deny_x")}}, {});
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message().find("mmapp"), std::string::npos);
}

TEST(CompilerTest, RuleSetErrorsArePropagated) {
  RuleSet s("x");
  s.Allow("read", {ArgCond::Eq(7, 0)}, R("extension:e"));
  ErrorOr<CompiledFilter> f = Compile(s, {}, {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), ErrorCode::kInvalidRule);
  EXPECT_FALSE(Compile(RuleSet("ok"), {{"mmap", ArgCond::Eq(2, 4), R("d")}}, {}).ok());
}

TEST(CompilerTest, ErrnoFallback) {
  RuleSet s = StockRules(false);
  CompiledFilter f = MustCompile(s, DenyExecMappings());
  EXPECT_EQ(RunX86(f, SYS_clone3).ret, SECCOMP_RET_ERRNO | 38u);
  // An unconditional allow from another set widens it to allow.
  RuleSet wide = s;
  wide.AllowAny("clone3", R("extension:threads"));
  EXPECT_TRUE(RunX86(MustCompile(wide, DenyExecMappings()), SYS_clone3).allowed());
  // Conditional allows cannot be combined with the fallback.
  RuleSet mixed = s;
  mixed.Allow("clone3", {ArgCond::Eq(1, 88)}, R("extension:threads"));
  ErrorOr<CompiledFilter> g = Compile(mixed, DenyExecMappings(), {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code(), ErrorCode::kInvalidRule);
  EXPECT_NE(g.error().message().find("extension:threads"), std::string::npos);
}

// Found by fuzz/seccomp_differential (regression deny-rule-vs-errno-fallback):
// an errno fallback on a syscall with a deny rule used to answer the errno
// for denied arguments too, while the rules (and `policy query`) said kill.
TEST(CompilerTest, ADenyRuleWinsOverAnErrnoFallback) {
  RuleSet s("x");
  s.AllowAny("exit_group", R("x"));
  s.FailWith("mprotect", 13, R("x"));
  CompiledFilter f = MustCompile(s, DenyExecMappings());
  EXPECT_EQ(RunX86(f, SYS_mprotect, {0x1000, 4096, PROT_READ}).ret, SECCOMP_RET_ERRNO | 13u);
  EXPECT_EQ(RunX86(f, SYS_mprotect, {0x1000, 4096, PROT_READ | PROT_EXEC}).ret,
            SECCOMP_RET_KILL_PROCESS);
  // With an unconditional allow the fallback is never reached; the deny
  // still kills.
  s.AllowAny("mprotect", R("y"));
  CompiledFilter g = MustCompile(s, DenyExecMappings());
  EXPECT_TRUE(RunX86(g, SYS_mprotect, {0x1000, 4096, PROT_READ}).allowed());
  EXPECT_EQ(RunX86(g, SYS_mprotect, {0x1000, 4096, PROT_EXEC}).ret, SECCOMP_RET_KILL_PROCESS);
}

// Found by fuzz/seccomp_differential (regression libseccomp-rule-add-leak):
// libseccomp 2.5.4 leaks when a rule implied by another is added; the
// compiler drops such conjunctions, which also keeps the program small.
TEST(CompilerTest, AConjunctionImpliedByAnotherIsDropped) {
  RuleSet narrow("x");
  narrow.AllowAny("exit_group", R("x"));
  narrow.Allow("unshare", {ArgCond::NonNegFd(0), ArgCond::NonNegFd(3)}, R("a"));
  narrow.Allow("unshare", {ArgCond::MaskedEq(3, 0xFFFFFFFF80000000ull, 0)}, R("b"));
  RuleSet plain("x");
  plain.AllowAny("exit_group", R("x"));
  plain.Allow("unshare", {ArgCond::NonNegFd(3)}, R("b"));
  CompiledFilter f = MustCompile(narrow, {});
  EXPECT_EQ(f.program, MustCompile(plain, {}).program);
  EXPECT_TRUE(RunX86(f, SYS_unshare, {~0ull, 0, 0, 5}).allowed());
  EXPECT_EQ(RunX86(f, SYS_unshare, {0, 0, 0, ~0ull}).ret, SECCOMP_RET_KILL_PROCESS);
}

// Found by fuzz/seccomp_differential (regression placeholder-vs-deny): a
// placeholder equality on an argument a deny rule tests used to be dropped
// silently as if the deny always won; it is now a compile error.
TEST(CompilerTest, APlaceholderOnADeniedArgumentIsRefused) {
  RuleSet s("x");
  s.AllowAny("exit_group", R("x"));
  s.Allow("setpriority", {ArgCond::Eq(5, ArgValue::Of(Placeholder::kSelfPid))}, R("ext"));
  DenyRules deny = {{"setpriority", ArgCond::FlagsSet(5, uint64_t{1} << 37), R("deny")}};
  ErrorOr<CompiledFilter> f = Compile(s, deny, {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), ErrorCode::kInvalidRule);
  EXPECT_NE(f.error().message().find("placeholder"), std::string::npos) << f.error().message();
  // A deny on another argument still folds.
  DenyRules other = {{"setpriority", ArgCond::FlagsSet(4, 1), R("deny")}};
  EXPECT_TRUE(Compile(s, other, {}).ok());
}

TEST(CompilerTest, PlaceholdersBecomeHolesAndFillLikeALiteral) {
  CompiledFilter f = MustCompile(StockRules(false), DenyExecMappings());
  // tgkill's pid: one comparison per 32-bit half.
  ASSERT_EQ(f.holes.size(), 2u);
  EXPECT_TRUE(f.holes[0].high);
  EXPECT_FALSE(f.holes[1].high);
  EXPECT_NE(f.pfc.find("self_pid.hi32"), std::string::npos);
  EXPECT_NE(f.pfc.find("self_pid.lo32"), std::string::npos);
  // Unfilled, no real pid passes.
  EXPECT_EQ(RunX86(f, SYS_tgkill, {1234, 1234, 0}).ret, SECCOMP_RET_KILL_PROCESS);
  // Filled with 1234 = compiled with the literal 1234.
  Bindings b;
  b.Set(Placeholder::kSelfPid, 1234);
  BpfProgram filled = FillHoles(f.program, b).value();
  EXPECT_TRUE(FindHoles(filled).empty());
  EXPECT_TRUE(
      Interpret(filled, SeccompData::For(Arch::kX86_64, SYS_tgkill, {1234, 1, 0})).allowed());
  EXPECT_EQ(Interpret(filled, SeccompData::For(Arch::kX86_64, SYS_tgkill, {1235, 1, 0})).ret,
            SECCOMP_RET_KILL_PROCESS);
  RuleSet literal("stock");
  const RuleSet stock = StockRules(false);
  for (const auto& [name, rule] : stock.rules()) {
    for (const Alternative& alt : rule.allow) {
      std::vector<ArgCond> conds;
      for (const ArgCond& c : alt.conds) {
        conds.push_back(c.value().is_placeholder() ? ArgCond::Eq(c.arg(), 1234) : c);
      }
      literal.Allow(name, conds, alt.reason);
    }
    if (rule.fallback) literal.FailWith(name, rule.fallback->err, rule.fallback->reason);
  }
  EXPECT_EQ(filled.ToBytes(), MustCompile(literal, DenyExecMappings()).program.ToBytes());
  // Filling needs a value.
  ErrorOr<BpfProgram> unbound = FillHoles(f.program, Bindings());
  ASSERT_FALSE(unbound.ok());
  EXPECT_EQ(unbound.error().code(), ErrorCode::kUnboundPlaceholder);
  EXPECT_NE(unbound.error().message().find("self_pid"), std::string::npos);
}

TEST(CompilerTest, LiteralsMayNotCollideWithSentinels) {
  RuleSet s("x");
  s.Allow("read", {ArgCond::Eq(0, SentinelValue(Placeholder::kSelfPid) & 0xffffffffu)},
          R("extension:sneaky"));
  ErrorOr<CompiledFilter> f = Compile(s, {}, {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), ErrorCode::kInvalidRule);
  EXPECT_NE(f.error().message().find("extension:sneaky"), std::string::npos);
}

TEST(CompilerTest, Aarch64TablesCompile) {
  RuleSet s("arm");
  s.Merge(FsgoferSet(Arch::kAarch64)).Merge(LisafsSet(Arch::kAarch64));
  CompiledFilter f = MustCompile(s, DenyExecMappings(), {.arch = Arch::kAarch64});
  EXPECT_EQ(f.arch, Arch::kAarch64);
  // newfstatat is 79 on aarch64, and the arch word is AUDIT_ARCH_AARCH64.
  EXPECT_TRUE(Interpret(f.program, SeccompData::For(Arch::kAarch64, 79)).allowed());
  EXPECT_EQ(Interpret(f.program, SeccompData::For(Arch::kX86_64, 79)).ret,
            SECCOMP_RET_KILL_PROCESS);
  // clone flags without CLONE_SETTLS (220 = clone on aarch64).
  EXPECT_TRUE(
      Interpret(f.program, SeccompData::For(Arch::kAarch64, 220, {0x50f00, 1, 2, 3, 4})).allowed());
  EXPECT_EQ(Interpret(f.program, SeccompData::For(Arch::kAarch64, 220, {0xd0f00})).ret,
            SECCOMP_RET_KILL_PROCESS);
}

TEST(CompilerTest, ProgramFitsTheKernelLimit) {
  RuleSet all = StockRules(true);
  all.Merge(HostUdsCommonSet(Arch::kX86_64))
      .Merge(HostUdsOpenSet(Arch::kX86_64))
      .Merge(HostUdsCreateSet(Arch::kX86_64));
  CompiledFilter f = MustCompile(all, DenyExecMappings());
  EXPECT_LE(f.program.size(), kMaxInsns);
  EXPECT_GT(f.program.size(), 100u);
}

}  // namespace
}  // namespace hg::seccomp
