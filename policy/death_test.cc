// Children under the compiled program of every example bundle: each call is
// asked of `policy query` (the CLI path, on the written OUTDIR) and then made
// in a fresh child under that program. Allowed calls survive, denied calls die
// by SIGSYS right in that call, errno fallbacks return their errno, and the
// query's first word agrees with the kernel every time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <set>
#include <sstream>

#include "base/unique_fd.h"
#include "policy/commands.h"
#include "policy/output_dir.h"
#include "policy/testing/examples.h"
#include "policy/testing/test_util.h"
#include "seccomp/interpreter.h"

#if defined(__x86_64__)

namespace hg::policy {
namespace {

using testing::RawExit;

// One call: how `policy query` is asked, and how the child makes it.
struct Call {
  std::string label;
  std::vector<std::string> query;  // SYSCALL ARGn=VALUE...
  std::string arch;                // --arch for query ("" = program's)
  std::function<long()> make;      // returns the raw return (or -errno)
};

long Sys(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0) {
  long r = syscall(nr, a0, a1, a2, a3, a4, a5);
  return r == -1 ? -errno : r;
}

std::vector<Call> Calls() {
  static const char kRoot[] = "/";
  static const char kMissing[] = "/proc/hg-policy-death-test-missing/x";
  const long anon = MAP_PRIVATE | MAP_ANONYMOUS;
  return {
      {"getpid", {"getpid"}, "", [] { return Sys(SYS_getpid); }},
      {"fcntl F_GETFL", {"fcntl", "ARG0=0", "ARG1=F_GETFL"}, "", [] { return Sys(SYS_fcntl, 0, F_GETFL); }},
      {"fcntl F_SETLK", {"fcntl", "ARG0=0", "ARG1=F_SETLK"}, "", [] { return Sys(SYS_fcntl, 0, F_SETLK, 0); }},
      {"openat /", {"openat", "ARG0=AT_FDCWD", "ARG2=O_RDONLY|O_CLOEXEC"}, "",
       [] { return Sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>(kRoot), O_RDONLY | O_CLOEXEC); }},
      {"mkdirat (LisaFS)", {"mkdirat", "ARG0=AT_FDCWD"}, "",
       [] { return Sys(SYS_mkdirat, AT_FDCWD, reinterpret_cast<long>(kMissing), 0); }},
      {"unlinkat (LisaFS)", {"unlinkat", "ARG0=AT_FDCWD"}, "",
       [] { return Sys(SYS_unlinkat, AT_FDCWD, reinterpret_cast<long>(kMissing), 0); }},
      {"socket AF_UNIX", {"socket", "ARG0=AF_UNIX", "ARG1=SOCK_STREAM"}, "",
       [] { return Sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0); }},
      {"socket AF_INET", {"socket", "ARG0=AF_INET", "ARG1=SOCK_STREAM"}, "",
       [] { return Sys(SYS_socket, AF_INET, SOCK_STREAM, 0); }},
      {"connect (host UDS open)", {"connect", "ARG0=-1"}, "", [] { return Sys(SYS_connect, -1, 0, 0); }},
      {"listen (host UDS create)", {"listen", "ARG0=-1"}, "", [] { return Sys(SYS_listen, -1, 0); }},
      {"copy_file_range (extension)", {"copy_file_range", "ARG0=-1", "ARG2=-1"}, "",
       [] { return Sys(SYS_copy_file_range, -1, 0, -1, 0, 0, 0); }},
      {"tgkill self", {"tgkill", "ARG0=self_pid", "ARG1=1"}, "",
       [] { return Sys(SYS_tgkill, getpid(), Sys(SYS_gettid), 0); }},
      {"tgkill other", {"tgkill", "ARG0=1", "ARG1=1"}, "", [] { return Sys(SYS_tgkill, 1, 1, 0); }},
      {"mmap RW", {"mmap", "ARG1=4096", "ARG2=PROT_READ|PROT_WRITE", "ARG3=MAP_PRIVATE|MAP_ANONYMOUS", "ARG4=-1"}, "",
       [anon] { return Sys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, anon, -1, 0); }},
      {"mmap PROT_EXEC", {"mmap", "ARG1=4096", "ARG2=PROT_READ|PROT_EXEC", "ARG3=MAP_PRIVATE|MAP_ANONYMOUS", "ARG4=-1"}, "",
       [anon] { return Sys(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC, anon, -1, 0); }},
      {"mprotect PROT_EXEC", {"mprotect", "ARG0=0x10000", "ARG1=4096", "ARG2=PROT_READ|PROT_EXEC"}, "",
       [] { return Sys(SYS_mprotect, 0x10000, 4096, PROT_READ | PROT_EXEC); }},
      {"ptrace", {"ptrace", "ARG0=0"}, "", [] { return Sys(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0); }},
      {"bpf", {"bpf", "ARG0=5"}, "", [] { return Sys(SYS_bpf, 5 /* BPF_PROG_LOAD */, 0, 0); }},
      {"execve", {"execve"}, "", [] { return Sys(SYS_execve, 0, 0, 0); }},
      {"x32 getpid", {"x32:getpid"}, "", [] { return Sys(0x40000000 | SYS_getpid); }},
      {"clone3 (errno fallback)", {"clone3"}, "", [] { return Sys(SYS_clone3, 0, 0); }},
  };
}

