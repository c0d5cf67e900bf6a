// Backend side of a control FD (gVisor ControlFDImpl): path and tree
// operations on one file. One virtual per operation, each defaulting to ENOSYS
// (style.md rule 5), so a backend or extension implements only what it supports.
//
//   class MyDir final : public ControlFdImpl {
//    public:
//     Result<NewFile> Walk(const path_walk::Name& name) override {
//       UniqueFd child(::openat(fd_.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
//       if (!child.valid()) return Errno::Last();          // ENOENT ends the walk
//       HG_ASSIGN_OR_RETURN(wire::Statx st, StatOf(child.get()));
//       return NewFile{std::make_unique<MyDir>(std::move(child)), st};
//     }
//   };
//
// What the server has done before calling an op (so the backend does not):
//   * decoded and structurally checked the request; names are path_walk::Name
//     (no "", ".", "..", '/', NUL; ≤ NAME_MAX), xattr names and symlink
//     targets are XattrName / SymlinkTarget;
//   * looked up every FDID with the right kind (EBADF / EINVAL), checked the
//     file type each RPC needs (ENOTDIR, EISDIR, ENOTSOCK, EPERM for LinkAt on a
//     directory, EINVAL for ReadLinkAt on a non-symlink or OpenAt on one);
//   * refused mutating RPCs on read-only connections (EROFS), MIDs outside the
//     allowed set (EOPNOTSUPP), ops on deleted nodes (EINVAL, unless the
//     ConnectionOpts *_on_deleted switch allows it);
//   * reserved room in the FD table and node count for what the op returns
//     (EMFILE / ENFILE), so a created file is never orphaned by a limit;
//   * taken the guarantee listed with each op (read / write / global: see
//     gofer/server/README.md; all of them hold the server rename lock, so
//     node().FilePath() and PathInMount() are stable during the call).
// After the op the server creates the ControlFd/Node/FDID for a NewFile, the
// OpenFd for an OpenResult, and donates any UniqueFd returned (then closes it).
//
// The destructor is gVisor's Close: it runs once the FDID was closed and no
// open/bound FD refers to this control FD any more, with no guarantee held.
#ifndef HARDGOFER_GOFER_SERVER_CONTROL_FD_IMPL_H_
#define HARDGOFER_GOFER_SERVER_CONTROL_FD_IMPL_H_

#include <cerrno>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/server/bound_socket_fd_impl.h"
#include "gofer/server/open_fd_impl.h"
#include "gofer/server/request_strings.h"
#include "gofer/server/sinks.h"
#include "gofer/wire/messages_metadata.h"
#include "gofer/wire/statx.h"
#include "gofer/wire/types.h"
#include "path_walk/name.h"

namespace hg::server {

class ControlFd;
class ControlFdImpl;

// A file the backend now holds a handle on. The server wraps it in a ControlFd
// on the Node for (this directory, name), creating the Node if needed. The
// ControlFd's file type is stat.mode & S_IFMT, so stat must be real.
struct NewFile {
  std::unique_ptr<ControlFdImpl> impl;  // required
  wire::Statx stat;
};

// OpenAt. `donate`: optional host FD for the client (gVisor donates regular
// files, FIFOs, char devices); invalid for none.
struct OpenResult {
  std::unique_ptr<OpenFdImpl> impl;  // required
  UniqueFd donate;
};

// OpenCreateAt: the new file's control FD and an open FD on it.
struct OpenCreateResult {
  NewFile child;
  std::unique_ptr<OpenFdImpl> open;  // required
  UniqueFd donate;                   // optional
};

// BindAt: the socket file's control FD, the bound socket, and the host socket
// FD donated to the client for event notification (required).
struct BindResult {
  NewFile child;
  std::unique_ptr<BoundSocketFdImpl> bound;  // required
  UniqueFd socket;                           // required
};

// SetStat's answer: which requested STATX_* changes failed, and one errno of
// them (0 if none). Partial failure is not an RPC error.
struct SetStatResult {
  uint32_t failure_mask = 0;
  int failure_errno = 0;
};

class ControlFdImpl {
 public:
  ControlFdImpl() = default;
  ControlFdImpl(const ControlFdImpl&) = delete;
  ControlFdImpl& operator=(const ControlFdImpl&) = delete;
  virtual ~ControlFdImpl() = default;

