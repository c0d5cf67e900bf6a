#include "gofer/cmd/run_options.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "gofer/cmd/flags.h"

namespace hg::cmd {
namespace {

constexpr char kRunEpilog[] =
    "--io-fds: one connected AF_UNIX stream socket per gofer-served mount: the rootfs\n"
    "first, then the spec's gofer-served mounts in spec order (runsc's order; the\n"
    "count must match exactly). The policy is compiled from the bundle and the runtime\n"
    "flags, or read from --policy OUTDIR, whose recorded input digest must match them.\n"
    "Before serving, the process confines itself in this order (each step fatal):\n"
    "open_roots, mount_namespace, pivot_root, close_fds, drop_caps, no_new_privs,\n"
    "rlimits, seccomp. --no-confine skips them all (development only).\n"
    "SIGTERM/SIGINT drain in-flight RPCs and exit 0; SIGUSR1 dumps the counters.\n"
    "Runtime flags mirror runsc's; see 'hardgofer policy compile --help'.";

Result<int> ParseFd(std::string_view s) {
  if (s.empty() || s.size() > 10) return Errno(EINVAL);
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Errno(EINVAL);
    v = v * 10 + (c - '0');
  }
  if (v < 3 || v > INT_MAX) return Errno(EINVAL);
  return static_cast<int>(v);
}

}  // namespace

Result<std::vector<int>> ParseFdList(std::string_view list) {
  std::vector<int> fds;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    std::string_view item = list.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    HG_ASSIGN_OR_RETURN(int fd, ParseFd(item));
    for (int f : fds) {
      if (f == fd) return Errno(EEXIST);
    }
    fds.push_back(fd);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fds;
}

std::optional<int> ParseRunOptions(int argc, char** argv, RunOptions* o) {
  FlagSet fs("run", "Run the confined gofer for an OCI bundle (what a runtime starts).");
  std::vector<std::string> io_fds;
  int64_t spec_fd = -1, log_fd = 2, fd_limit = -1;
  std::string log_format = "text", log_level = "info";
  fs.String("bundle", &o->bundle, "DIR", "OCI bundle directory (required)");
  fs.List("io-fds", &io_fds, "A,B,...",
          "connected unix stream sockets, one per gofer-served mount (required)");
  fs.Int("spec-fd", &spec_fd, "N", "read config.json from FD N instead of the bundle");
  fs.List("directfs", &o->flags.directfs, "BOOL", "runsc --directfs (default true)");
  fs.List("host-uds", &o->flags.host_uds, "none|open|create|all", "runsc --host-uds");
  fs.List("host-fifo", &o->flags.host_fifo, "none|open", "runsc --host-fifo");
  fs.List("overlay2", &o->flags.overlay2, "SPEC", "runsc --overlay2 (default root:self)");
  fs.List("gofer-mount-confs", &o->flags.gofer_mount_confs, "LOWER:UPPER,...",
          "runsc's per-mount gofer confs");
  fs.List("file-access", &o->flags.file_access, "exclusive|shared", "runsc --file-access");
  fs.List("file-access-mounts", &o->flags.file_access_mounts, "exclusive|shared",
          "runsc --file-access-mounts");
  fs.Bool("allow-flag-override", &o->flags.allow_flag_override, "runsc --allow-flag-override");
  fs.String("operator-policy", &o->operator_policy, "FILE", "operator policy textproto");
  fs.String("policy", &o->policy_dir, "OUTDIR",
            "precompiled policy (hardgofer policy compile); its input digest must match");
  fs.Bool("audit", &o->audit, "LOOSENS: seccomp violations are logged by the kernel, not killed");
  fs.Bool("no-confine", &o->no_confine,
          "DEVELOPMENT ONLY: serve without any confinement (logged as a warning)");
  fs.String("log-format", &log_format, "text|json", "log line format (default text)");
  fs.String("log-level", &log_level, "debug|info|warning|error", "lowest level logged");
  fs.Int("log-fd", &log_fd, "N", "write log lines to FD N (default 2, stderr)");
  fs.Bool("access-log", &o->access_log,
          "log every RPC: message, mount, path, result (info level; off by default)");
  fs.Int("fd-limit", &fd_limit, "N", "RLIMIT_NOFILE once confined (default 65536)");
  fs.Epilog(kRunEpilog);
  if (auto rc = fs.Parse(argc, argv)) return rc;

  if (o->bundle.empty()) return fs.UsageError("flag '--bundle' is required");
  if (io_fds.empty()) return fs.UsageError("flag '--io-fds' is required");
  for (const std::string& list : io_fds) {
    auto fds = ParseFdList(list);
    if (!fds.ok()) return fs.UsageError("invalid value '" + list + "' for flag '--io-fds'");
    for (int fd : *fds) {
      for (int have : o->io_fds) {
        if (have == fd)
          return fs.UsageError("FD " + std::to_string(fd) + " given twice in '--io-fds'");
      }
      o->io_fds.push_back(fd);
    }
  }
  if (spec_fd != -1) {
    auto fd = ParseFd(std::to_string(spec_fd));
    if (!fd.ok())
      return fs.UsageError("invalid value '" + std::to_string(spec_fd) + "' for flag '--spec-fd'");
    o->spec_fd = *fd;
  }
  if (log_fd != 2) {
    // 1 (stdout) is allowed; otherwise an inherited FD >= 3.
    if (log_fd != 1 && !ParseFd(std::to_string(log_fd)).ok()) {
      return fs.UsageError("invalid value '" + std::to_string(log_fd) + "' for flag '--log-fd'");
    }
    o->log_fd = static_cast<int>(log_fd);
  }
  for (int fd : o->io_fds) {
    if ((o->spec_fd && *o->spec_fd == fd) || o->log_fd == fd) {
      return fs.UsageError("FD " + std::to_string(fd) +
                           " is both an --io-fds socket and another FD flag");
    }
  }
  if (o->spec_fd && *o->spec_fd == o->log_fd) {
    return fs.UsageError("'--spec-fd' and '--log-fd' name the same FD");
  }
  auto fmt = log::ParseFormat(log_format);
  if (!fmt) return fs.UsageError("invalid value '" + log_format + "' for flag '--log-format'");
  o->log_format = *fmt;
  auto lvl = log::ParseLevel(log_level);
  if (!lvl) return fs.UsageError("invalid value '" + log_level + "' for flag '--log-level'");
  o->log_level = *lvl;
  if (fd_limit != -1) {
    // Below 64 the gofer could not even hold its own descriptors.
    if (fd_limit < 64) {
      return fs.UsageError("invalid value '" + std::to_string(fd_limit) +
                           "' for flag '--fd-limit'");
    }
    o->fd_limit = static_cast<uint64_t>(fd_limit);
  }
  return std::nullopt;
}

}  // namespace hg::cmd
