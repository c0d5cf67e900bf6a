// Host unix-socket RPCs: Connect, ConnectWithCreds, BindAt, Listen, Accept.
#include <cerrno>

#include "gofer/server/handlers.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/messages_socket.h"
#include "path_walk/name.h"

namespace hg::server {
namespace {

// Connect and ConnectWithCreds [read]: a socket control FD (ENOTSOCK);
// deleted ⇒ EINVAL; the connected socket is donated.
template <typename Op>
Result<uint32_t> ConnectCommon(Call& call, wire::FDID id, Op op) {
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, Handlers::LookupControlFd(call.conn, id));
  if (!fd->IsSocket()) return Errno(ENOTSOCK);
  Result<UniqueFd> sock = [&]() -> Result<UniqueFd> {
    ReadGuard g(*fd);
    if (fd->node().IsDeleted()) return Errno(EINVAL);
    return op(fd->impl());
  }();
  if (!sock.ok()) return sock.error();
  if (!sock->valid()) return Errno(EIO);  // backend bug: the client expects one FD
  call.fds.push_back(std::move(*sock));
  return 0u;
}

}  // namespace

Result<uint32_t> Handlers::Connect(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::ConnectReq req, Decode<wire::ConnectReq>(call));
  return ConnectCommon(call, req.fd,
                       [&](ControlFdImpl& impl) { return impl.Connect(req.sock_type); });
}

Result<uint32_t> Handlers::ConnectWithCreds(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::ConnectWithCredsReq req, Decode<wire::ConnectWithCredsReq>(call));
  return ConnectCommon(call, req.fd, [&](ControlFdImpl& impl) {
    return impl.ConnectWithCreds(req.sock_type, req.uid, req.gid);
  });
}

// BindAt [write on the directory]: creates the socket file's control FD and a
// bound socket FD, and donates the host socket.
Result<uint32_t> Handlers::BindAt(Call& call) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(wire::BindAtReq req, Decode<wire::BindAtReq>(call));
  HG_ASSIGN_OR_RETURN(path_walk::Name name, path_walk::Name::Make(req.name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> dir, c.LookupControlFd(req.dir_fd));
  if (!dir->IsDir()) return Errno(ENOTDIR);
  HG_ASSIGN_OR_RETURN(Handlers::FdReservation fds, c.ReserveFds(2));
  HG_ASSIGN_OR_RETURN(NodeReservation nodes, NodeReservation::Take(c.server(), 1));
  std::shared_ptr<ControlFd> child;
  std::shared_ptr<BoundSocketFd> bound;
  UniqueFd sock;
  wire::Statx st;
  {
    WriteGuard g(*dir);
    if (dir->node().IsDeleted()) return Errno(EINVAL);
    HG_ASSIGN_OR_RETURN(BindResult r,
                        dir->impl().BindAt(name, req.sock_type, req.mode, req.uid, req.gid));
    if (r.bound == nullptr || !r.socket.valid()) return Errno(EIO);
    st = r.child.stat;
    HG_ASSIGN_OR_RETURN(child, TreeOps::NewControlFd(c, dir->node(), name.str(),
                                                     std::move(r.child), nodes));
    bound = TreeOps::NewBoundSocketFd(child, std::move(r.bound));
    sock = std::move(r.socket);
  }
  wire::BindAtResp resp;
  resp.child = wire::Inode{c.InsertFd(child, fds), st};
  resp.bound_socket_fd = c.InsertFd(bound, fds);
  call.fds.push_back(std::move(sock));
  return EncodeResponse(call, resp);
}

// Listen [read on the socket file's node]; deleted ⇒ EINVAL.
Result<uint32_t> Handlers::Listen(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::ListenReq req, Decode<wire::ListenReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<BoundSocketFd> fd, call.conn.LookupBoundSocketFd(req.fd));
  Status s = Errno(EINVAL);
  {
    ReadGuard g(fd->control_fd());
    if (!fd->control_fd().node().IsDeleted()) s = fd->impl().Listen(req.backlog);
  }
  if (!s.ok()) return s.error();
  return 0u;
}

// Accept [read]; deleted ⇒ EINVAL; the accepted socket is donated. (gVisor's
// Listen/Accept handlers leak their lookup reference; ours are scoped.)
Result<uint32_t> Handlers::Accept(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::AcceptReq req, Decode<wire::AcceptReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<BoundSocketFd> fd, call.conn.LookupBoundSocketFd(req.fd));
  Result<AcceptResult> r = [&]() -> Result<AcceptResult> {
    ReadGuard g(fd->control_fd());
    if (fd->control_fd().node().IsDeleted()) return Errno(EINVAL);
    return fd->impl().Accept();
  }();
  if (!r.ok()) return r.error();
  if (!r->socket.valid() || r->peer_addr.size() > UINT16_MAX) return Errno(EIO);
  call.fds.push_back(std::move(r->socket));
  return EncodeResponse(call, wire::AcceptResp{r->peer_addr});
}

}  // namespace hg::server