  // The server object around this impl: id, file type, node, connection.
  // Valid in every operation (not in the constructor or destructor).
  const ControlFd& control_fd() const { return *fd_; }

  // --- metadata ---------------------------------------------------------
  // [read] statx(2) of this file. FStat, and the "" entry of WalkStat.
  virtual Result<wire::Statx> Stat() { return Errno(ENOSYS); }
  // [write] Apply the fields selected by req.mask (already a subset of
  // STATX_MODE|UID|GID|SIZE|ATIME|MTIME; req.fd is meaningless here).
  virtual Result<SetStatResult> SetStat(const wire::SetStatReq& req) {
    (void)req;
    return Errno(ENOSYS);
  }
  // [read] statfs(2) of the filesystem holding this file.
  virtual Result<wire::StatFS> StatFS() { return Errno(ENOSYS); }
  // [read] The target of this symlink (the server checked it is one). At most
  // 65535 bytes go on the wire; longer ⇒ the server answers ENAMETOOLONG.
  virtual Result<std::string> ReadLink() { return Errno(ENOSYS); }

  // --- walking ----------------------------------------------------------
  // [read] One component down from this directory. ENOENT ends a Walk with
  // WalkComponentDoesNotExist (not an error); any other errno fails the RPC.
  // Must not follow a symlink in `name` (O_NOFOLLOW): symlinks are returned.
  virtual Result<NewFile> Walk(const path_walk::Name& name) {
    (void)name;
    return Errno(ENOSYS);
  }
  // [read on this FD only] Only called when ConnectionOpts::walk_stat_supported.
  // stat_self: the client's first component was "", record this file's stat
  // first. Then walk `path` (empty when this is not a directory), recording one
  // stat per component; stop without error at ENOENT; stop after recording a
  // symlink; never walk from a symlink. Use host FDs and O_NOFOLLOW per step:
  // descendants are not locked.
  virtual Status WalkStat(bool stat_self, std::span<const path_walk::Name> path, StatSink& out) {
    (void)stat_self, (void)path, (void)out;
    return Errno(ENOSYS);
  }

  // --- opening and creating ----------------------------------------------
  // [read] Open this file. flags ⊆ O_ACCMODE|O_TRUNC (the server drops the
  // rest, as gVisor); directories only O_RDONLY. Resolve everything now: the
  // open FD's I/O never re-checks the node.
  virtual Result<OpenResult> Open(uint32_t flags) {
    (void)flags;
    return Errno(ENOSYS);
  }
  // [write on this directory] Create regular file `name` (O_EXCL) with the
  // permission bits of `mode`, owner uid/gid (wire::kNoUID/kNoGID: leave as
  // created), then open it with `flags` (⊆ O_ACCMODE|O_TRUNC). On failure
  // after creation, unlink it again.
  virtual Result<OpenCreateResult> OpenCreate(const path_walk::Name& name, uint16_t mode,
                                              wire::UID uid, wire::GID gid, uint32_t flags) {
    (void)name, (void)mode, (void)uid, (void)gid, (void)flags;
    return Errno(ENOSYS);
  }
  // [write on this directory] mkdir(2).
  virtual Result<NewFile> Mkdir(const path_walk::Name& name, uint16_t mode, wire::UID uid,
                                wire::GID gid) {
    (void)name, (void)mode, (void)uid, (void)gid;
    return Errno(ENOSYS);
  }
  // [write on this directory] mknod(2); `mode` carries the file type bits.
  virtual Result<NewFile> Mknod(const path_walk::Name& name, uint16_t mode, wire::UID uid,
                                wire::GID gid, uint32_t minor, uint32_t major) {
    (void)name, (void)mode, (void)uid, (void)gid, (void)minor, (void)major;
    return Errno(ENOSYS);
  }
  // [write on this directory] symlink(2) `name` → `target` (data, never followed).
  virtual Result<NewFile> Symlink(const path_walk::Name& name, const SymlinkTarget& target,
                                  wire::UID uid, wire::GID gid) {
    (void)name, (void)target, (void)uid, (void)gid;
    return Errno(ENOSYS);
  }
  // [write on `dir`, read on this file] Hard link to THIS file (never a
  // directory) named `name` in `dir`, a directory of the same connection
  // (and so the same backend type).
  virtual Result<NewFile> Link(ControlFdImpl& dir, const path_walk::Name& name) {
    (void)dir, (void)name;
    return Errno(ENOSYS);
  }
  // [write on this directory] Create and bind a unix socket `name`.
  virtual Result<BindResult> BindAt(const path_walk::Name& name, uint32_t sock_type,
                                    uint16_t mode, wire::UID uid, wire::GID gid) {
    (void)name, (void)sock_type, (void)mode, (void)uid, (void)gid;
    return Errno(ENOSYS);
  }

