// Server-internal: one handler per RPC with a uniform signature, grouped in
// files by concern (handlers_session.cc, _metadata, _walk, _io, _directory,
// _xattr, _socket), and the dispatch table (dispatch.cc).
//
//   Result<uint32_t> Handlers::FStat(Call& call) {
//     HG_ASSIGN_OR_RETURN(wire::StatReq req, Decode<wire::StatReq>(call));   // EIO
//     ...
//     return EncodeResponse(call, statx);                                   // payload length
//   }
//
// A handler receives the request payload (a private copy: never the shared
// window) and returns the response payload length it wrote into call.out, or
// an errno. FDs to donate go into call.fds; on error they are closed, never
// sent. The dispatcher has already done the checks that need no decoding
// (MID known, served, mounted, read-only), in gVisor's order.
#ifndef HARDGOFER_GOFER_SERVER_HANDLERS_H_
#define HARDGOFER_GOFER_SERVER_HANDLERS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/server/connection.h"
#include "gofer/server/connection_impl.h"
#include "gofer/server/control_fd_impl.h"
#include "gofer/server/response_space.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/writer.h"

namespace hg::server {

struct Call {
  Connection& conn;
  std::span<const uint8_t> payload;
  ResponseSpace& out;
  std::vector<UniqueFd>& fds;
};

// Decodes the request; a malformed payload is EIO, as every gVisor handler.
template <typename Req>
Result<Req> Decode(const Call& call) {
  auto r = Req::Decode(call.payload);
  if (!r.ok()) return Errno(EIO);
  return std::move(r).value();
}

// Encodes a fixed-size (or small) response into call.out.
template <typename Resp>
Result<uint32_t> EncodeResponse(Call& call, const Resp& resp) {
  const size_t size = resp.EncodedSize();
  if (size > call.conn.max_message_size()) return Errno(EIO);
  wire::Writer w(call.out.Get(size));
  resp.EncodeTo(w);
  if (!w.ok()) return Errno(EIO);
  return static_cast<uint32_t>(w.size());
}

using HandlerFn = Result<uint32_t> (*)(Call&);

struct Handlers {
  // Names for the connection's private FD-table types, usable by the helpers
  // in the handler files.
  using FdReservation = Connection::FdReservation;
  using FdEntry = Connection::FdEntry;

  // handlers_session.cc
  static Result<uint32_t> Mount(Call&);
  static Result<uint32_t> Channel(Call&);
  static Result<uint32_t> Close(Call&);
  // handlers_metadata.cc
  static Result<uint32_t> FStat(Call&);
  static Result<uint32_t> SetStat(Call&);
  static Result<uint32_t> FStatFS(Call&);
  static Result<uint32_t> ReadLinkAt(Call&);
  // handlers_walk.cc
  static Result<uint32_t> Walk(Call&);
  static Result<uint32_t> WalkStat(Call&);
  // handlers_io.cc
  static Result<uint32_t> OpenAt(Call&);
  static Result<uint32_t> OpenCreateAt(Call&);
  static Result<uint32_t> FSync(Call&);
  static Result<uint32_t> PWrite(Call&);
  static Result<uint32_t> PRead(Call&);
  static Result<uint32_t> FAllocate(Call&);
  static Result<uint32_t> Flush(Call&);
  // handlers_directory.cc
  static Result<uint32_t> MkdirAt(Call&);
  static Result<uint32_t> MknodAt(Call&);
  static Result<uint32_t> SymlinkAt(Call&);
  static Result<uint32_t> LinkAt(Call&);
  static Result<uint32_t> UnlinkAt(Call&);
  static Result<uint32_t> RenameAt(Call&);
  static Result<uint32_t> RenameAt2(Call&);
  static Result<uint32_t> Getdents64(Call&);
  // handlers_xattr.cc
  static Result<uint32_t> FGetXattr(Call&);
  static Result<uint32_t> FSetXattr(Call&);
  static Result<uint32_t> FListXattr(Call&);
  static Result<uint32_t> FRemoveXattr(Call&);
  // handlers_socket.cc
  static Result<uint32_t> Connect(Call&);
  static Result<uint32_t> ConnectWithCreds(Call&);
  static Result<uint32_t> BindAt(Call&);
  static Result<uint32_t> Listen(Call&);
  static Result<uint32_t> Accept(Call&);

  // dispatch.cc: the handler for a MID (nullptr: none, EOPNOTSUPP), and
  // whether it mutates (EROFS on read-only connections, before decoding).
  static HandlerFn For(uint16_t mid);
  static bool IsMutating(uint16_t mid);
  // Every MID with a handler.
  static MidSet Handled();

  // Access to the connection's private FD table for the helpers in the
  // handler files (the Handlers struct is the connection's friend).
  static wire::FDID Insert(Connection& c, Connection::FdEntry e, Connection::FdReservation& r) {
    return c.InsertFd(std::move(e), r);
  }
  static Result<Connection::FdReservation> ReserveFds(Connection& c, size_t n) {
    return c.ReserveFds(n);
  }
  static Result<Connection::FdEntry> LookupFd(Connection& c, wire::FDID id) {
    return c.LookupFd(id);
  }
  static Result<std::shared_ptr<ControlFd>> LookupControlFd(Connection& c, wire::FDID id) {
    return c.LookupControlFd(id);
  }
  static Result<std::shared_ptr<OpenFd>> LookupOpenFd(Connection& c, wire::FDID id) {
    return c.LookupOpenFd(id);
  }
  static Result<std::shared_ptr<BoundSocketFd>> LookupBoundSocketFd(Connection& c, wire::FDID id) {
    return c.LookupBoundSocketFd(id);
  }
  static Connection::FdEntry RemoveFd(Connection& c, wire::FDID id) {
    return c.RemoveFd(id);
  }
  static ConnectionImpl& Impl(Connection& c) { return *c.impl_; }
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_HANDLERS_H_
