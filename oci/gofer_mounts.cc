#include "oci/gofer_mounts.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "oci/flag_annotations.h"
#include "oci/go_compat.h"
#include "oci/mount_class.h"
#include "oci/spec_validate.h"

namespace hg::oci {

namespace {

Error ConfError(Error::Kind kind, std::string subject, std::string value, std::string message) {
  Error e;
  e.kind = kind;
  e.subject = std::move(subject);
  e.value = std::move(value);
  e.message = std::move(message);
  return e;
}

// runsc createGoferConf.
ErrorOr<GoferMountConf> CreateGoferConf(const OverlayMedium& medium, const std::string& size,
                                        const std::string& mount_type, const std::string& source,
                                        const DirectoryProbe& probe,
                                        std::vector<Diagnostic>* diagnostics) {
  GoferMountConf c;
  if (mount_type == kMountTypeBind) {
    c.lower = LowerType::kLisafs;
  } else if (mount_type == kMountTypeTmpfs) {
    c.lower = LowerType::kNone;
  } else if (mount_type == kMountTypeErofs) {
    c.lower = LowerType::kErofs;
  } else {
    return ConfError(Error::Kind::kMountConf, source, mount_type,
                     "unsupported mount type " + GoQuote(mount_type) + " in mount hint");
  }
  switch (medium.kind()) {
    case OverlayMedium::Kind::kNone:
      c.upper = UpperType::kNone;
      return c;
    case OverlayMedium::Kind::kMemory:
      c.upper = UpperType::kMemory;
      c.size = size;
      return c;
    case OverlayMedium::Kind::kAnon:
      c.upper = UpperType::kAnon;
      c.size = size;
      return c;
    case OverlayMedium::Kind::kSelf: {
      ErrorOr<bool> is_dir = probe(source);
      if (!is_dir.ok()) {
        return ConfError(Error::Kind::kMountConf, source, "",
                         "failed to stat mount " + GoQuote(source) +
                             " to see if it were a directory: " + is_dir.error().message);
      }
      c.size = size;
      if (!*is_dir) {
        diagnostics->push_back({Diagnostic::Kind::kSelfOverlayFallback, source, "",
                                "self filestore is only supported for directory mounts, but mount " +
                                    GoQuote(source) +
                                    " is not a directory, falling back to memory"});
        c.upper = UpperType::kMemory;
        return c;
      }
      c.upper = UpperType::kSelf;
      return c;
    }
  }
  return c;
}

}  // namespace

DirectoryProbe HostDirectoryProbe() {
  return [](const std::string& path) -> ErrorOr<bool> {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      int err = errno;
      Error e;
      e.kind = Error::Kind::kMountConf;
      e.subject = path;
      e.message = "stat " + path + ": " + std::strerror(err);
      return e;
    }
    return S_ISDIR(st.st_mode);
  };
}

size_t ExpectedGoferMountConfCount(const Spec& spec) {
  size_t n = 1;
  for (const Mount& m : spec.mounts) {
    if (HasMountConfig(m)) ++n;
  }
  return n;
}

