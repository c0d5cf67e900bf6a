// Extended-attribute RPCs: FGetXattr, FSetXattr, FListXattr, FRemoveXattr.
#include "gofer/client/client.h"
#include "gofer/client/client_rpc.h"

namespace hg::client {

using internal::Decode;

Result<std::string> Client::FGetXattr(FDID fd, std::string_view name, uint32_t buf_size) {
  wire::FGetXattrReq req;
  req.fd = fd;
  req.buf_size = buf_size;
  req.name = name;
  std::string out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kFGetXattr, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::FGetXattrResp r, Decode<wire::FGetXattrResp>(f.payload));
    out = internal::Copy(r.value);
    return Status::Ok();
  }));
  return out;
}

Status Client::FSetXattr(FDID fd, std::string_view name, std::string_view value, uint32_t flags) {
  wire::FSetXattrReq req;
  req.fd = fd;
  req.flags = flags;
  req.name = name;
  req.value = value;
  return Rpc(wire::MID::kFSetXattr, req, 0, internal::kIgnoreResponse);
}

Result<std::vector<std::string>> Client::FListXattr(FDID fd, uint64_t size) {
  std::vector<std::string> out;
  HG_RETURN_IF_ERROR(Rpc(
      wire::MID::kFListXattr, wire::FListXattrReq{fd, size}, 0, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(wire::FListXattrResp r, Decode<wire::FListXattrResp>(f.payload));
        out.reserve(r.xattrs.size());
        for (std::string_view x : r.xattrs) out.push_back(internal::Copy(x));
        return Status::Ok();
      }));
  return out;
}

Status Client::FRemoveXattr(FDID fd, std::string_view name) {
  wire::FRemoveXattrReq req;
  req.fd = fd;
  req.name = name;
  return Rpc(wire::MID::kFRemoveXattr, req, 0, internal::kIgnoreResponse);
}

}  // namespace hg::client
