#include "policy/extension_adapter.h"

#include <string>

namespace hg::policy {

ExtensionDescriptor DescriptorFor(const server::Extension& ext) {
  ExtensionDescriptor d;
  d.name = std::string(ext.Name());
  d.version = std::string(ext.Version());
  const server::Extension* e = &ext;
  d.claims = [e](const oci::Spec& spec, const oci::Mount* m) { return e->Claims(spec, m); };
  d.can_donate_host_fds = ext.CanDonateHostFds();
  d.needs_key_files = ext.NeedsKeyFiles();
  d.rules = ext.SeccompRules();
  return d;
}

std::vector<ExtensionDescriptor> DescriptorsFor(const server::ExtensionRegistry& registry) {
  std::vector<ExtensionDescriptor> out;
  out.reserve(registry.extensions().size());
  for (const auto& e : registry.extensions()) out.push_back(DescriptorFor(*e));
  return out;
}

}  // namespace hg::policy
