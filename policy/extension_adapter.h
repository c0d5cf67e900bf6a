// Real extensions as the policy compiler sees them: the descriptor (plain
// data, extension.h) built from an Extension's offline half.
//
//   hg::server::ExtensionRegistry reg = hg::cmd::BuiltinExtensions();
//   inputs.extensions = hg::policy::DescriptorsFor(reg);   // registration order
//   auto compiled = hg::policy::Compile(inputs);
//
// The descriptor's `claims` calls the extension's own pure Claims(), so the
// policy decides exactly what TryHandleMount will be asked at serve time; it
// keeps a pointer to the extension, which must outlive the descriptor. Only
// the offline half is used (Name, Version, Claims, CanDonateHostFds,
// NeedsKeyFiles, SeccompRules): nothing here starts or opens anything. This
// is the one place policy touches gofer/server, and only its extension.h.
#ifndef HARDGOFER_POLICY_EXTENSION_ADAPTER_H_
#define HARDGOFER_POLICY_EXTENSION_ADAPTER_H_

#include <vector>

#include "gofer/server/extension.h"
#include "policy/extension.h"

namespace hg::policy {

ExtensionDescriptor DescriptorFor(const server::Extension& ext);
std::vector<ExtensionDescriptor> DescriptorsFor(const server::ExtensionRegistry& registry);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_EXTENSION_ADAPTER_H_
