// The server's FD objects, as a backend sees them: ControlFd (a handle on a
// tree position), OpenFd (an open file on a ControlFd) and BoundSocketFd (a
// bound host socket). The server creates them around the impls a backend
// returns, gives them FDIDs and keeps them in the connection's FD table.
//
//   // Inside a ControlFdImpl op:
//   const ControlFd& me = control_fd();
//   if (me.IsDir()) ...
//   HG_ASSIGN_OR_RETURN(std::string p, me.PathInMount());     // "/etc/passwd": deny rules
//   const ConnectionOpts& opts = me.connection().opts();
//
//   // Inside an OpenFdImpl op:
//   const ControlFd& file = open_fd().control_fd();
//
// Reference model (gVisor fd.go): the FD table holds one reference per FDID; a
// ControlFd holds its Node; an OpenFd and a BoundSocketFd hold their ControlFd.
// An impl is destroyed (its destructor is gVisor's Close) when the last
// reference goes, after its FDID was released, with no guarantee held.
#ifndef HARDGOFER_GOFER_SERVER_CONTROL_FD_H_
#define HARDGOFER_GOFER_SERVER_CONTROL_FD_H_

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "gofer/server/node.h"
#include "gofer/wire/types.h"
#include "path_walk/name.h"

namespace hg::server {

class BoundSocketFdImpl;
class Connection;
class ControlFdImpl;
class OpenFd;
class OpenFdImpl;
class TreeOps;

class ControlFd {
 public:
  ControlFd(const ControlFd&) = delete;
  ControlFd& operator=(const ControlFd&) = delete;
  ~ControlFd();

  // kInvalidFDID for the temporary control FDs of a server-side WalkStat,
  // which are never visible to the client.
  wire::FDID id() const { return id_; }
  // S_IFMT bits of the file, fixed at creation (from the Statx the backend gave).
  uint32_t file_type() const { return file_type_; }
  bool IsDir() const { return file_type_ == S_IFDIR; }
  bool IsRegular() const { return file_type_ == S_IFREG; }
  bool IsSymlink() const { return file_type_ == S_IFLNK; }
  bool IsSocket() const { return file_type_ == S_IFSOCK; }

  const Node& node() const { return *node_; }
  Connection& connection() const { return *conn_; }
  ControlFdImpl& impl() const { return *impl_; }

  // This file's path as the sandbox sees it: relative to the connection's
  // mount point, "/" for the mount root. EXDEV if another mount renamed it out
  // of this mount's subtree. Guarantee required (see node.h).
  Result<std::string> PathInMount() const;
  // PathInMount() of the entry `name` in this directory ("/a" + "/" + name),
  // for checking a rule before walking into or creating it.
  Result<std::string> ChildPathInMount(const path_walk::Name& name) const;
  // Absolute host path (node().FilePath()). Guarantee required.
  std::string HostPath() const { return node_->FilePath(); }

 private:
  friend class Connection;
  friend class OpenFd;
  friend class TreeOps;

  ControlFd(Connection* conn, Node* node, uint32_t file_type, std::unique_ptr<ControlFdImpl> impl);

  Connection* const conn_;
  Node* const node_;  // referenced
  const uint32_t file_type_;
  wire::FDID id_ = wire::kInvalidFDID;
  std::unique_ptr<ControlFdImpl> impl_;
  // Set by TreeOps::ReleaseTempLocked: the destroyer already holds the rename lock.
  bool rename_lock_held_ = false;
  // Open FDs on this control FD, for rename notifications.
  mutable std::mutex open_mu_;
  std::vector<OpenFd*> open_fds_;
};

class OpenFd {
 public:
  OpenFd(const OpenFd&) = delete;
  OpenFd& operator=(const OpenFd&) = delete;
  ~OpenFd();

  wire::FDID id() const { return id_; }
  // From the open flags' O_ACCMODE: PRead needs readable, PWrite and
  // FAllocate need writable (EBADF otherwise), checked by the server.
  bool readable() const { return readable_; }
  bool writable() const { return writable_; }
  const ControlFd& control_fd() const { return *cfd_; }
  OpenFdImpl& impl() const { return *impl_; }

 private:
  friend class Connection;
  friend class TreeOps;

  OpenFd(std::shared_ptr<ControlFd> cfd, uint32_t flags, std::unique_ptr<OpenFdImpl> impl);

  std::shared_ptr<ControlFd> cfd_;
  wire::FDID id_ = wire::kInvalidFDID;
  bool readable_;
  bool writable_;
  std::unique_ptr<OpenFdImpl> impl_;
};

class BoundSocketFd {
 public:
  BoundSocketFd(const BoundSocketFd&) = delete;
  BoundSocketFd& operator=(const BoundSocketFd&) = delete;
  ~BoundSocketFd();

  wire::FDID id() const { return id_; }
  const ControlFd& control_fd() const { return *cfd_; }
  BoundSocketFdImpl& impl() const { return *impl_; }

 private:
  friend class Connection;
  friend class TreeOps;

  BoundSocketFd(std::shared_ptr<ControlFd> cfd, std::unique_ptr<BoundSocketFdImpl> impl);

  std::shared_ptr<ControlFd> cfd_;
  wire::FDID id_ = wire::kInvalidFDID;
  std::unique_ptr<BoundSocketFdImpl> impl_;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_CONTROL_FD_H_
