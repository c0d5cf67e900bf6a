#include "gofer/fsgofer/refusal.h"

#include <string.h>

#include <cerrno>

namespace hg::fsgofer {

std::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kReadonly:
      return "readonly";
    case Rule::kHostUds:
      return "host_uds";
    case Rule::kHostFifo:
      return "host_fifo";
    case Rule::kDenyPattern:
      return "deny_pattern";
    case Rule::kMaxFileSize:
      return "max_file_size";
    case Rule::kXattrNamespace:
      return "xattr_namespace";
    case Rule::kFileType:
      return "file_type";
    case Rule::kAllocateMode:
      return "allocate_mode";
  }
  return "unknown";
}

Errno RuleErrno(Rule rule) {
  switch (rule) {
    case Rule::kReadonly:
      return Errno(EROFS);
    case Rule::kHostUds:
    case Rule::kHostFifo:
    case Rule::kFileType:
      return Errno(EPERM);
    case Rule::kDenyPattern:
      return Errno(EACCES);
    case Rule::kMaxFileSize:
      return Errno(EFBIG);
    case Rule::kXattrNamespace:
    case Rule::kAllocateMode:
      return Errno(EOPNOTSUPP);
  }
  return Errno(EPERM);
}

Errno Refuse(Rule rule, std::string_view op, std::string_view path) {
  const Errno e = RuleErrno(rule);
  // strerrorname_np: "EROFS" rather than a number or a localised sentence,
  // so the line can be matched by tools.
  const char* name = ::strerrorname_np(e.value());
  HG_LOG(kDebug, "refused",
         {{"op", op},
          {"path", path},
          {"rule", RuleName(rule)},
          {"errno", name != nullptr ? std::string_view(name) : std::string_view("?")}});
  return e;
}

}  // namespace hg::fsgofer
