#include "oci/mount_class.h"

#include "oci/go_compat.h"

namespace hg::oci {

std::string EffectiveMountType(const Mount& m) {
  if (m.type == kMountTypeBind) return m.type;
  for (const std::string& o : m.options) {
    if (o == "bind" || o == "rbind") return std::string(kMountTypeBind);
  }
  return m.type;
}

void MaybeConvertToBindMount(Mount& m) { m.type = EffectiveMountType(m); }

bool IsGoferMount(const Mount& m) {
  return EffectiveMountType(m) == kMountTypeBind && !m.source.empty();
}

bool IsErofsMount(const Mount& m) { return m.type == kMountTypeErofs; }

bool HasMountConfig(const Mount& m) { return IsGoferMount(m) || IsErofsMount(m); }

bool IsIDMappedMount(const Mount& m) {
  return !m.uid_mappings.empty() && !m.gid_mappings.empty();
}

bool IsReadonlyMount(const std::vector<std::string>& options) {
  for (const std::string& o : options) {
    if (o == "ro") return true;
  }
  return false;
}

std::string MountOptionError(std::string_view option) {
  // runsc also runs validatePropagation on each single option; one option maps to at
  // most one of MS_SLAVE/MS_PRIVATE/MS_SHARED/MS_UNBINDABLE, so that check cannot fail.
  if (option == "shared" || option == "rshared") {
    return "mount option " + GoQuote(option) + " is not supported";
  }
  return "";
}

FilteredOptions FilterMountOptions(const std::vector<std::string>& options) {
  FilteredOptions out;
  for (const std::string& o : options) {
    std::string err = MountOptionError(o);
    if (err.empty()) {
      out.kept.push_back(o);
    } else {
      out.dropped.push_back(o);
      out.reasons.push_back("mount option skipped " + GoQuote(o) + ": " + err);
    }
  }
  return out;
}

std::string RootfsPropagationError(std::string_view option) {
  if (option == "slave" || option == "rslave" || option == "private" || option == "rprivate") {
    return "";
  }
  return "root mount propagation option must specify private or slave: " + GoQuote(option);
}

}  // namespace hg::oci
