#include "policy/testing/test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "seccomp/arch.h"

namespace hg::policy::testing {


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

KernelRun KernelVerdicts(const seccomp::BpfProgram& program, const std::vector<Sample>& samples) {
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
  seccomp::ErrorOr<seccomp::BpfProgram> g = seccomp::BpfProgram::FromInsns(std::move(guard));
  seccomp::ErrorOr<seccomp::BpfProgram> t = seccomp::BpfProgram::FromInsns(
      seccomp::testing::ReplaceReturns(program.insns(), SECCOMP_RET_KILL_PROCESS,
                                       SECCOMP_RET_ERRNO | kDeniedErrno));
  if (!g.ok() || !t.ok()) {
    ADD_FAILURE() << "guard or rewritten program is not a valid filter";
    return KernelRun{};
  }
  // Installed in order, so the program (last) runs first.
  return seccomp::testing::KernelReturns({*g, *t}, samples);
}

}  // namespace hg::policy::testing
