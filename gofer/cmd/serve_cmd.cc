// `hardgofer serve`: serve one directory over LisaFS with fsgofer (or, with
// --extension NAME, a built-in extension), on an inherited connected socket
// (--fd) or on a new listening socket (--listen).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gofer/cmd/builtin_extensions.h"
#include "gofer/cmd/commands.h"
#include "gofer/cmd/exit_codes.h"
#include "gofer/cmd/flags.h"
#include "gofer/cmd/listen_socket.h"
#include "gofer/cmd/stop_signals.h"
#include "gofer/fsgofer/deny_list.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/server/extension.h"
#include "gofer/server/server.h"
#include "gofer/transport/socket_communicator.h"
#include "path_walk/mount_root.h"

namespace hg::cmd {
namespace {

constexpr char kServeEpilog[] =
    "Exactly one of --fd and --listen is required.\n"
    "  --fd N         serves the one connection on inherited FD N (a connected\n"
    "                 AF_UNIX stream socket) and exits 0 when the peer closes it.\n"
    "  --listen PATH  creates PATH (mode 0600; it must not exist), serves every\n"
    "                 connection whose peer runs as our uid or an --allow-uid,\n"
    "                 until SIGINT/SIGTERM; then removes PATH and exits 0.\n"
    "All connections share one server (one node tree, one rename lock).\n"
    "--extension NAME serves the root through a built-in extension (encrypted,\n"
    "tiered_cache) instead of fsgofer; --extension-opt KEY=VALUE (repeatable)\n"
    "gives its operator options, e.g. key_file=PATH, cache=DIR, cache_size=64M\n"
    "(docs/extensions.md). The fsgofer-only flags --host-uds, --host-fifo,\n"
    "--xattr and --deny cannot be combined with it.\n"
    "Runtime errors (exit 1): a root that cannot be served, an FD that is not a\n"
    "connected unix stream socket, a socket path that exists or cannot be bound.";

int Fail(const std::string& what) {
  std::fprintf(stderr, "hardgofer serve: %s\n", what.c_str());
  return kExitRuntime;
}

struct ServeConfig {
  std::string root;  // absolute
  fsgofer::MountRules rules;
  fsgofer::HostResources host;
  // With --extension: the extension serving every connection, the spec it
  // is given (the root selected for it) and its operator options.
  server::Extension* ext = nullptr;
  oci::Spec spec;
  server::ExtensionOptions ext_options;
};

// The root as an absolute path (the server's mount path must be), checked
// the way fsgofer will open it at Mount.
Result<std::string> AbsoluteRoot(const std::string& root) {
  std::string abs = root;
  if (abs.empty()) return Errno(EINVAL);
  if (abs[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof(cwd)) == nullptr) return Errno::Last();
    abs = std::string(cwd) + "/" + abs;
  }
  HG_ASSIGN_OR_RETURN(path_walk::MountRoot r, path_walk::OpenMountRoot(abs, {}));
  (void)r;
  return abs;
}

Result<std::shared_ptr<server::Connection>> Start(server::Server& srv, const ServeConfig& cfg,
                                                  UniqueFd sock) {
  if (cfg.ext != nullptr) {
    std::string why;
    server::MountRequest req{cfg.spec,           nullptr,         cfg.root,
                             cfg.rules.readonly, cfg.ext_options, &why,
                             cfg.host.proc};
    auto h = cfg.ext->TryHandleMount(req);
    if (!h.ok()) {
      if (!why.empty()) std::fprintf(stderr, "hardgofer serve: %s\n", why.c_str());
      return h.error();
    }
    if (!h->has_value()) return Errno(ENOENT);  // cannot happen: the spec selects it
    server::ConnectionConfig cc;
    cc.mount_path = cfg.root;
    cc.opts = (*h)->opts;
    cc.impl = std::move((*h)->impl);
    return srv.StartConnection(std::move(sock), std::move(cc));
  }
  fsgofer::FsgoferConfig fc;
  fc.rules = cfg.rules;
  fc.host = cfg.host;
  HG_ASSIGN_OR_RETURN(auto impl, fsgofer::FsConnectionImpl::Create(std::move(fc)));
  server::ConnectionConfig cc;
  cc.mount_path = cfg.root;
  cc.opts = fsgofer::ConnectionOptsFor(cfg.rules);
  cc.impl = std::move(impl);
  return srv.StartConnection(std::move(sock), std::move(cc));
}

int ServeFd(const ServeConfig& cfg, int fd, StopSignals& sig) {
  if (Status s = transport::CheckConnectedUnixStream(fd); !s.ok()) {
    return Fail("--fd " + std::to_string(fd) + ": not a connected unix stream socket (" +
                s.error().ToString() + ")");
  }
  // Ours now; never inherited by anything we might start.
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return Fail("--fd: " + Errno::Last().ToString());
  server::Server srv;
  auto conn = Start(srv, cfg, UniqueFd(fd));
  if (!conn.ok()) return Fail("cannot serve --fd: " + conn.error().ToString());
  if (Status s = sig.WatchInThread([&srv] { srv.Stop(); }); !s.ok()) {
    srv.Stop();
    srv.Wait();
    return Fail("signal watcher: " + s.error().ToString());
  }
  srv.Wait();  // returns when the peer closed the socket (or on a stop signal)
  return kExitOk;
}

int ServeListen(const ServeConfig& cfg, const std::string& path,
                const std::vector<uint32_t>& allow_uids, StopSignals& sig) {
  auto ls = ListenSocket::Create(path);
  if (!ls.ok()) return Fail("--listen " + path + ": " + ls.error().ToString());
  std::fprintf(stderr, "hardgofer serve: serving %s%s on %s\n", cfg.root.c_str(),
               cfg.rules.readonly ? " (read-only)" : "", path.c_str());
  server::Server srv;
  int rc = kExitOk;
  pollfd fds[2] = {{ls->fd(), POLLIN, 0}, {sig.fd(), POLLIN, 0}};
  for (;;) {
    int n = ::ppoll(fds, 2, nullptr, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = Fail("poll: " + Errno::Last().ToString());
      break;
    }
    if (fds[1].revents != 0 && sig.Take() != 0) break;
    if (fds[0].revents == 0) continue;
    auto conn = ls->Accept();
    if (!conn.ok()) {
      if (conn.error().value() == EAGAIN) continue;
      // EMFILE and friends: keep serving the connections we have.
      std::fprintf(stderr, "hardgofer serve: accept: %s\n", conn.error().ToString().c_str());
      continue;
    }
    PeerCheck peer = CheckPeer(conn->get(), allow_uids);
    if (!peer.allowed) {
      std::fprintf(stderr, "hardgofer serve: refused connection from uid %u (pid %d)\n", peer.uid,
                   peer.pid);
      continue;  // the connection closes here
    }
    auto started = Start(srv, cfg, std::move(conn).value());
    if (!started.ok()) {
      std::fprintf(stderr, "hardgofer serve: cannot serve connection: %s\n",
                   started.error().ToString().c_str());
    }
  }
  srv.Stop();
  srv.Wait();
  return rc;
}

}  // namespace

