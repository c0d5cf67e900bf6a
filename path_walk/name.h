// A single path component that is known to be safe to hand to an *at() syscall.
//
//   HG_ASSIGN_OR_RETURN(Name name, Name::Make(untrusted_bytes));
//   HG_ASSIGN_OR_RETURN(WalkStep child, MkdirAt(dir, name, 0755));
//
// Every path_walk operation "at a name" takes a Name, never a string: a string
// that contains '/' would make the kernel walk several components (and follow
// symlinks in the middle), and "." or ".." would let a hostile client step
// sideways or upwards without the depth tracking seeing it. Validating once, at
// construction, means no caller downstream can forget the check.
#ifndef HARDGOFER_PATH_WALK_NAME_H_
#define HARDGOFER_PATH_WALK_NAME_H_

#include <climits>
#include <compare>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace hg::path_walk {

// Longest single component Linux accepts (bytes, without a terminator).
inline constexpr std::size_t kNameMax = NAME_MAX;

class Name {
 public:
  // Accepts any bytes except: empty, ".", "..", anything containing '/' or NUL
  // (all EINVAL), or longer than kNameMax (ENAMETOOLONG). The content checks
  // come first so that a long name with a '/' in it reports EINVAL.
  static Result<Name> Make(std::string_view component);

  const std::string& str() const { return s_; }
  // NUL-terminated, for syscalls. Never contains an interior NUL.
  const char* c_str() const { return s_.c_str(); }
  std::size_t size() const { return s_.size(); }

  friend bool operator==(const Name&, const Name&) = default;
  friend auto operator<=>(const Name&, const Name&) = default;

 private:
  explicit Name(std::string s) : s_(std::move(s)) {}
  std::string s_;
};

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_NAME_H_
