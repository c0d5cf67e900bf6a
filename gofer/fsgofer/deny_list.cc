#include "gofer/fsgofer/deny_list.h"

#include <re2/re2.h>

#include <cerrno>

namespace hg::fsgofer {

Result<std::shared_ptr<const DenyList>> DenyList::Compile(
    const std::vector<std::string>& patterns) {
  std::shared_ptr<DenyList> d(new DenyList());
  RE2::Options opts;
  opts.set_log_errors(false);
  for (const std::string& p : patterns) {
    auto re = std::make_unique<re2::RE2>(p, opts);
    if (!re->ok()) return Errno(EINVAL);
    d->res_.push_back(std::move(re));
  }
  return std::shared_ptr<const DenyList>(std::move(d));
}

DenyList::~DenyList() = default;

bool DenyList::Denied(std::string_view path) const {
  for (const auto& re : res_) {
    if (RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *re)) return true;
  }
  return false;
}

std::string ChildPath(std::string_view dir, std::string_view name) {
  std::string p(dir);
  if (p.empty() || p.back() != '/') p += '/';
  p += name;
  return p;
}

}  // namespace hg::fsgofer
