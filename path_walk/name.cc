#include "path_walk/name.h"

namespace hg::path_walk {

Result<Name> Name::Make(std::string_view component) {
  if (component.empty() || component == "." || component == "..") return Errno(EINVAL);
  if (component.find('/') != std::string_view::npos) return Errno(EINVAL);
  if (component.find('\0') != std::string_view::npos) return Errno(EINVAL);
  if (component.size() > kNameMax) return Errno(ENAMETOOLONG);
  return Name(std::string(component));
}

}  // namespace hg::path_walk
