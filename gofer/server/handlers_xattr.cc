// Extended-attribute RPCs: FGetXattr, FSetXattr, FListXattr, FRemoveXattr.
// All take a control FD; deleted ⇒ EINVAL. Names are XattrName (no NUL).
#include <cerrno>

#include "gofer/server/handlers.h"
#include "gofer/server/request_strings.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/builders.h"
#include "gofer/wire/messages_xattr.h"

namespace hg::server {

// FGetXattr [read]. A value that cannot travel in a SizedString is ERANGE.
Result<uint32_t> Handlers::FGetXattr(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FGetXattrReq req, Decode<wire::FGetXattrReq>(call));
  HG_ASSIGN_OR_RETURN(XattrName name, XattrName::Make(req.name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, call.conn.LookupControlFd(req.fd));
  Result<std::string> v = [&]() -> Result<std::string> {
    ReadGuard g(*fd);
    if (fd->node().IsDeleted()) return Errno(EINVAL);
    return fd->impl().GetXattr(name, req.buf_size);
  }();
  if (!v.ok()) return v.error();
  if (v->size() > UINT16_MAX) return Errno(ERANGE);
  return EncodeResponse(call, wire::FGetXattrResp{*v});
}

// FSetXattr [write].
Result<uint32_t> Handlers::FSetXattr(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FSetXattrReq req, Decode<wire::FSetXattrReq>(call));
  HG_ASSIGN_OR_RETURN(XattrName name, XattrName::Make(req.name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, call.conn.LookupControlFd(req.fd));
  Status s = Errno(EINVAL);
  {
    WriteGuard g(*fd);
    if (!fd->node().IsDeleted()) s = fd->impl().SetXattr(name, req.value, req.flags);
  }
  if (!s.ok()) return s.error();
  return 0u;
}

// FListXattr [read]. A list that does not fit one response is E2BIG.
Result<uint32_t> Handlers::FListXattr(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FListXattrReq req, Decode<wire::FListXattrReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, call.conn.LookupControlFd(req.fd));
  Result<std::vector<std::string>> names = [&]() -> Result<std::vector<std::string>> {
    ReadGuard g(*fd);
    if (fd->node().IsDeleted()) return Errno(EINVAL);
    return fd->impl().ListXattr(req.size);
  }();
  if (!names.ok()) return names.error();
  size_t size = 2;
  for (const std::string& n : *names) size += 2 + n.size();
  if (names->size() > UINT16_MAX || size > call.conn.max_message_size()) return Errno(E2BIG);
  wire::Writer w(call.out.Get(size));
  wire::StringArrayBuilder b(w);
  for (const std::string& n : *names) {
    if (!b.Add(n)) return Errno(E2BIG);  // a name over 65535 bytes
  }
  b.Finish();
  if (!w.ok()) return Errno(EIO);
  return static_cast<uint32_t>(w.size());
}

// FRemoveXattr [write].
Result<uint32_t> Handlers::FRemoveXattr(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::FRemoveXattrReq req, Decode<wire::FRemoveXattrReq>(call));
  HG_ASSIGN_OR_RETURN(XattrName name, XattrName::Make(req.name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> fd, call.conn.LookupControlFd(req.fd));
  Status s = Errno(EINVAL);
  {
    WriteGuard g(*fd);
    if (!fd->node().IsDeleted()) s = fd->impl().RemoveXattr(name);
  }
  if (!s.ok()) return s.error();
  return 0u;
}

}  // namespace hg::server
