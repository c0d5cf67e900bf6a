// A position in the served filesystem tree, shared by every control FD on it
// and by every connection of the Server (gVisor pkg/lisafs/node.go).
//
//   // In a backend op that has at least a read guarantee:
//   const Node& n = control_fd().node();
//   if (n.IsDeleted()) return Errno(EINVAL);
//   std::string host = n.FilePath();                 // "/srv/vol/a/b"
//   const Node* up = n.parent();                     // nullptr for the server root
//
// One Node per path position per Server, so locking a node locks that position
// for every mount that can reach it. Locks (gofer/server/README.md):
//   Server rename lock  →  Node::op_mu_  →  Node::children_mu_  →  Node::fds_mu_
// op_mu_ of several nodes: ancestors before descendants, or a directory before
// an unrelated non-directory; both need the rename lock held.
//
// name(), parent() and FilePath() read fields the rename lock protects: call
// them only inside an operation with a read, write or global guarantee (every
// backend op except the impl destructors), or a concurrent rename can change
// them under you. IsDeleted() may be called at any time.
//
// Why backends care about `deleted`: once a node was unlinked or replaced, its
// old path may now name something else, possibly a hostile symlink; path-based
// host operations on a deleted node are never safe.
#ifndef HARDGOFER_GOFER_SERVER_NODE_H_
#define HARDGOFER_GOFER_SERVER_NODE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace hg::server {

class ControlFd;
class Server;
class TreeOps;

class Node {
 public:
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Name in the parent; "" for the server root. Guarantee required.
  const std::string& name() const { return name_; }
  // nullptr for the server root. Guarantee required. A deleted node keeps its
  // last parent (so its path is stale: check IsDeleted()).
  const Node* parent() const { return parent_; }
  bool is_root() const { return parent_ == nullptr; }
  // Set once the file was unlinked or replaced by a rename; never cleared.
  bool IsDeleted() const { return deleted_.load(std::memory_order_acquire); }

  // Absolute host path, "/" for the server root. Free of symlinks because every
  // interior node is a directory. Guarantee required.
  std::string FilePath() const;
  // Path of this node below `ancestor`: "/" if it is `ancestor`, "/a/b" for a
  // descendant, EXDEV if `ancestor` is not on the way to the root (the node was
  // renamed out of that subtree by another mount). Guarantee required.
  Result<std::string> PathBelow(const Node& ancestor) const;

 private:
  friend class ControlFd;
  friend class Server;
  friend class TreeOps;

  Node(Server* server, std::string name, Node* parent);
  ~Node() = default;

  Server* const server_;  // for the node count
  // Protected by the server rename lock (written only under the global guarantee).
  std::string name_;
  Node* parent_;  // holds a reference on the parent
  // Number of references: child nodes, control FDs, in-flight walkers. The 1→0
  // transition and lookups that revive a node both happen under the parent's
  // children_mu_, so a node is never found after it started dying.
  std::atomic<int64_t> refs_{1};
  std::atomic<bool> deleted_{false};
  // High-level operations on this position (read/write guarantees).
  mutable std::shared_mutex op_mu_;
  // Children that are currently referenced (the tree holds only positions some
  // FD or walk is using, never a cache of the directory).
  mutable std::mutex children_mu_;
  std::unordered_map<std::string, Node*> children_;
  // Control FDs open on this node, for rename notifications.
  mutable std::mutex fds_mu_;
  std::vector<ControlFd*> control_fds_;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_NODE_H_
