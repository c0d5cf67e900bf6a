// Directory-tree RPCs: MkdirAt, MknodAt, SymlinkAt, LinkAt, UnlinkAt,
// RenameAt, RenameAt2, Getdents64.
#include <cerrno>
#include <cstdio>  // RENAME_EXCHANGE
#include <shared_mutex>

#include "gofer/server/handlers.h"
#include "gofer/server/request_strings.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/builders.h"
#include "gofer/wire/messages_dir.h"
#include "path_walk/name.h"

namespace hg::server {
namespace {

using path_walk::Name;

// The shape of MkdirAt/MknodAt/SymlinkAt: a checked name, a directory control
// FD (ENOTDIR), room for one FD and one node, a write guarantee on the
// directory (deleted ⇒ EINVAL), the backend op, then the new control FD.
template <typename Op>
Result<wire::Inode> CreateIn(Call& call, wire::FDID dir_fd, std::string_view raw_name, Op op) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(Name name, Name::Make(raw_name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> dir, Handlers::LookupControlFd(c, dir_fd));
  if (!dir->IsDir()) return Errno(ENOTDIR);
  HG_ASSIGN_OR_RETURN(Handlers::FdReservation fds, Handlers::ReserveFds(c, 1));
  HG_ASSIGN_OR_RETURN(NodeReservation nodes, NodeReservation::Take(c.server(), 1));
  std::shared_ptr<ControlFd> child;
  wire::Statx st;
  {
    WriteGuard g(*dir);
    if (dir->node().IsDeleted()) return Errno(EINVAL);
    HG_ASSIGN_OR_RETURN(NewFile f, op(dir->impl(), name));
    st = f.stat;
    HG_ASSIGN_OR_RETURN(child,
                        TreeOps::NewControlFd(c, dir->node(), name.str(), std::move(f), nodes));
  }
  return wire::Inode{Handlers::Insert(c, child, fds), st};
}

class DirentSinkImpl final : public DirentSink {
 public:
  explicit DirentSinkImpl(wire::Writer& w) : b_(w) {}
  bool Add(const wire::Dirent64& d) override { return b_.Add(d); }
  size_t count() const override { return b_.count(); }
  void Finish() { b_.Finish(); }

 private:
  wire::Getdents64RespBuilder b_;
};

}  // namespace

Result<uint32_t> Handlers::MkdirAt(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::MkdirAtReq req, Decode<wire::MkdirAtReq>(call));
  HG_ASSIGN_OR_RETURN(wire::Inode inode,
                      CreateIn(call, req.dir_fd, req.name, [&](ControlFdImpl& d, const Name& n) {
                        return d.Mkdir(n, req.mode, req.uid, req.gid);
                      }));
  return EncodeResponse(call, wire::MkdirAtResp{inode});
}

Result<uint32_t> Handlers::MknodAt(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::MknodAtReq req, Decode<wire::MknodAtReq>(call));
  HG_ASSIGN_OR_RETURN(wire::Inode inode,
                      CreateIn(call, req.dir_fd, req.name, [&](ControlFdImpl& d, const Name& n) {
                        return d.Mknod(n, req.mode, req.uid, req.gid, req.minor, req.major);
                      }));
  return EncodeResponse(call, wire::MknodAtResp{inode});
}

Result<uint32_t> Handlers::SymlinkAt(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::SymlinkAtReq req, Decode<wire::SymlinkAtReq>(call));
  HG_ASSIGN_OR_RETURN(SymlinkTarget target, SymlinkTarget::Make(req.target));
  HG_ASSIGN_OR_RETURN(wire::Inode inode,
                      CreateIn(call, req.dir_fd, req.name, [&](ControlFdImpl& d, const Name& n) {
                        return d.Symlink(n, target, req.uid, req.gid);
                      }));
  return EncodeResponse(call, wire::SymlinkAtResp{inode});
}

// LinkAt [write on the directory, read on the target]: the target must not be
// a directory (EPERM). Lock order: the directory, then the (non-directory)
// target, as gVisor.
Result<uint32_t> Handlers::LinkAt(Call& call) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(wire::LinkAtReq req, Decode<wire::LinkAtReq>(call));
  HG_ASSIGN_OR_RETURN(Name name, Name::Make(req.name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> dir, c.LookupControlFd(req.dir_fd));
  if (!dir->IsDir()) return Errno(ENOTDIR);
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> target, c.LookupControlFd(req.target));
  if (target->IsDir()) return Errno(EPERM);
  HG_ASSIGN_OR_RETURN(Handlers::FdReservation fds, c.ReserveFds(1));
  HG_ASSIGN_OR_RETURN(NodeReservation nodes, NodeReservation::Take(c.server(), 1));
  std::shared_ptr<ControlFd> child;
  wire::Statx st;
  {
    WriteGuard g(*dir);
    if (dir->node().IsDeleted()) return Errno(EINVAL);
    std::shared_lock<std::shared_mutex> target_op(TreeOps::OpMu(target->node()));
    if (target->node().IsDeleted()) return Errno(EINVAL);
    HG_ASSIGN_OR_RETURN(NewFile f, target->impl().Link(dir->impl(), name));
    st = f.stat;
    HG_ASSIGN_OR_RETURN(child,
                        TreeOps::NewControlFd(c, dir->node(), name.str(), std::move(f), nodes));
  }
  return EncodeResponse(call, wire::LinkAtResp{wire::Inode{c.InsertFd(child, fds), st}});
}

