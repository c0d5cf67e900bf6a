// BpfProgram validation: exactly what the kernel's seccomp loader accepts.
#include "seccomp/bpf_program.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp/test_util.h"

namespace hg::seccomp {
namespace {

using testing::RunChild;

constexpr sock_filter Stmt(uint16_t code, uint32_t k) { return {code, 0, 0, k}; }
constexpr sock_filter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return {code, jt, jf, k};
}
const sock_filter kRetAllow = Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

// What the kernel says about `insns`: 0 if it installs them, else the errno.
// Always in a child, which exits at once: an accepted program confines it
// (and if it does not allow exit_group, the child dies of SIGSYS, which also
// means the kernel accepted it).
int KernelVerdict(const std::vector<sock_filter>& insns) {
  const int st = RunChild([&] {
    sock_fprog prog{static_cast<unsigned short>(insns.size()),
                    const_cast<sock_filter*>(insns.data())};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 99;
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    return rc == 0 ? 0 : errno;
  });
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) return 0;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct MalformedCase {
  const char* name;
  std::vector<sock_filter> insns;
  const char* message_part;
};

std::vector<MalformedCase> MalformedCases() {
  std::vector<sock_filter> too_long(kMaxInsns + 1, Stmt(BPF_LD | BPF_IMM, 0));
  too_long.back() = kRetAllow;
  return {
      {"empty", {}, "empty program"},
      {"too long", too_long, "at most 4096"},
      {"no final return", {Stmt(BPF_LD | BPF_W | BPF_ABS, 0)}, "must return"},
      {"unknown opcode", {Stmt(0xffff, 0), kRetAllow}, "not allowed"},
      {"byte load", {Stmt(BPF_LD | BPF_B | BPF_ABS, 0), kRetAllow}, "not allowed"},
      {"indirect load", {Stmt(BPF_LD | BPF_W | BPF_IND, 0), kRetAllow}, "not allowed"},
      {"modulo", {Stmt(BPF_ALU | BPF_MOD | BPF_K, 3), kRetAllow}, "not allowed"},
      {"load past seccomp_data", {Stmt(BPF_LD | BPF_W | BPF_ABS, 64), kRetAllow}, "load offset 64"},
      {"unaligned load", {Stmt(BPF_LD | BPF_W | BPF_ABS, 2), kRetAllow}, "load offset 2"},
      {"jump past end", {Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 5), kRetAllow}, "out of range"},
      {"jump onto end", {Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), kRetAllow}, "out of range"},
      {"ja past end", {Stmt(BPF_JMP | BPF_JA, 1), kRetAllow}, "out of range"},
      {"ja huge", {Stmt(BPF_JMP | BPF_JA, 0xffffffff), kRetAllow}, "out of range"},
      {"division by zero", {Stmt(BPF_ALU | BPF_DIV | BPF_K, 0), kRetAllow}, "division"},
      {"shift by 32", {Stmt(BPF_ALU | BPF_LSH | BPF_K, 32), kRetAllow}, "shift"},
      {"scratch index", {Stmt(BPF_ST, 16), kRetAllow}, "scratch memory index"},
      {"read before write", {Stmt(BPF_LD | BPF_MEM, 3), kRetAllow}, "read before"},
      {"write on one path only",
       {Stmt(BPF_LD | BPF_W | BPF_ABS, 0), Jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
        Stmt(BPF_ST, 2), Stmt(BPF_LD | BPF_MEM, 2), kRetAllow},
       "read before"},
  };
}

TEST(BpfProgramTest, MalformedProgramsAreRejectedLikeTheKernelDoes) {
  for (const MalformedCase& c : MalformedCases()) {
    SCOPED_TRACE(c.name);
    ErrorOr<BpfProgram> p = BpfProgram::FromInsns(c.insns);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code(), ErrorCode::kMalformedProgram);
    EXPECT_NE(p.error().message().find(c.message_part), std::string::npos) << p.error().message();
    EXPECT_EQ(KernelVerdict(c.insns), EINVAL);
  }
}

TEST(BpfProgramTest, ValidEdgeCasesAreAcceptedLikeTheKernelDoes) {
  const std::vector<std::vector<sock_filter>> ok = {
      {kRetAllow},
      {Stmt(BPF_LD | BPF_W | BPF_ABS, 60), kRetAllow},  // last word of args[5]
      {Stmt(BPF_LD | BPF_W | BPF_LEN, 0), Stmt(BPF_RET | BPF_A, 0)},
      {Stmt(BPF_ST, 15), Stmt(BPF_LDX | BPF_MEM, 15), kRetAllow},
      {Stmt(BPF_JMP | BPF_JA, 0), kRetAllow},
      // Written on both paths before the read.
      {Stmt(BPF_LD | BPF_W | BPF_ABS, 0), Jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2), Stmt(BPF_ST, 2),
       Stmt(BPF_JMP | BPF_JA, 1), Stmt(BPF_ST, 2), Stmt(BPF_LD | BPF_MEM, 2), kRetAllow},
  };
  for (size_t i = 0; i < ok.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(BpfProgram::FromInsns(ok[i]).ok());
    EXPECT_EQ(KernelVerdict(ok[i]), 0);
  }
}

TEST(BpfProgramTest, BytesRoundTripAndAreLittleEndian) {
  ErrorOr<BpfProgram> p = BpfProgram::FromInsns(
      {Stmt(BPF_LD | BPF_W | BPF_ABS, 4), Jump(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 1, 0),
       Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), kRetAllow});
  ASSERT_TRUE(p.ok());
  const std::string bytes = p->ToBytes();
  ASSERT_EQ(bytes.size(), 32u);
  EXPECT_EQ(bytes.substr(8, 8), std::string("\x15\x00\x01\x00\x3e\x00\x00\xc0", 8));
  ErrorOr<BpfProgram> back = BpfProgram::FromBytes(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == *p);
  EXPECT_EQ(back->ToBytes(), bytes);
}

TEST(BpfProgramTest, BytesMustBeWholeInstructions) {
  ErrorOr<BpfProgram> p = BpfProgram::FromBytes(std::string(12, '\0'));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("12 bytes"), std::string::npos);
  EXPECT_FALSE(BpfProgram::FromBytes("").ok());
  EXPECT_FALSE(BpfProgram::FromBytes(std::string((kMaxInsns + 1) * 8, '\x06')).ok());
}

}  // namespace
}  // namespace hg::seccomp
