#include "gofer/fsgofer/deny_list.h"

#include <re2/re2.h>

#include <cerrno>

namespace hg::fsgofer {

Result<std::shared_ptr<const DenyList>> DenyList::Compile(
    const std::vector<std::string>& patterns) {
  std::shared_ptr<DenyList> d(new DenyList());
  RE2::Options opts;
  opts.set_log_errors(false);
  // Paths are bytes, not text: with RE2's defaults (UTF-8, '.' not matching
  // '\n') a tenant could slip a name past "/secret.*" by appending an invalid
  // UTF-8 byte or a newline ("secret\xff", "secret\nx"). Latin-1 makes every
  // byte one character; dot_nl lets '.' match all of them.
  opts.set_encoding(RE2::Options::EncodingLatin1);
  opts.set_dot_nl(true);
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
