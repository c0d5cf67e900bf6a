#include "gofer/server/tree_ops.h"

#include <cerrno>
#include <vector>

#include "gofer/server/connection.h"

namespace hg::server {

NodeReservation::~NodeReservation() {
  if (server_ != nullptr && n_ > 0) server_->ReleaseNodes(n_);
}

Result<NodeReservation> NodeReservation::Take(Server& s, size_t n) {
  if (n == 0) return NodeReservation(&s, 0);
  if (!s.TryReserveNodes(n)) return Errno(ENFILE);
  return NodeReservation(&s, n);
}

Node* TreeOps::NewRoot(Server& s) {
  s.node_count_.fetch_add(1, std::memory_order_acq_rel);
  return new Node(&s, "", nullptr);
}

void TreeOps::DestroyRoot(Node* root) {
  root->server_->node_count_.fetch_sub(1, std::memory_order_acq_rel);
  delete root;
}

void TreeOps::IncRef(Node& n) { n.refs_.fetch_add(1, std::memory_order_relaxed); }

void TreeOps::DecRef(Node* n) {
  // Iterative: a dying chain of nodes (a deep walk released at once) must not
  // recurse once per level.
  while (n != nullptr) {
    Node* parent = n->parent_;
    if (parent == nullptr) {
      // The root: the server's own reference keeps it above zero.
      n->refs_.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
    bool dead = false;
    {
      std::lock_guard<std::mutex> lock(parent->children_mu_);
      if (n->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        auto it = parent->children_.find(n->name_);
        // Stricter than gVisor (which removes by name): a deleted node's name
        // may already belong to a newer node, which must stay in the tree.
        if (it != parent->children_.end() && it->second == n) parent->children_.erase(it);
        dead = true;
      }
    }
    if (!dead) return;
    n->server_->node_count_.fetch_sub(1, std::memory_order_acq_rel);
    delete n;
    n = parent;  // drop the reference the dead node held on its parent
  }
}

Result<Node*> TreeOps::GetChild(Node& parent, const std::string& name, NodeReservation& nodes) {
  std::lock_guard<std::mutex> lock(parent.children_mu_);
  auto it = parent.children_.find(name);
  if (it != parent.children_.end()) {
    it->second->refs_.fetch_add(1, std::memory_order_relaxed);
    return it->second;
  }
  if (nodes.n_ > 0) {
    --nodes.n_;  // the reservation already counted this node in node_count_
  } else if (!nodes.on_demand_ || nodes.server_ == nullptr || !nodes.server_->TryReserveNodes(1)) {
    return Errno(ENFILE);
  }
  Node* child = new Node(parent.server_, name, &parent);
  parent.refs_.fetch_add(1, std::memory_order_relaxed);
  parent.children_.emplace(name, child);
  return child;
}

Node* TreeOps::FindChild(Node& parent, const std::string& name) {
  std::lock_guard<std::mutex> lock(parent.children_mu_);
  auto it = parent.children_.find(name);
  if (it == parent.children_.end()) return nullptr;
  it->second->refs_.fetch_add(1, std::memory_order_relaxed);
  return it->second;
}

Result<std::shared_ptr<ControlFd>> TreeOps::NewControlFd(Connection& conn, const Node& parent,
                                                         const std::string& name, NewFile&& f,
                                                         NodeReservation& nodes) {
  if (f.impl == nullptr) return Errno(EIO);  // backend bug: never crash on it
  HG_ASSIGN_OR_RETURN(Node * child, GetChild(*Mut(parent), name, nodes));
  return std::shared_ptr<ControlFd>(
      new ControlFd(&conn, child, f.stat.mode & S_IFMT, std::move(f.impl)));
}

std::shared_ptr<ControlFd> TreeOps::NewRootControlFd(Connection& conn, Node* node,
                                                     std::unique_ptr<ControlFdImpl> impl,
                                                     uint32_t file_type) {
  return std::shared_ptr<ControlFd>(new ControlFd(&conn, node, file_type, std::move(impl)));
}

std::shared_ptr<OpenFd> TreeOps::NewOpenFd(std::shared_ptr<ControlFd> cfd, uint32_t flags,
                                           std::unique_ptr<OpenFdImpl> impl) {
  return std::shared_ptr<OpenFd>(new OpenFd(std::move(cfd), flags, std::move(impl)));
}

std::shared_ptr<BoundSocketFd> TreeOps::NewBoundSocketFd(std::shared_ptr<ControlFd> cfd,
                                                         std::unique_ptr<BoundSocketFdImpl> impl) {
  return std::shared_ptr<BoundSocketFd>(new BoundSocketFd(std::move(cfd), std::move(impl)));
}

void TreeOps::ReleaseTempLocked(std::shared_ptr<ControlFd>& fd) {
  if (fd == nullptr) return;
  if (fd.use_count() == 1) fd->rename_lock_held_ = true;
  fd.reset();
}

Node* TreeOps::Detach(Node& parent, const std::string& name, const Node* only_if) {
  std::lock_guard<std::mutex> lock(parent.children_mu_);
  auto it = parent.children_.find(name);
  if (it == parent.children_.end()) return nullptr;
  if (only_if != nullptr && it->second != only_if) return nullptr;
  Node* n = it->second;
  parent.children_.erase(it);
  return n;
}

void TreeOps::Move(Node& n, Node& new_parent, const std::string& name) {
  Node* old_parent = n.parent_;
  IncRef(new_parent);
  n.parent_ = &new_parent;
  n.name_ = name;
  {
    std::lock_guard<std::mutex> lock(new_parent.children_mu_);
    new_parent.children_[name] = &n;
  }
  DecRef(old_parent);
}

void TreeOps::MarkDeletedRecursive(Node& root) {
  // Under a shared rename lock other threads may release descendants
  // concurrently, so every node on the work list holds a reference of ours.
  std::vector<Node*> work;
  IncRef(root);
  work.push_back(&root);
  while (!work.empty()) {
    Node* n = work.back();
    work.pop_back();
    n->deleted_.store(true, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(n->children_mu_);
      for (auto& [name, child] : n->children_) {
        child->refs_.fetch_add(1, std::memory_order_relaxed);
        work.push_back(child);
      }
    }
    DecRef(n);
  }
}

void TreeOps::NotifyRenamedRecursive(Node& root) {
  // Rename lock exclusive: no node can be created or released meanwhile (both
  // need the lock), so plain pointers are stable.
  std::vector<Node*> work{&root};
  while (!work.empty()) {
    Node* n = work.back();
    work.pop_back();
    {
      std::lock_guard<std::mutex> lock(n->fds_mu_);
      for (ControlFd* cfd : n->control_fds_) {
        cfd->impl_->Renamed();
        std::lock_guard<std::mutex> open_lock(cfd->open_mu_);
        for (OpenFd* ofd : cfd->open_fds_) ofd->impl_->Renamed();
      }
    }
    std::lock_guard<std::mutex> lock(n->children_mu_);
    for (auto& [name, child] : n->children_) work.push_back(child);
  }
}

}  // namespace hg::server
