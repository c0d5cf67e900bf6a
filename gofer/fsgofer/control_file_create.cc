// ControlFile: creating, removing and renaming entries.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "gofer/fsgofer/control_file.h"
#include "gofer/fsgofer/host_stat.h"
#include "gofer/fsgofer/open_file.h"
#include "path_walk/link_at.h"
#include "path_walk/make_at.h"
#include "path_walk/open_at.h"
#include "path_walk/rename_at.h"
#include "path_walk/unlink_at.h"

namespace hg::fsgofer {

Status ControlFile::ChownNewOrRemove(const path_walk::Handle& child, const path_walk::Name& name,
                                     wire::UID uid, wire::GID gid, bool is_dir) const {
  Status s = ChownHandle(child, uid, gid);
  if (!s.ok()) {
    // No half-created file is left behind. Removing by name could in theory
    // hit an entry a host process swapped in since; path_walk reports such a
    // swap as EAGAIN at creation, and this window is the same one gVisor's
    // stock gofer accepts.
    (void)path_walk::UnlinkAt(h_, name, is_dir ? AT_REMOVEDIR : 0);
  }
  return s;
}

Result<server::OpenCreateResult> ControlFile::OpenCreate(const path_walk::Name& name, uint16_t mode,
                                                         wire::UID uid, wire::GID gid,
                                                         uint32_t flags) {
  HG_RETURN_IF_ERROR(CheckWritable("OpenCreateAt", &name));
  HG_RETURN_IF_ERROR(CheckName(name, "OpenCreateAt"));
  int open_flags = static_cast<int>(flags & (O_ACCMODE | O_TRUNC));
  if ((open_flags & O_ACCMODE) == O_ACCMODE) return Errno(EINVAL);
  HG_ASSIGN_OR_RETURN(path_walk::Created c,
                      path_walk::CreateAt(h_, name, open_flags, mode & 07777));
  HG_RETURN_IF_ERROR(ChownNewOrRemove(c.child.handle, name, uid, gid, false));
  if (uid != wire::kNoUID || gid != wire::kNoGID) {
    // The owner changed after the stat was taken: report the new one.
    Result<path_walk::Statx> st = c.child.handle.Stat();
    if (!st.ok()) {
      (void)path_walk::UnlinkAt(h_, name, 0);
      return st.error();
    }
    c.child.stat = *st;
  }
  server::OpenCreateResult r;
  // open(O_CREAT|O_EXCL) always makes a regular file: donated best effort.
  r.donate = UniqueFd(::fcntl(c.fd.get(), F_DUPFD_CLOEXEC, 0));
  server::NewFile nf = Adopt(std::move(c.child));
  const path_walk::Handle* child_handle = &static_cast<ControlFile*>(nf.impl.get())->handle();
  r.open = std::make_unique<OpenFile>(mount_, child_handle, std::move(c.fd));
  r.child = std::move(nf);
  return r;
}

namespace {

// Re-stats a freshly made child after its owner changed.
Status Restat(path_walk::Child& c) {
  HG_ASSIGN_OR_RETURN(c.stat, c.handle.Stat());
  return Status::Ok();
}

}  // namespace

Result<server::NewFile> ControlFile::Mkdir(const path_walk::Name& name, uint16_t mode,
                                           wire::UID uid, wire::GID gid) {
  HG_RETURN_IF_ERROR(CheckWritable("MkdirAt", &name));
  HG_RETURN_IF_ERROR(CheckName(name, "MkdirAt"));
  HG_ASSIGN_OR_RETURN(path_walk::Child c, path_walk::MkdirAt(h_, name, mode & 07777));
  HG_RETURN_IF_ERROR(ChownNewOrRemove(c.handle, name, uid, gid, true));
  if (uid != wire::kNoUID || gid != wire::kNoGID) {
    Status s = Restat(c);
    if (!s.ok()) {
      (void)path_walk::UnlinkAt(h_, name, AT_REMOVEDIR);
      return s.error();
    }
  }
  return Adopt(std::move(c));
}

Result<server::NewFile> ControlFile::Mknod(const path_walk::Name& name, uint16_t mode,
                                           wire::UID uid, wire::GID gid, uint32_t minor,
                                           uint32_t major) {
  HG_RETURN_IF_ERROR(CheckWritable("MknodAt", &name));
  HG_RETURN_IF_ERROR(CheckName(name, "MknodAt"));
  // What the stock gofer allows: regular files, and the 0:0 character device
  // overlayfs uses as a whiteout (exempt from CAP_MKNOD). FIFOs only where the
  // mount opens host FIFOs. Everything else is EPERM, mknod(2)'s answer for
  // "the filesystem does not support the type of node requested".
  dev_t dev = 0;
  switch (mode & S_IFMT) {
    case S_IFREG:
      break;
    case S_IFCHR:
      if (minor != 0 || major != 0) return Refuse(Rule::kFileType, "MknodAt", &name);
      dev = makedev(0, 0);
      break;
    case S_IFIFO:
      if (!AllowsOpen(mount_->rules().host_fifo)) return Refuse(Rule::kHostFifo, "MknodAt", &name);
      break;
    default:
      return Refuse(Rule::kFileType, "MknodAt", &name);
  }
  HG_ASSIGN_OR_RETURN(path_walk::Child c, path_walk::MknodAt(h_, name, mode, dev));
  HG_RETURN_IF_ERROR(ChownNewOrRemove(c.handle, name, uid, gid, false));
  if (uid != wire::kNoUID || gid != wire::kNoGID) {
    Status s = Restat(c);
    if (!s.ok()) {
      (void)path_walk::UnlinkAt(h_, name, 0);
      return s.error();
    }
  }
  return Adopt(std::move(c));
}

Result<server::NewFile> ControlFile::Symlink(const path_walk::Name& name,
                                             const server::SymlinkTarget& target, wire::UID uid,
                                             wire::GID gid) {
  HG_RETURN_IF_ERROR(CheckWritable("SymlinkAt", &name));
  HG_RETURN_IF_ERROR(CheckName(name, "SymlinkAt"));
  HG_ASSIGN_OR_RETURN(path_walk::Child c, path_walk::SymlinkAt(h_, name, target.str()));
  HG_RETURN_IF_ERROR(ChownNewOrRemove(c.handle, name, uid, gid, false));
  if (uid != wire::kNoUID || gid != wire::kNoGID) {
    Status s = Restat(c);
    if (!s.ok()) {
      (void)path_walk::UnlinkAt(h_, name, 0);
      return s.error();
    }
  }
  return Adopt(std::move(c));
}

Result<server::NewFile> ControlFile::Link(server::ControlFdImpl& dir, const path_walk::Name& name) {
  HG_RETURN_IF_ERROR(CheckWritable("LinkAt"));
  auto* d = dynamic_cast<ControlFile*>(&dir);
  if (d == nullptr) return Errno(EXDEV);
  if (h_.is_dir()) return Errno(EPERM);
  HG_RETURN_IF_ERROR(d->CheckName(name, "LinkAt"));
  // Links the object this handle pins (not whatever now has its old name),
  // without CAP_DAC_READ_SEARCH (link_at.h).
  HG_ASSIGN_OR_RETURN(path_walk::Child c, path_walk::LinkHandle(mount_->proc(), h_, d->h_, name));
  return d->Adopt(std::move(c));
}

Status ControlFile::Unlink(const path_walk::Name& name, uint32_t flags) {
  HG_RETURN_IF_ERROR(CheckWritable("UnlinkAt", &name));
  if (flags & ~static_cast<uint32_t>(AT_REMOVEDIR)) return Errno(EINVAL);
  HG_RETURN_IF_ERROR(CheckName(name, "UnlinkAt"));
  return path_walk::UnlinkAt(h_, name, static_cast<int>(flags));
}

Status ControlFile::RenameAt(const path_walk::Name& old_name, server::ControlFdImpl& new_dir,
                             const path_walk::Name& new_name, uint32_t flags) {
  HG_RETURN_IF_ERROR(CheckWritable("RenameAt", &old_name));
  auto* d = dynamic_cast<ControlFile*>(&new_dir);
  if (d == nullptr) return Errno(EXDEV);
  HG_RETURN_IF_ERROR(CheckName(old_name, "RenameAt"));
  HG_RETURN_IF_ERROR(d->CheckName(new_name, "RenameAt"));
  // path_walk refuses RENAME_WHITEOUT (it needs CAP_MKNOD on the client's
  // behalf) and unknown flags with EINVAL, before any syscall.
  return path_walk::RenameAt(h_, old_name, d->h_, new_name, flags);
}

}  // namespace hg::fsgofer
