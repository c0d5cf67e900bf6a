// The classic-BPF interpreter: hand-written programs, checked by hand and
// against the kernel running the same programs.
#include "seccomp/interpreter.h"

#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "seccomp/test_util.h"

namespace hg::seccomp {
namespace {

using testing::KernelHasIa32Emulation;
using testing::KernelReturns;
using testing::Sample;

constexpr sock_filter Stmt(uint16_t code, uint32_t k) { return {code, 0, 0, k}; }
constexpr sock_filter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return {code, jt, jf, k};
}
constexpr uint32_t kNr = 0, kArch = 4, kIpLo = 8, kIpHi = 12;
constexpr uint32_t ArgLo(int i) { return 16 + 8 * static_cast<uint32_t>(i); }
constexpr uint32_t ArgHi(int i) { return 20 + 8 * static_cast<uint32_t>(i); }

BpfProgram Must(std::vector<sock_filter> insns) {
  ErrorOr<BpfProgram> p = BpfProgram::FromInsns(std::move(insns));
  EXPECT_TRUE(p.ok()) << p.error().ToString();
  return std::move(p).value();
}

// exit_group must stay allowed so the kernel-side child can finish.
std::vector<sock_filter> WithExitAllowed(const std::vector<sock_filter>& body) {
  std::vector<sock_filter> out = {
      Stmt(BPF_LD | BPF_W | BPF_ABS, kNr),
      Jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 0, 1),
      Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Ends a computation: ret ERRNO | (A & 0x7ff | 0x800), an errno in 2048..4095
// that the kernel hands back unchanged (it caps at 4095).
std::vector<sock_filter> ReturnAAsErrno() {
  return {Stmt(BPF_ALU | BPF_AND | BPF_K, 0x7ff),
          Stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO | 0x800), Stmt(BPF_RET | BPF_A, 0)};
}

std::vector<sock_filter> Concat(std::vector<sock_filter> a, const std::vector<sock_filter>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Hand-written programs exercising every instruction class the kernel allows.
std::vector<std::vector<sock_filter>> Programs() {
  return {
      // ALU with constants on nr.
      // NOLINTNEXTLINE(misc-redundant-expression): BPF_ADD and BPF_K are both 0.
      Concat({Stmt(BPF_LD | BPF_W | BPF_ABS, kNr), Stmt(BPF_ALU | BPF_ADD | BPF_K, 5),
              Stmt(BPF_ALU | BPF_MUL | BPF_K, 3), Stmt(BPF_ALU | BPF_XOR | BPF_K, 0x55),
              Stmt(BPF_ALU | BPF_SUB | BPF_K, 1), Stmt(BPF_ALU | BPF_LSH | BPF_K, 3),
              Stmt(BPF_ALU | BPF_RSH | BPF_K, 1), Stmt(BPF_ALU | BPF_DIV | BPF_K, 7),
              Stmt(BPF_ALU | BPF_NEG, 0)},
             ReturnAAsErrno()),
      // X register, scratch memory and both halves of arguments.
      Concat(
          {Stmt(BPF_LD | BPF_W | BPF_ABS, ArgLo(0)), Stmt(BPF_ST, 0),
           Stmt(BPF_LD | BPF_W | BPF_ABS, ArgHi(1)), Stmt(BPF_MISC | BPF_TAX, 0),
           Stmt(BPF_LD | BPF_MEM, 0), Stmt(BPF_ALU | BPF_ADD | BPF_X, 0), Stmt(BPF_ST, 7),
           Stmt(BPF_LD | BPF_W | BPF_ABS, ArgLo(5)), Stmt(BPF_STX, 3), Stmt(BPF_LDX | BPF_MEM, 7),
           Stmt(BPF_ALU | BPF_MUL | BPF_X, 0), Stmt(BPF_LDX | BPF_MEM, 3),
           Stmt(BPF_ALU | BPF_SUB | BPF_X, 0), Stmt(BPF_LDX | BPF_IMM, 3),
           Stmt(BPF_ALU | BPF_DIV | BPF_X, 0), Stmt(BPF_ALU | BPF_OR | BPF_X, 0),
           Stmt(BPF_ALU | BPF_AND | BPF_X, 0), Stmt(BPF_ALU | BPF_XOR | BPF_X, 0)},
          ReturnAAsErrno()),
      // Shifts by X, including counts >= 32.
      Concat({Stmt(BPF_LD | BPF_W | BPF_ABS, ArgLo(2)), Stmt(BPF_MISC | BPF_TAX, 0),
              Stmt(BPF_LD | BPF_W | BPF_ABS, ArgLo(3)), Stmt(BPF_ALU | BPF_LSH | BPF_X, 0),
              Stmt(BPF_ST, 1), Stmt(BPF_LD | BPF_W | BPF_ABS, ArgLo(3)),
              Stmt(BPF_ALU | BPF_RSH | BPF_X, 0), Stmt(BPF_LDX | BPF_MEM, 1),
              Stmt(BPF_ALU | BPF_XOR | BPF_X, 0)},
             ReturnAAsErrno()),
      // Every conditional jump with K and X, ja, len, ret K.
      {Stmt(BPF_LD | BPF_W | BPF_LEN, 0), Stmt(BPF_MISC | BPF_TAX, 0),
       Stmt(BPF_LD | BPF_W | BPF_ABS, ArgLo(0)), Jump(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 1),
       Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2049),
       Jump(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 1),  // A >= 64 (len)
       Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2050),
       Jump(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 1),
       Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2051), Jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0),
       Stmt(BPF_JMP | BPF_JA, 1), Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2052),
       Jump(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2053),
       Jump(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1), Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2054),
       Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2055)},
      // The architecture word.
      Concat({Stmt(BPF_LD | BPF_W | BPF_ABS, kArch)}, ReturnAAsErrno()),
  };
}

