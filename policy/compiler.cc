#include "policy/compiler.h"

#include <algorithm>
#include <set>
#include <utility>

#include "oci/go_compat.h"
#include "oci/mount_class.h"
#include "oci/spec.h"
#include "policy/capabilities.h"
#include "policy/digest.h"
#include "policy/files.h"
#include "policy/flags.h"
#include "policy/operator_policy.h"
#include "policy/rules_proto.h"
#include "seccomp/sets.h"

#ifndef HG_POLICY_VERSION
#define HG_POLICY_VERSION "unknown"
#endif

namespace hg::policy {

namespace {

pb::Reason R(std::string source, std::string why) {
  pb::Reason r;
  r.set_source(std::move(source));
  r.set_why(std::move(why));
  return r;
}

void Add(google::protobuf::RepeatedPtrField<pb::Reason>* field, pb::Reason r) {
  *field->Add() = std::move(r);
}

uint8_t Bits(oci::HostUds u) { return static_cast<uint8_t>(u); }
oci::HostUds FromBits(uint8_t b) { return static_cast<oci::HostUds>(b & 3); }

// The host-UDS bits a ceiling admits (UNSPECIFIED: everything).
uint8_t CeilingBits(pb::HostSockets::Mode m) {
  switch (m) {
    case pb::HostSockets::NONE: return 0;
    case pb::HostSockets::OPEN: return 1;
    case pb::HostSockets::CREATE: return 2;
    default: return 3;
  }
}

std::string Quote(const std::string& s) { return oci::GoQuote(s); }

// Everything the compiler derives, in one place, so each step reads the
// previous ones by name.
struct Ctx {
  const CompileInputs* in = nullptr;
  std::string abs_bundle;
  oci::Spec raw;       // as written in config.json
  oci::Spec resolved;  // bundle-relative paths resolved (what runsc matches hints on)
  oci::SpecAnalysis analysis;
  std::optional<pb::OperatorPolicy> op;
  std::string op_file;  // name used in reasons and errors
  pb::Policy policy;
  // Per entry of policy.mount: the plan entry it came from (nullptr if the
  // mount has no mount config) and the claiming extension (-1 = none).
  std::vector<const oci::GoferMount*> plan_of;
  std::vector<int> extension_of;

  const oci::RuntimeFlags& eff() const { return analysis.effective_flags; }

  // Replaces the absolute bundle directory in text derived from resolved
  // paths, so the policy does not depend on where the bundle lives.
  std::string Display(const std::string& s) const {
    if (abs_bundle.empty() || abs_bundle == "/") return s;
    std::string out;
    size_t pos = 0;
    const std::string needle = abs_bundle + "/";
    for (;;) {
      size_t hit = s.find(needle, pos);
      if (hit == std::string::npos) break;
      out.append(s, pos, hit - pos);
      out += "<bundle>/";
      pos = hit + needle.size();
    }
    out.append(s, pos, std::string::npos);
    return out;
  }

