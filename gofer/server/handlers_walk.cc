// Walk and WalkStat (lisafs-protocol.md §6).
#include <sys/stat.h>

#include <cerrno>
#include <shared_mutex>
#include <vector>

#include "gofer/server/handlers.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/builders.h"
#include "gofer/wire/messages_walk.h"
#include "path_walk/name.h"

namespace hg::server {
namespace {

using path_walk::Name;

// The component-count rules shared by Walk and WalkStat: our hard cap
// (ENAMETOOLONG), then gVisor's "the full response must fit" (EIO).
Status CheckWalkSize(const Connection& c, size_t components, size_t header, size_t per_entry) {
  if (components > c.limits().max_walk_components) return Errno(ENAMETOOLONG);
  if (components > UINT16_MAX) return Errno(EIO);
  if (header + per_entry * components > c.max_message_size()) return Errno(EIO);
  return Status::Ok();
}

class StatSinkImpl final : public StatSink {
 public:
  explicit StatSinkImpl(wire::Writer& w) : b_(w) {}
  bool Add(const wire::Statx& st) override { return b_.Add(st); }
  size_t count() const override { return b_.count(); }
  void Finish() { b_.Finish(); }

 private:
  wire::WalkStatRespBuilder b_;
};

}  // namespace

// Walk [read on each directory walked]: one new control FD per component.
// Names are all validated before anything is walked (stricter than gVisor,
// which checks each lazily and so accepts a bad name after a missing one).
Result<uint32_t> Handlers::Walk(Call& call) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(wire::WalkReq req, Decode<wire::WalkReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> start, c.LookupControlFd(req.dir_fd));
  if (!start->IsDir()) return Errno(ENOTDIR);
  const size_t n = req.path.size();
  HG_RETURN_IF_ERROR(CheckWalkSize(c, n, wire::WalkResp::kHeaderSize, wire::Inode::kSize));
  std::vector<Name> names;
  names.reserve(n);
  for (std::string_view s : req.path) {
    HG_ASSIGN_OR_RETURN(Name name, Name::Make(s));
    names.push_back(std::move(name));
  }
  HG_ASSIGN_OR_RETURN(Handlers::FdReservation fds, c.ReserveFds(n));
  NodeReservation nodes = NodeReservation::OnDemand(c.server());

  wire::Writer w(call.out.Get(wire::WalkResp::kHeaderSize + wire::Inode::kSize * n));
  wire::WalkRespBuilder b(w);
  wire::WalkStatus status = wire::WalkStatus::kSuccess;
  // Declared before the lock: the FDs of a failed walk are released after it
  // is dropped (a control FD's destructor takes the rename lock itself).
  std::vector<std::shared_ptr<ControlFd>> created;
  std::vector<Handlers::FdEntry> removed;
  // The new FDIDs, in private memory: never re-read from the response buffer,
  // which on a channel the client can rewrite (gVisor re-reads it).
  std::vector<wire::FDID> ids;
  Status failure;
  {
    std::shared_lock<std::shared_mutex> rename(TreeOps::RenameMu(c.server()));
    const ControlFd* cur = start.get();
    for (const Name& name : names) {
      // A symlink ends the walk: the client resolves it and walks again.
      if (cur->IsSymlink()) {
        status = wire::WalkStatus::kComponentSymlink;
        break;
      }
      std::shared_ptr<ControlFd> child;
      {
        std::shared_lock<std::shared_mutex> op(TreeOps::OpMu(cur->node()));
        // Not safe to walk from a deleted directory: it may have been
        // replaced by a hostile symlink.
        if (cur->node().IsDeleted()) {
          status = wire::WalkStatus::kComponentDoesNotExist;
          break;
        }
        Result<NewFile> f = cur->impl().Walk(name);
        if (!f.ok()) {
          if (f.error() == Errno(ENOENT)) {
            status = wire::WalkStatus::kComponentDoesNotExist;
          } else {
            failure = f.error();
          }
          break;
        }
        const wire::Statx st = f->stat;
        Result<std::shared_ptr<ControlFd>> fd =
            TreeOps::NewControlFd(c, cur->node(), name.str(), std::move(*f), nodes);
        if (!fd.ok()) {
          failure = fd.error();
          break;
        }
        child = std::move(*fd);
        const wire::FDID id = c.InsertFd(child, fds);
        ids.push_back(id);
        b.Add(wire::Inode{id, st});  // always fits: sized for n inodes above
      }
      cur = child.get();
      created.push_back(std::move(child));
    }
    if (!failure.ok()) {
      for (wire::FDID id : ids) {
        removed.push_back(c.RemoveFd(id));
      }
    }
  }
  if (!failure.ok()) return failure.error();
  b.Finish(status);
  if (!w.ok()) return Errno(EIO);
  return static_cast<uint32_t>(w.size());
}

