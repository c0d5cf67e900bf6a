#include "policy/explain.h"

#include "oci/go_compat.h"

namespace hg::policy {

namespace {

std::string Bytes(uint64_t n) {
  if (n == 0) return "no limit";
  return std::to_string(n) + " bytes";
}

void Reasons(std::string* out, const google::protobuf::RepeatedPtrField<pb::Reason>& rs,
             const char* indent) {
  for (const pb::Reason& r : rs) *out += std::string(indent) + "- " + ReasonText(r) + "\n";
}

std::string FlagsLine(const pb::RuntimeFlags& f) {
  std::string s = std::string("--directfs=") + (f.directfs() ? "true" : "false") +
                  " --host-uds=" + f.host_uds() + " --host-fifo=" + f.host_fifo() +
                  " --overlay2=" + f.overlay2() + " --file-access=" + f.file_access() +
                  " --file-access-mounts=" + f.file_access_mounts();
  if (f.allow_flag_override()) s += " --allow-flag-override";
  if (!f.gofer_mount_confs().empty()) s += " --gofer-mount-confs=" + f.gofer_mount_confs();
  return s;
}

}  // namespace

std::string ReasonText(const pb::Reason& r) { return r.source() + ": " + r.why(); }

std::string BackendName(const pb::Mount& m) {
  switch (m.backend()) {
    case pb::Mount::FSGOFER: return "fsgofer";
    case pb::Mount::EXTENSION: return "extension:" + m.extension();
    case pb::Mount::NOT_SERVED: return "not served";
    default: return "unknown";
  }
}

std::string RenderExplain(const pb::Policy& p) {
  std::string o;
  o += "hardgofer policy (" + p.format() + ", " + p.compiler() + ")\n";
  o += "input digest " + p.inputs().digest() + "\n";

  o += "\n== inputs\n";
  o += "config.json sha256 " + p.inputs().spec_sha256() + "\n";
  if (!p.inputs().operator_policy_file().empty()) {
    o += "operator policy " + p.inputs().operator_policy_file() + " sha256 " +
         p.inputs().operator_policy_sha256() + "\n";
  } else {
    o += "operator policy: none\n";
  }
  for (const std::string& e : p.inputs().extension()) o += "extension descriptor " + e + "\n";
  o += "flags:           " + FlagsLine(p.flags()) + "\n";
  o += "effective flags: " + FlagsLine(p.effective_flags()) + "\n";

  o += "\n== loosenings (weaker confinement, stated loudly)\n";
  if (p.loosening_size() == 0) o += "none\n";
  for (const std::string& l : p.loosening()) o += "! " + l + "\n";

  o += "\n== mounts (" + std::to_string(p.mount_size()) + "; " +
       std::to_string(p.served_mounts()) + " served by the gofer, one --io-fds each)\n";
  for (const pb::Mount& m : p.mount()) {
    o += "\n" + m.path() + "  [" + BackendName(m) + "]\n";
    o += "  source " + (m.source().empty() ? std::string("(none)") : m.source()) +
         (m.source_in_bundle() ? " (relative to the bundle)" : "") + ", type " + m.type() +
         (m.spec_index() < 0 ? ", the rootfs" : ", config.json mounts[" + std::to_string(m.spec_index()) + "]") +
         "\n";
    o += "  backend: " + BackendName(m) + "\n";
    Reasons(&o, m.backend_reason(), "    ");
    if (m.backend() == pb::Mount::NOT_SERVED) continue;
    o += "  gofer mount conf " + m.gofer_mount_conf() + ", io-fd slot " +
         std::to_string(m.io_fd_index()) + ", file access " + m.file_access() +
         (m.share().empty() ? "" : ", share " + m.share()) +
         (m.pod_hint().empty() ? "" : ", pod hint " + m.pod_hint()) + "\n";
    o += std::string("  read-only: ") + (m.read_only() ? "yes" : "no") + "\n";
    Reasons(&o, m.read_only_reason(), "    ");
    o += std::string("  directfs: ") + (m.directfs() ? "on" : "off") + "\n";
    Reasons(&o, m.directfs_reason(), "    ");
    o += std::string("  donate mount-point FD: ") + (m.donate_mount_fd() ? "yes" : "no") + "\n";
    Reasons(&o, m.donate_mount_fd_reason(), "    ");
    o += "  host unix sockets: " + m.host_uds() + "\n";
    Reasons(&o, m.host_uds_reason(), "    ");
    o += "  host FIFOs: " + m.host_fifo() + "\n";
    Reasons(&o, m.host_fifo_reason(), "    ");
    o += "  max file size: " + Bytes(m.max_file_size()) + "\n";
    Reasons(&o, m.max_file_size_reason(), "    ");
    std::string ns;
    for (const std::string& n : m.xattr_namespace()) ns += (ns.empty() ? "" : ", ") + n + "*";
    o += "  xattr namespaces: " + ns + "\n";
    Reasons(&o, m.xattr_reason(), "    ");
    o += "  path rules:" + std::string(m.path_rule_size() == 0 ? " none" : "") + "\n";
    for (const pb::PathRule& r : m.path_rule()) {
      o += "    " + r.action() + " " + r.pattern() + "  - " + ReasonText(r.reason()) + "\n";
    }
  }

  o += "\n== capabilities kept (everything else is dropped)\n";
  for (const pb::Capability& c : p.capability()) {
    std::string sets;
    for (const std::string& s : c.set()) sets += (sets.empty() ? "" : ", ") + s;
    o += c.name() + " (" + sets + ")\n";
    Reasons(&o, c.reason(), "  ");
  }

  const pb::Seccomp& s = p.seccomp();
  o += "\n== seccomp (" + s.arch() + ", " + s.mode() + "; violations " + s.violation_action() +
       ", other arches and x32 numbers " + s.bad_arch_action() + "; " +
       std::to_string(s.instructions()) + " instructions, seccomp.bpf sha256 " +
       s.program_sha256() + ")\n";
  o += "\nsets:\n";
  for (const pb::SetUse& u : s.set()) {
    o += "  " + u.name() + ": " + (u.included() ? "included" : "not included") + " (" +
         std::to_string(u.syscalls()) + " syscalls)\n";
    Reasons(&o, u.reason(), "    ");
  }
  o += "\ndenied whatever any set allows:\n";
  for (const pb::DenyRule& d : s.deny()) {
    o += "  " + d.syscall() + ": " + d.cond().text() + " | " + d.what() + " | " + d.why() + " | " +
         d.source() + "\n";
  }
  o += "\nallowed syscalls (" + std::to_string(s.syscall_size()) +
       "; any call not listed gets " + s.violation_action() + "):\n";
  for (const pb::SyscallRule& r : s.syscall()) {
    o += "  " + r.name() + " (" + std::to_string(r.nr()) + ")\n";
    for (const pb::Alternative& a : r.alternative()) {
      std::string conds;
      for (const pb::ArgCond& c : a.cond()) conds += (conds.empty() ? "" : " && ") + c.text();
      if (conds.empty()) conds = "any arguments";
      o += "    " + conds + " | " + a.what() + " | " + a.why() + " | " + a.source() + "\n";
    }
    if (r.has_fallback()) {
      o += "    otherwise errno " + std::to_string(r.fallback().errno_value()) + " | " +
           r.fallback().what() + " | " + r.fallback().why() + " | " + r.fallback().source() + "\n";
    }
  }
  o += "\nplaceholders:" + std::string(s.placeholder_size() == 0 ? " none" : "") + "\n";
  for (const std::string& ph : s.placeholder()) o += "  " + ph + "\n";
  if (s.note_size() > 0) {
    o += "\ncompiler notes:\n";
    for (const std::string& n : s.note()) o += "  " + n + "\n";
  }

  o += "\n== extensions\n";
  if (p.extension_size() == 0) o += "none\n";
  for (const pb::ExtensionUse& e : p.extension()) {
    std::string mounts;
    for (const std::string& m : e.claimed_mount()) mounts += (mounts.empty() ? "" : ", ") + m;
    o += e.name() + "@" + e.version() + ": serves " + (mounts.empty() ? "no mount" : mounts) +
         "; can donate host FDs: " + (e.can_donate_host_fds() ? "yes" : "no") +
         "; seccomp rules (" + std::to_string(e.rule_syscalls()) + " syscalls) " +
         (e.rules_merged() ? "merged" : "not merged") + "\n";
    for (const std::string& k : e.key_file()) o += "  key file " + k + " (from the operator policy)\n";
  }

  o += "\n== diagnostics (what runsc logs and ignores; these hints and annotations did nothing "
       "or changed flags)\n";
  if (p.diagnostic_size() == 0) o += "none\n";
  for (const pb::Diagnostic& d : p.diagnostic()) {
    o += d.kind() + ": " + d.key() + (d.value().empty() ? "" : "=" + oci::GoQuote(d.value())) + ": " +
         d.reason() + "\n";
  }
  return o;
}

}  // namespace hg::policy
