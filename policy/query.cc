#include "policy/query.h"

namespace hg::policy {

ErrorOr<seccomp::QueryAnswer> QueryPolicy(const LoadedPolicy& p, const seccomp::SyscallQuery& q) {
  seccomp::ErrorOr<seccomp::QueryAnswer> a =
      seccomp::Query(*p.program, p.rules.arch, p.rules.mode, p.rules.allow, p.rules.deny, q);
  if (!a.ok()) {
    Error e;
    e.kind = Error::Kind::kUsage;
    e.file = "command line";
    e.key = q.name;
    e.value = q.name;
    e.message = a.error().ToString();
    return e;
  }
  return std::move(a).value();
}

}  // namespace hg::policy
