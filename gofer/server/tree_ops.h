// Server-internal: the only code that changes the node tree, reference counts
// and FD back-pointers, and the lock guards that give handlers their
// read/write/global guarantees. Not for backends.
//
//   ReadGuard g(*fd);                       // rename lock shared + node op_mu shared
//   if (fd->node().IsDeleted()) return Errno(EINVAL);
//   HG_ASSIGN_OR_RETURN(auto child, TreeOps::NewControlFd(conn, fd->node(), name,
//                                                         std::move(new_file), nodes));
//
// Preconditions are on each function; "rename lock held" means shared or
// exclusive. Breaking them corrupts reference counts (use-after-free) or lets
// a rename race a path computation, so every caller is in this room.
#ifndef HARDGOFER_GOFER_SERVER_TREE_OPS_H_
#define HARDGOFER_GOFER_SERVER_TREE_OPS_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "base/result.h"
#include "gofer/server/control_fd.h"
#include "gofer/server/control_fd_impl.h"
#include "gofer/server/node.h"
#include "gofer/server/server.h"

namespace hg::server {

// Room for nodes in the server's budget, taken before a backend op that may
// create some; unused room is returned on destruction.
class NodeReservation {
 public:
  NodeReservation() = default;
  NodeReservation(NodeReservation&& o) noexcept
      : server_(o.server_), n_(o.n_), on_demand_(o.on_demand_) {
    o.n_ = 0;
  }
  NodeReservation& operator=(NodeReservation&&) = delete;
  ~NodeReservation();
  // ENFILE when the server's max_nodes would be exceeded. For ops that
  // create a file: the budget is checked before the host is touched.
  static Result<NodeReservation> Take(Server& s, size_t n);
  // No room up front; each new node takes one when it is made (ENFILE then).
  // For walks, whose backend step has no side effect and which often only
  // revisit existing nodes.
  static NodeReservation OnDemand(Server& s) { return NodeReservation(&s, 0, true); }
  size_t remaining() const { return n_; }

 private:
  friend class TreeOps;
  NodeReservation(Server* s, size_t n, bool on_demand = false)
      : server_(s), n_(n), on_demand_(on_demand) {}
  Server* server_ = nullptr;
  size_t n_ = 0;
  bool on_demand_ = false;
};

class TreeOps {
 public:
  static std::shared_mutex& RenameMu(Server& s) { return s.rename_mu_; }
  static std::shared_mutex& OpMu(const Node& n) { return n.op_mu_; }
  static Node* Mut(const Node& n) { return const_cast<Node*>(&n); }
  static Node* Root(Server& s) { return s.root_; }

  // Creates the server root (refs 1, owned by the server).
  static Node* NewRoot(Server& s);
  // Deletes the root at server destruction (no FD may remain).
  static void DestroyRoot(Node* root);

  // Precondition: the caller holds a reference on n.
  static void IncRef(Node& n);
  // Drops one reference; a node reaching zero leaves its parent's children
  // (only if the entry is still this node: a deleted node's name may have been
  // reused) and releases its parent in turn. Precondition: rename lock held.
  static void DecRef(Node* n);

  // Looks up the child `name` of `parent` (gaining a reference) or creates it
  // (using one reserved node). Preconditions: rename lock held; parent's
  // op_mu held (shared or exclusive) and parent not deleted.
  static Result<Node*> GetChild(Node& parent, const std::string& name, NodeReservation& nodes);
  // The child `name` of `parent` with a reference, or nullptr.
  // Precondition: rename lock held.
  static Node* FindChild(Node& parent, const std::string& name);

  // Wraps a backend's NewFile in a ControlFd on (parent, name). EIO if the
  // backend returned no impl. The ControlFd has no FDID yet. Preconditions as
  // GetChild.
  static Result<std::shared_ptr<ControlFd>> NewControlFd(Connection& conn, const Node& parent,
                                                         const std::string& name, NewFile&& f,
                                                         NodeReservation& nodes);
  // Wraps the mount root's impl; takes over the caller's reference on `node`.
  static std::shared_ptr<ControlFd> NewRootControlFd(Connection& conn, Node* node,
                                                     std::unique_ptr<ControlFdImpl> impl,
                                                     uint32_t file_type);
  static std::shared_ptr<OpenFd> NewOpenFd(std::shared_ptr<ControlFd> cfd, uint32_t flags,
                                           std::unique_ptr<OpenFdImpl> impl);
  static std::shared_ptr<BoundSocketFd> NewBoundSocketFd(std::shared_ptr<ControlFd> cfd,
                                                         std::unique_ptr<BoundSocketFdImpl> impl);
  static void SetId(ControlFd& fd, wire::FDID id) { fd.id_ = id; }
  static void SetId(OpenFd& fd, wire::FDID id) { fd.id_ = id; }
  static void SetId(BoundSocketFd& fd, wire::FDID id) { fd.id_ = id; }

  // Releases the only reference to a ControlFd that never had an FDID, while
  // the caller holds the rename lock (its destructor would otherwise take it).
  static void ReleaseTempLocked(std::shared_ptr<ControlFd>& fd);

  // Removes `name` from parent's children and returns the node that was there
  // (its references are unchanged: it keeps its parent pointer and reference).
  // Precondition: rename lock exclusive, or shared with parent's op_mu exclusive.
  static Node* Detach(Node& parent, const std::string& name, const Node* only_if = nullptr);
  // Re-parents a detached node. Precondition: rename lock exclusive.
  static void Move(Node& n, Node& new_parent, const std::string& name);
  // Marks n and every descendant deleted. Precondition: rename lock held and
  // n's op_mu exclusive (or the rename lock exclusive).
  static void MarkDeletedRecursive(Node& n);
  // Calls Renamed() on every control/open FD at or below n.
  // Precondition: rename lock exclusive.
  static void NotifyRenamedRecursive(Node& n);
};

// Read guarantee: the rename lock shared and the node's op_mu shared. No
// rename can move any node on the root→node path while it is held.
class ReadGuard {
 public:
  explicit ReadGuard(const ControlFd& fd)
      : rename_(TreeOps::RenameMu(fd.connection().server())), op_(TreeOps::OpMu(fd.node())) {}

 private:
  std::shared_lock<std::shared_mutex> rename_;
  std::shared_lock<std::shared_mutex> op_;
};

// Write guarantee: the rename lock shared and the node's op_mu exclusive.
class WriteGuard {
 public:
  explicit WriteGuard(const ControlFd& fd)
      : rename_(TreeOps::RenameMu(fd.connection().server())), op_(TreeOps::OpMu(fd.node())) {}

 private:
  std::shared_lock<std::shared_mutex> rename_;
  std::unique_lock<std::shared_mutex> op_;
};

// Global guarantee: the rename lock exclusive.
class GlobalGuard {
 public:
  explicit GlobalGuard(Server& s) : rename_(TreeOps::RenameMu(s)) {}

 private:
  std::unique_lock<std::shared_mutex> rename_;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_TREE_OPS_H_
