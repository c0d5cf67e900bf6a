#include "path_walk/walk.h"

#include <optional>

#include "path_walk/internal/beneath.h"
#include "path_walk/internal/syscalls.h"

namespace hg::path_walk {

Result<WalkResult> Walk(const Handle& dir, std::span<const Name> names) {
  WalkResult out;
  if (names.empty()) return out;
  HG_RETURN_IF_ERROR(internal::RequireDir(dir));
  out.steps.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Handle& cur = i == 0 ? dir : out.steps.back().handle;
    if (i > 0) {
      if (cur.is_symlink()) {
        out.status = WalkStatus::kComponentSymlink;
        return out;
      }
      HG_RETURN_IF_ERROR(internal::RequireDir(cur));
    }
    auto child = internal::StepTo(cur, names[i]);
    if (!child.ok()) {
      if (child.error() == Errno(ENOENT)) {
        out.status = WalkStatus::kComponentDoesNotExist;
        return out;
      }
      return child.error();
    }
    out.steps.push_back(std::move(child).value());
  }
  return out;
}

Result<std::vector<Statx>> WalkStat(const Handle& dir, std::span<const Name> names,
                                    bool stat_start) {
  std::vector<Statx> out;
  out.reserve(names.size() + (stat_start ? 1 : 0));
  if (stat_start) {
    HG_ASSIGN_OR_RETURN(Statx st, dir.Stat());
    out.push_back(st);
  }
  if (names.empty()) return out;
  HG_RETURN_IF_ERROR(internal::RequireDir(dir));

  // Intermediate components need a descriptor to continue from; the last one
  // only needs a statx at its name.
  std::optional<Handle> held;
  const Handle* cur = &dir;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) HG_RETURN_IF_ERROR(internal::RequireDir(*cur));
    if (i + 1 == names.size()) {
      auto st = internal::StatBeneath(*cur, names[i]);
      if (!st.ok()) {
        if (st.error() == Errno(ENOENT)) return out;
        return st.error();
      }
      out.push_back(*st);
      return out;
    }
    auto child = internal::StepTo(*cur, names[i]);
    if (!child.ok()) {
      if (child.error() == Errno(ENOENT)) return out;
      return child.error();
    }
    out.push_back(child->stat);
    if (child->handle.is_symlink()) return out;
    held.emplace(std::move(child->handle));
    cur = &*held;
  }
  return out;
}

}  // namespace hg::path_walk
