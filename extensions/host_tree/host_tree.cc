#include "extensions/host_tree/host_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "gofer/fsgofer/control_file.h"
#include "gofer/fsgofer/host_stat.h"
#include "gofer/fsgofer/open_file.h"
#include "gofer/server/control_fd.h"
#include "path_walk/link_at.h"
#include "path_walk/make_at.h"
#include "path_walk/mount_root.h"
#include "path_walk/open_at.h"
#include "path_walk/rename_at.h"
#include "path_walk/stat_at.h"
#include "path_walk/unlink_at.h"
#include "path_walk/walk.h"

namespace hg::host_tree {
namespace {

bool Served(uint32_t mode) {
  const uint32_t t = mode & S_IFMT;
  return t == S_IFREG || t == S_IFDIR || t == S_IFLNK;
}

}  // namespace

Result<server::NewFile> TreeFile::Adopt(path_walk::Child child) const {
  server::NewFile nf;
  nf.stat = fsgofer::ToWireStatx(child.stat);
  if (child.handle.is_regular()) HG_RETURN_IF_ERROR(data_->AdjustStat(child.handle, nf.stat));
  nf.impl = std::make_unique<TreeFile>(mount_, data_, std::move(child.handle));
  return nf;
}

Status TreeFile::CheckWritable() const {
  // The server refuses mutating RPCs on read-only connections first; this
  // keeps the backend safe under any server configuration.
  if (mount_->rules().readonly) return Errno(EROFS);
  return Status::Ok();
}

Result<wire::Statx> TreeFile::Stat() {
  HG_ASSIGN_OR_RETURN(path_walk::Statx st, h_.Stat());
  wire::Statx w = fsgofer::ToWireStatx(st);
  if (h_.is_regular()) HG_RETURN_IF_ERROR(data_->AdjustStat(h_, w));
  return w;
}

Result<wire::StatFS> TreeFile::StatFS() { return fsgofer::StatFSOfFd(h_.fd()); }

Result<std::string> TreeFile::ReadLink() { return path_walk::ReadLink(h_); }

Result<server::NewFile> TreeFile::Walk(const path_walk::Name& name) {
  HG_ASSIGN_OR_RETURN(path_walk::WalkResult w,
                      path_walk::Walk(h_, std::span<const path_walk::Name>(&name, 1)));
  if (w.status != path_walk::WalkStatus::kSuccess || w.steps.empty()) return Errno(ENOENT);
  // Host sockets, FIFOs and devices are not storage: EPERM, as fsgofer's
  // refusal of file types it does not serve.
  if (!Served(w.steps[0].stat.stx_mode)) return Errno(EPERM);
  return Adopt(std::move(w.steps[0]));
}

Result<server::OpenResult> TreeFile::Open(uint32_t flags) {
  flags &= O_ACCMODE | O_TRUNC;
  if ((flags & O_ACCMODE) == O_ACCMODE) return Errno(EINVAL);
  if (mount_->rules().readonly && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))) {
    return Errno(EROFS);
  }
  if (h_.is_dir()) {
    if ((flags & O_ACCMODE) != O_RDONLY) return Errno(EISDIR);
    HG_ASSIGN_OR_RETURN(UniqueFd fd, path_walk::Reopen(mount_->proc(), h_, O_RDONLY | O_DIRECTORY));
    server::OpenResult r;
    if (h_.is_root() && data_->DonateMountFd()) {
      r.donate = UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
      if (!r.donate.valid()) return Errno::Last();
    }
    r.impl = std::make_unique<fsgofer::OpenFile>(mount_, &h_, std::move(fd));
    return r;
  }
  if (!h_.is_regular()) return Errno(EINVAL);
  // A deleted file has no path; its data needs no journal either.
  Result<std::string> path = control_fd().PathInMount();
  return data_->Open(h_, flags, path.ok() ? std::string_view(*path) : std::string_view());
}

Result<path_walk::Child> TreeFile::CreateRegular(const path_walk::Name& name, uint16_t mode,
                                                 wire::UID uid, wire::GID gid) {
  HG_ASSIGN_OR_RETURN(path_walk::Created c, path_walk::CreateAt(h_, name, O_RDWR, mode & 07777));
  Status s = fsgofer::ChownHandle(c.child.handle, uid, gid);
  if (s.ok()) s = data_->InitNewFile(c.child.handle, c.fd.get());
  if (s.ok()) {
    HG_ASSIGN_OR_RETURN(c.child.stat, c.child.handle.Stat());
    return std::move(c.child);
  }
  // Never leave a half-made file behind (an encrypted file without a header
  // would read as tampered forever). CreateAt guarantees the entry is ours.
  (void)path_walk::UnlinkAt(h_, name, 0);
  return s.error();
}