ErrorOr<std::vector<GoferMountConf>> BuildGoferMountConfs(
    const Spec& spec, const Overlay2& overlay2, const PodMountHints& pod_hints,
    const std::optional<RootfsHint>& rootfs_hint, const DirectoryProbe& probe,
    std::vector<Diagnostic>* diagnostics) {
  if (!spec.root) {
    return ConfError(Error::Kind::kMountConf, "root", "", "Spec.Root must be defined");
  }
  std::vector<GoferMountConf> confs;

  // Rootfs.
  OverlayMedium medium = overlay2.RootOverlayMedium();
  std::string size = overlay2.RootOverlaySize();
  std::string type(kMountTypeBind);
  if (rootfs_hint) {
    medium = rootfs_hint->overlay;
    if (!IsGoferMount(rootfs_hint->mount)) type = rootfs_hint->mount.type;
    size = rootfs_hint->size;
  }
  if (spec.root->readonly) medium = OverlayMedium();
  ErrorOr<GoferMountConf> root = CreateGoferConf(medium, size, type, spec.root->path, probe, diagnostics);
  if (!root.ok()) return root.error();
  confs.push_back(std::move(root).value());

  // Submounts with a mount config, in spec order.
  for (const Mount& m : spec.mounts) {
    if (!HasMountConfig(m)) continue;
    std::string mount_type(IsErofsMount(m) ? kMountTypeErofs : kMountTypeBind);
    OverlayMedium sub_medium = overlay2.SubMountOverlayMedium();
    std::string sub_size = overlay2.SubMountOverlaySize();
    if (IsReadonlyMount(m.options)) sub_medium = OverlayMedium();
    if (const MountHint* hint = pod_hints.FindMount(m.source); hint && hint->IsSandboxLocal()) {
      // Self even for read-only mounts: runsc wants the shared mount created the same
      // way whichever container mounts it first.
      sub_medium = OverlayMedium::Parse("self").value();
      if (!IsGoferMount(hint->mount)) mount_type = hint->mount.type;
      sub_size.clear();
    }
    ErrorOr<GoferMountConf> c = CreateGoferConf(sub_medium, sub_size, mount_type, m.source, probe, diagnostics);
    if (!c.ok()) return c.error();
    confs.push_back(std::move(c).value());
  }
  return confs;
}

ErrorOr<GoferMountPlan> PlanGoferMounts(const Spec& spec, const RuntimeFlags& flags,
                                        const PodMountHints& pod_hints,
                                        const std::optional<RootfsHint>& rootfs_hint,
                                        const DirectoryProbe& probe) {
  if (!spec.root) {
    return ConfError(Error::Kind::kMountConf, "root", "", "Spec.Root must be defined");
  }
  GoferMountPlan plan;
  std::vector<GoferMountConf> confs;
  const size_t expected = ExpectedGoferMountConfCount(spec);
  if (flags.gofer_mount_confs) {
    confs = *flags.gofer_mount_confs;
    plan.confs_from_flag = true;
    if (confs.size() != expected) {
      return ConfError(
          Error::Kind::kGoferMountConf, "--gofer-mount-confs", FormatGoferMountConfs(confs),
          "--gofer-mount-confs has " + std::to_string(confs.size()) + " entries (" +
              FormatGoferMountConfs(confs) + ") but the spec needs " + std::to_string(expected) +
              ": one for the rootfs, then one per mount with a mount config (bind mounts with a "
              "source, and erofs mounts), in spec order");
    }
  } else {
    ErrorOr<std::vector<GoferMountConf>> built =
        BuildGoferMountConfs(spec, flags.overlay2, pod_hints, rootfs_hint, probe, &plan.diagnostics);
    if (!built.ok()) return built.error();
    confs = std::move(built).value();
  }

  size_t next_fd = 0;
  auto finish = [&](GoferMount& gm) {
    gm.served = gm.conf.ShouldUseLisafs();
    gm.overlaid = gm.conf.ShouldUseOverlayfs();
    gm.readonly = gm.served && (gm.readonly_in_spec || gm.overlaid);
    gm.directfs = gm.served && flags.directfs && !gm.directfs_suppressed;
    if (gm.served) {
      gm.io_fd_index = next_fd++;
      if (gm.directfs_suppressed) plan.lisafs_needed_for_directfs_suppression = true;
    }
  };

  GoferMount root;
  root.conf_index = 0;
  root.mount_path = "/";
  root.source = spec.root->path;
  root.conf = confs[0];
  root.readonly_in_spec = spec.root->readonly;
  root.rootfs_hint = rootfs_hint.has_value();
  root.directfs_suppressed = rootfs_hint && rootfs_hint->suppress_directfs;
  if (root.directfs_suppressed) root.directfs_hint_key = std::string(kRootfsHintPrefix) + "directfs";
  root.file_access = flags.file_access;
  finish(root);
  plan.mounts.push_back(std::move(root));

  size_t idx = 1;
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const Mount& m = spec.mounts[i];
    if (!HasMountConfig(m)) continue;
    GoferMount gm;
    gm.conf_index = idx;
    gm.spec_index = i;
    gm.mount_path = m.destination;
    gm.source = m.source;
    gm.conf = confs[idx];
    ++idx;
    gm.readonly_in_spec = IsReadonlyMount(m.options);
    gm.file_access = flags.file_access_mounts;
    if (const MountHint* hint = pod_hints.FindMount(m.source)) {
      gm.pod_hint_name = hint->name;
      gm.share = hint->share;
      gm.file_access = hint->FileAccessType();
      gm.directfs_suppressed = hint->suppress_directfs;
      if (gm.directfs_suppressed) {
        gm.directfs_hint_key = std::string(kMountHintPrefix) + hint->name + ".directfs";
      }
    }
    finish(gm);
    plan.mounts.push_back(std::move(gm));
  }
  plan.served_count = next_fd;

  for (const MountHint& h : pod_hints.hints()) {
    bool matched = false;
    for (const Mount& m : spec.mounts) matched = matched || m.source == h.mount.source;
    if (!matched) {
      plan.diagnostics.push_back(
          {Diagnostic::Kind::kUnmatchedHint, std::string(kMountHintPrefix) + h.name, h.mount.source,
           "no mount of this container has source " + GoQuote(h.mount.source) +
               "; the hint is for other containers of the pod (not an error in runsc)"});
    }
  }
  return plan;
}

