#include "oci/spec_validate.h"

#include <string>
#include <utility>

#include "oci/go_compat.h"
#include "oci/mount_class.h"

namespace hg::oci {

namespace {

Error Rejected(std::string subject, std::string value, std::string message) {
  Error e;
  e.kind = Error::Kind::kSpecRejected;
  e.subject = std::move(subject);
  e.value = std::move(value);
  e.message = std::move(message);
  return e;
}

const std::string* Annotation(const Spec& spec, const std::string& key) {
  auto it = spec.annotations.find(key);
  return it == spec.annotations.end() ? nullptr : &it->second;
}

}  // namespace

ErrorOr<std::vector<Diagnostic>> ValidateSpecForRunsc(const Spec& spec) {
  std::vector<Diagnostic> warnings;
  if (!spec.process) return Rejected("process", "", "Spec.Process must be defined");
  if (spec.process->args.empty()) {
    return Rejected("process.args", "", "Spec.Process.Arg must be defined (process.args is empty)");
  }
  if (!spec.root) return Rejected("root", "", "Spec.Root must be defined");
  if (spec.root->path.empty()) return Rejected("root.path", "", "Spec.Root.Path must be defined");
  if (spec.has_solaris) return Rejected("solaris", "", "Spec.Solaris is not supported");
  if (spec.has_windows) return Rejected("windows", "", "Spec.Windows is not supported");
  if (!spec.process->selinux_label.empty()) {
    return Rejected("process.selinuxLabel", spec.process->selinux_label,
                    "SELinux is not supported: " + spec.process->selinux_label);
  }
  if (!spec.process->apparmor_profile.empty()) {
    warnings.push_back({Diagnostic::Kind::kSpecWarning, "process.apparmorProfile",
                        spec.process->apparmor_profile,
                        "AppArmor profile " + GoQuote(spec.process->apparmor_profile) +
                            " is being ignored"});
  }
  if (spec.linux_spec && !spec.linux_spec->rootfs_propagation.empty()) {
    std::string err = RootfsPropagationError(spec.linux_spec->rootfs_propagation);
    if (!err.empty()) {
      return Rejected("linux.rootfsPropagation", spec.linux_spec->rootfs_propagation, err);
    }
  }
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const Mount& m = spec.mounts[i];
    const std::string path = "mounts[" + std::to_string(i) + "]";
    if (!GoPathIsAbs(m.destination)) {
      return Rejected(path + ".destination", m.destination,
                      "Mount.Destination must be an absolute path: " + path +
                          " has destination " + GoQuote(m.destination));
    }
    if (IsGoferMount(m)) {
      for (size_t j = 0; j < m.options.size(); ++j) {
        std::string err = MountOptionError(m.options[j]);
        if (!err.empty()) {
          return Rejected(path + ".options[" + std::to_string(j) + "]", m.options[j],
                          err + " (" + path + " is a bind mount of " + GoQuote(m.source) + ")");
        }
      }
    }
  }
  // specutils.SpecContainerType: containerd's annotation first, then CRI-O's.
  const std::string* type = Annotation(spec, "io.kubernetes.cri.container-type");
  std::string type_key = "io.kubernetes.cri.container-type";
  if (!type) {
    type = Annotation(spec, "io.kubernetes.cri-o.ContainerType");
    type_key = "io.kubernetes.cri-o.ContainerType";
  }
  if (type) {
    if (*type == "container") {
      if (!Annotation(spec, "io.kubernetes.cri.sandbox-id") &&
          !Annotation(spec, "io.kubernetes.cri-o.SandboxID")) {
        return Rejected(type_key, *type,
                        "spec has container-type of container, but no sandbox ID set");
      }
    } else if (*type != "sandbox") {
      return Rejected(type_key, *type, "unknown container-type " + GoQuote(*type));
    }
  }
  return warnings;
}

}  // namespace hg::oci
