#include "gofer/cmd/builtin_extensions.h"

#include <cstdlib>
#include <memory>

#include "extensions/encrypted/encrypted_extension.h"
#include "extensions/tiered_cache/tiered_cache_extension.h"

namespace hg::cmd {

server::ExtensionRegistry BuiltinExtensions() {
  server::ExtensionRegistry reg;
  // Names are constants that satisfy Register's rules; a failure here is a
  // build mistake, not input, and must not start a gofer without them.
  if (!reg.Register(std::make_unique<encrypted::EncryptedExtension>()).ok() ||
      !reg.Register(std::make_unique<tiered_cache::TieredCacheExtension>()).ok()) {
    std::abort();
  }
  return reg;
}

}  // namespace hg::cmd