std::vector<Sample> Samples() {
  std::vector<Sample> s;
  const uint64_t values[] = {0,
                             1,
                             7,
                             16,
                             64,
                             65,
                             100,
                             101,
                             0x30,
                             0xdeadbeef,
                             0xffffffff,
                             0x123456789abcdefull,
                             0xffffffffffffffffull,
                             33,
                             31};
  const int nrs[] = {SYS_getppid, SYS_read, SYS_openat, 999, 1};
  size_t k = 0;
  for (int nr : nrs) {
    for (size_t i = 0; i < 8; ++i) {
      Sample x;
      x.nr = nr;
      for (auto& a : x.args) a = values[k++ % std::size(values)];
      s.push_back(x);
    }
  }
  return s;
}

// The return value the kernel produces for program return `ret` when the
// syscall does not run.
long ExpectedReturn(uint32_t ret) {
  EXPECT_EQ(ret & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO) << ActionName(ret);
  const long data = ret & SECCOMP_RET_DATA;
  return -(data > 4095 ? 4095 : data);
}

TEST(InterpreterTest, AgreesWithTheKernelOnHandWrittenPrograms) {
  std::vector<Sample> samples = Samples();
  if (KernelHasIa32Emulation()) {
    for (int nr : {20 /* getpid */, 64 /* getppid */, 3 /* read */}) {
      Sample x;
      x.i386 = true;
      x.nr = nr;
      x.args = {5, 0x80, 0xffffffff, 0x12345678, 0x31, 0x7fffffff};
      samples.push_back(x);
    }
  }
  for (const auto& body : Programs()) {
    const std::vector<sock_filter> insns = WithExitAllowed(body);
    BpfProgram p = Must(insns);
    testing::KernelRun got = KernelReturns({p}, samples);
    ASSERT_TRUE(got.ok) << "child status " << got.status;
    for (size_t i = 0; i < samples.size(); ++i) {
      SeccompData d = SeccompData::For(Arch::kX86_64, samples[i].nr, samples[i].args);
      if (samples[i].i386) {
        d.arch = kAuditArchI386;
        for (auto& a : d.args) a &= 0xffffffffu;
      }
      const Verdict v = Interpret(p, d);
      EXPECT_EQ(got.returns[i], ExpectedReturn(v.ret))
          << "sample " << i << " nr " << samples[i].nr << (samples[i].i386 ? " (i386)" : "");
    }
  }
}

TEST(InterpreterTest, DivisionByZeroXKillsTheThreadLikeTheKernel) {
  const std::vector<sock_filter> insns = WithExitAllowed(
      {Stmt(BPF_LDX | BPF_IMM, 0), Stmt(BPF_LD | BPF_IMM, 10), Stmt(BPF_ALU | BPF_DIV | BPF_X, 0),
       Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)});
  const Verdict v = Interpret(Must(insns), SeccompData::For(Arch::kX86_64, SYS_getppid));
  EXPECT_EQ(v.ret, SECCOMP_RET_KILL_THREAD);
  EXPECT_EQ(v.insns_executed, 5u);  // ld, jeq, ldx, ld, div
  Sample s;
  s.nr = SYS_getppid;
  testing::KernelRun got = KernelReturns({Must(insns)}, {s});
  EXPECT_FALSE(got.ok);
  EXPECT_TRUE(WIFSIGNALED(got.status) && WTERMSIG(got.status) == SIGSYS) << got.status;
}

