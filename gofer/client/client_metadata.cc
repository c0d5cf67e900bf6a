// Metadata and walking RPCs: FStat, SetStat, FStatFS, ReadLinkAt, Walk, WalkStat.
#include <cerrno>

#include "gofer/client/client.h"
#include "gofer/client/client_rpc.h"

namespace hg::client {

using internal::Decode;

Result<wire::Statx> Client::FStat(FDID fd) {
  wire::Statx out;
  HG_RETURN_IF_ERROR(
      Rpc(wire::MID::kFStat, wire::StatReq{fd}, 0, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(out, Decode<wire::Statx>(f.payload));
        return Status::Ok();
      }));
  return out;
}

Result<wire::SetStatResp> Client::SetStat(const wire::SetStatReq& req) {
  wire::SetStatResp out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kSetStat, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(out, Decode<wire::SetStatResp>(f.payload));
    return Status::Ok();
  }));
  return out;
}

Result<wire::StatFS> Client::FStatFS(FDID fd) {
  wire::StatFS out;
  HG_RETURN_IF_ERROR(
      Rpc(wire::MID::kFStatFS, wire::FStatFSReq{fd}, 0, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(out, Decode<wire::StatFS>(f.payload));
        return Status::Ok();
      }));
  return out;
}

Result<std::string> Client::ReadLinkAt(FDID fd) {
  std::string out;
  HG_RETURN_IF_ERROR(
      Rpc(wire::MID::kReadLinkAt, wire::ReadLinkAtReq{fd}, 0, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(wire::ReadLinkAtResp r, Decode<wire::ReadLinkAtResp>(f.payload));
        out = internal::Copy(r.target);
        return Status::Ok();
      }));
  return out;
}

namespace {

wire::WalkReq MakeWalkReq(FDID dir, std::span<const std::string> names) {
  wire::WalkReq req;
  req.dir_fd = dir;
  req.path.reserve(names.size());
  for (const std::string& n : names) req.path.emplace_back(n);
  return req;
}

}  // namespace

Result<WalkResult> Client::Walk(FDID dir, std::span<const std::string> names) {
  wire::WalkReq req = MakeWalkReq(dir, names);
  WalkResult out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kWalk, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::WalkResp r, Decode<wire::WalkResp>(f.payload));
    out.status = r.status;
    out.inodes = std::move(r.inodes);
    return Status::Ok();
  }));
  // A server returning more inodes than components asked for, or an unknown
  // status, is broken: give its FDIDs back rather than trusting the rest.
  if (out.inodes.size() > req.path.size() || !wire::IsKnownWalkStatus(out.status)) {
    for (const wire::Inode& in : out.inodes) CloseFd(in.control_fd);
    return Errno(EIO);
  }
  return out;
}

Result<WalkResult> Client::Walk(FDID dir, std::initializer_list<std::string_view> names) {
  std::vector<std::string> v(names.begin(), names.end());
  return Walk(dir, std::span<const std::string>(v));
}

Result<wire::Inode> Client::WalkOne(FDID dir, std::string_view name) {
  std::string n(name);
  HG_ASSIGN_OR_RETURN(WalkResult w, Walk(dir, std::span<const std::string>(&n, 1)));
  switch (w.status) {
    case wire::WalkStatus::kComponentDoesNotExist:
      for (const wire::Inode& in : w.inodes) CloseFd(in.control_fd);
      return Errno(ENOENT);
    case wire::WalkStatus::kComponentSymlink:
      // `dir` itself is a symlink, which cannot be walked on.
      for (const wire::Inode& in : w.inodes) CloseFd(in.control_fd);
      return Errno(ENOTDIR);
    case wire::WalkStatus::kSuccess:
      break;
  }
  if (w.inodes.size() != 1) {
    for (const wire::Inode& in : w.inodes) CloseFd(in.control_fd);
    return Errno(w.inodes.empty() ? ENOENT : EIO);
  }
  return w.inodes[0];
}

Result<std::vector<wire::Statx>> Client::WalkStat(FDID dir, std::span<const std::string> names) {
  wire::WalkReq req = MakeWalkReq(dir, names);
  std::vector<wire::Statx> out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kWalkStat, req, 0, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::WalkStatResp r, Decode<wire::WalkStatResp>(f.payload));
    out = std::move(r.stats);
    return Status::Ok();
  }));
  if (out.size() > req.path.size() + 1) return Errno(EIO);
  return out;
}

Result<std::vector<wire::Statx>> Client::WalkStat(FDID dir,
                                                  std::initializer_list<std::string_view> names) {
  std::vector<std::string> v(names.begin(), names.end());
  return WalkStat(dir, std::span<const std::string>(v));
}

}  // namespace hg::client