Result<server::OpenCreateResult> TreeFile::OpenCreate(const path_walk::Name& name, uint16_t mode,
                                                      wire::UID uid, wire::GID gid,
                                                      uint32_t flags) {
  HG_RETURN_IF_ERROR(CheckWritable());
  flags &= O_ACCMODE | O_TRUNC;
  if ((flags & O_ACCMODE) == O_ACCMODE) return Errno(EINVAL);
  HG_ASSIGN_OR_RETURN(path_walk::Child child, CreateRegular(name, mode, uid, gid));
  Result<std::string> p = control_fd().ChildPathInMount(name);
  std::string path = p.ok() ? std::move(p).value() : std::string();
  Result<server::OpenResult> opened = data_->Open(child.handle, flags, path);
  if (!opened.ok()) {
    (void)path_walk::UnlinkAt(h_, name, 0);
    return opened.error();
  }
  server::OpenCreateResult r;
  HG_ASSIGN_OR_RETURN(r.child, Adopt(std::move(child)));
  r.open = std::move(opened->impl);
  r.donate = std::move(opened->donate);
  return r;
}

Result<server::NewFile> TreeFile::Mkdir(const path_walk::Name& name, uint16_t mode, wire::UID uid,
                                        wire::GID gid) {
  HG_RETURN_IF_ERROR(CheckWritable());
  HG_ASSIGN_OR_RETURN(path_walk::Child c, path_walk::MkdirAt(h_, name, mode & 07777));
  if (Status s = fsgofer::ChownHandle(c.handle, uid, gid); !s.ok()) {
    (void)path_walk::UnlinkAt(h_, name, AT_REMOVEDIR);
    return s.error();
  }
  HG_ASSIGN_OR_RETURN(c.stat, c.handle.Stat());
  return Adopt(std::move(c));
}

Result<server::NewFile> TreeFile::Mknod(const path_walk::Name& name, uint16_t mode, wire::UID uid,
                                        wire::GID gid, uint32_t minor, uint32_t major) {
  (void)minor, (void)major;
  HG_RETURN_IF_ERROR(CheckWritable());
  // Only regular files are storage (see the header).
  if ((mode & S_IFMT) != S_IFREG && (mode & S_IFMT) != 0) return Errno(EPERM);
  HG_ASSIGN_OR_RETURN(path_walk::Child c, CreateRegular(name, mode, uid, gid));
  return Adopt(std::move(c));
}

Result<server::NewFile> TreeFile::Symlink(const path_walk::Name& name,
                                          const server::SymlinkTarget& target, wire::UID uid,
                                          wire::GID gid) {
  HG_RETURN_IF_ERROR(CheckWritable());
  HG_ASSIGN_OR_RETURN(path_walk::Child c, path_walk::SymlinkAt(h_, name, target.str()));
  if (Status s = fsgofer::ChownHandle(c.handle, uid, gid); !s.ok()) {
    (void)path_walk::UnlinkAt(h_, name, 0);
    return s.error();
  }
  HG_ASSIGN_OR_RETURN(c.stat, c.handle.Stat());
  return Adopt(std::move(c));
}

Result<server::NewFile> TreeFile::Link(server::ControlFdImpl& dir, const path_walk::Name& name) {
  HG_RETURN_IF_ERROR(CheckWritable());
  auto* d = dynamic_cast<TreeFile*>(&dir);
  if (d == nullptr) return Errno(EXDEV);  // another backend's directory
  HG_ASSIGN_OR_RETURN(path_walk::Child c, path_walk::LinkHandle(mount_->proc(), h_, d->h_, name));
  return Adopt(std::move(c));
}

Status TreeFile::Unlink(const path_walk::Name& name, uint32_t flags) {
  HG_RETURN_IF_ERROR(CheckWritable());
  // The object behind the name, so the FileData can forget what it keeps for
  // it once no name is left (cache entries keyed by inode).
  Result<path_walk::WalkResult> w = path_walk::Walk(h_, std::span<const path_walk::Name>(&name, 1));
  HG_RETURN_IF_ERROR(path_walk::UnlinkAt(h_, name, static_cast<int>(flags)));
  if (w.ok() && w->status == path_walk::WalkStatus::kSuccess && !w->steps.empty() &&
      w->steps[0].handle.is_regular()) {
    Result<path_walk::Statx> after = w->steps[0].handle.Stat();
    data_->Unlinked(w->steps[0].handle, after.ok() && after->stx_nlink == 0);
  }
  return Status::Ok();
}

Status TreeFile::RenameAt(const path_walk::Name& old_name, server::ControlFdImpl& new_dir,
                          const path_walk::Name& new_name, uint32_t flags) {
  HG_RETURN_IF_ERROR(CheckWritable());
  auto* d = dynamic_cast<TreeFile*>(&new_dir);
  if (d == nullptr) return Errno(EXDEV);
  // A regular file replaced by the rename loses its last name.
  Result<path_walk::WalkResult> victim =
      path_walk::Walk(d->h_, std::span<const path_walk::Name>(&new_name, 1));
  HG_RETURN_IF_ERROR(path_walk::RenameAt(h_, old_name, d->h_, new_name, flags));
  if (flags == 0 && victim.ok() && victim->status == path_walk::WalkStatus::kSuccess &&
      !victim->steps.empty() && victim->steps[0].handle.is_regular()) {
    Result<path_walk::Statx> after = victim->steps[0].handle.Stat();
    if (after.ok() && !victim->steps[0].handle.SameObjectAs(*after)) return Status::Ok();
    data_->Unlinked(victim->steps[0].handle, after.ok() && after->stx_nlink == 0);
  }
  return Status::Ok();
}