int ServeMain(int argc, char** argv) {
  FlagSet fs("serve", "Serve one directory over LisaFS.");
  std::string root, listen, host_uds = "none", host_fifo = "none", xattr = "user";
  int64_t fd = -1;
  bool readonly = false;
  std::vector<std::string> allow, deny, ext_opts;
  std::string ext_name;
  fs.String("root", &root, "DIR", "directory (or regular file) to serve");
  fs.Int("fd", &fd, "N", "inherited, connected unix stream socket to serve");
  fs.String("listen", &listen, "SOCKET_PATH", "accept connections on a new socket (mode 0600)");
  fs.List("allow-uid", &allow, "UID", "with --listen: also accept peers running as UID");
  fs.Bool("readonly", &readonly, "answer every mutating RPC with EROFS");
  fs.String("host-uds", &host_uds, "none|open|create|all",
            "host unix sockets: connect (open), bind (create), both (all)");
  fs.String("host-fifo", &host_fifo, "none|open", "open host FIFOs");
  fs.String("xattr", &xattr, "NS,...", "xattr namespaces served: user, trusted, security");
  fs.List("deny", &deny, "REGEX",
          "hide paths (from the root, e.g. '/secret(/.*)?') whose whole path matches (RE2)");
  fs.String("extension", &ext_name, "NAME",
            "serve through a built-in extension instead of fsgofer");
  fs.List("extension-opt", &ext_opts, "KEY=VALUE",
          "an operator option of --extension (repeatable)");
  fs.Epilog(kServeEpilog);
  if (auto rc = fs.Parse(argc, argv)) return *rc;

  if (root.empty()) return fs.UsageError("flag '--root' is required");
  const bool have_fd = fd != -1;
  if (have_fd && (fd < 0 || fd > INT_MAX)) {
    return fs.UsageError("invalid value '" + std::to_string(fd) + "' for flag '--fd'");
  }
  if (have_fd == !listen.empty()) {
    return fs.UsageError("exactly one of '--fd' and '--listen' is required");
  }
  if (!allow.empty() && listen.empty()) {
    return fs.UsageError("flag '--allow-uid' needs '--listen'");
  }
  std::vector<uint32_t> allow_uids;
  for (const std::string& a : allow) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(a.c_str(), &end, 10);
    if (a.empty() || a[0] == '-' || *end != '\0' || errno != 0 || v > UINT32_MAX - 1) {
      return fs.UsageError("invalid value '" + a + "' for flag '--allow-uid'");
    }
    allow_uids.push_back(static_cast<uint32_t>(v));
  }
  if (!ext_opts.empty() && ext_name.empty()) {
    return fs.UsageError("flag '--extension-opt' needs '--extension'");
  }
  if (!ext_name.empty() &&
      (host_uds != "none" || host_fifo != "none" || xattr != "user" || !deny.empty())) {
    return fs.UsageError(
        "flags '--host-uds', '--host-fifo', '--xattr' and '--deny' apply to fsgofer only, not "
        "with '--extension'");
  }
  ServeConfig cfg;
  for (const std::string& kv : ext_opts) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fs.UsageError("invalid value '" + kv +
                           "' for flag '--extension-opt' (want KEY=VALUE)");
    }
    if (!cfg.ext_options.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) {
      return fs.UsageError("flag '--extension-opt' sets '" + kv.substr(0, eq) + "' twice");
    }
  }
  // Declared before anything that could return: the extension (and a key it
  // loaded, wiped by its destructor) lives until ServeMain returns.
  server::ExtensionRegistry registry;
  if (!ext_name.empty()) {
    registry = BuiltinExtensions();
    cfg.ext = registry.Find(ext_name);
    if (cfg.ext == nullptr) {
      std::string known;
      for (const auto& e : registry.extensions()) {
        known += (known.empty() ? "" : ", ") + std::string(e->Name());
      }
      return fs.UsageError("unknown extension '" + ext_name +
                           "' for flag '--extension' (known: " + known + ")");
    }
    cfg.spec.annotations[std::string(server::kRootfsAnnotationPrefix) + "extension"] = ext_name;
  }
  cfg.rules.readonly = readonly;
  auto uds = fsgofer::ParseHostUds(host_uds);
  if (!uds.ok()) return fs.UsageError("invalid value '" + host_uds + "' for flag '--host-uds'");
  cfg.rules.host_uds = *uds;
  auto fifo = fsgofer::ParseHostFifo(host_fifo);
  if (!fifo.ok()) return fs.UsageError("invalid value '" + host_fifo + "' for flag '--host-fifo'");
  cfg.rules.host_fifo = *fifo;
  auto ns = fsgofer::ParseXattrNamespaces(xattr);
  if (!ns.ok()) return fs.UsageError("invalid value '" + xattr + "' for flag '--xattr'");
  cfg.rules.xattr_namespaces = *ns;
  cfg.rules.deny_patterns = deny;
  if (!fsgofer::DenyList::Compile(deny).ok()) {
    return fs.UsageError("invalid regular expression for flag '--deny'");
  }

  auto abs = AbsoluteRoot(root);
  if (!abs.ok()) return Fail("--root " + root + ": " + abs.error().ToString());
  cfg.root = *abs;
  // Opened now, before anything could confine us: /proc/self/fd for
  // path_walk's magic links and the mount table for Getdents64.
  auto host = fsgofer::HostResources::Open();
  if (!host.ok()) return Fail("cannot open /proc: " + host.error().ToString());
  cfg.host = *host;
  if (cfg.ext != nullptr) {
    // Before anything could confine us: key files, cache directories.
    std::string why;
    server::PrepareContext pc{cfg.spec, "", cfg.ext_options, &why};
    if (Status s = cfg.ext->PrepareGofer(pc); !s.ok()) {
      return Fail(why.empty() ? "extension '" + ext_name + "': " + s.error().ToString() : why);
    }
  }
  // Loosening is logged once, loudly (style.md rule 2).
  if (cfg.rules.host_uds != fsgofer::HostUds::kNone) {
    std::fprintf(stderr, "hardgofer serve: WARNING: host unix sockets allowed (--host-uds=%s)\n",
                 host_uds.c_str());
  }
  if (cfg.rules.host_fifo != fsgofer::HostFifo::kNone) {
    std::fprintf(stderr, "hardgofer serve: WARNING: host FIFOs allowed (--host-fifo=open)\n");
  }
  auto sig = StopSignals::Block();
  if (!sig.ok()) return Fail("cannot block signals: " + sig.error().ToString());
  if (have_fd) return ServeFd(cfg, static_cast<int>(fd), *sig);
  return ServeListen(cfg, listen, allow_uids, *sig);
}

}  // namespace hg::cmd
