// Metadata RPCs: FStat, SetStat, FStatFS, ReadLinkAt.
#include <sys/stat.h>

#include <cerrno>

#include "gofer/server/handlers.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/messages_metadata.h"

namespace hg::server {

// FStat [read]: a control FD or an open FD (then the control FD's node is locked).
Result<uint32_t> Handlers::FStat(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::StatReq req, Decode<wire::StatReq>(call));
  HG_ASSIGN_OR_RETURN(Handlers::FdEntry e, call.conn.LookupFd(req.fd));
  Result<wire::Statx> st = [&]() -> Result<wire::Statx> {
    if (e.control) {
      ReadGuard g(*e.control);
      return e.control->impl().Stat();
    }
    if (e.open) {
      ReadGuard g(e.open->control_fd());
      return e.open->impl().Stat();
    }
    return Errno(EINVAL);  // a bound socket FD has no stat
  }();
  if (!st.ok()) return st.error();
  return EncodeResponse(call, *st);
}

// SetStat [write]: only mode/uid/gid/size/atime/mtime (EPERM otherwise);
// deleted ⇒ EINVAL unless set_attr_on_deleted. Partial failure is reported in
// the response, not as an RPC error.
Result<uint32_t> Handlers::SetStat(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::SetStatReq req, Decode<wire::SetStatReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, call.conn.LookupControlFd(req.fd));
  constexpr uint32_t kSupported =
      STATX_MODE | STATX_UID | STATX_GID | STATX_SIZE | STATX_ATIME | STATX_MTIME;
  if (req.mask & ~kSupported) return Errno(EPERM);
  Result<SetStatResult> r = [&]() -> Result<SetStatResult> {
    WriteGuard g(*fd);
    if (fd->node().IsDeleted() && !call.conn.opts().set_attr_on_deleted) return Errno(EINVAL);
    return fd->impl().SetStat(req);
  }();
  if (!r.ok()) return r.error();
  wire::SetStatResp resp{r->failure_mask, static_cast<uint32_t>(r->failure_errno)};
  return EncodeResponse(call, resp);
}

// FStatFS [read].
Result<uint32_t> Handlers::FStatFS(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FStatFSReq req, Decode<wire::FStatFSReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, call.conn.LookupControlFd(req.fd));
  Result<wire::StatFS> r = [&]() -> Result<wire::StatFS> {
    ReadGuard g(*fd);
    return fd->impl().StatFS();
  }();
  if (!r.ok()) return r.error();
  return EncodeResponse(call, *r);
}

// ReadLinkAt [read]: symlinks only (EINVAL); deleted ⇒ EINVAL. A target that
// does not fit a SizedString is ENAMETOOLONG (it cannot be sent).
Result<uint32_t> Handlers::ReadLinkAt(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::ReadLinkAtReq req, Decode<wire::ReadLinkAtReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, call.conn.LookupControlFd(req.fd));
  if (!fd->IsSymlink()) return Errno(EINVAL);
  Result<std::string> target = [&]() -> Result<std::string> {
    ReadGuard g(*fd);
    if (fd->node().IsDeleted()) return Errno(EINVAL);
    return fd->impl().ReadLink();
  }();
  if (!target.ok()) return target.error();
  if (target->size() > UINT16_MAX) return Errno(ENAMETOOLONG);
  return EncodeResponse(call, wire::ReadLinkAtResp{*target});
}

}  // namespace hg::server
