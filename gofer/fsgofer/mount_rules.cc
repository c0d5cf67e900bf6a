#include "gofer/fsgofer/mount_rules.h"

#include <cerrno>

namespace hg::fsgofer {

bool MountRules::XattrAllowed(std::string_view name) const {
  for (const std::string& ns : xattr_namespaces) {
    // The name must have something after the prefix ("user." alone is EINVAL
    // in the kernel; refusing it here is just as good).
    if (name.size() > ns.size() && name.substr(0, ns.size()) == ns) return true;
  }
  return false;
}

Result<HostUds> ParseHostUds(std::string_view s) {
  if (s == "none") return HostUds::kNone;
  if (s == "open") return HostUds::kOpen;
  if (s == "create") return HostUds::kCreate;
  if (s == "all") return HostUds::kAll;
  return Errno(EINVAL);
}

Result<HostFifo> ParseHostFifo(std::string_view s) {
  if (s == "none") return HostFifo::kNone;
  if (s == "open") return HostFifo::kOpen;
  return Errno(EINVAL);
}

Result<std::vector<std::string>> ParseXattrNamespaces(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view ns = s.substr(i, j - i);
    if (ns != "user" && ns != "trusted" && ns != "security") return Errno(EINVAL);
    std::string prefix = std::string(ns) + ".";
    bool dup = false;
    for (const std::string& o : out) dup = dup || o == prefix;
    if (!dup) out.push_back(std::move(prefix));
    i = j + 1;
  }
  return out;
}

std::string_view HostUdsName(HostUds m) {
  switch (m) {
    case HostUds::kNone:
      return "none";
    case HostUds::kOpen:
      return "open";
    case HostUds::kCreate:
      return "create";
    case HostUds::kAll:
      return "all";
  }
  return "?";
}

std::string_view HostFifoName(HostFifo m) { return m == HostFifo::kOpen ? "open" : "none"; }

}  // namespace hg::fsgofer
