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

namespace hg::server {
namespace {

constexpr std::string_view kGvisorMountHintPrefix = "dev.gvisor.spec.mount.";
constexpr std::string_view kSourceSuffix = ".source";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The annotation prefix of the per-mount keys of `mount` ("" if it has no name).
std::string MountPrefix(const oci::Spec& spec, const oci::Mount* mount) {
  if (mount == nullptr) return std::string(kRootfsAnnotationPrefix);
  std::string name = MountHintName(spec, mount);
  if (name.empty()) return "";
  return std::string(kMountAnnotationPrefix) + name + ".";
}

const OptionSpec* FindOption(std::span<const OptionSpec> schema, std::string_view key) {
  for (const OptionSpec& o : schema) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

}  // namespace

std::string MountHintName(const oci::Spec& spec, const oci::Mount* mount) {
  if (mount == nullptr) return "rootfs";
  // Annotations are sorted, so with (invalid) duplicate sources the answer is
  // still deterministic: the first name in byte order.
  for (const auto& [key, value] : spec.annotations) {
    if (!StartsWith(key, kGvisorMountHintPrefix)) continue;
    std::string_view rest = std::string_view(key).substr(kGvisorMountHintPrefix.size());
    if (rest.size() <= kSourceSuffix.size() ||
        rest.substr(rest.size() - kSourceSuffix.size()) != kSourceSuffix) {
      continue;
    }
    std::string_view name = rest.substr(0, rest.size() - kSourceSuffix.size());
    if (name.find('.') != std::string_view::npos) continue;  // runsc refuses those
    if (value == mount->source) return std::string(name);
  }
  return "";
}

std::string SelectedExtension(const oci::Spec& spec, const oci::Mount* mount) {
  std::string prefix = MountPrefix(spec, mount);
  if (prefix.empty()) return "";
  auto it = spec.annotations.find(prefix + "extension");
  return it == spec.annotations.end() ? "" : it->second;
}

std::string KeyFileOption(size_t index) {
  return index == 0 ? std::string("key_file") : "key_file_" + std::to_string(index);
}

Result<ExtensionOptions> ResolveOptions(std::string_view ext, std::span<const OptionSpec> schema,
                                        const ExtensionOptions& operator_options,
                                        const oci::Spec& spec, const oci::Mount* mount,
                                        std::string* why) {
  auto fail = [&](int err, std::string msg) -> Result<ExtensionOptions> {
    if (why != nullptr) *why = "extension '" + std::string(ext) + "': " + std::move(msg);
    return Errno(err);
  };
  ExtensionOptions out;
  for (const auto& [key, value] : operator_options) {
    if (FindOption(schema, key) == nullptr) {
      if (key.rfind("key_file", 0) == 0) {
        // A key file the extension does not read (run maps the operator
        // policy's list to key_file, key_file_1, ...; see KeyFileOption).
        return fail(EINVAL, "the operator gives key file '" + value + "' as option '" + key +
                                "', which this extension does not take (it reads " +
                                (FindOption(schema, "key_file") != nullptr
                                     ? std::string("one key file: 'key_file'")
                                     : std::string("no key files")) +
                                "); list only the key files it reads in the operator policy");
      }
      return fail(EINVAL, "unknown option '" + key + "' (operator option)");
    }
    out[key] = value;
  }
  // Sandbox-wide first, then per-mount, each only where the operator is silent.
  const std::string sandbox_prefix = std::string(kSandboxAnnotationPrefix) + std::string(ext) + ".";
  const std::string mount_prefix = MountPrefix(spec, mount);
  ExtensionOptions tenant;
  for (const std::string& prefix : {sandbox_prefix, mount_prefix}) {
    if (prefix.empty()) continue;
    for (auto it = spec.annotations.lower_bound(prefix);
         it != spec.annotations.end() && StartsWith(it->first, prefix); ++it) {
      std::string_view key = std::string_view(it->first).substr(prefix.size());
      if (prefix == mount_prefix && key == "extension") continue;
      const OptionSpec* o = FindOption(schema, key);
      if (o == nullptr) {
        return fail(EINVAL,
                    "unknown option '" + std::string(key) + "' in annotation '" + it->first + "'");
      }
      if (o->operator_only) {
        return fail(EPERM,
                    "option '" + std::string(key) +
                        "' names a host resource and may only "
                        "be set by the operator (flag or operator policy), not by annotation '" +
                        it->first + "'");
      }
      tenant[std::string(key)] = it->second;
    }
  }
  for (auto& [key, value] : tenant) out.try_emplace(key, value);
  return out;
}

}  // namespace hg::server