ErrorOr<std::vector<int>> AssignIoFds(const GoferMountPlan& plan, const std::vector<int>& io_fds) {
  std::vector<int> out;
  size_t next = 0;
  for (const GoferMount& m : plan.mounts) {
    if (!m.served) continue;
    if (next >= io_fds.size()) {
      return ConfError(Error::Kind::kGoferMountConf, "--io-fds", std::to_string(io_fds.size()),
                       "no FD found for mount " + GoQuote(m.mount_path) + " (source " +
                           GoQuote(m.source) + "): --io-fds has " + std::to_string(io_fds.size()) +
                           " FDs, the spec needs " + std::to_string(plan.served_count));
    }
    out.push_back(io_fds[next++]);
  }
  if (next < io_fds.size()) {
    return ConfError(Error::Kind::kGoferMountConf, "--io-fds", std::to_string(io_fds.size()),
                     "too many FDs passed for mounts. mounts: " + std::to_string(out.size()) +
                         ", FDs: " + std::to_string(io_fds.size()));
  }
  return out;
}

ErrorOr<SpecAnalysis> AnalyzeSpec(const Spec& spec, const RuntimeFlags& flags,
                                  const DirectoryProbe& probe) {
  SpecAnalysis a;
  ErrorOr<std::vector<Diagnostic>> warnings = ValidateSpecForRunsc(spec);
  if (!warnings.ok()) return warnings.error();
  a.diagnostics = std::move(warnings).value();

  a.effective_flags = flags;
  ErrorOr<std::vector<Diagnostic>> flag_diags = ApplyFlagAnnotations(spec.annotations, &a.effective_flags);
  if (!flag_diags.ok()) return flag_diags.error();
  a.diagnostics.insert(a.diagnostics.end(), flag_diags->begin(), flag_diags->end());

  ErrorOr<PodMountHints> pod = PodMountHints::Parse(spec.annotations);
  if (!pod.ok()) return pod.error();
  a.pod_hints = std::move(pod).value();
  a.diagnostics.insert(a.diagnostics.end(), a.pod_hints.diagnostics().begin(),
                       a.pod_hints.diagnostics().end());

  ErrorOr<std::optional<RootfsHint>> rootfs = ParseRootfsHint(spec.annotations);
  if (!rootfs.ok()) return rootfs.error();
  a.rootfs_hint = std::move(rootfs).value();

  ErrorOr<GoferMountPlan> plan = PlanGoferMounts(spec, a.effective_flags, a.pod_hints, a.rootfs_hint, probe);
  if (!plan.ok()) return plan.error();
  a.plan = std::move(plan).value();
  a.diagnostics.insert(a.diagnostics.end(), a.plan.diagnostics.begin(), a.plan.diagnostics.end());
  return a;
}

}  // namespace hg::oci