// WalkStat [read on the start FD; with the generic walk, read on each
// directory walked]: stats only, no FDs, no status (the client counts).
Result<uint32_t> Handlers::WalkStat(Call& call) {
  Connection& c = call.conn;
  HG_ASSIGN_OR_RETURN(wire::WalkReq req, Decode<wire::WalkReq>(call));
  HG_ASSIGN_OR_RETURN(std::shared_ptr<ControlFd> start, c.LookupControlFd(req.dir_fd));
  const size_t n = req.path.size();
  const bool stat_self = n > 0 && req.path[0].empty();
  // A non-directory may only be stat'ed itself ([""] or []).
  if (!start->IsDir() && (n > 1 || (n == 1 && !stat_self))) return Errno(ENOTDIR);
  HG_RETURN_IF_ERROR(CheckWalkSize(c, n, wire::WalkStatResp::kHeaderSize, wire::Statx::kSize));
  std::vector<Name> names;
  names.reserve(n);
  for (size_t i = stat_self ? 1 : 0; i < n; ++i) {
    HG_ASSIGN_OR_RETURN(Name name, Name::Make(req.path[i]));
    names.push_back(std::move(name));
  }

  wire::Writer w(call.out.Get(wire::WalkStatResp::kHeaderSize + wire::Statx::kSize * n));
  StatSinkImpl sink(w);
  if (c.opts().walk_stat_supported) {
    Status s;
    {
      ReadGuard g(*start);
      s = start->impl().WalkStat(stat_self, names, sink);
    }
    if (!s.ok()) return s.error();
  } else {
    // Generic walk with temporary control FDs (no FDIDs), each released as
    // soon as the next step has its own, so at most two backend handles are
    // open at once whatever the path length.
    NodeReservation nodes = NodeReservation::OnDemand(c.server());
    Status failure;
    {
      std::shared_lock<std::shared_mutex> rename(TreeOps::RenameMu(c.server()));
      if (stat_self) {
        std::shared_lock<std::shared_mutex> op(TreeOps::OpMu(start->node()));
        Result<wire::Statx> st = start->impl().Stat();
        if (!st.ok()) return st.error();
        sink.Add(*st);
      }
      const ControlFd* parent = start.get();
      std::shared_ptr<ControlFd> held;  // the temporary FD `parent` points to
      for (const Name& name : names) {
        // gVisor's generic walk never starts from a symlink (its only path
        // here is a directory start or a symlink it just recorded).
        if (parent->IsSymlink()) break;
        std::shared_ptr<ControlFd> next;
        bool stop = false;
        {
          std::shared_lock<std::shared_mutex> op(TreeOps::OpMu(parent->node()));
          if (parent->node().IsDeleted()) break;
          Result<NewFile> f = parent->impl().Walk(name);
          if (!f.ok()) {
            if (!(f.error() == Errno(ENOENT))) failure = f.error();
            break;
          }
          const wire::Statx st = f->stat;
          Result<std::shared_ptr<ControlFd>> child =
              TreeOps::NewControlFd(c, parent->node(), name.str(), std::move(*f), nodes);
          if (!child.ok()) {
            failure = child.error();
            break;
          }
          next = std::move(*child);
          sink.Add(st);
          stop = (st.mode & S_IFMT) == S_IFLNK;  // recorded; the client resolves it
        }
        // Outside the op lock of `parent`'s node (held's node stays alive
        // anyway: `next`'s node references it as its parent).
        TreeOps::ReleaseTempLocked(held);
        held = std::move(next);
        parent = held.get();
        if (stop) break;
      }
      TreeOps::ReleaseTempLocked(held);
    }
    if (!failure.ok()) return failure.error();
  }
  sink.Finish();
  if (!w.ok()) return Errno(EIO);
  return static_cast<uint32_t>(w.size());
}

}  // namespace hg::server
