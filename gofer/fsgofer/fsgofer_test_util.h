// Test harness for fsgofer: a real Server with an FsConnectionImpl on one end
// of a socketpair, and a raw LisaFS peer on the other, built from gofer/wire
// and gofer/transport only (gofer/client sits below fsgofer in the room
// order, so these tests speak the protocol themselves).
//
//   Served s(tree.Path("root"), rules);            // server + connection + Mount
//   auto st = s.Call<wire::Statx>(wire::MID::kFStat, wire::StatReq{s.root()});
//   ASSERT_TRUE(st.ok());
//   auto w = s.Call<wire::WalkResp>(wire::MID::kWalk, WalkOf(s.root(), {"a", "b"}));
//
// Decoded responses may hold views into the peer's receive buffer: use them
// before the next Call. Host-side comparisons use the plain syscalls on the
// same paths (HostErrno, HostStat).
#ifndef HARDGOFER_GOFER_FSGOFER_FSGOFER_TEST_UTIL_H_
#define HARDGOFER_GOFER_FSGOFER_FSGOFER_TEST_UTIL_H_

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/server/server.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/writer.h"

namespace hg::fsgofer::testing {

// What a Served connection runs on: the backend for one root directory.
struct Backend {
  std::unique_ptr<server::ConnectionImpl> impl;
  server::ConnectionOpts opts;
  // Destroyed after the server released the connection (an Extension, its
  // cache tier): whatever the impl needs that it does not own.
  std::shared_ptr<void> keepalive;
};

// Builds the backend serving `root` under `rules` (a backend applies the
// rules it implements; tests of the others are excluded for it, each with a
// reason, by the binary that installs it).
using BackendFactory =
    std::function<Result<Backend>(const std::string& root, const MountRules& rules)>;

// fsgofer, as `hardgofer serve` builds it.
inline Result<Backend> FsgoferBackend(const std::string& root, const MountRules& rules) {
  (void)root;
  HG_ASSIGN_OR_RETURN(HostResources host, HostResources::Open());
  FsgoferConfig cfg;
  cfg.rules = rules;
  cfg.host = host;
  Backend b;
  HG_ASSIGN_OR_RETURN(b.impl, FsConnectionImpl::Create(std::move(cfg)));
  b.opts = ConnectionOptsFor(rules);
  return b;
}

struct BackendHooks {
  std::string name = "fsgofer";
  BackendFactory make = FsgoferBackend;
  // Makes everything the backend acknowledged visible in the host tree now
  // (tiered_cache: write every dirty copy back). Called before each host-side
  // look at a served file.
  std::function<void()> settle;
  // The bytes a client reads from host regular file `path` (encrypted:
  // decrypts and authenticates it); unset: the host bytes themselves.
  std::function<Result<std::string>(const std::string& path)> plain;
  // Makes files a test wrote directly under a served root after the backend
  // started part of what it serves (encrypted: seals them); unset: nothing to do.
  std::function<void(const std::string& root)> adopt;
  // Whether OpenAt/OpenCreateAt/Mount may donate host FDs. A backend that
  // cannot (encrypted: a host FD would bypass decryption and authentication)
  // is checked to donate none, and tests then do the I/O through the server.
  bool donates_host_fds = true;
};

// The backend every Served in this binary uses (default: fsgofer).
inline BackendHooks& ActiveBackend() {
  static BackendHooks hooks;
  return hooks;
}

// errno of a host syscall wrapper returning -1 on failure; 0 on success.
inline int HostErrno(const std::function<long()>& f) { return f() < 0 ? errno : 0; }

// The host's statx of `path` (not following a final symlink), with the size
// a client sees for a regular file of the active backend.
inline struct statx HostStatx(const std::string& path) {
  const BackendHooks& b = ActiveBackend();
  if (b.settle) b.settle();
  struct statx st {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &st) !=
      0) {
    st.stx_mask = 0;
    return st;
  }
  if (S_ISREG(st.stx_mode) && b.plain) {
    Result<std::string> p = b.plain(path);
    st.stx_size = p.ok() ? p->size() : UINT64_MAX;  // unreadable: matches nothing
  }
  return st;
}

// After writing fixture files directly under a served `root`.
inline void AdoptHostFiles(const std::string& root) {
  if (ActiveBackend().adopt) ActiveBackend().adopt(root);
}