TEST(InterpreterTest, CountsExecutedInstructions) {
  BpfProgram p =
      Must({Stmt(BPF_LD | BPF_W | BPF_ABS, kArch),
            Jump(BPF_JMP | BPF_JEQ | BPF_K, kAuditArchX86_64, 1, 0),
            Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), Stmt(BPF_LD | BPF_W | BPF_ABS, kNr),
            Jump(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1), Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1)});
  Verdict allow = Interpret(p, SeccompData::For(Arch::kX86_64, 39));
  EXPECT_TRUE(allow.allowed());
  EXPECT_EQ(allow.insns_executed, 5u);  // 0, 1, 3, 4, 5
  Verdict eperm = Interpret(p, SeccompData::For(Arch::kX86_64, 40));
  EXPECT_EQ(eperm.action(), SECCOMP_RET_ERRNO);
  EXPECT_EQ(eperm.data(), 1);
  EXPECT_EQ(eperm.insns_executed, 5u);  // 0, 1, 3, 4, 6
  SeccompData i386 = SeccompData::For(Arch::kX86_64, 39);
  i386.arch = kAuditArchI386;
  Verdict bad = Interpret(p, i386);
  EXPECT_EQ(bad.ret, SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(bad.insns_executed, 3u);
}

TEST(InterpreterTest, ReadsInstructionPointerAndHighHalves) {
  BpfProgram p = Must({Stmt(BPF_LD | BPF_W | BPF_ABS, kIpHi), Stmt(BPF_MISC | BPF_TAX, 0),
                       Stmt(BPF_LD | BPF_W | BPF_ABS, kIpLo), Stmt(BPF_ALU | BPF_ADD | BPF_X, 0),
                       Stmt(BPF_RET | BPF_A, 0)});
  SeccompData d;
  d.instruction_pointer = 0x0000000500000007ull;
  EXPECT_EQ(Interpret(p, d).ret, 12u);
}

TEST(InterpreterTest, InterpretUnvalidatedRejectsInsteadOfCrashing) {
  const std::vector<std::vector<sock_filter>> bad = {
      {},
      {Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 200, 200)},
      {Stmt(BPF_JMP | BPF_JA, 0xfffffff0), Stmt(BPF_RET | BPF_K, 0)},
      {Stmt(BPF_LD | BPF_W | BPF_ABS, 1000), Stmt(BPF_RET | BPF_A, 0)},
      {Stmt(BPF_LD | BPF_MEM, 99), Stmt(BPF_RET | BPF_A, 0)},
      {Stmt(0x1234, 0), Stmt(BPF_RET | BPF_A, 0)},
      {Stmt(BPF_LD | BPF_IMM, 0)},
  };
  for (const auto& insns : bad) {
    ErrorOr<Verdict> v = InterpretUnvalidated(insns, SeccompData{});
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code(), ErrorCode::kMalformedProgram);
  }
  const std::vector<sock_filter> allow = {Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  ErrorOr<Verdict> ok = InterpretUnvalidated(allow, SeccompData{});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->allowed());
}

TEST(InterpreterTest, ActionNames) {
  EXPECT_EQ(ActionName(SECCOMP_RET_ALLOW), "ALLOW");
  EXPECT_EQ(ActionName(SECCOMP_RET_KILL_PROCESS), "KILL_PROCESS");
  EXPECT_EQ(ActionName(SECCOMP_RET_KILL_THREAD), "KILL_THREAD");
  EXPECT_EQ(ActionName(SECCOMP_RET_ERRNO | 38), "ERRNO(38)");
  EXPECT_EQ(ActionName(SECCOMP_RET_LOG), "LOG");
  EXPECT_EQ(ActionName(SECCOMP_RET_TRAP | 3), "TRAP(3)");
  EXPECT_EQ(ActionName(0x12340000), "UNKNOWN(0x12340000)");
}

}  // namespace
}  // namespace hg::seccomp