enum class Outcome { kSurvived, kSigsys, kOther };

struct ChildResult {
  Outcome outcome = Outcome::kOther;
  long ret = 0;  // the call's return when it survived
  std::string describe;
};

// Installs `program` in a child, signals "about to call", makes the call,
// reports its return, exits.
ChildResult RunUnder(const seccomp::BpfProgram& program, const std::function<long()>& make) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {};
  UniqueFd rd(fds[0]), wr(fds[1]);
  const int w = wr.get();
  const int st = testing::RunChild([&] {
    testing::InstallOrExit(program);
    const char mark = 'm';
    if (syscall(SYS_write, w, &mark, 1) != 1) return 90;
    const long r = make();
    if (syscall(SYS_write, w, &r, sizeof(r)) != static_cast<long>(sizeof(r))) return 91;
    return 0;
  });
  wr.reset();
  char buf[1 + sizeof(long)] = {};
  size_t got = 0;
  while (got < sizeof(buf)) {
    ssize_t n = read(rd.get(), buf + got, sizeof(buf) - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ChildResult res;
  std::ostringstream d;
  d << "wait status 0x" << std::hex << st << std::dec << ", " << got << " bytes reported";
  res.describe = d.str();
  if (got == 1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
    res.outcome = Outcome::kSigsys;  // died after the marker, inside the call
  } else if (got == sizeof(buf) && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    res.outcome = Outcome::kSurvived;
    std::memcpy(&res.ret, buf + 1, sizeof(long));
  }
  return res;
}

class DeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ErrorOr<std::vector<testing::Example>> ex = testing::Examples();
    ASSERT_TRUE(ex.ok()) << ex.error().ToString();
    examples_ = std::move(ex).value();
  }
  // Compiles `ex` into the temp dir; returns OUTDIR.
  std::string Compile(const testing::Example& ex) {
    const std::string out = tmp_.Join(ex.name);
    if (testing::PathExists(out)) return out;
    std::ostringstream o, e;
    EXPECT_EQ(RunCompile(testing::CommandFor(ex, out), o, e), kExitOk) << e.str();
    return out;
  }
  // `policy query`'s first word and the action it names.
  std::string Query(const std::string& outdir, const Call& c, std::string* full) {
    std::ostringstream o, e;
    EXPECT_EQ(RunQuery(outdir, c.query, o, e, c.arch), kExitOk) << e.str();
    *full = o.str();
    return o.str().substr(0, o.str().find(' '));
  }

  std::vector<testing::Example> examples_;
  testing::TempDir tmp_;
};

