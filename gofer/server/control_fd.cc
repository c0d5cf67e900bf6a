#include "gofer/server/control_fd.h"

#include <fcntl.h>

#include <algorithm>
#include <shared_mutex>

#include "gofer/server/bound_socket_fd_impl.h"
#include "gofer/server/connection.h"
#include "gofer/server/control_fd_impl.h"
#include "gofer/server/open_fd_impl.h"
#include "gofer/server/tree_ops.h"

namespace hg::server {

ControlFd::ControlFd(Connection* conn, Node* node, uint32_t file_type,
                     std::unique_ptr<ControlFdImpl> impl)
    : conn_(conn), node_(node), file_type_(file_type), impl_(std::move(impl)) {
  impl_->fd_ = this;
  std::lock_guard<std::mutex> lock(node_->fds_mu_);
  node_->control_fds_.push_back(this);
}

ControlFd::~ControlFd() {
  {
    // The rename lock first: a rename holding it exclusively may be calling
    // Renamed() on this impl right now, and it finds us through the node.
    std::shared_lock<std::shared_mutex> rename;
    if (!rename_lock_held_) {
      rename = std::shared_lock<std::shared_mutex>(TreeOps::RenameMu(conn_->server()));
    }
    {
      std::lock_guard<std::mutex> lock(node_->fds_mu_);
      auto& v = node_->control_fds_;
      auto it = std::find(v.begin(), v.end(), this);
      if (it != v.end()) {
        *it = v.back();
        v.pop_back();
      }
    }
    TreeOps::DecRef(node_);
  }
  // gVisor's Close: with no guarantee held, and after the FD left the tree.
  impl_.reset();
}

Result<std::string> ControlFd::PathInMount() const {
  const Node* mount = conn_->mount_node();
  if (mount == nullptr) return Errno(EXDEV);
  return node_->PathBelow(*mount);
}

Result<std::string> ControlFd::ChildPathInMount(const path_walk::Name& name) const {
  Result<std::string> base = PathInMount();
  if (!base.ok()) return base.error();
  const std::string& b = base.value();
  std::string out;
  out.reserve(b.size() + 1 + name.size());
  if (b != "/") out.append(b);
  out.push_back('/');
  out.append(name.str());
  return out;
}

OpenFd::OpenFd(std::shared_ptr<ControlFd> cfd, uint32_t flags, std::unique_ptr<OpenFdImpl> impl)
    : cfd_(std::move(cfd)), impl_(std::move(impl)) {
  const uint32_t mode = flags & O_ACCMODE;
  readable_ = mode == O_RDONLY || mode == O_RDWR;
  writable_ = mode == O_WRONLY || mode == O_RDWR;
  impl_->fd_ = this;
  std::lock_guard<std::mutex> lock(cfd_->open_mu_);
  cfd_->open_fds_.push_back(this);
}

OpenFd::~OpenFd() {
  {
    std::lock_guard<std::mutex> lock(cfd_->open_mu_);
    auto& v = cfd_->open_fds_;
    auto it = std::find(v.begin(), v.end(), this);
    if (it != v.end()) {
      *it = v.back();
      v.pop_back();
    }
  }
  impl_.reset();
  cfd_.reset();  // may destroy the control FD (which takes the rename lock)
}

BoundSocketFd::BoundSocketFd(std::shared_ptr<ControlFd> cfd,
                             std::unique_ptr<BoundSocketFdImpl> impl)
    : cfd_(std::move(cfd)), impl_(std::move(impl)) {
  impl_->fd_ = this;
}

BoundSocketFd::~BoundSocketFd() {
  impl_.reset();
  cfd_.reset();
}

}  // namespace hg::server
