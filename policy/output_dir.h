// A compiled policy on disk: OUTDIR/{policy.textproto, policy.pb, seccomp.bpf,
// seccomp.pfc, explain.txt}, written atomically and read back with checks.
//
//   policy::ErrorOr<policy::PolicyFiles> files = policy::RenderFiles(compiled);
//   policy::ErrorOr<void> w = policy::WritePolicyDir("/var/lib/hg/c1", *files);
//   policy::ErrorOr<policy::LoadedPolicy> p = policy::ReadPolicyDir("/var/lib/hg/c1");
//   p->program;   // seccomp.bpf, verified against policy.pb's sha256
//
// Atomic: the files go into a fresh sibling directory ".<name>.tmp-XXXXXX",
// each fsynced, which then replaces OUTDIR in one rename (RENAME_NOREPLACE
// when OUTDIR does not exist; RENAME_EXCHANGE, then removal of the old files,
// when it does). A reader never sees half a policy, and an error leaves
// nothing behind. An existing OUTDIR is replaced only if it is a directory
// holding nothing but these five files: `--out ~` must not delete a home
// directory.
//
// Reading refuses a policy.pb of another format, a seccomp.bpf whose sha256
// differs from the one policy.pb records (a program and rules that do not
// belong together would make `query` explain the wrong thing), and a program
// the kernel would reject.
#ifndef HARDGOFER_POLICY_OUTPUT_DIR_H_
#define HARDGOFER_POLICY_OUTPUT_DIR_H_

#include <optional>
#include <string>
#include <string_view>

#include "policy/compiler.h"
#include "policy/error.h"
#include "policy/policy.pb.h"
#include "policy/rules_proto.h"
#include "seccomp/bpf_program.h"

namespace hg::policy {

inline constexpr std::string_view kPolicyFileNames[] = {
    "explain.txt", "policy.pb", "policy.textproto", "seccomp.bpf", "seccomp.pfc"};

struct PolicyFiles {
  std::string textproto;  // policy.textproto
  std::string binary;     // policy.pb (deterministic serialization)
  std::string bpf;        // seccomp.bpf (struct sock_filter array, little-endian)
  std::string pfc;        // seccomp.pfc (libseccomp pseudo-code)
  std::string explain;    // explain.txt
};

PolicyFiles RenderFiles(const CompiledPolicy& compiled);

// The textproto form of `p` with its header comment (what policy.textproto holds).
std::string PolicyTextproto(const pb::Policy& p);

ErrorOr<void> WritePolicyDir(const std::string& outdir, const PolicyFiles& files);

struct LoadedPolicy {
  pb::Policy policy;
  std::optional<seccomp::BpfProgram> program;  // always set on success
  PolicyRules rules;
};

ErrorOr<LoadedPolicy> ReadPolicyDir(const std::string& dir);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_OUTPUT_DIR_H_