Result<server::SetStatResult> TreeFile::SetStat(const wire::SetStatReq& req) {
  HG_RETURN_IF_ERROR(CheckWritable());
  server::SetStatResult res;
  auto fail = [&res](uint32_t bits, Errno e) {
    res.failure_mask |= bits;
    res.failure_errno = e.value();
  };
  if (req.mask & STATX_MODE) {
    if (h_.is_symlink()) {
      fail(STATX_MODE, Errno(EOPNOTSUPP));
    } else {
      // fchmod refuses O_PATH descriptors; the handle's own magic link reaches
      // exactly the pinned object.
      const std::string entry = path_walk::FdEntryName(h_.fd());
      if (::fchmodat(mount_->proc().fd(), entry.c_str(), req.mode & 07777, 0) != 0) {
        fail(STATX_MODE, Errno::Last());
      }
    }
  }
  if (req.mask & STATX_SIZE) {
    if (h_.is_dir()) {
      fail(STATX_SIZE, Errno(EISDIR));
    } else if (!h_.is_regular()) {
      fail(STATX_SIZE, Errno(EINVAL));
    } else if (req.size > static_cast<uint64_t>(INT64_MAX)) {
      fail(STATX_SIZE, Errno(EFBIG));
    } else if (Status s = data_->Truncate(h_, req.size); !s.ok()) {
      fail(STATX_SIZE, s.error());
    }
  }
  if (req.mask & (STATX_ATIME | STATX_MTIME)) {
    struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    if (req.mask & STATX_ATIME) ts[0] = {req.atime.sec, req.atime.nsec};
    if (req.mask & STATX_MTIME) ts[1] = {req.mtime.sec, req.mtime.nsec};
    if (::utimensat(h_.fd(), "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      fail(req.mask & (STATX_ATIME | STATX_MTIME), Errno::Last());
    } else if (h_.is_regular()) {
      data_->TimesSet(h_, ts);
    }
  }
  if (req.mask & (STATX_UID | STATX_GID)) {
    const wire::UID uid = (req.mask & STATX_UID) ? req.uid : wire::kNoUID;
    const wire::GID gid = (req.mask & STATX_GID) ? req.gid : wire::kNoGID;
    if (Status s = fsgofer::ChownHandle(h_, uid, gid); !s.ok()) {
      fail(req.mask & (STATX_UID | STATX_GID), s.error());
    }
  }
  return res;
}

Result<server::MountResult> TreeConnection::Mount(const server::MountPoint& mp) {
  HG_ASSIGN_OR_RETURN(
      path_walk::MountRoot root,
      path_walk::OpenMountRoot(root_override_.empty() ? mp.host_path : root_override_, {}));
  if (!root.handle().is_dir()) return Errno(ENOTDIR);
  HG_ASSIGN_OR_RETURN(path_walk::Handle h, root.handle().Dup());
  fsgofer::MountRules rules;
  rules.readonly = readonly_;
  auto state = std::make_shared<const fsgofer::MountState>(std::move(root), host_, rules, nullptr);
  HG_RETURN_IF_ERROR(data_->Attach(state));
  server::MountResult r;
  HG_ASSIGN_OR_RETURN(path_walk::Statx st, h.Stat());
  r.stat = fsgofer::ToWireStatx(st);
  if (data_->DonateMountFd()) {
    HG_ASSIGN_OR_RETURN(r.donate, path_walk::Reopen(state->proc(), h, O_RDONLY | O_DIRECTORY));
  }
  r.root = std::make_unique<TreeFile>(std::move(state), data_, std::move(h));
  return r;
}

std::vector<wire::MID> TreeConnection::SupportedMessages() const {
  using wire::MID;
  return {MID::kMount,    MID::kChannel,    MID::kFStat,        MID::kSetStat,    MID::kWalk,
          MID::kWalkStat, MID::kOpenAt,     MID::kOpenCreateAt, MID::kClose,      MID::kFSync,
          MID::kPWrite,   MID::kPRead,      MID::kMkdirAt,      MID::kMknodAt,    MID::kSymlinkAt,
          MID::kLinkAt,   MID::kFStatFS,    MID::kFAllocate,    MID::kReadLinkAt, MID::kUnlinkAt,
          MID::kRenameAt, MID::kGetdents64, MID::kRenameAt2};
}

server::ConnectionOpts TreeConnectionOpts(bool readonly) {
  server::ConnectionOpts o;
  o.readonly = readonly;
  o.walk_stat_supported = false;
  o.set_attr_on_deleted = true;
  o.allocate_on_deleted = true;
  o.open_on_deleted = true;
  return o;
}

Result<fsgofer::HostResources> HostResourcesFor(const server::MountRequest& req) {
  if (req.proc != nullptr) {
    fsgofer::HostResources h;
    h.proc = req.proc;
    return h;
  }
  return fsgofer::HostResources::Open();
}

}  // namespace hg::host_tree
