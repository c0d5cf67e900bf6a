#include "policy/testing/test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "seccomp/arch.h"
#include "seccomp/install.h"
#include "seccomp/placeholder.h"

namespace hg::policy::testing {

namespace {

double Now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

void NoCoreDumps() {
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// Never cleared; reading it keeps GCC from inferring RawExit is noreturn (ASan
// instruments calls to noreturn functions with a sigaltstack syscall that a
// filter under test may refuse).
volatile bool g_exit_retry = true;

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/hg-policy-test-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    std::abort();
  }
  path_ = tmpl;
}

TempDir::~TempDir() { RemoveTree(path_); }

void RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    for (const std::string& n : ListDir(path)) RemoveTree(path + "/" + n);
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string SpecJson(const std::string& extra_mounts, const std::string& annotations,
                     bool readonly_root) {
  std::string s = R"({"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/"},)";
  s += std::string(R"("root":{"path":"rootfs","readonly":)") + (readonly_root ? "true" : "false") + "},";
  s += R"("mounts":[{"destination":"/proc","type":"proc","source":"proc"},)"
       R"({"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755"]})";
  if (!extra_mounts.empty()) s += "," + extra_mounts;
  s += "]";
  if (!annotations.empty()) s += R"(,"annotations":{)" + annotations + "}";
  s += "}";
  return s;
}

ErrorOr<CompiledPolicy> CompileJson(const std::string& spec_json, const RuntimeFlagArgs& flags,
                                    std::vector<ExtensionDescriptor> extensions,
                                    const std::optional<std::string>& operator_policy, bool audit) {
  ErrorOr<oci::RuntimeFlags> f = ParseRuntimeFlags(flags);
  if (!f.ok()) return f.error();
  CompileInputs in;
  in.bundle_dir = "/bundle";
  in.spec_bytes = spec_json;
  in.spec_file = "/bundle/config.json";
  in.flags = *f;
  in.operator_policy_bytes = operator_policy;
  in.operator_policy_file = "ops.textproto";
  in.extensions = std::move(extensions);
  in.audit = audit;
  in.probe = [](const std::string&) -> oci::ErrorOr<bool> { return true; };
  return CompilePolicy(in);
}

const pb::SetUse* FindSet(const pb::Policy& p, const std::string& name) {
  for (const pb::SetUse& s : p.seccomp().set()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

const pb::Mount* FindMount(const pb::Policy& p, const std::string& path) {
  for (const pb::Mount& m : p.mount()) {
    if (m.path() == path) return &m;
  }
  return nullptr;
}

void RawExit(int code) {
  while (g_exit_retry) syscall(SYS_exit_group, code);
}

void InstallOrExit(const seccomp::BpfProgram& program) {
  seccomp::ErrorOr<void> s = seccomp::Install(program, seccomp::Bindings::ForThisProcess());
  if (!s.ok()) RawExit(100 + static_cast<int>(s.error().code()));
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
    return 0;
  }
  int st = 0;
  const double deadline = Now() + time_cap_s;
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) return st;
    if (w < 0 && errno != EINTR) return -1;
    if (Now() > deadline) kill(pid, SIGKILL);
    timespec nap{0, 200 * 1000};
    nanosleep(&nap, nullptr);
  }
}

long Int80(long nr, long a0, long a1, long a2) {
#if defined(__x86_64__)
  long ret = nr;
  asm volatile("int $0x80" : "+a"(ret) : "b"(a0), "c"(a1), "d"(a2) : "memory", "r8", "r9", "r10", "r11");
  return ret;
#else
  (void)nr;
  (void)a0;
  (void)a1;
  (void)a2;
  return -ENOSYS;
#endif
}

bool KernelHasIa32Emulation() {
  static const bool has = [] {
    const int st = RunChild([] { return Int80(20 /* i386 getpid */) == getpid() ? 0 : 1; });
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }();
  return has;
}

KernelRun KernelVerdicts(const seccomp::BpfProgram& program, const std::vector<Sample>& samples) {
  KernelRun run;
  // The guard: exit_group and seccomp (x86_64) pass (the child installs the
  // program under test after the guard, then exits), everything else
  // ERRNO(kGuardErrno).
  std::vector<sock_filter> guard = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp::kAuditArchX86_64, 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | kGuardErrno),
  };
  const size_t bytes = (samples.size() + 1) * sizeof(long);
  void* shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    ADD_FAILURE() << "mmap failed";
    return run;
  }
  long* results = static_cast<long*>(shared);
  run.status = RunChild([&] {
    const long pid = getpid();
    results[samples.size()] = pid;
    std::vector<Sample> mine = samples;
    for (Sample& s : mine) {
      for (size_t i = 0; i < seccomp::kSyscallArgs; ++i) {
        if (s.self_pid[i]) s.args[i] = static_cast<uint64_t>(pid);
      }
    }
    seccomp::ErrorOr<seccomp::BpfProgram> filled =
        seccomp::FillHoles(program, seccomp::Bindings::ForThisProcess());
    if (!filled.ok()) return 97;
    std::vector<sock_filter> test = filled->insns();
    for (sock_filter& in : test) {
      if (in.code == (BPF_RET | BPF_K) && (in.k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_PROCESS) {
        in.k = SECCOMP_RET_ERRNO | kDeniedErrno;
      }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 98;
    sock_fprog g{static_cast<unsigned short>(guard.size()), guard.data()};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &g) != 0) return 99;
    sock_fprog t{static_cast<unsigned short>(test.size()), test.data()};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &t) != 0) return 99;
    // From here on: only the samples, then exit_group.
    for (size_t i = 0; i < mine.size(); ++i) {
      const auto a = [&](size_t k) { return static_cast<long>(mine[i].args[k]); };
      long r = syscall(static_cast<long>(mine[i].nr), a(0), a(1), a(2), a(3), a(4), a(5));
      results[i] = r == -1 ? -errno : r;
    }
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

}  // namespace hg::policy::testing