  // --- removing and renaming --------------------------------------------
  // [write on this directory, and on the child's node if one exists]
  // unlinkat(2) with `flags` (AT_REMOVEDIR). The server then marks the child
  // subtree deleted.
  virtual Status Unlink(const path_walk::Name& name, uint32_t flags) {
    (void)name, (void)flags;
    return Errno(ENOSYS);
  }
  // [global] renameat2(2) of `old_name` in this directory to `new_name` in
  // `new_dir` (same connection). flags 0 for RenameAt; RENAME_NOREPLACE /
  // RENAME_EXCHANGE / RENAME_WHITEOUT as sent for RenameAt2. The server then
  // updates the tree and calls Renamed() on every FD below the moved nodes.
  virtual Status RenameAt(const path_walk::Name& old_name, ControlFdImpl& new_dir,
                          const path_walk::Name& new_name, uint32_t flags) {
    (void)old_name, (void)new_dir, (void)new_name, (void)flags;
    return Errno(ENOSYS);
  }
  // [global] This file or an ancestor moved: drop any cached path.
  virtual void Renamed() {}

  // --- host sockets -----------------------------------------------------
  // [read] Connect to this socket file; return a non-blocking connected socket
  // (donated). sock_type: SOCK_STREAM/DGRAM/SEQPACKET, or 0 for "any".
  virtual Result<UniqueFd> Connect(uint32_t sock_type) {
    (void)sock_type;
    return Errno(ENOSYS);
  }
  // [read] Connect with the given credentials.
  virtual Result<UniqueFd> ConnectWithCreds(uint32_t sock_type, wire::UID uid, wire::GID gid) {
    (void)sock_type, (void)uid, (void)gid;
    return Errno(ENOSYS);
  }

  // --- extended attributes ----------------------------------------------
  // [read] The value; `size` is the client's buffer (0: any size). Values over
  // 65535 bytes cannot be sent: the server answers ERANGE for them.
  virtual Result<std::string> GetXattr(const XattrName& name, uint32_t size) {
    (void)name, (void)size;
    return Errno(ENOSYS);
  }
  // [write] `value` is opaque bytes (may contain NUL), at most 65535.
  virtual Status SetXattr(const XattrName& name, std::string_view value, uint32_t flags) {
    (void)name, (void)value, (void)flags;
    return Errno(ENOSYS);
  }
  // [read] Attribute names; `size` is the client's buffer hint.
  virtual Result<std::vector<std::string>> ListXattr(uint64_t size) {
    (void)size;
    return Errno(ENOSYS);
  }
  // [write]
  virtual Status RemoveXattr(const XattrName& name) {
    (void)name;
    return Errno(ENOSYS);
  }

 private:
  friend class ControlFd;
  friend class TreeOps;
  const ControlFd* fd_ = nullptr;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_CONTROL_FD_IMPL_H_
