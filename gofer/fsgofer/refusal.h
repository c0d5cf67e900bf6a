// Rule refusals: the one place where a mount rule (or the stock gofer's fixed
// policy) turns a request down, with its errno and its debug log line.
//
//   if (rules.readonly) return Refuse(Rule::kReadonly, "MkdirAt", "/d/new");
//   // debug log:  ... debug refused op=MkdirAt path=/d/new rule=readonly errno=EROFS
//
// Why one place: every rule has exactly one errno (mount_rules.h), so a
// client's error tells which rule fired — but only the operator can see the
// path and the rule, and only if every refusal says so. A refusal that skips
// the log line is a refusal nobody can explain; one that picks its own errno
// breaks the "distinct errno per rule" contract tests and clients rely on.
// Both are fixed here: the errno is a function of the rule.
//
// Logging is at debug level and costs nothing when debug is off (callers pass
// the path lazily through RefuseLazy when computing it takes a lock or a
// syscall). Paths and names are tenant-controlled; base/log escapes them.
#ifndef HARDGOFER_GOFER_FSGOFER_REFUSAL_H_
#define HARDGOFER_GOFER_FSGOFER_REFUSAL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/result.h"

namespace hg::fsgofer {

enum class Rule : uint8_t {
  kReadonly,        // MountRules::readonly                       EROFS
  kHostUds,         // MountRules::host_uds                       EPERM
  kHostFifo,        // MountRules::host_fifo                      EPERM
  kDenyPattern,     // MountRules::deny_patterns                  EACCES
  kMaxFileSize,     // MountRules::max_file_size                  EFBIG
  kXattrNamespace,  // MountRules::xattr_namespaces               EOPNOTSUPP
  kFileType,        // fixed: device nodes, block devices, odd mknod types   EPERM
  kAllocateMode,    // fixed: FAllocate modes other than 0 (seccomp)         EOPNOTSUPP
};

// "readonly", "host_uds", "host_fifo", "deny_pattern", "max_file_size",
// "xattr_namespace", "file_type", "allocate_mode".
std::string_view RuleName(Rule rule);
// The errno a refusal by `rule` answers (table above).
Errno RuleErrno(Rule rule);

// Writes the debug line {op, path, rule, errno} and returns RuleErrno(rule).
Errno Refuse(Rule rule, std::string_view op, std::string_view path);

// As Refuse, computing the path only when the debug line is written.
template <typename PathFn>
Errno RefuseLazy(Rule rule, std::string_view op, PathFn&& path) {
  if (!log::Enabled(log::Level::kDebug)) return RuleErrno(rule);
  const std::string p = path();
  return Refuse(rule, op, p);
}

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_REFUSAL_H_
