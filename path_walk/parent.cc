#include "path_walk/parent.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {
namespace {

// Attempts before giving up on a handle that keeps moving under us.
constexpr int kLocateAttempts = 8;

// The components of `path` below `root_path`, or EXDEV if it is not below.
Result<std::vector<Name>> RelativeComponents(std::string_view root_path, std::string_view path) {
  std::string_view rest;
  if (root_path == "/") {
    if (path.size() < 2 || path.front() != '/') return Errno(EXDEV);
    rest = path.substr(1);
  } else {
    if (path.size() <= root_path.size() + 1 || path.substr(0, root_path.size()) != root_path ||
        path[root_path.size()] != '/') {
      return Errno(EXDEV);
    }
    rest = path.substr(root_path.size() + 1);
  }
  std::vector<Name> out;
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    std::size_t slash = rest.find('/', pos);
    if (slash == std::string_view::npos) slash = rest.size();
    // The kernel prints canonical paths; anything else ("//", ".", "..")
    // means the text is not a path below the root.
    auto name = Name::Make(rest.substr(pos, slash - pos));
    if (!name.ok()) return Errno(EXDEV);
    out.push_back(std::move(name).value());
    pos = slash + 1;
  }
  return out;
}

// One attempt: EAGAIN means "moved while we looked", worth retrying.
Result<Location> LocateOnce(const ProcSelfFd& proc, const MountRoot& root, const Handle& h) {
  HG_ASSIGN_OR_RETURN(std::string root_path, proc.ReadLink(root.handle()));
  HG_ASSIGN_OR_RETURN(std::string path, proc.ReadLink(h));
  HG_ASSIGN_OR_RETURN(std::vector<Name> names, RelativeComponents(root_path, path));

  std::optional<Handle> parent;
  for (std::size_t i = 0; i + 1 < names.size(); ++i) {
    const Handle& cur = parent ? *parent : root.handle();
    auto step = internal::StepTo(cur, names[i]);
    if (!step.ok()) return step.error() == Errno(ENOENT) ? Errno(EAGAIN) : step.error();
    if (!step->handle.is_dir()) return Errno(EAGAIN);
    parent.emplace(std::move(step->handle));
  }
  if (!parent) {
    auto dup = root.handle().Dup();
    if (!dup.ok()) return dup.error();
    parent.emplace(std::move(dup).value());
  }
  auto st = internal::StatBeneath(*parent, names.back());
  if (!st.ok()) return st.error() == Errno(ENOENT) ? Errno(EAGAIN) : st.error();
  if (!h.SameObjectAs(*st)) return Errno(EAGAIN);
  return Location{std::move(parent).value(), std::move(names.back())};
}

}  // namespace

Result<Location> Locate(const ProcSelfFd& proc, const MountRoot& root, const Handle& h) {
  if (!h.mount().SameRootAs(root.handle().mount())) return Errno(EXDEV);
  if (h.is_root()) return Errno(EBUSY);
  HG_ASSIGN_OR_RETURN(Statx now, h.Stat());
  // An unlinked file or removed directory has no place in the tree.
  if (now.stx_nlink == 0) return Errno(ENOENT);
  Errno last(EAGAIN);
  for (int attempt = 0; attempt < kLocateAttempts; ++attempt) {
    auto at = LocateOnce(proc, root, h);
    if (at.ok() || at.error() != Errno(EAGAIN)) return at;
    last = at.error();
  }
  return last;
}

Result<Handle> Parent(const ProcSelfFd& proc, const MountRoot& root, const Handle& h) {
  if (!h.mount().SameRootAs(root.handle().mount())) return Errno(EXDEV);
  if (h.is_root()) return root.handle().Dup();
  HG_ASSIGN_OR_RETURN(Location at, Locate(proc, root, h));
  return std::move(at.parent);
}

}  // namespace hg::path_walk
