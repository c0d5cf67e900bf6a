#include "seccomp/test_util.h"

#include <elf.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "seccomp/install.h"
#include "seccomp/placeholder.h"
#include "seccomp/sets.h"

namespace hg::seccomp::testing {
namespace {

double Now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

void Nap() {
  timespec t{0, 200'000};
  nanosleep(&t, nullptr);
}

ExitEvent ReadExitEvent(pid_t tid) {
  ExitEvent e;
  e.tid = tid;
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg) == 0) e.status = static_cast<int>(msg);
#if defined(__x86_64__)
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) == 0) {
    e.nr = static_cast<long>(regs.orig_rax);
    e.ret = static_cast<long>(regs.rax);
  }
#endif
  __ptrace_syscall_info info{};
  // ptrace passes integers in its pointer argument.
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid,
             reinterpret_cast<void*>(sizeof(info)),  // NOLINT(performance-no-int-to-ptr)
             &info) > 0) {
    e.arch = info.arch;
  }
  return e;
}

// Children die of SIGSYS on purpose; no core files.
void NoCoreDumps() {
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

bool TraceResult::Exited(int code) const {
  return !timed_out && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == code;
}

bool TraceResult::KilledBy(int sig) const {
  return !timed_out && WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == sig;
}

std::optional<ExitEvent> TraceResult::SigsysExit() const {
  std::optional<ExitEvent> first;
  for (const ExitEvent& e : exits) {
    if (!WIFSIGNALED(e.status) || WTERMSIG(e.status) != SIGSYS) continue;
    if (e.nr >= 0 && (e.ret == e.nr || e.ret == -ENOSYS)) return e;
    if (!first) first = e;
  }
  return first;
}

std::string TraceResult::Describe() const {
  std::ostringstream o;
  if (timed_out) o << "timed out; ";
  if (WIFEXITED(wait_status)) o << "exited " << WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) o << "killed by signal " << WTERMSIG(wait_status);
  for (const ExitEvent& e : exits) {
    o << "; tid " << e.tid << " exit status 0x" << std::hex << e.status << std::dec
      << " in syscall " << e.nr << " (rax " << e.ret << ") arch 0x" << std::hex << e.arch
      << std::dec;
  }
  for (const siginfo_t& si : sigsys) {
    o << "; SIGSYS si_syscall " << si.si_syscall << " si_arch 0x" << std::hex << si.si_arch
      << std::dec;
  }
  return o.str();
}

// Never cleared. Reading it keeps the compiler from proving RawExit never
// returns: GCC would otherwise infer noreturn on its own, and ASan would
// instrument the call (see the header).
volatile bool g_exit_retry = true;

void RawExit(int code) {
  while (g_exit_retry) syscall(SYS_exit_group, code);
}

void InstallOrExit(const BpfProgram& program) {
  ErrorOr<void> s = Install(program, Bindings::ForThisProcess());
  if (!s.ok()) RawExit(100 + static_cast<int>(s.error().code()));
}

TraceResult TraceChild(const std::function<int()>& body, int time_cap_s) {
  TraceResult r;
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return r;
  }
  if (pid == 0) {
    NoCoreDumps();
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) RawExit(90);
    (void)raise(SIGSTOP);
    RawExit(body());
    __builtin_unreachable();
  }
  r.pid = pid;
  int st = 0;
  if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st)) {
    ADD_FAILURE() << "child did not stop for the tracer";
    r.wait_status = st;
    return r;
  }
  ptrace(PTRACE_SETOPTIONS, pid, nullptr,
         PTRACE_O_EXITKILL | PTRACE_O_TRACEEXIT | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC);
  ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  const double deadline = Now() + time_cap_s;
  for (;;) {
    pid_t w = waitpid(-1, &st, __WALL | WNOHANG);
    if (w == 0) {
      if (Now() > deadline && !r.timed_out) {
        r.timed_out = true;
        kill(pid, SIGKILL);
      }
      Nap();
      continue;
    }
    if (w < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (w == pid) {
        r.wait_status = st;
        break;
      }
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    const int event = st >> 16;
    int inject = 0;
    if (event == PTRACE_EVENT_EXIT) {
      r.exits.push_back(ReadExitEvent(w));
    } else if (event == 0) {
      const int sig = WSTOPSIG(st);
      if (sig == SIGSYS) {
        siginfo_t si{};
        if (ptrace(PTRACE_GETSIGINFO, w, nullptr, &si) == 0) r.sigsys.push_back(si);
      }
      // New threads start with a SIGSTOP the tracer swallows; other signals
      // are delivered as they would be untraced.
      if (sig != SIGSTOP && sig != SIGTRAP) inject = sig;
    }
    ptrace(
        PTRACE_CONT, w, nullptr,
        reinterpret_cast<void*>(static_cast<long>(inject)));  // NOLINT(performance-no-int-to-ptr)
  }
  return r;
}

