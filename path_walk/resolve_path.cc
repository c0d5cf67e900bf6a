#include "path_walk/resolve_path.h"

#include <vector>

#include "path_walk/internal/beneath.h"
#include "path_walk/name.h"

namespace hg::path_walk {

Result<Handle> ResolvePath(const MountRoot& root, std::string_view path) {
  // The handles walked so far, below the root; ".." pops one.
  std::vector<Handle> stack;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view component = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    HG_ASSIGN_OR_RETURN(Name name, Name::Make(component));
    const Handle& cur = stack.empty() ? root.handle() : stack.back();
    if (cur.is_symlink()) return Errno(ELOOP);
    HG_ASSIGN_OR_RETURN(Child child, internal::StepTo(cur, name));
    stack.push_back(std::move(child.handle));
  }
  if (stack.empty()) return root.handle().Dup();
  return std::move(stack.back());
}

}  // namespace hg::path_walk