// UnlinkAt [write on the directory and on the child's node]: waits for
// in-flight operations on the child, then marks its subtree deleted.
Result<uint32_t> Handlers::UnlinkAt(Call& call) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(wire::UnlinkAtReq req, Decode<wire::UnlinkAtReq>(call));
  HG_ASSIGN_OR_RETURN(Name name, Name::Make(req.name));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> dir, c.LookupControlFd(req.dir_fd));
  if (!dir->IsDir()) return Errno(ENOTDIR);
  Status s;
  {
    WriteGuard g(*dir);
    if (dir->node().IsDeleted()) return Errno(EINVAL);
    Node* dnode = TreeOps::Mut(dir->node());
    // A reference of our own: without it a concurrent Close could free the
    // child node while we wait for its lock (gVisor relies on its GC here).
    Node* child = TreeOps::FindChild(*dnode, name.str());
    {
      std::unique_lock<std::shared_mutex> child_op;
      if (child != nullptr) child_op = std::unique_lock<std::shared_mutex>(TreeOps::OpMu(*child));
      s = dir->impl().Unlink(name, req.flags);
      if (s.ok() && child != nullptr) {
        TreeOps::Detach(*dnode, name.str(), child);
        TreeOps::MarkDeletedRecursive(*child);
      }
    }
    if (child != nullptr) TreeOps::DecRef(child);
  }
  if (!s.ok()) return s.error();
  return 0u;
}

namespace {

// RenameAt and RenameAt2 [global].
Result<uint32_t> RenameCommon(Call& call, wire::FDID old_dir_fd, wire::FDID new_dir_fd,
                              std::string_view old_raw, std::string_view new_raw,
                              uint32_t flags) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(Name old_name, Name::Make(old_raw));
  HG_ASSIGN_OR_RETURN(Name new_name, Name::Make(new_raw));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> old_dir, Handlers::LookupControlFd(c, old_dir_fd));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> new_dir, Handlers::LookupControlFd(c, new_dir_fd));
  if (!old_dir->IsDir() || !new_dir->IsDir()) return Errno(ENOTDIR);

  GlobalGuard g(c.server());
  if (old_dir->node().IsDeleted() || new_dir->node().IsDeleted()) return Errno(EINVAL);
  if (&old_dir->node() == &new_dir->node() && old_name == new_name) return 0u;  // no-op
  HG_RETURN_IF_ERROR(old_dir->impl().RenameAt(old_name, new_dir->impl(), new_name, flags));

  // The tree follows the host. Nothing else can touch it: we hold the rename
  // lock exclusively.
  Node* old_parent = TreeOps::Mut(old_dir->node());
  Node* new_parent = TreeOps::Mut(new_dir->node());
  Node* replaced = TreeOps::Detach(*new_parent, new_name.str());
  Node* renamed = TreeOps::Detach(*old_parent, old_name.str());
  if (replaced != nullptr) {
    if ((flags & RENAME_EXCHANGE) == 0) {
      // Replaced by the rename: whatever its old path names now is not it.
      TreeOps::MarkDeletedRecursive(*replaced);
    } else {
      TreeOps::Move(*replaced, *old_parent, old_name.str());
      TreeOps::NotifyRenamedRecursive(*replaced);
    }
  }
  if (renamed != nullptr) {
    TreeOps::Move(*renamed, *new_parent, new_name.str());
    TreeOps::NotifyRenamedRecursive(*renamed);
  }
  return 0u;
}

}  // namespace

Result<uint32_t> Handlers::RenameAt(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::RenameAtReq req, Decode<wire::RenameAtReq>(call));
  return RenameCommon(call, req.old_dir, req.new_dir, req.old_name, req.new_name, 0);
}

Result<uint32_t> Handlers::RenameAt2(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::RenameAt2Req req, Decode<wire::RenameAt2Req>(call));
  return RenameCommon(call, req.old_dir, req.new_dir, req.old_name, req.new_name, req.flags);
}

// Getdents64 [read]: an open FD on a directory (ENOTDIR); deleted ⇒ EINVAL.
// Count < 0 means rewind first and read |Count| bytes; |INT32_MIN| is computed
// in 64 bits (gVisor negates it in 32 and overflows). The byte budget is
// bounded by the max message size (gVisor grows its buffer on demand and
// fails only after the fact).
Result<uint32_t> Handlers::Getdents64(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::Getdents64Req req, Decode<wire::Getdents64Req>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<OpenFd> fd, call.conn.LookupOpenFd(req.dir_fd));
  if (!fd->control_fd().IsDir()) return Errno(ENOTDIR);
  const bool seek0 = req.count < 0;
  const int64_t wanted = seek0 ? -int64_t{req.count} : int64_t{req.count};
  const uint64_t room = call.conn.max_message_size() - wire::Getdents64Resp::kHeaderSize;
  const uint32_t budget = static_cast<uint32_t>(std::min<uint64_t>(wanted, room));
  wire::Writer w(call.out.Get(wire::Getdents64Resp::kHeaderSize + budget));
  DirentSinkImpl sink(w);
  Status s = Errno(EINVAL);
  {
    ReadGuard g(fd->control_fd());
    if (!fd->control_fd().node().IsDeleted()) s = fd->impl().Getdents64(budget, seek0, sink);
  }
  if (!s.ok()) return s.error();
  sink.Finish();
  if (!w.ok()) return Errno(EIO);
  return static_cast<uint32_t>(w.size());
}

}  // namespace hg::server
