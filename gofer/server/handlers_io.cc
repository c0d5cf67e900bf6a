// File I/O RPCs: OpenAt, OpenCreateAt, FSync, PWrite, PRead, FAllocate, Flush.
#include <fcntl.h>

#include <cerrno>

#include "gofer/server/handlers.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/byte_order.h"
#include "gofer/wire/messages_io.h"
#include "path_walk/name.h"

namespace hg::server {
namespace {

// gVisor's allowedOpenFlags: every other flag is dropped silently.
constexpr uint32_t kAllowedOpenFlags = O_ACCMODE | O_TRUNC;

}  // namespace

// OpenAt [read]: flags reduced to O_ACCMODE|O_TRUNC; read-only connection and
// write access or O_TRUNC ⇒ EROFS; directory and not plain O_RDONLY ⇒ EISDIR;
// symlink ⇒ EINVAL; deleted ⇒ EINVAL unless open_on_deleted.
Result<uint32_t> Handlers::OpenAt(Call& call) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(wire::OpenAtReq req, Decode<wire::OpenAtReq>(call));
  const uint32_t flags = req.flags & kAllowedOpenFlags;
  const uint32_t access = flags & O_ACCMODE;
  const bool trunc = (flags & O_TRUNC) != 0;
  if (c.opts().readonly && (access != O_RDONLY || trunc)) return Errno(EROFS);
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, c.LookupControlFd(req.fd));
  if (fd->IsDir() && (access != O_RDONLY || trunc)) return Errno(EISDIR);
  HG_ASSIGN_OR_RETURN(Handlers::FdReservation fds, c.ReserveFds(1));
  Result<OpenResult> r = [&]() -> Result<OpenResult> {
    ReadGuard g(*fd);
    if (fd->node().IsDeleted() && !c.opts().open_on_deleted) return Errno(EINVAL);
    if (fd->IsSymlink()) return Errno(EINVAL);
    return fd->impl().Open(flags);
  }();
  if (!r.ok()) return r.error();
  if (r->impl == nullptr) return Errno(EIO);  // backend bug: no crash
  std::shared_ptr<OpenFd> ofd = TreeOps::NewOpenFd(fd, flags, std::move(r->impl));
  const wire::FDID id = c.InsertFd(ofd, fds);
  if (r->donate.valid()) call.fds.push_back(std::move(r->donate));
  return EncodeResponse(call, wire::OpenAtResp{id});
}

// OpenCreateAt [write on the directory].
Result<uint32_t> Handlers::OpenCreateAt(Call& call) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(wire::OpenCreateAtReq req, Decode<wire::OpenCreateAtReq>(call));
  const uint32_t flags = req.flags & kAllowedOpenFlags;
  HG_ASSIGN_OR_RETURN(path_walk::Name name, path_walk::Name::Make(req.name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> dir, c.LookupControlFd(req.dir_fd));
  if (!dir->IsDir()) return Errno(ENOTDIR);
  HG_ASSIGN_OR_RETURN(Handlers::FdReservation fds, c.ReserveFds(2));
  HG_ASSIGN_OR_RETURN(NodeReservation nodes, NodeReservation::Take(c.server(), 1));
  std::shared_ptr<ControlFd> child;
  std::shared_ptr<OpenFd> ofd;
  UniqueFd donate;
  wire::Statx st;
  {
    WriteGuard g(*dir);
    if (dir->node().IsDeleted()) return Errno(EINVAL);
    HG_ASSIGN_OR_RETURN(OpenCreateResult r,
                        dir->impl().OpenCreate(name, req.mode, req.uid, req.gid, flags));
    if (r.open == nullptr) return Errno(EIO);
    st = r.child.stat;
    HG_ASSIGN_OR_RETURN(child, TreeOps::NewControlFd(c, dir->node(), name.str(),
                                                     std::move(r.child), nodes));
    ofd = TreeOps::NewOpenFd(child, flags, std::move(r.open));
    donate = std::move(r.donate);
  }
  wire::OpenCreateAtResp resp;
  resp.child = wire::Inode{c.InsertFd(child, fds), st};
  resp.new_fd = c.InsertFd(ofd, fds);
  if (donate.valid()) call.fds.push_back(std::move(donate));
  return EncodeResponse(call, resp);
}

