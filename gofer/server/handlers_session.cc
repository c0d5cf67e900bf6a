// Session RPCs: Mount, Channel, Close; and the helper that turns a backend's
// NewFile into a client-visible control FD.
#include <cerrno>
#include <shared_mutex>
#include <string_view>

#include "gofer/server/connection_impl.h"
#include "gofer/server/handlers.h"
#include "gofer/server/server.h"
#include "gofer/server/tree_ops.h"
#include "gofer/wire/messages_io.h"
#include "gofer/wire/messages_session.h"

namespace hg::server {

// Mount: walk the server tree to the (trusted) mount path, creating nodes,
// then let the backend open the root with a read guarantee on the mount node.
Result<uint32_t> Handlers::Mount(Call& call) {
  Connection& c = call.conn;
  Server& s = c.server();
  HG_ASSIGN_OR_RETURN(Handlers::FdReservation fds, c.ReserveFds(1));
  std::shared_ptr<ControlFd> root;
  MountResult mr;
  {
    std::shared_lock<std::shared_mutex> rename(TreeOps::RenameMu(s));
    Node* n = TreeOps::Root(s);
    TreeOps::IncRef(*n);
    std::string_view rest(c.mount_path());
    while (!rest.empty()) {
      size_t start = rest.find_first_not_of('/');
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      const size_t end = std::min(rest.find('/'), rest.size());
      const std::string comp(rest.substr(0, end));
      rest.remove_prefix(end);
      Result<Node*> next = Errno(ENOENT);
      {
        std::shared_lock<std::shared_mutex> op(TreeOps::OpMu(*n));
        if (!n->IsDeleted()) {
          NodeReservation nodes = NodeReservation::OnDemand(s);
          next = TreeOps::GetChild(*n, comp, nodes);
        }
      }
      TreeOps::DecRef(n);
      if (!next.ok()) return next.error();
      n = *next;
    }
    Result<MountResult> r = Errno(ENOENT);
    {
      std::shared_lock<std::shared_mutex> op(TreeOps::OpMu(*n));
      if (!n->IsDeleted()) {
        r = c.impl_->Mount(MountPoint{*n, c.mount_path(), c.opts(), c});
        if (r.ok() && r->root == nullptr) r = Errno(EIO);  // backend bug: no crash
      }
    }
    if (!r.ok()) {
      TreeOps::DecRef(n);
      return r.error();
    }
    mr = std::move(*r);
    // The connection keeps its own reference on the mount node (released at
    // teardown), so mount_node() and PathInMount() never see a freed node,
    // even after the client closed every FD.
    TreeOps::IncRef(*n);
    c.mount_node_.store(n, std::memory_order_release);
    root = TreeOps::NewRootControlFd(c, n, std::move(mr.root), mr.stat.mode & S_IFMT);
  }
  const wire::FDID id = c.InsertFd(root, fds);
  if (mr.donate.valid()) call.fds.push_back(std::move(mr.donate));
  wire::MountResp resp;
  resp.root = wire::Inode{id, mr.stat};
  resp.max_message_size = c.max_message_size();
  resp.supported_mids = c.served_mids();
  return EncodeResponse(call, resp);
}

Result<uint32_t> Handlers::Channel(Call& call) {
  HG_ASSIGN_OR_RETURN(Connection::Reply r, call.conn.StartChannel(call.out));
  for (UniqueFd& fd : r.fds) call.fds.push_back(std::move(fd));
  return r.len;
}

// Close: drop the client's reference on each FDID; unknown IDs are ignored
// (gVisor logs them). Always succeeds.
Result<uint32_t> Handlers::Close(Call& call) {
  HG_ASSIGN_OR_RETURN(wire::CloseReq req, Decode<wire::CloseReq>(call));
  for (wire::FDID id : req.fds) {
    // The entry is released at the end of each iteration, with no lock held.
    Handlers::FdEntry e = call.conn.RemoveFd(id);
    (void)e;
  }
  return 0u;
}

}  // namespace hg::server