int RunChild(const std::function<int()>& body, int time_cap_s) {
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return -1;
  }
  if (pid == 0) {
    NoCoreDumps();
    RawExit(body());
    __builtin_unreachable();
  }
  int st = 0;
  const double deadline = Now() + time_cap_s;
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) return st;
    if (w < 0 && errno != EINTR) return -1;
    if (Now() > deadline) kill(pid, SIGKILL);
    Nap();
  }
}

CompiledFilter MustCompile(const RuleSet& allow, const DenyRules& deny,
                           const CompileOptions& options) {
  ErrorOr<CompiledFilter> f = Compile(allow, deny, options);
  if (!f.ok()) {
    ADD_FAILURE() << f.error().ToString();
    std::abort();
  }
  return std::move(f).value();
}

RuleSet StockRules(bool lisafs) {
  RuleSet s("stock");
  s.Merge(RuntimeSet(Arch::kX86_64).value()).Merge(FsgoferSet(Arch::kX86_64));
  if (lisafs) s.Merge(LisafsSet(Arch::kX86_64));
  return s;
}

std::vector<sock_filter> ReplaceReturns(const std::vector<sock_filter>& insns, uint32_t action,
                                        uint32_t replacement) {
  std::vector<sock_filter> out = insns;
  for (sock_filter& in : out) {
    if (in.code == (BPF_RET | BPF_K) && (in.k & 0xffff0000u) == action) in.k = replacement;
  }
  return out;
}

long Int80(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
#if defined(__x86_64__)
  long ret = nr;
  // ebp is the sixth argument. It may be the frame pointer, so it is saved
  // on the stack below the red zone and restored. int $0x80 clears r8-r11
  // on return to a 64-bit process.
  asm volatile(
      "sub $128, %%rsp\n\t"
      "push %%rbp\n\t"
      "mov %[a5], %%rbp\n\t"
      "int $0x80\n\t"
      "pop %%rbp\n\t"
      "add $128, %%rsp\n\t"
      : "+a"(ret)
      : "b"(a0), "c"(a1), "d"(a2), "S"(a3), "D"(a4), [a5] "r"(a5)
      : "memory", "r8", "r9", "r10", "r11");
  return ret;
#else
  (void)nr;
  (void)a0;
  (void)a1;
  (void)a2;
  (void)a3;
  (void)a4;
  (void)a5;
  return -ENOSYS;
#endif
}

bool KernelHasIa32Emulation() {
  static const bool has = [] {
    const int st = RunChild([] {
      // i386 getpid is 20; a kernel without IA32 emulation faults (SIGSEGV).
      return Int80(20) == getpid() ? 0 : 1;
    });
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }();
  return has;
}

KernelRun KernelReturns(const std::vector<BpfProgram>& filters,
                        const std::vector<Sample>& samples) {
  KernelRun run;
  const size_t bytes = (samples.size() + 1) * sizeof(long);
  void* shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    ADD_FAILURE() << "mmap of the result page failed";
    return run;
  }
  long* results = static_cast<long*>(shared);
  run.status = RunChild([&] {
    const long pid = getpid();
    results[samples.size()] = pid;
    std::vector<Sample> mine = samples;
    for (Sample& s : mine) {
      for (size_t i = 0; i < kSyscallArgs; ++i) {
        if (s.self_pid[i]) s.args[i] = static_cast<uint64_t>(pid);
      }
    }
    std::vector<std::vector<sock_filter>> filled;
    for (const BpfProgram& f : filters) {
      ErrorOr<BpfProgram> p = FillHoles(f, Bindings::ForThisProcess());
      if (!p.ok()) return 97;
      filled.push_back(p->insns());
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 98;
    for (auto& f : filled) {
      sock_fprog prog{static_cast<unsigned short>(f.size()), f.data()};
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return 99;
    }
    // From here on: only the samples, then exit_group.
    for (size_t i = 0; i < mine.size(); ++i) {
      const Sample& s = mine[i];
      const auto a = [&](size_t k) { return static_cast<long>(s.args[k]); };
      long r;
      if (s.i386) {
        r = Int80(s.nr, a(0), a(1), a(2), a(3), a(4), a(5));
      } else {
        r = syscall(s.nr, a(0), a(1), a(2), a(3), a(4), a(5));
        if (r == -1) r = -errno;
      }
      results[i] = r;
    }
    // Exit here: returning would run destructors, and freeing memory may
    // make syscalls (the sanitizer allocators do) that the filters refuse.
    RawExit(0);
    return 0;
  });
  run.pid = static_cast<pid_t>(results[samples.size()]);
  if (WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) {
    run.ok = true;
    run.returns.assign(results, results + samples.size());
  }
  munmap(shared, bytes);
  return run;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(HG_SECCOMP_TESTDATA) + "/" + name;
  const char* update = std::getenv("HG_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden " << path
                         << "; regenerate with HG_UPDATE_GOLDENS=1 ./seccomp_test";
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), actual) << "golden " << path
                               << " differs; regenerate with HG_UPDATE_GOLDENS=1 ./seccomp_test";
}

}  // namespace hg::seccomp::testing