TEST_F(DeathTest, KernelAgreesWithQueryForEveryCallUnderEveryExample) {
  int kills = 0, survivals = 0;
  for (const testing::Example& ex : examples_) {
    SCOPED_TRACE(ex.name);
    const std::string out = Compile(ex);
    ErrorOr<LoadedPolicy> p = ReadPolicyDir(out);
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    for (const Call& c : Calls()) {
      SCOPED_TRACE(c.label);
      std::string full;
      const std::string word = Query(out, c, &full);
      ASSERT_TRUE(word == "allow" || word == "deny") << full;
      const bool errno_fallback = full.find("ERRNO(") != std::string::npos;
      const ChildResult r = RunUnder(*p->program, c.make);
      if (word == "allow") {
        EXPECT_EQ(r.outcome, Outcome::kSurvived) << r.describe << "\n" << full;
        ++survivals;
      } else if (errno_fallback) {
        EXPECT_EQ(r.outcome, Outcome::kSurvived) << r.describe << "\n" << full;
        EXPECT_EQ(r.ret, -ENOSYS) << full;
        ++survivals;
      } else {
        EXPECT_EQ(r.outcome, Outcome::kSigsys) << r.describe << "\n" << full;
        ++kills;
      }
    }
  }
  EXPECT_GT(kills, 0);
  EXPECT_GT(survivals, 0);
}

TEST_F(DeathTest, TheAcceptanceDenialsDieEverywhere) {
  // Whatever the example, these never run.
  const std::set<std::string> always_denied = {"ptrace",     "bpf",           "execve",
                                               "mmap PROT_EXEC", "mprotect PROT_EXEC", "x32 getpid",
                                               "tgkill other", "socket AF_INET", "fcntl F_SETLK"};
  for (const testing::Example& ex : examples_) {
    SCOPED_TRACE(ex.name);
    const std::string out = Compile(ex);
    for (const Call& c : Calls()) {
      if (!always_denied.count(c.label)) continue;
      std::string full;
      EXPECT_EQ(Query(out, c, &full), "deny") << c.label << "\n" << full;
      EXPECT_NE(full.find("KILL_PROCESS"), std::string::npos) << full;
    }
  }
}

TEST_F(DeathTest, ForeignArchDiesBySigsys) {
  if (!testing::KernelHasIa32Emulation()) {
    GTEST_SKIP() << "kernel without IA32 emulation (CONFIG_IA32_EMULATION off or ia32_emulation=0): "
                    "int $0x80 cannot reach seccomp";
  }
  for (const testing::Example& ex : examples_) {
    SCOPED_TRACE(ex.name);
    const std::string out = Compile(ex);
    ErrorOr<LoadedPolicy> p = ReadPolicyDir(out);
    ASSERT_TRUE(p.ok());
    Call c{"i386 getpid", {"20"}, "i386", [] { return testing::Int80(20); }};
    std::string full;
    EXPECT_EQ(Query(out, c, &full), "deny") << full;
    const ChildResult r = RunUnder(*p->program, c.make);
    EXPECT_EQ(r.outcome, Outcome::kSigsys) << r.describe;
  }
}

TEST_F(DeathTest, AuditModeLogsInsteadOfKilling) {
  const testing::Example& ex = examples_.front();
  testing::Example audit = ex;
  audit.flag_lines.push_back("--audit");
  const std::string out = tmp_.Join("audit");
  std::ostringstream o, e;
  ASSERT_EQ(RunCompile(testing::CommandFor(audit, out), o, e), kExitOk) << e.str();
  ErrorOr<LoadedPolicy> p = ReadPolicyDir(out);
  ASSERT_TRUE(p.ok());
  // bpf(BPF_PROG_LOAD) with a null attr: logged, then runs and fails.
  const ChildResult r = RunUnder(*p->program, [] { return Sys(SYS_bpf, 5, 0, 0); });
  EXPECT_EQ(r.outcome, Outcome::kSurvived) << r.describe;
  EXPECT_LT(r.ret, 0);
  std::string full;
  Call c{"bpf", {"bpf", "ARG0=5"}, "", nullptr};
  Query(out, c, &full);
  EXPECT_NE(full.find("LOG"), std::string::npos) << full;
}

}  // namespace
}  // namespace hg::policy

#endif  // __x86_64__
