// File I/O RPCs: OpenAt, OpenCreateAt, PRead, PWrite, FSync, FAllocate,
// Flush, Getdents64.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "gofer/client/client.h"
#include "gofer/client/client_rpc.h"

namespace hg::client {

using internal::Decode;

Result<OpenedFile> Client::OpenAt(FDID fd, uint32_t flags) {
  OpenedFile out;
  HG_RETURN_IF_ERROR(
      Rpc(wire::MID::kOpenAt, wire::OpenAtReq{fd, flags}, 1, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(wire::OpenAtResp r, Decode<wire::OpenAtResp>(f.payload));
        out.open_fd = r.open_fd;
        out.host_fd = std::move(f.fds[0]);
        return Status::Ok();
      }));
  return out;
}

Result<CreatedFile> Client::OpenCreateAt(FDID dir, std::string_view name, uint32_t flags,
                                         uint16_t mode, wire::UID uid, wire::GID gid) {
  wire::OpenCreateAtReq req;
  req.dir_fd = dir;
  req.uid = uid;
  req.gid = gid;
  req.mode = mode;
  req.flags = flags;
  req.name = name;
  CreatedFile out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kOpenCreateAt, req, 1, [&](transport::Frame& f) -> Status {
    HG_ASSIGN_OR_RETURN(wire::OpenCreateAtResp r, Decode<wire::OpenCreateAtResp>(f.payload));
    out.child = r.child;
    out.open_fd = r.new_fd;
    out.host_fd = std::move(f.fds[0]);
    return Status::Ok();
  }));
  return out;
}

Result<size_t> Client::PRead(FDID fd, uint64_t offset, std::span<uint8_t> dst) {
  // Each response carries an 8-byte NumBytes header.
  const size_t chunk = max_message_size_ - wire::PReadResp::kHeaderSize;
  size_t done = 0;
  while (done < dst.size()) {
    const size_t want = std::min(chunk, dst.size() - done);
    wire::PReadReq req{offset + done, fd, static_cast<uint32_t>(want)};
    size_t got = 0;
    Status s = Rpc(wire::MID::kPRead, req, 0, [&](transport::Frame& f) -> Status {
      // NumBytes above what we asked for is refused by the decoder.
      HG_ASSIGN_OR_RETURN(wire::PReadResp r, Decode<wire::PReadResp>(f.payload, want));
      if (!r.data.empty()) std::memcpy(dst.data() + done, r.data.data(), r.data.size());
      got = r.data.size();
      return Status::Ok();
    });
    if (!s.ok()) {
      if (done > 0) return done;  // read(2) semantics: report what arrived
      return s.error();
    }
    done += got;
    if (got < want) break;  // short read: end of file (or a short file)
  }
  return done;
}

Result<size_t> Client::PWrite(FDID fd, uint64_t offset, std::span<const uint8_t> src) {
  const size_t chunk = max_message_size_ - wire::PWriteReq::kHeaderSize;
  size_t done = 0;
  while (done < src.size()) {
    const size_t want = std::min(chunk, src.size() - done);
    wire::PWriteReq req;
    req.offset = offset + done;
    req.fd = fd;
    req.data = src.subspan(done, want);
    uint64_t wrote = 0;
    Status s = Rpc(wire::MID::kPWrite, req, 0, [&](transport::Frame& f) -> Status {
      HG_ASSIGN_OR_RETURN(wire::PWriteResp r, Decode<wire::PWriteResp>(f.payload));
      wrote = r.count;
      return Status::Ok();
    });
    if (!s.ok()) {
      if (done > 0) return done;
      return s.error();
    }
    if (wrote > want) return Errno(EIO);  // the server claims more than we sent
    done += wrote;
    if (wrote < want) break;
  }
  return done;
}

Status Client::FSync(std::span<const FDID> fds) {
  if (fds.empty()) return Status::Ok();
  wire::FsyncReq req;
  req.fds.assign(fds.begin(), fds.end());
  return Rpc(wire::MID::kFSync, req, 0, internal::kIgnoreResponse);
}

Status Client::FAllocate(FDID fd, uint64_t mode, uint64_t offset, uint64_t length) {
  return Rpc(wire::MID::kFAllocate, wire::FAllocateReq{fd, mode, offset, length}, 0,
             internal::kIgnoreResponse);
}

Status Client::Flush(FDID fd) {
  if (!IsSupported(wire::MID::kFlush)) return Status::Ok();
  return Rpc(wire::MID::kFlush, wire::FlushReq{fd}, 0, internal::kIgnoreResponse);
}

Result<std::vector<Dirent>> Client::Getdents64(FDID dir_open_fd, int32_t count) {
  std::vector<Dirent> out;
  HG_RETURN_IF_ERROR(Rpc(wire::MID::kGetdents64, wire::Getdents64Req{dir_open_fd, count}, 0,
                         [&](transport::Frame& f) -> Status {
                           HG_ASSIGN_OR_RETURN(wire::Getdents64Resp r,
                                               Decode<wire::Getdents64Resp>(f.payload));
                           out.reserve(r.dirents.size());
                           for (const wire::Dirent64& d : r.dirents) {
                             out.push_back(Dirent{d.ino, d.dev_minor, d.dev_major, d.off, d.type,
                                                  internal::Copy(d.name)});
                           }
                           return Status::Ok();
                         }));
  return out;
}

}  // namespace hg::client
