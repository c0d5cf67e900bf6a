#include "seccomp/install.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/result.h"

namespace hg::seccomp {

ErrorOr<void> SetNoNewPrivs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Error(ErrorCode::kNoNewPrivs, "prctl(PR_SET_NO_NEW_PRIVS)", errno);
  }
  return {};
}

ErrorOr<void> InstallFilterOnAllThreads(const BpfProgram& filled) {
  if (!FindHoles(filled).empty()) {
    return Error(ErrorCode::kUnboundPlaceholder, "program still has unfilled placeholders");
  }
  // The kernel copies the program; `insns` only has to outlive the call.
  std::vector<sock_filter> insns = filled.insns();
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(insns.size());
  prog.filter = insns.data();
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (rc < 0) {
    return Error(ErrorCode::kSeccompInstall, "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)", errno);
  }
  if (rc > 0) {
    // TSYNC failed for thread `rc` (it diverged: another filter or mode).
    return Error(ErrorCode::kTsync,
                 "thread " + std::to_string(rc) + " could not be synchronised to the filter");
  }
  return {};
}

ErrorOr<void> Install(const BpfProgram& program, const Bindings& bindings) {
  HG_ASSIGN_OR_RETURN(BpfProgram filled, FillHoles(program, bindings));
  HG_RETURN_IF_ERROR(SetNoNewPrivs());
  return InstallFilterOnAllThreads(filled);
}

}  // namespace hg::seccomp
