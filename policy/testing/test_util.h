// Helpers for policy_test: temporary directories, in-memory compiles, and
// children under compiled programs (the latter from seccomp/test_util.h).
//
//   TempDir dir;                                   // removed (recursively) at scope exit
//   ErrorOr<CompiledPolicy> p = CompileJson(spec_json, {.directfs = {"false"}});
//   int st = RunChild([&] { InstallOrExit(p->filter.program); syscall(SYS_getpid); return 0; });
//   EXPECT_TRUE(WIFEXITED(st));
#ifndef HARDGOFER_POLICY_TESTING_TEST_UTIL_H_
#define HARDGOFER_POLICY_TESTING_TEST_UTIL_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policy/compiler.h"
#include "policy/flags.h"
#include "seccomp/bpf_program.h"
#include "seccomp/rule.h"
#include "seccomp/test_util.h"

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
// The seccomp room's helpers (seccomp/test_util.h), used as they are.
using seccomp::testing::InstallOrExit;
using seccomp::testing::Int80;
using seccomp::testing::KernelHasIa32Emulation;
using seccomp::testing::KernelRun;
using seccomp::testing::RawExit;
using seccomp::testing::RunChild;
using seccomp::testing::Sample;  // nr as seccomp sees it (x32 bit included)

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
