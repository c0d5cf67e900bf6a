// The request strings that are not path components, validated once by the
// handlers so a backend can hand them to a C syscall as is.
//
//   HG_ASSIGN_OR_RETURN(XattrName name, XattrName::Make(req.name));
//   ::fgetxattr(fd, name.c_str(), buf, size);
//
//   HG_ASSIGN_OR_RETURN(SymlinkTarget t, SymlinkTarget::Make(req.target));
//   ::symlinkat(t.c_str(), dirfd, child.c_str());
//
// Why: the wire carries opaque bytes. An embedded NUL would silently truncate
// the string at the C boundary (a different attribute name or link target than
// the one the client asked for, and than any policy checked). Single path
// components use path_walk::Name instead, which also rejects "", ".", ".." and '/'.
#ifndef HARDGOFER_GOFER_SERVER_REQUEST_STRINGS_H_
#define HARDGOFER_GOFER_SERVER_REQUEST_STRINGS_H_

#include <climits>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace hg::server {

// An extended attribute name: 1..XATTR_NAME_MAX (255) bytes, no NUL.
// Errors: "" or NUL ⇒ EINVAL; too long ⇒ ERANGE (what the kernel answers).
// The namespace ("user.", "trusted.", ...) is the backend's policy decision.
class XattrName {
 public:
  static constexpr size_t kMax = 255;
  static Result<XattrName> Make(std::string_view bytes) {
    if (bytes.empty() || bytes.find('\0') != std::string_view::npos) return Errno(EINVAL);
    if (bytes.size() > kMax) return Errno(ERANGE);
    return XattrName(std::string(bytes));
  }
  const std::string& str() const { return s_; }
  const char* c_str() const { return s_.c_str(); }

 private:
  explicit XattrName(std::string s) : s_(std::move(s)) {}
  std::string s_;
};

// A symlink target: 1..PATH_MAX-1 bytes, no NUL. Any other bytes ('/', "..",
// absolute paths) are legal: a target is data, resolved by the client, and a
// backend must never follow it. Errors: "" ⇒ ENOENT (as symlink(2)), NUL ⇒
// EINVAL, too long ⇒ ENAMETOOLONG.
class SymlinkTarget {
 public:
  static constexpr size_t kMax = PATH_MAX - 1;
  static Result<SymlinkTarget> Make(std::string_view bytes) {
    if (bytes.empty()) return Errno(ENOENT);
    if (bytes.find('\0') != std::string_view::npos) return Errno(EINVAL);
    if (bytes.size() > kMax) return Errno(ENAMETOOLONG);
    return SymlinkTarget(std::string(bytes));
  }
  const std::string& str() const { return s_; }
  const char* c_str() const { return s_.c_str(); }

 private:
  explicit SymlinkTarget(std::string s) : s_(std::move(s)) {}
  std::string s_;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_REQUEST_STRINGS_H_
