// The policy `hardgofer run` confines itself with: compiled in-process from
// the bundle and flags, or read from a precompiled OUTDIR that must have been
// compiled from exactly these inputs.
//
//   RunPolicyInputs in{.bundle = "/run/b", .spec_bytes = bytes, .flags = args};
//   policy::ErrorOr<RunPolicy> p = ObtainRunPolicy(in, /*outdir=*/"");
//   p->policy;    // pb::Policy: mounts, capabilities, seccomp rules with reasons
//   p->program;   // the BPF program, placeholders not yet filled
//
// Why the digest check: an OUTDIR is reviewed once and deployed many times. A
// policy compiled for another spec (another mount list, other hints), other
// flags or another operator policy would serve mounts with rules that were
// never decided for them, so a mismatch is refused, naming both digests.
#ifndef HARDGOFER_GOFER_CMD_RUN_POLICY_H_
#define HARDGOFER_GOFER_CMD_RUN_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "policy/error.h"
#include "policy/extension.h"
#include "policy/flags.h"
#include "policy/policy.pb.h"
#include "seccomp/bpf_program.h"

namespace hg::cmd {

struct RunPolicyInputs {
  std::string bundle;      // as given (the compiler makes it absolute)
  std::string spec_bytes;  // config.json as read (bundle file or --spec-fd)
  std::string spec_file;   // its name in errors
  policy::RuntimeFlagArgs flags;
  std::string operator_policy;  // path, "" for none
  bool audit = false;
  std::vector<policy::ExtensionDescriptor> extensions;
};

struct RunPolicy {
  policy::pb::Policy policy;
  std::optional<seccomp::BpfProgram> program;  // always set on success
  bool from_outdir = false;
};

// Reads config.json: from `spec_fd` if set (runsc's --spec-fd, read from
// offset 0), else <bundle>/config.json. At most oci::kMaxSpecBytes.
policy::ErrorOr<std::string> ReadSpecBytes(const std::string& bundle, std::optional<int> spec_fd);

// Compiles (outdir empty) or reads and checks OUTDIR.
policy::ErrorOr<RunPolicy> ObtainRunPolicy(const RunPolicyInputs& in, const std::string& outdir);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_RUN_POLICY_H_
