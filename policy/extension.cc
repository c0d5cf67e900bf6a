#include "policy/extension.h"

#include <set>

#include "policy/error.h"

namespace hg::policy {

namespace {

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Error ExtError(const std::string& key, const std::string& value, std::string message) {
  Error e;
  e.kind = Error::Kind::kExtension;
  e.file = "extension descriptors";
  e.key = key;
  e.value = value;
  e.message = std::move(message);
  return e;
}

}  // namespace

ErrorOr<void> ValidateExtensions(const std::vector<ExtensionDescriptor>& extensions) {
  std::set<std::string> seen;
  for (size_t i = 0; i < extensions.size(); ++i) {
    const ExtensionDescriptor& e = extensions[i];
    const std::string key = "extension[" + std::to_string(i) + "]";
    if (!ValidName(e.name)) {
      return ExtError(key + ".name", e.name,
                      key + ".name \"" + e.name +
                          "\" is not a valid extension name (1-64 characters of [a-z0-9_])");
    }
    if (!seen.insert(e.name).second) {
      return ExtError(key + ".name", e.name,
                      "extension \"" + e.name + "\" is registered twice (" + key + ".name)");
    }
    if (e.version.empty()) {
      return ExtError(key + ".version", "",
                      "extension \"" + e.name +
                          "\" has an empty version; the version stands for its claims() code in "
                          "the input digest");
    }
    if (!e.claims) {
      return ExtError(key + ".claims", "", "extension \"" + e.name + "\" has no claims() decision");
    }
    if (!e.rules.status().ok()) {
      return ExtError(key + ".rules", "",
                      "extension \"" + e.name +
                          "\" has an invalid seccomp rule: " + e.rules.status().error().message());
    }
  }
  return {};
}

std::string CanonicalDescriptorText(const ExtensionDescriptor& e) {
  std::string s;
  s += "name=" + e.name + "\n";
  s += "version=" + e.version + "\n";
  s += std::string("can_donate_host_fds=") + (e.can_donate_host_fds ? "true" : "false") + "\n";
  s += std::string("needs_key_files=") + (e.needs_key_files ? "true" : "false") + "\n";
  s += "rules:\n" + e.rules.Describe();
  return s;
}

}  // namespace hg::policy
