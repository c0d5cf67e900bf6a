#include "gofer/server/extension.h"

#include <cerrno>

#include "gofer/server/connection_impl.h"

namespace hg::server {

namespace {
bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}
}  // namespace

Status ExtensionRegistry::Register(std::unique_ptr<Extension> ext) {
  if (ext == nullptr || !ValidName(ext->Name())) return Errno(EINVAL);
  if (Find(ext->Name()) != nullptr) return Errno(EEXIST);
  exts_.push_back(std::move(ext));
  return Status::Ok();
}

Extension* ExtensionRegistry::Find(std::string_view name) const {
  for (const auto& e : exts_) {
    if (e->Name() == name) return e.get();
  }
  return nullptr;
}

}  // namespace hg::server
