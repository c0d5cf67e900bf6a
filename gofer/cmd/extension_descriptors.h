// The policy compiler's view of registered extensions.
//
//   std::vector<policy::ExtensionDescriptor> d = ExtensionDescriptors(BuiltinExtensions());
//   inputs.extensions = d;   // same order: registration order is selection order
//
// The descriptor's `claims` calls the extension's own pure Claims(), so the
// policy `run` compiles decides exactly what TryHandleMount will be asked.
// The registry must outlive the descriptors.
#ifndef HARDGOFER_GOFER_CMD_EXTENSION_DESCRIPTORS_H_
#define HARDGOFER_GOFER_CMD_EXTENSION_DESCRIPTORS_H_

#include <vector>

#include "gofer/server/extension.h"
#include "policy/extension.h"

namespace hg::cmd {

std::vector<policy::ExtensionDescriptor> ExtensionDescriptors(
    const server::ExtensionRegistry& registry);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_EXTENSION_DESCRIPTORS_H_