// FSync [read, per FD]: syncs every listed open FD and returns the first error.
Result<uint32_t> Handlers::FSync(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FsyncReq req, Decode<wire::FsyncReq>(call));
  Status first;
  for (wire::FDID id : req.fds) {
    Result<std::shared_ptr<OpenFd>> fd = call.conn.LookupOpenFd(id);
    Status s = fd.ok() ? Status::Ok() : Status(fd.error());
    if (fd.ok()) {
      ReadGuard g((*fd)->control_fd());
      s = (*fd)->impl().Sync();
    }
    if (!s.ok() && first.ok()) first = s;
  }
  if (!first.ok()) return first.error();
  return 0u;
}

// PWrite [write]: writable open FD (EBADF). The data is a view into the
// private copy of the request: no copy on the way to the backend.
Result<uint32_t> Handlers::PWrite(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::PWriteReq req, Decode<wire::PWriteReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<OpenFd> fd, call.conn.LookupOpenFd(req.fd));
  if (!fd->writable()) return Errno(EBADF);
  Result<uint64_t> n = [&]() -> Result<uint64_t> {
    WriteGuard g(fd->control_fd());
    return fd->impl().Write(req.data, req.offset);
  }();
  if (!n.ok()) return n.error();
  return EncodeResponse(call, wire::PWriteResp{*n});
}

// PRead [read]: readable open FD (EBADF); 8 + count over the max message size
// ⇒ ENOBUFS (gVisor). The backend reads straight into the response buffer.
Result<uint32_t> Handlers::PRead(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::PReadReq req, Decode<wire::PReadReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<OpenFd> fd, call.conn.LookupOpenFd(req.fd));
  if (!fd->readable()) return Errno(EBADF);
  const uint64_t total = uint64_t{wire::PReadResp::kHeaderSize} + req.count;
  if (total > call.conn.max_message_size()) return Errno(ENOBUFS);
  std::span<uint8_t> buf = call.out.Get(static_cast<size_t>(total));
  Result<size_t> n = [&]() -> Result<size_t> {
    ReadGuard g(fd->control_fd());
    return fd->impl().Read(buf.subspan(wire::PReadResp::kHeaderSize), req.offset);
  }();
  if (!n.ok()) return n.error();
  if (*n > req.count) return Errno(EIO);  // backend bug: never send stale bytes
  wire::StoreU64(buf.data(), *n);
  return static_cast<uint32_t>(wire::PReadResp::kHeaderSize + *n);
}

// FAllocate [write]: writable open FD (EBADF); deleted ⇒ EINVAL unless
// allocate_on_deleted.
Result<uint32_t> Handlers::FAllocate(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FAllocateReq req, Decode<wire::FAllocateReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<OpenFd> fd, call.conn.LookupOpenFd(req.fd));
  if (!fd->writable()) return Errno(EBADF);
  Status s = Errno(EINVAL);
  {
    WriteGuard g(fd->control_fd());
    if (!fd->control_fd().node().IsDeleted() || call.conn.opts().allocate_on_deleted) {
      s = fd->impl().Allocate(req.mode, req.offset, req.length);
    }
  }
  if (!s.ok()) return s.error();
  return 0u;
}

// Flush [read].
Result<uint32_t> Handlers::Flush(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FlushReq req, Decode<wire::FlushReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<OpenFd> fd, call.conn.LookupOpenFd(req.fd));
  Status s;
  {
    ReadGuard g(fd->control_fd());
    s = fd->impl().Flush();
  }
  if (!s.ok()) return s.error();
  return 0u;
}

}  // namespace hg::server
