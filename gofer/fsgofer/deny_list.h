// Path deny patterns of one mount: names a client may not see or create.
//
//   HG_ASSIGN_OR_RETURN(auto deny, DenyList::Compile({"/secret(/.*)?", ".*\\.key"}));
//   if (deny->Denied("/etc/tls/server.key")) return Errno(EACCES);
//
// Patterns are RE2 (linear-time: a pattern can never make the gofer spin),
// matched against the WHOLE path from the mount root as the server's node
// tree knows it ("/" for the root, "/a/b" below it), so "/secret" does not
// also deny "/secret2" unless written "/secret.*". Refusals are EACCES.
// Paths are matched as bytes (Latin-1, '.' matching any byte, newline and
// invalid UTF-8 included), so no name can slip past ".*"; a non-ASCII literal
// in a pattern still matches its own UTF-8 bytes, but a character class such
// as [é] is a class of two bytes.
//
// What name-based rules cannot do: a file is the same object under every
// name, so a hard link made on the host (or a bind mount) outside the denied
// paths reaches the same data; and a file the host renames into a denied
// path is refused only from then on. Deny patterns hide names, they are not
// an access-control list on objects.
#ifndef HARDGOFER_GOFER_FSGOFER_DENY_LIST_H_
#define HARDGOFER_GOFER_FSGOFER_DENY_LIST_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace hg::fsgofer {

class DenyList {
 public:
  // EINVAL if a pattern does not compile.
  static Result<std::shared_ptr<const DenyList>> Compile(const std::vector<std::string>& patterns);
  ~DenyList();

  bool empty() const { return res_.empty(); }
  bool Denied(std::string_view path_in_mount) const;

 private:
  DenyList() = default;
  std::vector<std::unique_ptr<re2::RE2>> res_;
};

// The path of `name` in the directory whose path is `dir` ("/" + name at the root).
std::string ChildPath(std::string_view dir, std::string_view name);

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_DENY_LIST_H_
