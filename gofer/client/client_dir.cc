// Directory-tree RPCs: MkdirAt, MknodAt, SymlinkAt, LinkAt, UnlinkAt,
// RenameAt, RenameAt2.
#include "gofer/client/client.h"
#include "gofer/client/client_rpc.h"

namespace hg::client {

using internal::Decode;

Result<wire::Inode> Client::MkdirAt(FDID dir, std::string_view name, uint16_t mode, wire::UID uid,
                                    wire::GID gid) {
  wire::MkdirAtReq req;
  req.dir_fd = dir;
  req.uid = uid;
  req.gid = gid;
  req.mode = mode;
  req.name = name;
  wire::Inode out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kMkdirAt, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::MkdirAtResp r, Decode<wire::MkdirAtResp>(f.payload));
    out = r.child_dir;
    return Status::Ok();
  }));
  return out;
}

Result<wire::Inode> Client::MknodAt(FDID dir, std::string_view name, uint16_t mode, wire::UID uid,
                                    wire::GID gid, uint32_t minor, uint32_t major) {
  wire::MknodAtReq req;
  req.dir_fd = dir;
  req.uid = uid;
  req.gid = gid;
  req.mode = mode;
  req.minor = minor;
  req.major = major;
  req.name = name;
  wire::Inode out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kMknodAt, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::MknodAtResp r, Decode<wire::MknodAtResp>(f.payload));
    out = r.child;
    return Status::Ok();
  }));
  return out;
}

Result<wire::Inode> Client::SymlinkAt(FDID dir, std::string_view name, std::string_view target,
                                      wire::UID uid, wire::GID gid) {
  wire::SymlinkAtReq req;
  req.dir_fd = dir;
  req.uid = uid;
  req.gid = gid;
  req.name = name;
  req.target = target;
  wire::Inode out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kSymlinkAt, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::SymlinkAtResp r, Decode<wire::SymlinkAtResp>(f.payload));
    out = r.symlink;
    return Status::Ok();
  }));
  return out;
}

Result<wire::Inode> Client::LinkAt(FDID dir, FDID target, std::string_view name) {
  wire::LinkAtReq req;
  req.dir_fd = dir;
  req.target = target;
  req.name = name;
  wire::Inode out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kLinkAt, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::LinkAtResp r, Decode<wire::LinkAtResp>(f.payload));
    out = r.link;
    return Status::Ok();
  }));
  return out;
}

Status Client::UnlinkAt(FDID dir, std::string_view name, uint32_t flags) {
  wire::UnlinkAtReq req;
  req.dir_fd = dir;
  req.flags = flags;
  req.name = name;
  return Rpc(wire::MID::kUnlinkAt, req, 0, internal::kIgnoreResponse);
}

Status Client::RenameAt(FDID old_dir, std::string_view old_name, FDID new_dir,
                        std::string_view new_name) {
  wire::RenameAtReq req;
  req.old_dir = old_dir;
  req.new_dir = new_dir;
  req.old_name = old_name;
  req.new_name = new_name;
  return Rpc(wire::MID::kRenameAt, req, 0, internal::kIgnoreResponse);
}

Status Client::RenameAt2(FDID old_dir, std::string_view old_name, FDID new_dir,
                         std::string_view new_name, uint32_t flags) {
  wire::RenameAt2Req req;
  req.old_dir = old_dir;
  req.new_dir = new_dir;
  req.old_name = old_name;
  req.new_name = new_name;
  req.flags = flags;
  return Rpc(wire::MID::kRenameAt2, req, 0, internal::kIgnoreResponse);
}

}  // namespace hg::client
