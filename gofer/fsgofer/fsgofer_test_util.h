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

// errno of a host syscall wrapper returning -1 on failure; 0 on success.
inline int HostErrno(const std::function<long()>& f) { return f() < 0 ? errno : 0; }

inline struct statx HostStatx(const std::string& path) {
  struct statx st {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &st) !=
      0) {
    st.stx_mask = 0;
  }
  return st;
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
  // `opts` replaces ConnectionOptsFor(rules), e.g. to let a rule reach the
  // backend that the server would otherwise enforce first.
  Served(const std::string& root, const MountRules& rules, bool mount = true,
         server::ConnectionLimits limits = {},
         std::optional<server::ConnectionOpts> opts = std::nullopt) {
    HostResources host = HostResources::Open().value();
    FsgoferConfig cfg;
    cfg.rules = rules;
    cfg.host = host;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    UniqueFd ours(sv[0]);
    UniqueFd theirs(sv[1]);
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = opts ? *opts : ConnectionOptsFor(rules);
    cc.limits = limits;
    cc.impl = FsConnectionImpl::Create(std::move(cfg)).value();
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
  server::Server server_;
  std::shared_ptr<server::Connection> conn_;
  std::unique_ptr<transport::SocketCommunicator> comm_;
  wire::MountResp mount_;
  UniqueFd mount_fd_;
};

}  // namespace hg::fsgofer::testing

#endif  // HARDGOFER_GOFER_FSGOFER_FSGOFER_TEST_UTIL_H_
