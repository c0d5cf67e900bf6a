#include "gofer/cmd/extension_descriptors.h"

#include <string>

namespace hg::cmd {

std::vector<policy::ExtensionDescriptor> ExtensionDescriptors(
    const server::ExtensionRegistry& registry) {
  std::vector<policy::ExtensionDescriptor> out;
  for (const auto& e : registry.extensions()) {
    const server::Extension* ext = e.get();
    policy::ExtensionDescriptor d;
    d.name = std::string(ext->Name());
    d.version = std::string(ext->Version());
    d.claims = [ext](const oci::Spec& spec, const oci::Mount* m) { return ext->Claims(spec, m); };
    d.can_donate_host_fds = ext->CanDonateHostFds();
    d.needs_key_files = ext->NeedsKeyFiles();
    d.rules = ext->SeccompRules();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace hg::cmd
