// The policy compiler: OCI spec + mount hints + runtime flags + operator policy
// + extension descriptors -> per-container Policy, seccomp program and
// capability set, every decision with its reasons.
//
//   policy::ErrorOr<policy::CompileInputs> in =
//       policy::LoadInputs("/run/bundle", flags, "/etc/hardgofer/ops.textproto");
//   in->extensions = MyExtensions();                      // optional
//   policy::ErrorOr<policy::CompiledPolicy> p = policy::CompilePolicy(*in);
//   if (!p.ok()) { std::cerr << p.error().ToString(); return 1; }   // names file, key, value
//   p->policy;          // pb::Policy (policy.proto)
//   p->filter.program;  // the seccomp program (classic BPF, libseccomp-built)
//
// What it decides, and where the rule comes from:
//   * mounts: runsc's classification and conf list (oci::AnalyzeSpec); the
//     backend of each gofer-served mount is the first extension that claims it,
//     else fsgofer; effective read-only = runsc's (spec ro, overlaid) or the
//     operator's override (tighten only); effective directfs = --directfs && no
//     `directfs: off` hint; host UDS = --host-uds intersected with the
//     operator's ceilings; host FIFO = --host-fifo; max file size, xattr
//     namespaces and path deny rules from the operator policy;
//   * capabilities: runsc's goferCaps, plus CAP_SETUID/CAP_SETGID when some
//     served mount may open host sockets (ConnectWithCreds);
//   * seccomp: runtime + fsgofer, + lisafs iff global directfs is off or some
//     *fsgofer-served* mount (rootfs included) has directfs suppressed (an
//     extension-served mount brings its own rules), + host_uds_common/open/
//     create by the effective host-UDS modes, + host_fifo (empty) by
//     --host-fifo, + the rules of every extension that claims a mount; mmap and
//     mprotect with PROT_EXEC always denied; violations and foreign arches
//     KILL_PROCESS (LOG in audit mode). tgkill's pid is a placeholder that
//     `run` fills when it installs the program.
// Deterministic: same inputs, byte-identical outputs (no time, no host paths
// beyond what config.json says, every list in a stable order).
#ifndef HARDGOFER_POLICY_COMPILER_H_
#define HARDGOFER_POLICY_COMPILER_H_

#include <optional>
#include <string>
#include <vector>

#include "oci/gofer_mounts.h"
#include "oci/runtime_flags.h"
#include "policy/error.h"
#include "policy/extension.h"
#include "policy/policy.pb.h"
#include "seccomp/arch.h"
#include "seccomp/compiler.h"
#include "seccomp/rule.h"

namespace hg::policy {

// "hardgofer.policy/v1": the layout of policy.pb this compiler writes.
inline constexpr char kPolicyFormat[] = "hardgofer.policy/v1";

struct CompileInputs {
  // The bundle directory (relative paths are made absolute against the cwd,
  // as runsc receives an absolute --bundle).
  std::string bundle_dir;
  // config.json's bytes and the name used for it in errors.
  std::string spec_bytes;
  std::string spec_file = "config.json";
  oci::RuntimeFlags flags;  // the command line's (annotations are applied here)
  // The operator policy's bytes (absent: none) and its file name for errors.
  std::optional<std::string> operator_policy_bytes;
  std::string operator_policy_file;
  std::vector<ExtensionDescriptor> extensions;
  bool audit = false;
  seccomp::Arch arch = seccomp::Arch::kX86_64;
  // Whether a source is a directory (runsc's self-overlay check); the host's
  // stat(2) unless a test or benchmark substitutes one.
  oci::DirectoryProbe probe = oci::HostDirectoryProbe();
};

// Reads <bundle>/config.json (at most oci::kMaxSpecBytes) and, if
// `operator_policy_path` is non-empty, that file; everything else default.
ErrorOr<CompileInputs> LoadInputs(const std::string& bundle_dir, const oci::RuntimeFlags& flags,
                                  const std::string& operator_policy_path);

struct CompiledPolicy {
  explicit CompiledPolicy(seccomp::CompiledFilter f) : filter(std::move(f)) {}
  pb::Policy policy;
  seccomp::CompiledFilter filter;
  seccomp::RuleSet rules{"policy"};
  seccomp::DenyRules deny;
};

ErrorOr<CompiledPolicy> CompilePolicy(const CompileInputs& inputs);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_COMPILER_H_
