// ControlFile: metadata, walking and opening.
#include "gofer/fsgofer/control_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "gofer/fsgofer/host_stat.h"
#include "gofer/fsgofer/open_file.h"
#include "path_walk/open_at.h"
#include "path_walk/stat_at.h"
#include "path_walk/walk.h"

namespace hg::fsgofer {

Status ChownHandle(const path_walk::Handle& h, wire::UID uid, wire::GID gid) {
  if (uid == wire::kNoUID && gid == wire::kNoGID) return Status::Ok();
  // AT_EMPTY_PATH works on O_PATH descriptors; NOFOLLOW keeps a symlink
  // handle on the symlink itself.
  return StatusFromRet(::fchownat(h.fd(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
}

server::NewFile ControlFile::Adopt(path_walk::Child child) const {
  server::NewFile nf;
  nf.stat = ToWireStatx(child.stat);
  nf.impl = std::make_unique<ControlFile>(mount_, std::move(child.handle));
  return nf;
}

Errno ControlFile::Refuse(Rule rule, std::string_view op, const path_walk::Name* name) const {
  return RefuseLazy(rule, op, [&]() -> std::string {
    Result<std::string> p =
        name != nullptr ? control_fd().ChildPathInMount(*name) : control_fd().PathInMount();
    // EXDEV: moved out of this mount by another one; the line is still worth
    // writing, without a path.
    return p.ok() ? std::move(p).value() : std::string("?");
  });
}

Status ControlFile::CheckWritable(std::string_view op, const path_walk::Name* name) const {
  if (mount_->rules().readonly) return Refuse(Rule::kReadonly, op, name);
  return Status::Ok();
}

Status ControlFile::CheckName(const path_walk::Name& name, std::string_view op) const {
  const DenyList* deny = mount_->deny();
  if (deny == nullptr) return Status::Ok();
  HG_ASSIGN_OR_RETURN(std::string dir, control_fd().PathInMount());
  std::string path = ChildPath(dir, name.str());
  if (!deny->Denied(path)) return Status::Ok();
  return fsgofer::Refuse(Rule::kDenyPattern, op, path);
}

Status ControlFile::CheckSelf(std::string_view op) const {
  const DenyList* deny = mount_->deny();
  if (deny == nullptr) return Status::Ok();
  HG_ASSIGN_OR_RETURN(std::string self, control_fd().PathInMount());
  if (!deny->Denied(self)) return Status::Ok();
  return fsgofer::Refuse(Rule::kDenyPattern, op, self);
}

Result<wire::Statx> ControlFile::Stat() {
  HG_ASSIGN_OR_RETURN(path_walk::Statx st, h_.Stat());
  return ToWireStatx(st);
}

Result<wire::StatFS> ControlFile::StatFS() { return StatFSOfFd(h_.fd()); }

Result<std::string> ControlFile::ReadLink() { return path_walk::ReadLink(h_); }

Result<server::NewFile> ControlFile::Walk(const path_walk::Name& name) {
  HG_RETURN_IF_ERROR(CheckName(name, "Walk"));
  HG_ASSIGN_OR_RETURN(path_walk::WalkResult w,
                      path_walk::Walk(h_, std::span<const path_walk::Name>(&name, 1)));
  if (w.status != path_walk::WalkStatus::kSuccess || w.steps.empty()) return Errno(ENOENT);
  if (!IsSupportedFileType(w.steps[0].stat.stx_mode)) return Refuse(Rule::kFileType, "Walk", &name);
  return Adopt(std::move(w.steps[0]));
}

Status ControlFile::WalkStat(bool stat_self, std::span<const path_walk::Name> path,
                             server::StatSink& out) {
  // A symlink is never walked from (its stat may still be asked for).
  if (h_.is_symlink()) path = {};
  if (const DenyList* deny = mount_->deny(); deny != nullptr && !path.empty()) {
    // Every component the walk may reach, checked before any is reached.
    HG_ASSIGN_OR_RETURN(std::string p, control_fd().PathInMount());
    for (const path_walk::Name& n : path) {
      p = ChildPath(p, n.str());
      if (deny->Denied(p)) return fsgofer::Refuse(Rule::kDenyPattern, "WalkStat", p);
    }
  }
  HG_ASSIGN_OR_RETURN(std::vector<path_walk::Statx> stats,
                      path_walk::WalkStat(h_, path, stat_self));
  for (size_t i = 0; i < stats.size(); ++i) {
    const path_walk::Statx& st = stats[i];
    if (!IsSupportedFileType(st.stx_mode)) {
      return RefuseLazy(Rule::kFileType, "WalkStat", [&]() -> std::string {
        // stats[0] is this file itself when stat_self; the rest follow `path`.
        Result<std::string> p = control_fd().PathInMount();
        std::string s = p.ok() ? std::move(p).value() : std::string("?");
        const size_t walked = stat_self ? i : i + 1;
        for (size_t k = 0; k < walked && k < path.size(); ++k) s = ChildPath(s, path[k].str());
        return s;
      });
    }
    if (!out.Add(ToWireStatx(st))) return Errno(EIO);
  }
  return Status::Ok();
}

Result<server::OpenResult> ControlFile::Open(uint32_t flags) {
  // Reachable names were checked by Walk; a host rename into a denied path
  // is caught here.
  HG_RETURN_IF_ERROR(CheckSelf("OpenAt"));
  const MountRules& rules = mount_->rules();
  int open_flags = static_cast<int>(flags & (O_ACCMODE | O_TRUNC));
  if ((open_flags & O_ACCMODE) == O_ACCMODE) return Errno(EINVAL);
  if (rules.readonly && ((open_flags & O_ACCMODE) != O_RDONLY || (open_flags & O_TRUNC))) {
    return Refuse(Rule::kReadonly, "OpenAt");
  }
  bool must_donate = false;
  switch (h_.type()) {
    case S_IFREG:
      break;
    case S_IFDIR:
      open_flags |= O_DIRECTORY;
      must_donate = h_.is_root() && rules.donate_mount_fd;
      break;
    case S_IFIFO:
      if (!AllowsOpen(rules.host_fifo)) return Refuse(Rule::kHostFifo, "OpenAt");
      // A FIFO without a peer would block the serving thread in open(2); the
      // client waits on the donated FD instead (as gVisor's sentry does).
      open_flags |= O_NONBLOCK;
      must_donate = true;
      break;
    case S_IFSOCK:
      // open(2) of a socket fails with ENXIO on the host, which is what an
      // allowed open reports too; Connect is how sockets are used.
      if (!AllowsOpen(rules.host_uds)) return Refuse(Rule::kHostUds, "OpenAt");
      break;
    case S_IFCHR:
      // No character-device passthrough policy (yet): refused as gVisor's
      // --character-device-policy=emulated-only does.
      return Refuse(Rule::kFileType, "OpenAt");
    default:
      return Errno(EINVAL);  // symlinks: the server refuses them first
  }
  HG_ASSIGN_OR_RETURN(UniqueFd fd, path_walk::Reopen(mount_->proc(), h_, open_flags));
  server::OpenResult r;
  if (h_.type() == S_IFREG || must_donate) {
    UniqueFd dup(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    // Regular files are donated best effort (for speed only); FIFOs and the
    // directfs mount point must be.
    if (!dup.valid() && must_donate) return Errno::Last();
    r.donate = std::move(dup);
  }
  r.impl = std::make_unique<OpenFile>(mount_, &h_, std::move(fd));
  return r;
}

Result<server::SetStatResult> ControlFile::SetStat(const wire::SetStatReq& req) {
  HG_RETURN_IF_ERROR(CheckWritable("SetStat"));
  server::SetStatResult res;
  auto fail = [&res](uint32_t bits, Errno e) {
    res.failure_mask |= bits;
    res.failure_errno = e.value();
  };
  const MountRules& rules = mount_->rules();

  if (req.mask & STATX_MODE) {
    if (h_.is_symlink()) {
      // Linux cannot change a symlink's mode (fs/attr.c notify_change).
      fail(STATX_MODE, Errno(EOPNOTSUPP));
    } else {
      // fchmod(2) refuses O_PATH descriptors; chmod through the descriptor's
      // own magic link reaches exactly the object the handle pins (as
      // path_walk's Reopen does), whatever its type.
      const std::string entry = path_walk::FdEntryName(h_.fd());
      if (::fchmodat(mount_->proc().fd(), entry.c_str(), req.mode & 07777, 0) != 0) {
        fail(STATX_MODE, Errno::Last());
      }
    }
  }

  if (req.mask & STATX_SIZE) {
    if (rules.max_file_size != 0 && req.size > rules.max_file_size) {
      // As truncate(2) past RLIMIT_FSIZE.
      fail(STATX_SIZE, Refuse(Rule::kMaxFileSize, "SetStat"));
    } else if (req.size > static_cast<uint64_t>(INT64_MAX)) {
      fail(STATX_SIZE, Errno(EFBIG));  // truncate(2) past the largest off_t
    } else if (h_.is_dir()) {
      fail(STATX_SIZE, Errno(EISDIR));
    } else if (!h_.is_regular()) {
      fail(STATX_SIZE, Errno(EINVAL));  // what truncate(2) says for other types
    } else {
      Result<UniqueFd> w = path_walk::Reopen(mount_->proc(), h_, O_WRONLY);
      if (!w.ok()) {
        fail(STATX_SIZE, w.error());
      } else if (::ftruncate(w->get(), static_cast<off_t>(req.size)) != 0) {
        fail(STATX_SIZE, Errno::Last());
      }
    }
  }

  if (req.mask & (STATX_ATIME | STATX_MTIME)) {
    struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    if (req.mask & STATX_ATIME) ts[0] = {req.atime.sec, req.atime.nsec};
    if (req.mask & STATX_MTIME) ts[1] = {req.mtime.sec, req.mtime.nsec};
    // AT_EMPTY_PATH on the O_PATH handle: no name lookup, symlinks included.
    if (::utimensat(h_.fd(), "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      fail(req.mask & (STATX_ATIME | STATX_MTIME), Errno::Last());
    }
  }

  if (req.mask & (STATX_UID | STATX_GID)) {
    const wire::UID uid = (req.mask & STATX_UID) ? req.uid : wire::kNoUID;
    const wire::GID gid = (req.mask & STATX_GID) ? req.gid : wire::kNoGID;
    Status s = ChownHandle(h_, uid, gid);
    if (!s.ok()) fail(req.mask & (STATX_UID | STATX_GID), s.error());
  }
  return res;
}

}  // namespace hg::fsgofer
