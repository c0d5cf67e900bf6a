#include "gofer/cmd/run_policy.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "oci/go_compat.h"
#include "oci/spec.h"
#include "policy/compiler.h"
#include "policy/digest.h"
#include "policy/files.h"
#include "policy/operator_policy.h"
#include "policy/output_dir.h"
#include "seccomp/arch.h"

namespace hg::cmd {
namespace {

policy::Error SpecError(const std::string& file, const std::string& message) {
  policy::Error e;
  e.kind = policy::Error::Kind::kSpec;
  e.file = file;
  e.message = message;
  return e;
}

}  // namespace

policy::ErrorOr<std::string> ReadSpecBytes(const std::string& bundle, std::optional<int> spec_fd) {
  if (!spec_fd) {
    return policy::ReadSmallFile(oci::GoPathJoin(bundle, "config.json"), oci::kMaxSpecBytes,
                                 policy::Error::Kind::kSpec);
  }
  const std::string name = "--spec-fd " + std::to_string(*spec_fd);
  std::string bytes;
  char buf[65536];
  off_t off = 0;  // runsc seeks the spec FD to 0 before reading
  for (;;) {
    ssize_t n = ::pread(*spec_fd, buf, sizeof(buf), off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SpecError(name, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
    off += n;
    if (bytes.size() > oci::kMaxSpecBytes) {
      return SpecError(
          name, "config.json is larger than " + std::to_string(oci::kMaxSpecBytes) + " bytes");
    }
  }
  return bytes;
}

policy::ErrorOr<RunPolicy> ObtainRunPolicy(const RunPolicyInputs& in, const std::string& outdir) {
  policy::ErrorOr<oci::RuntimeFlags> flags = policy::ParseRuntimeFlags(in.flags);
  if (!flags.ok()) return flags.error();
  std::optional<std::string> op_bytes;
  if (!in.operator_policy.empty()) {
    auto op = policy::ReadSmallFile(in.operator_policy, policy::kMaxOperatorPolicyBytes,
                                    policy::Error::Kind::kOperatorPolicy);
    if (!op.ok()) return op.error();
    op_bytes = std::move(op).value();
  }

  RunPolicy out;
  if (outdir.empty()) {
    policy::CompileInputs ci;
    ci.bundle_dir = in.bundle;
    ci.spec_bytes = in.spec_bytes;
    ci.spec_file = in.spec_file;
    ci.flags = *flags;
    ci.operator_policy_bytes = op_bytes;
    ci.operator_policy_file = in.operator_policy;
    ci.extensions = in.extensions;
    ci.audit = in.audit;
    policy::ErrorOr<policy::CompiledPolicy> c = policy::CompilePolicy(ci);
    if (!c.ok()) return c.error();
    out.policy = std::move(c->policy);
    out.program = c->filter.program;
    return out;
  }

  policy::ErrorOr<policy::LoadedPolicy> loaded = policy::ReadPolicyDir(outdir);
  if (!loaded.ok()) return loaded.error();
  policy::DigestInputs d;
  d.spec_bytes = in.spec_bytes;
  d.canonical_flags = policy::CanonicalFlags(*flags);
  if (op_bytes) d.operator_policy_bytes = *op_bytes;
  for (const policy::ExtensionDescriptor& e : in.extensions) {
    d.extension_texts.push_back(policy::CanonicalDescriptorText(e));
  }
  d.mode = in.audit ? "audit" : "enforce";
  d.arch = std::string(seccomp::ArchName(seccomp::Arch::kX86_64));
  const std::string want = policy::InputDigest(d);
  const std::string have = loaded->policy.inputs().digest();
  if (want != have) {
    policy::Error e;
    e.kind = policy::Error::Kind::kOutput;
    e.file = outdir;
    e.key = "inputs.digest";
    e.value = have;
    e.message = "was compiled from other inputs (recorded " + have + ", this bundle, flags" +
                std::string(in.operator_policy.empty() ? "" : ", operator policy") +
                (in.audit ? ", --audit" : "") + " and extensions give " + want +
                "); recompile it with 'hardgofer policy compile'";
    return e;
  }
  out.policy = std::move(loaded->policy);
  out.program = std::move(loaded->program);
  out.from_outdir = true;
  return out;
}

}  // namespace hg::cmd
