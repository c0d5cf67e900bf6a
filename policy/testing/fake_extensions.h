// Fake extension descriptors for tests, goldens and benchmarks, until issue 8's
// real extensions produce descriptors.
//
//   std::vector<policy::ExtensionDescriptor> exts = {policy::testing::FakeCache()};
//
//   fake_cache  claims the mount at /cache (never the rootfs); cannot donate host
//               FDs (so /cache needs `directfs: off`); adds fallocate(mode 0),
//               fstatfs and copy_file_range.
//   fake_crypt  claims mounts under /secure; donates host FDs; reads key files
//               (the operator policy must name one); adds no syscalls beyond
//               getrandom, which fsgofer already allows.
#ifndef HARDGOFER_POLICY_TESTING_FAKE_EXTENSIONS_H_
#define HARDGOFER_POLICY_TESTING_FAKE_EXTENSIONS_H_

#include <optional>
#include <string>

#include "policy/extension.h"

namespace hg::policy::testing {

ExtensionDescriptor FakeCache();
ExtensionDescriptor FakeCrypt();
// By name ("fake_cache", "fake_crypt"); nullopt for anything else.
std::optional<ExtensionDescriptor> FakeExtension(const std::string& name);

}  // namespace hg::policy::testing

#endif  // HARDGOFER_POLICY_TESTING_FAKE_EXTENSIONS_H_
