// Host unix-socket RPCs: Connect, ConnectWithCreds, BindAt, Listen, Accept.
#include <cerrno>

#include "gofer/client/client.h"
#include "gofer/client/client_rpc.h"

namespace hg::client {

using internal::Decode;

Result<UniqueFd> Client::Connect(FDID fd, uint32_t sock_type) {
  UniqueFd out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kConnect, wire::ConnectReq{fd, sock_type}, 1,
                         [&](transport::Frame& f) -> Status {
                           out = std::move(f.fds[0]);
                           return Status::Ok();
                         }));
  if (!out.valid()) return Errno(EBADF);
  return out;
}

Result<UniqueFd> Client::ConnectWithCreds(FDID fd, uint32_t sock_type, wire::UID uid,
                                          wire::GID gid) {
  UniqueFd out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kConnectWithCreds,
                         wire::ConnectWithCredsReq{fd, sock_type, uid, gid}, 1,
                         [&](transport::Frame& f) -> Status {
                           out = std::move(f.fds[0]);
                           return Status::Ok();
                         }));
  if (!out.valid()) return Errno(EBADF);
  return out;
}

Result<BoundSocket> Client::BindAt(FDID dir, std::string_view name, uint32_t sock_type,
                                   uint16_t mode, wire::UID uid, wire::GID gid) {
  wire::BindAtReq req;
  req.dir_fd = dir;
  req.uid = uid;
  req.gid = gid;
  req.mode = mode;
  req.sock_type = sock_type;
  req.name = name;
  BoundSocket out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kBindAt, req, 1, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::BindAtResp r, Decode<wire::BindAtResp>(f.payload));
    out.child = r.child;
    out.bound_socket_fd = r.bound_socket_fd;
    out.host_fd = std::move(f.fds[0]);
    return Status::Ok();
  }));
  if (!out.host_fd.valid()) {
    // Without the host socket the binding is useless: hand the FDIDs back.
    if (out.child.control_fd != wire::kInvalidFDID) CloseFd(out.child.control_fd);
    if (out.bound_socket_fd != wire::kInvalidFDID) CloseFd(out.bound_socket_fd);
    return Errno(EBADF);
  }
  return out;
}

Status Client::Listen(FDID bound_fd, int32_t backlog) {
  return Rpc(wire::MID::kListen, wire::ListenReq{bound_fd, backlog}, 0, internal::kIgnoreResponse);
}

Result<AcceptedSocket> Client::Accept(FDID bound_fd) {
  AcceptedSocket out;
  HG_RETURN_IF_ERROR(
      Rpc(wire::MID::kAccept, wire::AcceptReq{bound_fd}, 1, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(wire::AcceptResp r, Decode<wire::AcceptResp>(f.payload));
        out.peer_addr = internal::Copy(r.peer_addr);
        out.fd = std::move(f.fds[0]);
        return Status::Ok();
      }));
  if (!out.fd.valid()) return Errno(EBADF);
  return out;
}

}  // namespace hg::client