  // How a flag got its effective value: "--host-uds=all", or with the
  // annotation that set it.
  std::string FlagSource(std::string_view flag) const {
    std::string value;
    const oci::RuntimeFlags& f = eff();
    if (flag == "directfs") value = f.directfs ? "true" : "false";
    if (flag == "host-uds") value = oci::HostUdsName(f.host_uds);
    if (flag == "host-fifo") value = oci::HostFifoName(f.host_fifo);
    if (flag == "overlay2") value = f.overlay2.ToString();
    std::string s = "--" + std::string(flag) + "=" + value;
    const std::string marker = "overrides --" + std::string(flag) + "=";
    for (auto it = analysis.diagnostics.rbegin(); it != analysis.diagnostics.rend(); ++it) {
      if (it->kind == oci::Diagnostic::Kind::kFlagAnnotation &&
          it->reason.find(marker) != std::string::npos) {
        return s + " (set by annotation " + it->key + ")";
      }
    }
    return s;
  }
};

Error ErrorFromOci(const Ctx& c, const oci::Error& e) {
  const bool flag = e.kind == oci::Error::Kind::kFlag || e.kind == oci::Error::Kind::kGoferMountConf;
  Error out = FromOci(e, flag ? "command line" : c.in->spec_file);
  out.message = c.Display(out.message);
  return out;
}

std::string Idx(const std::string& field, size_t i) { return field + "[" + std::to_string(i) + "]"; }

// ---- mounts ----------------------------------------------------------------

const char* ShareName(oci::ShareType s) {
  return s == oci::ShareType::kInvalid ? "" : oci::ShareTypeName(s);
}

std::string ConfOrigin(const Ctx& c, const oci::GoferMount& gm) {
  if (c.analysis.plan.confs_from_flag) {
    return "--gofer-mount-confs entry " + std::to_string(gm.conf_index) + " (" + gm.conf.ToString() + ")";
  }
  return "gofer mount conf " + gm.conf.ToString() + " (built as runsc's initGoferConfs does)";
}

pb::Mount MountFromPlan(const Ctx& c, const oci::GoferMount& gm) {
  pb::Mount m;
  const bool root = !gm.spec_index.has_value();
  m.set_path(gm.mount_path);
  m.set_spec_index(root ? -1 : static_cast<int32_t>(*gm.spec_index));
  const std::string raw_source = root ? c.raw.root->path : c.raw.mounts[*gm.spec_index].source;
  m.set_source(raw_source);
  m.set_source_in_bundle(!raw_source.empty() && !oci::GoPathIsAbs(raw_source));
  if (root) {
    m.set_type(c.analysis.rootfs_hint ? c.analysis.rootfs_hint->mount.type : "bind");
  } else {
    m.set_type(oci::EffectiveMountType(c.resolved.mounts[*gm.spec_index]));
  }
  m.set_gofer_mount_conf(gm.conf.ToString());
  m.set_io_fd_index(gm.io_fd_index ? static_cast<int32_t>(*gm.io_fd_index) : -1);
  m.set_share(ShareName(gm.share));
  m.set_pod_hint(gm.pod_hint_name);
  m.set_file_access(oci::FileAccessName(gm.file_access));

  if (!gm.served) {
    m.set_backend(pb::Mount::NOT_SERVED);
    std::string why;
    switch (gm.conf.lower) {
      case oci::LowerType::kErofs:
        why = "lower layer erofs: runsc opens the EROFS image and gives it to the sandbox; no gofer";
        break;
      case oci::LowerType::kNone:
        why = "lower layer none: a tmpfs inside the sentry; the gofer never sees it";
        if (!gm.pod_hint_name.empty() && !c.analysis.plan.confs_from_flag) {
          why += " (pod hint " + gm.pod_hint_name + " says type tmpfs, share " +
                 ShareName(gm.share) + ")";
        }
        break;
      case oci::LowerType::kLisafs:
        break;
    }
    Add(m.mutable_backend_reason(), R(ConfOrigin(c, gm), why));
    m.set_host_uds("none");
    m.set_host_fifo("none");
    return m;
  }

  m.set_backend(pb::Mount::FSGOFER);
  Add(m.mutable_backend_reason(),
      R(ConfOrigin(c, gm), "lower layer lisafs: the gofer serves this mount over LisaFS"));

  // Read-only.
  m.set_read_only(gm.readonly);
  if (gm.readonly_in_spec) {
    Add(m.mutable_read_only_reason(),
        root ? R("config.json root.readonly: true", "the container's rootfs is read-only")
             : R("config.json mounts[" + std::to_string(*gm.spec_index) + "].options: ro",
                 "the mount is read-only in the spec"));
  }
  if (gm.overlaid) {
    Add(m.mutable_read_only_reason(),
        R(ConfOrigin(c, gm),
          "overlaid (upper " + std::string(oci::UpperTypeName(gm.conf.upper)) +
              "): the sentry keeps every write in the overlay's upper layer, so the gofer "
              "serves the lower layer read-only"));
  }
  if (!gm.readonly) {
    Add(m.mutable_read_only_reason(),
        R(root ? "config.json root" : "config.json mounts[" + std::to_string(*gm.spec_index) + "]",
          "writable: not read-only in the spec and not overlaid"));
  }

  // directfs.
  m.set_directfs(gm.directfs);
  if (!c.eff().directfs) {
    Add(m.mutable_directfs_reason(),
        R(c.FlagSource("directfs"),
          "directfs is off for the whole sandbox: the sentry sends every file operation as a "
          "LisaFS RPC"));
  }
  if (gm.directfs_suppressed) {
    Add(m.mutable_directfs_reason(),
        R(gm.directfs_hint_key + "=off",
          "the hint suppresses directfs for this mount only (opt-out; it can never turn "
          "directfs on)"));
  }
  if (gm.directfs) {
    Add(m.mutable_directfs_reason(),
        R(c.FlagSource("directfs"),
          "no directfs: off hint for this mount: the sentry opens host files itself with the "
          "mount-point FD the gofer donates"));
  }
  // runsc donates whenever global directfs is on, even to an opted-out mount
  // (whose sentry closes the FD again); a host FD nobody needs is not handed out.
  m.set_donate_mount_fd(gm.directfs);
  Add(m.mutable_donate_mount_fd_reason(),
      gm.directfs ? R("directfs on", "the sentry's directfs mount needs the mount point's host FD")
                  : R("directfs off", "the sentry would close a donated FD unused; none is handed out"));
  return m;
}

pb::Mount MountWithoutConfig(const Ctx& c, size_t i) {
  const oci::Mount& raw = c.raw.mounts[i];
  const oci::Mount& res = c.resolved.mounts[i];
  pb::Mount m;
  m.set_path(raw.destination);
  m.set_source(raw.source);
  m.set_type(oci::EffectiveMountType(res));
  m.set_spec_index(static_cast<int32_t>(i));
  m.set_io_fd_index(-1);
  m.set_backend(pb::Mount::NOT_SERVED);
  m.set_host_uds("none");
  m.set_host_fifo("none");
  std::string why;
  if (oci::EffectiveMountType(res) == oci::kMountTypeBind) {
    why = "bind mount without a source: runsc gives it no mount config, so no gofer connection";
  } else {
    why = "type " + Quote(m.type()) +
          " is implemented inside the sentry (runsc getMountNameAndOptions); it never reaches "
          "the gofer";
  }
  Add(m.mutable_backend_reason(), R("config.json " + Idx("mounts", i), why));
  return m;
}

ErrorOr<void> BuildMounts(Ctx& c) {
  const oci::GoferMountPlan& plan = c.analysis.plan;
  // The rootfs first, then config.json order, whether or not a mount has a
  // config (so a reviewer sees every mount and who implements it).
  *c.policy.add_mount() = MountFromPlan(c, plan.mounts[0]);
  c.plan_of.push_back(&plan.mounts[0]);
  size_t next_plan = 1;
  for (size_t i = 0; i < c.raw.mounts.size(); ++i) {
    if (next_plan < plan.mounts.size() && plan.mounts[next_plan].spec_index == i) {
      *c.policy.add_mount() = MountFromPlan(c, plan.mounts[next_plan]);
      c.plan_of.push_back(&plan.mounts[next_plan]);
      ++next_plan;
    } else {
      *c.policy.add_mount() = MountWithoutConfig(c, i);
      c.plan_of.push_back(nullptr);
    }
  }
  c.extension_of.assign(c.plan_of.size(), -1);
  c.policy.set_served_mounts(static_cast<uint32_t>(plan.served_count));
  return {};
}

// ---- extensions ------------------------------------------------------------

std::string DirectfsFixHint(const Ctx& c, const oci::GoferMount& gm) {
  if (!gm.spec_index) {
    return "dev.gvisor.spec.rootfs.directfs: off (a rootfs hint also needs "
           "dev.gvisor.spec.rootfs.source and dev.gvisor.spec.rootfs.type), or run with "
           "--directfs=false";
  }
  if (!gm.pod_hint_name.empty()) {
    return "dev.gvisor.spec.mount." + gm.pod_hint_name +
           ".directfs: off (add it to the existing pod hint \"" + gm.pod_hint_name +
           "\"), or run with --directfs=false";
  }
  return "dev.gvisor.spec.mount.<NAME>.directfs: off, in a complete pod hint for this mount "
         "(dev.gvisor.spec.mount.<NAME>.source: " +
         Quote(c.resolved.mounts[*gm.spec_index].source) +
         ", .type: bind, .share: container|pod|shared; runsc drops an incomplete hint), or "
         "run with --directfs=false";
}

ErrorOr<void> ApplyExtensions(Ctx& c) {
  const auto& exts = c.in->extensions;
  for (size_t mi = 0; mi < c.plan_of.size(); ++mi) {
    const oci::GoferMount* gm = c.plan_of[mi];
    if (gm == nullptr || !gm->served) continue;
    const oci::Mount* spec_mount = gm->spec_index ? &c.resolved.mounts[*gm->spec_index] : nullptr;
    for (size_t ei = 0; ei < exts.size(); ++ei) {
      if (!exts[ei].claims(c.resolved, spec_mount)) continue;
      const ExtensionDescriptor& e = exts[ei];
      pb::Mount* m = c.policy.mutable_mount(static_cast<int>(mi));
      if (!e.can_donate_host_fds && gm->directfs) {
        Error err;
        err.kind = Error::Kind::kExtension;
        err.file = c.in->spec_file;
        err.key = gm->mount_path;
        err.value = e.name;
        err.message = "mount " + Quote(gm->mount_path) +
                      (gm->spec_index ? " (config.json mounts[" + std::to_string(*gm->spec_index) +
                                            "], source " + Quote(m->source()) + ")"
                                      : " (the rootfs)") +
                      " is claimed by extension " + Quote(e.name) +
                      ", which cannot donate host FDs, but directfs is on for it (" +
                      c.FlagSource("directfs") +
                      "): the sandbox would fail to mount it. Fix: add the annotation " +
                      DirectfsFixHint(c, *gm);
        return err;
      }
      c.extension_of[mi] = static_cast<int>(ei);
      m->set_backend(pb::Mount::EXTENSION);
      m->set_extension(e.name);
      m->clear_backend_reason();
      Add(m->mutable_backend_reason(),
          R("extension:" + e.name,
            "the first registered extension whose claims() accepts this mount (extensions are "
            "tried in registration order" +
                std::string(ei > 0 ? "; earlier ones declined" : "") + ")"));
      Add(m->mutable_backend_reason(),
          R(ConfOrigin(c, *gm), "lower layer lisafs: a gofer connection serves this mount"));
      break;
    }
  }
  return {};
}

// ---- operator policy -------------------------------------------------------

// Served mounts with destination `path` (indices into policy.mount).
std::vector<size_t> ServedMountsAt(const Ctx& c, const std::string& path) {
  std::vector<size_t> out;
  for (size_t i = 0; i < c.plan_of.size(); ++i) {
    if (c.plan_of[i] != nullptr && c.plan_of[i]->served && c.policy.mount(static_cast<int>(i)).path() == path) {
      out.push_back(i);
    }
  }
  return out;
}

std::string ServedList(const Ctx& c) {
  std::string s;
  for (size_t i = 0; i < c.plan_of.size(); ++i) {
    if (c.plan_of[i] == nullptr || !c.plan_of[i]->served) continue;
    if (!s.empty()) s += ", ";
    s += c.policy.mount(static_cast<int>(i)).path();
  }
  return s.empty() ? "none" : s;
}

const char* HostSocketsName(pb::HostSockets::Mode m) {
  switch (m) {
    case pb::HostSockets::NONE: return "NONE";
    case pb::HostSockets::OPEN: return "OPEN";
    case pb::HostSockets::CREATE: return "CREATE";
    case pb::HostSockets::ALL: return "ALL";
    default: return "UNSPECIFIED";
  }
}

ErrorOr<void> ApplyOperatorPolicy(Ctx& c) {
  const pb::OperatorPolicy empty;
  const pb::OperatorPolicy& op = c.op ? *c.op : empty;
  const std::string& file = c.op_file;

  // Per-mount overrides must name served mounts.
  std::vector<int> override_of(c.plan_of.size(), -1);
  for (int k = 0; k < op.mount_size(); ++k) {
    const pb::MountOverride& o = op.mount(k);
    std::vector<size_t> targets = ServedMountsAt(c, o.path());
    if (targets.empty()) {
      return OperatorPolicyError(file, Idx("mount", static_cast<size_t>(k)) + ".path", o.path(),
                                 "no mount the gofer serves has this destination (served: " +
                                     ServedList(c) + ")");
    }
    for (size_t t : targets) override_of[t] = k;
  }
  for (int k = 0; k < op.path_deny_size(); ++k) {
    for (int j = 0; j < op.path_deny(k).mount_size(); ++j) {
      const std::string& p = op.path_deny(k).mount(j);
      if (ServedMountsAt(c, p).empty()) {
        return OperatorPolicyError(file,
                                   Idx("path_deny", static_cast<size_t>(k)) + "." +
                                       Idx("mount", static_cast<size_t>(j)),
                                   p, "no mount the gofer serves has this destination (served: " +
                                          ServedList(c) + ")");
      }
    }
  }

  const std::string uds_flag = c.FlagSource("host-uds");
  const uint8_t flag_bits = Bits(c.eff().host_uds);
  const uint8_t global_ceiling = CeilingBits(op.host_sockets());
  for (size_t mi = 0; mi < c.plan_of.size(); ++mi) {
    const oci::GoferMount* gm = c.plan_of[mi];
    if (gm == nullptr || !gm->served) continue;
    pb::Mount* m = c.policy.mutable_mount(static_cast<int>(mi));
    const pb::MountOverride* o = override_of[mi] >= 0 ? &op.mount(override_of[mi]) : nullptr;
    const std::string okey = o ? Idx("mount", static_cast<size_t>(override_of[mi])) : "";

    // Read-only override: tighten only.
    if (o && o->has_read_only()) {
      if (o->read_only()) {
        if (!m->read_only()) m->clear_read_only_reason();
        m->set_read_only(true);
        Add(m->mutable_read_only_reason(),
            R(file + " " + okey + ".read_only: true", "the operator serves this mount read-only"));
      } else if (m->read_only()) {
        return OperatorPolicyError(file, okey + ".read_only", "false",
                                   "mount " + Quote(m->path()) + " is read-only because " +
                                       m->read_only_reason(0).source() + " (" +
                                       m->read_only_reason(0).why() +
                                       "); an operator policy can tighten, never loosen");
      }
    }

    // Host sockets: --host-uds intersected with the ceilings.
    uint8_t bits = flag_bits & global_ceiling;
    const uint8_t mount_ceiling = o ? CeilingBits(o->host_sockets()) : 3;
    bits &= mount_ceiling;
    m->set_host_uds(oci::HostUdsName(FromBits(bits)));
    Add(m->mutable_host_uds_reason(),
        R(uds_flag, flag_bits == 0 ? "runsc's flag: no host sockets"
                                   : "runsc's flag: the sentry may ask the gofer to " +
                                         std::string(flag_bits & 1 ? "connect to" : "") +
                                         (flag_bits == 3 ? " and " : "") +
                                         std::string(flag_bits & 2 ? "bind and listen on" : "") +
                                         " host unix sockets"));
    if ((flag_bits & global_ceiling) != flag_bits) {
      Add(m->mutable_host_uds_reason(),
          R(file + " host_sockets: " + HostSocketsName(op.host_sockets()),
            "operator ceiling narrows host-socket access to " +
                std::string(oci::HostUdsName(FromBits(flag_bits & global_ceiling)))));
    }
    if ((flag_bits & global_ceiling & mount_ceiling) != (flag_bits & global_ceiling)) {
      Add(m->mutable_host_uds_reason(),
          R(file + " " + okey + ".host_sockets: " + HostSocketsName(o->host_sockets()),
            "operator ceiling for this mount narrows host-socket access to " +
                std::string(oci::HostUdsName(FromBits(bits)))));
    }

    // Host FIFOs: runsc's flag only.
    m->set_host_fifo(oci::HostFifoName(c.eff().host_fifo));
    Add(m->mutable_host_fifo_reason(),
        R(c.FlagSource("host-fifo"),
          oci::HostFifoAllowOpen(c.eff().host_fifo)
              ? "the gofer may open host FIFOs for the sentry"
              : "opening a host FIFO is refused with EPERM (and the sentry mounts with "
                "disable_fifo_open)"));

    // Maximum file size.
    if (o && o->max_file_size() != 0) {
      m->set_max_file_size(o->max_file_size());
      Add(m->mutable_max_file_size_reason(),
          R(file + " " + okey + ".max_file_size", "per-mount limit on file size (writes and truncation)"));
    } else if (op.max_file_size() != 0) {
      m->set_max_file_size(op.max_file_size());
      Add(m->mutable_max_file_size_reason(),
          R(file + " max_file_size", "policy-wide limit on file size (writes and truncation)"));
    } else {
      Add(m->mutable_max_file_size_reason(),
          R(c.op ? file : "no operator policy", "no limit beyond the host filesystem's"));
    }

    // xattr namespaces.
    if (op.xattr_namespace_size() > 0) {
      std::vector<std::string> ns(op.xattr_namespace().begin(), op.xattr_namespace().end());
      std::sort(ns.begin(), ns.end());
      for (const std::string& n : ns) m->add_xattr_namespace(n + ".");
      Add(m->mutable_xattr_reason(), R(file + " xattr_namespace", "the operator allows these namespaces"));
    } else {
      m->add_xattr_namespace(std::string(kDefaultXattrNamespace) + ".");
      Add(m->mutable_xattr_reason(),
          R("default",
            "user.* only: the sentry exposes no other namespace through a gofer "
            "(pkg/sentry/fsimpl/gofer); trusted.* and security.* carry host privilege"));
    }

    // Path deny rules.
    for (int k = 0; k < op.path_deny_size(); ++k) {
      const pb::PathDeny& d = op.path_deny(k);
      bool applies = d.mount_size() == 0;
      for (const std::string& p : d.mount()) applies = applies || p == m->path();
      if (!applies) continue;
      pb::PathRule* pr = m->add_path_rule();
      pr->set_action("deny");
      pr->set_pattern(d.pattern());
      *pr->mutable_reason() =
          R(file + " " + Idx("path_deny", static_cast<size_t>(k)),
            d.reason().empty() ? "the operator denies paths matching this pattern" : d.reason());
    }
  }
  return {};
}

ErrorOr<void> BuildExtensionUses(Ctx& c) {
  const auto& exts = c.in->extensions;
  const pb::OperatorPolicy empty;
  const pb::OperatorPolicy& op = c.op ? *c.op : empty;
  for (int k = 0; k < op.extension_size(); ++k) {
    bool known = false;
    for (const ExtensionDescriptor& e : exts) known = known || e.name == op.extension(k).name();
    if (!known) {
      std::string names;
      for (const ExtensionDescriptor& e : exts) names += (names.empty() ? "" : ", ") + e.name;
      return OperatorPolicyError(c.op_file, Idx("extension", static_cast<size_t>(k)) + ".name",
                                 op.extension(k).name(),
                                 "no extension of this name is registered (registered: " +
                                     (names.empty() ? std::string("none") : names) + ")");
    }
  }
  for (size_t ei = 0; ei < exts.size(); ++ei) {
    const ExtensionDescriptor& e = exts[ei];
    pb::ExtensionUse* u = c.policy.add_extension();
    u->set_name(e.name);
    u->set_version(e.version);
    u->set_can_donate_host_fds(e.can_donate_host_fds);
    for (size_t mi = 0; mi < c.extension_of.size(); ++mi) {
      if (c.extension_of[mi] == static_cast<int>(ei)) {
        u->add_claimed_mount(c.policy.mount(static_cast<int>(mi)).path());
      }
    }
    u->set_rules_merged(u->claimed_mount_size() > 0);
    u->set_rule_syscalls(static_cast<uint32_t>(e.rules.size()));
    int cfg = -1;
    for (int k = 0; k < op.extension_size(); ++k) {
      if (op.extension(k).name() == e.name) cfg = k;
    }
    if (cfg >= 0) {
      const pb::ExtensionConfig& x = op.extension(cfg);
      if (!e.needs_key_files && x.key_file_size() > 0) {
        return OperatorPolicyError(c.op_file, Idx("extension", static_cast<size_t>(cfg)) + ".key_file[0]",
                                   x.key_file(0),
                                   "extension " + Quote(e.name) + " reads no key files");
      }
      for (const std::string& kf : x.key_file()) u->add_key_file(kf);
    }
    if (e.needs_key_files && u->claimed_mount_size() > 0 && u->key_file_size() == 0) {
      Error err;
      err.kind = Error::Kind::kOperatorPolicy;
      err.file = c.op ? c.op_file : "operator policy";
      err.key = "extension";
      err.value = e.name;
      err.message = "extension " + Quote(e.name) + " serves " + Quote(u->claimed_mount(0)) +
                    " and needs key files, but the operator policy names none (add extension { "
                    "name: " + Quote(e.name) + " key_file: \"/abs/path\" }; a tenant's "
                    "annotations never choose key files)";
      return err;
    }
  }
  return {};
}

// ---- seccomp ---------------------------------------------------------------

Error SeccompError(const seccomp::Error& e, const std::string& key) {
  Error out;
  out.kind = Error::Kind::kSeccomp;
  out.file = "seccomp";
  out.key = key;
  out.message = e.ToString();
  return out;
}

pb::SetUse* AddSet(Ctx& c, std::string_view name, bool included, size_t syscalls) {
  pb::SetUse* s = c.policy.mutable_seccomp()->add_set();
  s->set_name(std::string(name));
  s->set_included(included);
  s->set_syscalls(static_cast<uint32_t>(syscalls));
  return s;
}

// A copy of `in` whose reasons all say "extension:<name>".
seccomp::RuleSet Resourced(const ExtensionDescriptor& e) {
  seccomp::RuleSet out("extension:" + e.name);
  const std::string src = "extension:" + e.name;
  for (const auto& [name, rule] : e.rules.rules()) {
    for (const seccomp::Alternative& a : rule.allow) {
      seccomp::Reason r = a.reason;
      r.source = src;
      out.Allow(name, a.conds, r);
    }
    if (rule.fallback) {
      seccomp::Reason r = rule.fallback->reason;
      r.source = src;
      out.FailWith(name, rule.fallback->err, r);
    }
  }
  return out;
}

ErrorOr<CompiledPolicy> BuildSeccomp(Ctx& c) {
  const seccomp::Arch arch = c.in->arch;
  seccomp::RuleSet all("policy");

  // Unknown syscall names in any extension's rules are reported by name
  // before anything is compiled.
  for (const ExtensionDescriptor& e : c.in->extensions) {
    for (const auto& [name, rule] : e.rules.rules()) {
      seccomp::ErrorOr<int> nr = seccomp::SyscallNumber(arch, name);
      if (!nr.ok()) {
        Error err;
        err.kind = Error::Kind::kExtension;
        err.file = "extension descriptors";
        err.key = "extension:" + e.name;
        err.value = name;
        err.message = "extension " + Quote(e.name) + " asks for syscall " + Quote(name) +
                      ", which " + std::string(seccomp::ArchName(arch)) + " does not have";
        return err;
      }
    }
  }

  seccomp::ErrorOr<seccomp::RuleSet> runtime = seccomp::RuntimeSet(arch);
  if (!runtime.ok()) return SeccompError(runtime.error(), "runtime");
  all.Merge(*runtime);
  Add(AddSet(c, seccomp::kRuntimeSet, true, runtime->size())->mutable_reason(),
      R("runtime",
        "hardgofer's own C++/glibc process after confinement: memory, threads, futexes, "
        "signals, time; measured on the running binary (seccomp/README.md)"));

  const seccomp::RuleSet fsgofer = seccomp::FsgoferSet(arch);
  all.Merge(fsgofer);
  Add(AddSet(c, seccomp::kFsgoferSet, true, fsgofer.size())->mutable_reason(),
      R("runsc", "the stock gofer file operations with runsc's argument restrictions "
                 "(runsc/fsgofer/filter/config.go)"));

  // LisaFS set: global directfs off, or an fsgofer-served mount with directfs
  // suppressed.
  std::vector<pb::Reason> lisafs_reasons;
  std::vector<pb::Reason> lisafs_notes;
  std::vector<std::string> lisafs_vias;
  if (!c.eff().directfs) {
    lisafs_vias.push_back(c.FlagSource("directfs"));
    lisafs_reasons.push_back(R(c.FlagSource("directfs"),
                               "directfs is off: every file operation reaches the gofer as a "
                               "LisaFS RPC"));
  }
  for (size_t mi = 0; mi < c.plan_of.size(); ++mi) {
    const oci::GoferMount* gm = c.plan_of[mi];
    if (gm == nullptr || !gm->served || !gm->directfs_suppressed) continue;
    if (c.extension_of[mi] >= 0) {
      // Its extension brings its own rules; say so, so the absence is explained.
      lisafs_notes.push_back(R("mount " + gm->mount_path + ": " + gm->directfs_hint_key + "=off",
                               "directfs is off here, but extension:" +
                                   c.in->extensions[static_cast<size_t>(c.extension_of[mi])].name +
                                   " serves the mount and brings its own seccomp rules; the "
                                   "LisaFS set is for fsgofer-served mounts"));
      continue;
    }
    const std::string via = "mount " + gm->mount_path + ": " + gm->directfs_hint_key + "=off";
    lisafs_vias.push_back(via);
    lisafs_reasons.push_back(R(via, "this fsgofer-served mount has directfs suppressed, so its "
                                    "tree mutations and I/O are LisaFS RPCs to the gofer"));
  }
  const seccomp::RuleSet lisafs = seccomp::LisafsSet(arch);
  for (const std::string& via : lisafs_vias) all.Merge(lisafs, via);
  pb::SetUse* ls = AddSet(c, seccomp::kLisafsSet, !lisafs_vias.empty(), lisafs.size());
  if (lisafs_vias.empty()) {
    Add(ls->mutable_reason(),
        R(c.FlagSource("directfs"),
          "directfs is on for every fsgofer-served mount: the sentry makes tree mutations and "
          "I/O itself with host FDs, so the gofer needs none of these"));
  }
  for (pb::Reason& r : lisafs_reasons) Add(ls->mutable_reason(), std::move(r));
  for (pb::Reason& r : lisafs_notes) Add(ls->mutable_reason(), std::move(r));

  // Host UDS sets, by the effective modes of the served mounts.
  uint8_t uds = 0;
  bool any_served = false;
  for (const pb::Mount& m : c.policy.mount()) {
    if (m.backend() == pb::Mount::NOT_SERVED) continue;
    any_served = true;
    uds |= Bits(oci::ParseHostUds(m.host_uds()).value());
  }
  const std::string uds_src = c.FlagSource("host-uds");
  const std::string uds_eff = oci::HostUdsName(FromBits(uds));
  const std::string uds_via = uds_src + (uds_eff != oci::HostUdsName(c.eff().host_uds)
                                             ? " narrowed to " + uds_eff + " by the operator policy"
                                             : "");
  struct UdsSet {
    std::string_view name;
    seccomp::RuleSet set;
    bool on;
    const char* why_on;
    const char* why_off;
  };
  UdsSet uds_sets[] = {
      {seccomp::kHostUdsCommonSet, seccomp::HostUdsCommonSet(arch), uds != 0,
       "socket(AF_UNIX, ...) for host-socket access",
       "no served mount may open or create host sockets"},
      {seccomp::kHostUdsOpenSet, seccomp::HostUdsOpenSet(arch), (uds & 1) != 0,
       "connect to host sockets; setreuid/setregid for ConnectWithCreds",
       "no served mount may connect to host sockets"},
      {seccomp::kHostUdsCreateSet, seccomp::HostUdsCreateSet(arch), (uds & 2) != 0,
       "bind, listen and accept host sockets the sandbox creates",
       "no served mount may create host sockets"},
  };
  for (UdsSet& s : uds_sets) {
    if (s.on) all.Merge(s.set, uds_via);
    Add(AddSet(c, s.name, s.on, s.set.size())->mutable_reason(),
        R(uds_via, s.on ? s.why_on : s.why_off));
  }

  // Host FIFO: an empty set, kept so the policy says why.
  const bool fifo = oci::HostFifoAllowOpen(c.eff().host_fifo) && any_served;
  const seccomp::RuleSet fifo_set = seccomp::HostFifoSet(arch);
  if (fifo) all.Merge(fifo_set, c.FlagSource("host-fifo"));
  Add(AddSet(c, seccomp::kHostFifoSet, fifo, fifo_set.size())->mutable_reason(),
      R(c.FlagSource("host-fifo"),
        fifo ? "no extra syscalls: opening a host FIFO is openat, already in fsgofer; the flag "
               "changes the sentry's mount options"
             : "host FIFOs may not be opened"));

  // Extension rules, for extensions that serve a mount.
  for (size_t ei = 0; ei < c.in->extensions.size(); ++ei) {
    const ExtensionDescriptor& e = c.in->extensions[ei];
    const pb::ExtensionUse& use = c.policy.extension(static_cast<int>(ei));
    const seccomp::RuleSet rs = Resourced(e);
    if (use.rules_merged()) all.Merge(rs);
    pb::SetUse* s = AddSet(c, "extension:" + e.name, use.rules_merged(), rs.size());
    if (use.rules_merged()) {
      std::string mounts;
      for (const std::string& p : use.claimed_mount()) mounts += (mounts.empty() ? "" : ", ") + p;
      Add(s->mutable_reason(), R("extension:" + e.name, "the extension serves " + mounts));
    } else {
      Add(s->mutable_reason(),
          R("extension:" + e.name, "the extension serves no mount of this container, so it "
                                   "needs no syscalls after confinement"));
    }
  }
  if (!all.status().ok()) return SeccompError(all.status().error(), "rules");

  seccomp::DenyRules deny = seccomp::DenyExecMappings();
  const seccomp::Mode mode = c.in->audit ? seccomp::Mode::kAudit : seccomp::Mode::kEnforce;
  seccomp::ErrorOr<seccomp::CompiledFilter> f =
      seccomp::Compile(all, deny, {.arch = arch, .mode = mode});
  if (!f.ok()) return SeccompError(f.error(), "compile");
  CompiledPolicy out(std::move(f).value());
  out.rules = std::move(all);
  out.deny = std::move(deny);
  return out;
}

void FillSeccompProto(Ctx& c, const CompiledPolicy& cp) {
  pb::Seccomp* s = c.policy.mutable_seccomp();
  s->set_arch(std::string(seccomp::ArchName(cp.filter.arch)));
  s->set_mode(std::string(seccomp::ModeName(cp.filter.mode)));
  const char* action = cp.filter.mode == seccomp::Mode::kAudit ? "LOG" : "KILL_PROCESS";
  s->set_violation_action(action);
  s->set_bad_arch_action(action);
  RulesToProto(cp.rules, cp.deny, cp.filter.arch, s);
  s->set_instructions(static_cast<uint32_t>(cp.filter.program.size()));
  s->set_program_sha256(Sha256Hex(cp.filter.program.ToBytes()));
  // Placeholders: which rule uses which, in rule order.
  std::set<std::string> seen;
  for (const auto& [name, rule] : cp.rules.rules()) {
    for (const seccomp::Alternative& a : rule.allow) {
      for (const seccomp::ArgCond& cond : a.conds) {
        if (!cond.value().is_placeholder()) continue;
        const std::string ph(seccomp::PlaceholderName(cond.value().placeholder()));
        const std::string line = ph + ": " + name + " arg" + std::to_string(cond.arg()) +
                                 " == the gofer's own pid; `run` fills it in when it installs "
                                 "the program (offline the program compares against a sentinel "
                                 "no real pid matches)";
        if (seen.insert(line).second) s->add_placeholder(line);
      }
    }
  }
  for (const std::string& n : cp.filter.notes) s->add_note(n);
}

// ---- the rest --------------------------------------------------------------

void BuildLoosening(Ctx& c) {
  if (c.in->audit) {
    c.policy.add_loosening(
        "AUDIT MODE: seccomp violations and foreign-arch calls are logged (SECCOMP_RET_LOG) and "
        "allowed; use only to discover what a workload needs");
  }
  // One line per kind of loosening, naming every mount it applies to.
  std::vector<std::pair<std::string, std::string>> lines;  // (what, mounts)
  auto note = [&](const std::string& what, const std::string& path) {
    for (auto& [w, mounts] : lines) {
      if (w == what) {
        mounts += ", " + path;
        return;
      }
    }
    lines.emplace_back(what, path);
  };
  for (const pb::Mount& m : c.policy.mount()) {
    if (m.backend() == pb::Mount::NOT_SERVED) continue;
    if (m.host_uds() != "none") note("host unix sockets (" + m.host_uds() + ") reachable", m.path());
    if (m.host_fifo() != "none") note("host FIFOs may be opened", m.path());
    for (const std::string& ns : m.xattr_namespace()) {
      if (ns != std::string(kDefaultXattrNamespace) + ".") {
        note("xattr namespace " + ns + "* served", m.path());
      }
    }
  }
  for (const auto& [what, mounts] : lines) c.policy.add_loosening(what + " on " + mounts);
  for (const pb::ExtensionUse& e : c.policy.extension()) {
    if (e.rules_merged() && e.rule_syscalls() > 0) {
      c.policy.add_loosening("extension " + e.name() + " adds seccomp rules for " +
                             std::to_string(e.rule_syscalls()) + " syscall(s)");
    }
  }
}

void BuildDiagnostics(Ctx& c) {
  for (const oci::Diagnostic& d : c.analysis.diagnostics) {
    pb::Diagnostic* p = c.policy.add_diagnostic();
    p->set_kind(oci::Diagnostic::KindName(d.kind));
    p->set_key(c.Display(d.key));
    p->set_value(c.Display(d.value));
    p->set_reason(c.Display(d.reason));
  }
}

}  // namespace

ErrorOr<CompileInputs> LoadInputs(const std::string& bundle_dir, const oci::RuntimeFlags& flags,
                                  const std::string& operator_policy_path) {
  CompileInputs in;
  in.bundle_dir = bundle_dir;
  in.spec_file = oci::GoPathJoin(bundle_dir, "config.json");
  in.flags = flags;
  ErrorOr<std::string> spec = ReadSmallFile(in.spec_file, oci::kMaxSpecBytes, Error::Kind::kSpec);
  if (!spec.ok()) return spec.error();
  in.spec_bytes = std::move(spec).value();
  if (!operator_policy_path.empty()) {
    ErrorOr<std::string> op =
        ReadSmallFile(operator_policy_path, kMaxOperatorPolicyBytes, Error::Kind::kOperatorPolicy);
    if (!op.ok()) return op.error();
    in.operator_policy_bytes = std::move(op).value();
    in.operator_policy_file = operator_policy_path;
  }
  return in;
}

ErrorOr<CompiledPolicy> CompilePolicy(const CompileInputs& in) {
  Ctx c;
  c.in = &in;
  if (ErrorOr<void> v = ValidateExtensions(in.extensions); !v.ok()) return v.error();

  ErrorOr<std::string> abs = AbsolutePath(in.bundle_dir);
  if (!abs.ok()) return abs.error();
  c.abs_bundle = *abs;

  oci::ErrorOr<oci::Spec> raw = oci::ParseSpec(in.spec_bytes);
  if (!raw.ok()) return ErrorFromOci(c, raw.error());
  c.raw = std::move(raw).value();
  c.resolved = c.raw;
  oci::ResolveBundlePaths(c.resolved, c.abs_bundle);

  oci::ErrorOr<oci::SpecAnalysis> analysis = oci::AnalyzeSpec(c.resolved, in.flags, in.probe);
  if (!analysis.ok()) return ErrorFromOci(c, analysis.error());
  c.analysis = std::move(analysis).value();

  // Operator policy: named by its base name in reasons (the host path is not policy).
  if (in.operator_policy_bytes) {
    const std::string& f = in.operator_policy_file;
    const size_t slash = f.rfind('/');
    c.op_file = slash == std::string::npos ? f : f.substr(slash + 1);
    if (c.op_file.empty()) c.op_file = "operator-policy";
    ErrorOr<pb::OperatorPolicy> op = ParseOperatorPolicy(*in.operator_policy_bytes, c.op_file);
    if (!op.ok()) return op.error();
    c.op = std::move(op).value();
  }

  if (ErrorOr<void> s = BuildMounts(c); !s.ok()) return s.error();
  if (ErrorOr<void> s = ApplyExtensions(c); !s.ok()) return s.error();
  if (ErrorOr<void> s = ApplyOperatorPolicy(c); !s.ok()) return s.error();
  if (ErrorOr<void> s = BuildExtensionUses(c); !s.ok()) return s.error();

  bool uds_open = false;
  for (const pb::Mount& m : c.policy.mount()) {
    if (m.backend() != pb::Mount::NOT_SERVED && oci::HostUdsAllowOpen(oci::ParseHostUds(m.host_uds()).value())) {
      uds_open = true;
    }
  }
  for (pb::Capability& cap : KeptCapabilities(uds_open, c.FlagSource("host-uds"))) {
    *c.policy.add_capability() = std::move(cap);
  }

  ErrorOr<CompiledPolicy> compiled = BuildSeccomp(c);
  if (!compiled.ok()) return compiled.error();
  CompiledPolicy out = std::move(compiled).value();
  FillSeccompProto(c, out);
  BuildLoosening(c);
  BuildDiagnostics(c);

  // Header and inputs.
  c.policy.set_format(kPolicyFormat);
  c.policy.set_compiler(std::string("hardgofer policy compiler ") + HG_POLICY_VERSION);
  *c.policy.mutable_flags() = FlagsToProto(in.flags);
  *c.policy.mutable_effective_flags() = FlagsToProto(c.eff());
  DigestInputs d;
  d.spec_bytes = in.spec_bytes;
  d.canonical_flags = CanonicalFlags(in.flags);
  if (in.operator_policy_bytes) d.operator_policy_bytes = *in.operator_policy_bytes;
  for (const ExtensionDescriptor& e : in.extensions) {
    d.extension_texts.push_back(CanonicalDescriptorText(e));
  }
  d.mode = std::string(seccomp::ModeName(out.filter.mode));
  d.arch = std::string(seccomp::ArchName(in.arch));
  pb::Inputs* inputs = c.policy.mutable_inputs();
  inputs->set_digest(InputDigest(d));
  inputs->set_spec_sha256(Sha256Hex(in.spec_bytes));
  if (in.operator_policy_bytes) {
    inputs->set_operator_policy_sha256(Sha256Hex(*in.operator_policy_bytes));
    inputs->set_operator_policy_file(c.op_file);
  }
  inputs->set_canonical_flags(d.canonical_flags);
  for (const ExtensionDescriptor& e : in.extensions) inputs->add_extension(e.name + "@" + e.version);

  out.policy = std::move(c.policy);
  return out;
}

}  // namespace hg::policy
