// Helpers for policy_test: temporary directories, in-memory compiles, and
// children under compiled programs.
//
//   TempDir dir;                                   // removed (recursively) at scope exit
//   ErrorOr<CompiledPolicy> p = CompileJson(spec_json, {.directfs = {"false"}});
//   int st = RunChild([&] { InstallOrExit(p->filter.program); syscall(SYS_getpid); return 0; });
//   EXPECT_TRUE(WIFEXITED(st));
#ifndef HARDGOFER_POLICY_TESTING_TEST_UTIL_H_
#define HARDGOFER_POLICY_TESTING_TEST_UTIL_H_

#include <sys/types.h>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policy/compiler.h"
#include "policy/flags.h"
#include "seccomp/bpf_program.h"
#include "seccomp/rule.h"

namespace hg::policy::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Removes `path` and everything below it (no symlink following).
void RemoveTree(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);
std::string ReadFile(const std::string& path);
bool PathExists(const std::string& path);
// Names in `dir`, sorted (without . and ..).
std::vector<std::string> ListDir(const std::string& dir);

// A runc-style spec (runc spec's mounts, rootfs "rootfs", root.readonly as
// given) with `extra_mounts` (JSON objects, comma-joined) and `annotations`
// (JSON object members) spliced in.
std::string SpecJson(const std::string& extra_mounts = "", const std::string& annotations = "",
                     bool readonly_root = false);

// Compiles `spec_json` as if it were <"/bundle">/config.json; every path is a
// directory to the probe.
ErrorOr<CompiledPolicy> CompileJson(const std::string& spec_json, const RuntimeFlagArgs& flags = {},
                                    std::vector<ExtensionDescriptor> extensions = {},
                                    const std::optional<std::string>& operator_policy = std::nullopt,
                                    bool audit = false);

// The SetUse named `name`, or nullptr.
const pb::SetUse* FindSet(const pb::Policy& p, const std::string& name);
// The first mount at `path`, or nullptr.
const pb::Mount* FindMount(const pb::Policy& p, const std::string& path);

// ---- children under a filter ----------------------------------------------

// exit_group at once: no atexit handlers, no sanitizer hooks (which may make
// syscalls a filter refuses).
void RawExit(int code);
// Installs `program` (self_pid = this process) or exits with 100 + error code.
void InstallOrExit(const seccomp::BpfProgram& program);
// Runs `body` in a forked child that then RawExits with its return value;
// returns the wait status. SIGKILLs the child after `time_cap_s`.
int RunChild(const std::function<int()>& body, int time_cap_s = 30);
// A 32-bit syscall through int $0x80 (seccomp sees AUDIT_ARCH_I386).
long Int80(long nr, long a0 = 0, long a1 = 0, long a2 = 0);
// Whether the kernel runs int $0x80 (CONFIG_IA32_EMULATION), probed in a child.
bool KernelHasIa32Emulation();

struct Sample {
  uint32_t nr = 0;  // as seccomp sees it (x32 bit included)
  seccomp::SyscallArgs args{};
  std::array<bool, seccomp::kSyscallArgs> self_pid{};  // replace by the child's pid
};

struct KernelRun {
  bool ok = false;
  int status = 0;
  pid_t pid = 0;
  std::vector<long> returns;  // per sample: the return value, or -errno
};

// The kernel's verdicts for `samples` under `program`, without executing any
// of them: a guard filter (installed first) answers every call but
// exit_group and seccomp with ERRNO(kGuardErrno); the program, installed after it with
// its KILL_PROCESS returns rewritten to ERRNO(kDeniedErrno), runs first. The
// kernel keeps the most restrictive action and, between equal actions, the
// newest filter's data, so -kGuardErrno means "the program allowed it",
// -kDeniedErrno "the program denied it", anything else is the program's own
// errno.
inline constexpr int kGuardErrno = 4001;
inline constexpr int kDeniedErrno = 4002;
KernelRun KernelVerdicts(const seccomp::BpfProgram& program, const std::vector<Sample>& samples);

}  // namespace hg::policy::testing

#endif  // HARDGOFER_POLICY_TESTING_TEST_UTIL_H_