// The content a client reads from host regular file `path`, after settling;
// "<unreadable: errno>" if the backend cannot read it.
inline std::string HostContent(const std::string& path) {
  const BackendHooks& b = ActiveBackend();
  if (b.settle) b.settle();
  if (b.plain) {
    Result<std::string> p = b.plain(path);
    return p.ok() ? std::move(p).value() : "<unreadable: " + p.error().ToString() + ">";
  }
  std::string out;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "<unreadable: " + Errno::Last().ToString() + ">";
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

inline wire::WalkReq WalkOf(wire::FDID dir, std::initializer_list<std::string_view> names) {
  wire::WalkReq r;
  r.dir_fd = dir;
  r.path.assign(names.begin(), names.end());
  return r;
}

struct Reply {
  uint16_t mid = 0;
  std::span<const uint8_t> payload;  // valid until the next call
  std::vector<UniqueFd> fds;
};

class Served {
 public:
  // `opts` replaces the backend's options (ConnectionOptsFor(rules) for
  // fsgofer), e.g. to let a rule reach the backend that the server would
  // otherwise enforce first.
  Served(const std::string& root, const MountRules& rules, bool mount = true,
         server::ConnectionLimits limits = {},
         std::optional<server::ConnectionOpts> opts = std::nullopt) {
    Result<Backend> b = ActiveBackend().make(root, rules);
    if (!b.ok()) std::abort();  // a test setup failure, not input
    keepalive_ = std::move(b->keepalive);
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    UniqueFd ours(sv[0]);
    UniqueFd theirs(sv[1]);
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = opts ? *opts : b->opts;
    cc.limits = limits;
    cc.impl = std::move(b->impl);
    conn_ = server_.StartConnection(std::move(theirs), std::move(cc)).value();
    comm_ = transport::SocketCommunicator::Create(std::move(ours), transport::Side::kClient,
                                                  wire::MaxMessageSize())
                .value();
    if (mount) {
      Result<Reply> r = Raw(wire::MID::kMount, {}, 1);
      if (!r.ok() || r->mid != wire::ToRaw(wire::MID::kMount)) std::abort();
      auto m = wire::MountResp::Decode(r->payload);
      if (!m.ok()) std::abort();
      mount_ = *m;
      mount_fd_ = std::move(r->fds[0]);
    }
  }
  ~Served() {
    comm_.reset();  // EOF: the connection tears down
    server_.Wait();
    keepalive_.reset();  // after the connection: its impl may use it until then
  }

  wire::FDID root() const { return mount_.root.control_fd; }
  const wire::MountResp& mount() const { return mount_; }
  UniqueFd& mount_fd() { return mount_fd_; }
  server::Server& server() { return server_; }
  server::Connection& conn() { return *conn_; }
  // Ends the connection and waits until the server released everything.
  void Disconnect() {
    comm_.reset();
    server_.Wait();
  }

  Result<Reply> Raw(wire::MID mid, std::span<const uint8_t> payload, uint8_t want_fds = 0) {
    auto r = comm_->Call(wire::ToRaw(mid), payload, want_fds);
    if (!r.ok()) return Errno(EPIPE);
    Reply out;
    out.mid = r->mid;
    out.payload = r->payload;
    out.fds = std::move(r->fds);
    return out;
  }

  // Sends `req`; an Error reply becomes its errno; decodes the response as Resp.
  template <typename Resp, typename Req>
  Result<Resp> Call(wire::MID mid, const Req& req, std::vector<UniqueFd>* fds = nullptr,
                    uint8_t want_fds = 0) {
    auto bytes = wire::Encode(req);
    if (!bytes.ok()) return Errno(EINVAL);
    HG_ASSIGN_OR_RETURN(Reply r, Raw(mid, *bytes, want_fds));
    if (r.mid == wire::ToRaw(wire::MID::kError)) {
      auto e = wire::ErrorResp::Decode(r.payload);
      if (!e.ok()) return Errno(EPROTO);
      return e->AsErrno();
    }
    if (r.mid != wire::ToRaw(mid)) return Errno(EPROTO);
    if (fds != nullptr) *fds = std::move(r.fds);
    auto d = Resp::Decode(r.payload);
    if (!d.ok()) return Errno(EPROTO);
    return std::move(d).value();
  }

  // For responses with an empty payload.
  template <typename Req>
  Status Do(wire::MID mid, const Req& req) {
    struct Empty {
      static wire::Decoded<Empty> Decode(std::span<const uint8_t>) { return Empty{}; }
    };
    Result<Empty> r = Call<Empty>(mid, req);
    if (!r.ok()) return r.error();
    return Status::Ok();
  }

 private:
  std::shared_ptr<void> keepalive_;  // declared first: destroyed after server_
  server::Server server_;
  std::shared_ptr<server::Connection> conn_;
  std::unique_ptr<transport::SocketCommunicator> comm_;
  wire::MountResp mount_;
  UniqueFd mount_fd_;
};

}  // namespace hg::fsgofer::testing

#endif  // HARDGOFER_GOFER_FSGOFER_FSGOFER_TEST_UTIL_H_
