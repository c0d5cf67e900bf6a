// Helpers shared by the seccomp tests: children under a filter, traced deaths,
// goldens.
//
//   TraceResult r = TraceChild([&] { InstallOrDie(program); syscall(SYS_ptrace, 0, 0, 0, 0); });
//   EXPECT_TRUE(r.KilledBy(SIGSYS));
//   EXPECT_EQ(r.SigsysExit()->nr, SYS_ptrace);
#ifndef HARDGOFER_SECCOMP_TEST_UTIL_H_
#define HARDGOFER_SECCOMP_TEST_UTIL_H_

#include <linux/filter.h>
#include <signal.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "seccomp/bpf_program.h"
#include "seccomp/compiler.h"
#include "seccomp/rule.h"

namespace hg::seccomp::testing {

// A thread's PTRACE_EVENT_EXIT stop: how it is exiting and in which syscall.
struct ExitEvent {
  pid_t tid = 0;
  int status = 0;     // wait-status-style exit code (PTRACE_GETEVENTMSG)
  long nr = -1;       // orig_rax: the syscall the thread was in
  long ret = 0;       // rax: still the syscall number (or -ENOSYS) if it never ran
  uint32_t arch = 0;  // PTRACE_GET_SYSCALL_INFO arch (AUDIT_ARCH_*)
};

struct TraceResult {
  pid_t pid = 0;                  // the child (its main thread's tid)
  int wait_status = 0;            // final status of the child
  bool timed_out = false;         // killed by the harness after the time cap
  std::vector<ExitEvent> exits;   // every traced thread's exit
  std::vector<siginfo_t> sigsys;  // SIGSYS signal-delivery stops (RET_TRAP)
  bool Exited(int code) const;
  bool KilledBy(int sig) const;
  // The exit event of the thread seccomp killed, if any. When a process is
  // killed every thread exits with SIGSYS; the culprit is the one whose
  // syscall never ran (rax untouched: the number itself, or -ENOSYS on
  // kernels that preset it); the others were interrupted in their own
  // syscalls (rax -ERESTART*) or outside any (orig_rax -1).
  std::optional<ExitEvent> SigsysExit() const;
  std::string Describe() const;
};

// Runs `body` in a forked, ptraced child (all threads traced), which then
// exits 0 via a raw exit_group. `body` may return a non-zero exit code to
// report a failed check. The child is SIGKILLed after `time_cap_s`.
TraceResult TraceChild(const std::function<int()>& body, int time_cap_s = 60);

// Runs `body` in a forked child (not traced) and returns its wait status.
int RunChild(const std::function<int()>& body, int time_cap_s = 60);

// Exits the calling process at once with a raw exit_group: no atexit
// handlers, no sanitizer hooks, nothing a filter might not allow. Not
// [[noreturn]] on purpose: ASan instruments every call to a noreturn function
// with __asan_handle_no_return, which makes a sigaltstack syscall that a
// filter under test may refuse (and then ASan dies in a CHECK).
void RawExit(int code);

// Installs (after filling self_pid) or exits with 100 + error code.
void InstallOrExit(const BpfProgram& program);

// Compiles or fails the test (ADD_FAILURE) and aborts.
CompiledFilter MustCompile(const RuleSet& allow, const DenyRules& deny,
                           const CompileOptions& options = {});

// The standard gofer rule set for tests: runtime + fsgofer (+ lisafs).
RuleSet StockRules(bool lisafs);

// `insns` with every `ret #k` whose action part is `action` replaced by
// `ret #replacement`.
std::vector<sock_filter> ReplaceReturns(const std::vector<sock_filter>& insns, uint32_t action,
                                        uint32_t replacement);

// A 32-bit syscall through int $0x80 (seccomp sees AUDIT_ARCH_I386), with all
// six argument registers set (ebx, ecx, edx, esi, edi, ebp).
long Int80(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0);

// Whether int $0x80 reaches the kernel's IA32 emulation (probed in a child:
// CONFIG_IA32_EMULATION may be off, or disabled with ia32_emulation=0).
bool KernelHasIa32Emulation();

// One syscall to make in a child: a 64-bit call through syscall(2), or a
// 32-bit call through int $0x80. Arguments flagged in `self_pid` are replaced
// by the child's pid (tgkill's placeholder).
struct Sample {
  bool i386 = false;
  int nr = 0;
  SyscallArgs args{};
  std::array<bool, kSyscallArgs> self_pid{};
};

struct KernelRun {
  bool ok = false;            // the child ran every sample and exited 0
  int status = 0;             // its wait status
  pid_t pid = 0;              // its pid (the value of self_pid)
  std::vector<long> returns;  // per sample: the value returned, or -errno
};

// In a forked child: PR_SET_NO_NEW_PRIVS, then each of `filters` in order
// (placeholders filled with the child's pid; the last installed runs first),
// then every sample. No other syscall is made after the filters are
// installed; they must allow exit_group.
KernelRun KernelReturns(const std::vector<BpfProgram>& filters, const std::vector<Sample>& samples);

// Compares `actual` with testdata/<name>; with HG_UPDATE_GOLDENS=1 in the
// environment, rewrites the golden instead.
void ExpectGolden(const std::string& name, const std::string& actual);

}  // namespace hg::seccomp::testing

#endif  // HARDGOFER_SECCOMP_TEST_UTIL_H_
