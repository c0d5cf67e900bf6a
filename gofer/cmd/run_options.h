// The command line of `hardgofer run`, parsed and checked.
//
//   RunOptions o;
//   if (auto rc = ParseRunOptions(argc, argv, &o)) return *rc;   // --help (0) or usage error (2)
//   o.io_fds;        // {3, 4}: one connected socket per gofer-served mount, in runsc's order
//   o.flags;         // runsc runtime flags, as `policy compile` takes them
//
// Everything the runtime passes is checked here, before anything is opened:
// a typo in a flag must never change the policy silently (exit 2 naming the
// flag). FD numbers must be >= 3 (0-2 are stdio) and distinct; whether they
// are connected sockets is checked at start-up (exit 1).
#ifndef HARDGOFER_GOFER_CMD_RUN_OPTIONS_H_
#define HARDGOFER_GOFER_CMD_RUN_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "policy/flags.h"

namespace hg::cmd {

struct RunOptions {
  std::string bundle;             // --bundle (required)
  std::vector<int> io_fds;        // --io-fds A,B,... (required, repeatable)
  std::optional<int> spec_fd;     // --spec-fd: config.json from this FD instead of the bundle
  policy::RuntimeFlagArgs flags;  // --directfs, --host-uds, ..., --gofer-mount-confs
  std::string policy_dir;         // --policy OUTDIR: precompiled ("" = compile in-process)
  std::string operator_policy;    // --operator-policy FILE
  bool audit = false;             // --audit: seccomp violations are logged, not killed
  bool no_confine = false;        // --no-confine: development only, logged loudly
  log::Format log_format = log::Format::kText;  // --log-format
  log::Level log_level = log::Level::kInfo;     // --log-level
  int log_fd = 2;                               // --log-fd
  bool access_log = false;                      // --access-log: one line per RPC (off by default)
  // --fd-limit: RLIMIT_NOFILE (soft = hard) after confinement. Unset: 65536,
  // or the current hard limit if lower (which a process without
  // CAP_SYS_RESOURCE cannot raise). Given explicitly, it must be reachable.
  std::optional<uint64_t> fd_limit;
};

// Returns nullopt to continue, or the exit code to return now (0 after
// --help, 2 after a usage error printed to stderr).
std::optional<int> ParseRunOptions(int argc, char** argv, RunOptions* out);

// "3,4,5" -> {3, 4, 5}. EINVAL for an empty element, a non-number, a value
// below 3 or above INT_MAX; EEXIST for a duplicate.
Result<std::vector<int>> ParseFdList(std::string_view list);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_RUN_OPTIONS_H_
