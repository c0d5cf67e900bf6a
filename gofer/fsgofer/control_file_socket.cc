// ControlFile: host unix sockets, when the mount's host-UDS mode allows.
//
// bind(2)/connect(2) take paths; path_walk builds them from our own
// descriptors' magic links (socket_address.h), so a symlink swapped into the
// parent path can never redirect them.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "gofer/fsgofer/control_file.h"
#include "gofer/fsgofer/host_stat.h"
#include "gofer/fsgofer/open_file.h"
#include "path_walk/socket_address.h"
#include "path_walk/unlink_at.h"
#include "path_walk/walk.h"

namespace hg::fsgofer {
namespace {

bool SockTypeSupported(uint32_t t) {
  return t == SOCK_STREAM || t == SOCK_DGRAM || t == SOCK_SEQPACKET;
}

Result<UniqueFd> NewSocket(uint32_t type) {
  // Non-blocking: connect/accept must never park a serving thread; the
  // client waits on the donated FD.
  UniqueFd s(::socket(AF_UNIX, static_cast<int>(type) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.valid()) return Errno::Last();
  return s;
}

// Effective ids of the calling thread only, for one operation. glibc's
// set*id() change every thread of the process (they broadcast a signal), so
// the raw syscalls are used: other threads keep serving with the server's
// own ids. The saved ids are restored before the thread does anything else;
// if that fails the thread would serve later requests with a client's ids,
// so the process aborts instead (gVisor panics in the same case).
class BorrowedIds {
 public:
  static Result<BorrowedIds> Assume(wire::UID uid, wire::GID gid) {
    BorrowedIds b;
    b.euid_ = static_cast<uid_t>(::syscall(SYS_geteuid));
    b.egid_ = static_cast<gid_t>(::syscall(SYS_getegid));
    if (::syscall(SYS_setresgid, -1, gid, -1) != 0) return Errno::Last();
    if (::syscall(SYS_setresuid, -1, uid, -1) != 0) {
      Errno e = Errno::Last();
      if (::syscall(SYS_setresgid, -1, b.egid_, -1) != 0) std::abort();
      return e;
    }
    b.active_ = true;
    return b;
  }
  BorrowedIds(BorrowedIds&& o) noexcept : euid_(o.euid_), egid_(o.egid_), active_(o.active_) {
    o.active_ = false;
  }
  BorrowedIds& operator=(BorrowedIds&&) = delete;
  ~BorrowedIds() {
    if (!active_) return;
    // uid first: regaining the saved uid is what permits changing the gid back.
    if (::syscall(SYS_setresuid, -1, euid_, -1) != 0) std::abort();
    if (::syscall(SYS_setresgid, -1, egid_, -1) != 0) std::abort();
  }

 private:
  BorrowedIds() = default;
  uid_t euid_ = 0;
  gid_t egid_ = 0;
  bool active_ = false;
};

}  // namespace

Result<server::BindResult> ControlFile::BindAt(const path_walk::Name& name, uint32_t sock_type,
                                               uint16_t mode, wire::UID uid, wire::GID gid) {
  HG_RETURN_IF_ERROR(CheckWritable("BindAt", &name));
  if (!AllowsCreate(mount_->rules().host_uds)) return Refuse(Rule::kHostUds, "BindAt", &name);
  HG_RETURN_IF_ERROR(CheckName(name, "BindAt"));
  if (!SockTypeSupported(sock_type)) return Errno(ENXIO);
  HG_ASSIGN_OR_RETURN(UniqueFd sock, NewSocket(sock_type));
  // bind(2) creates the file with the socket inode's mode (minus umask).
  if (::fchmod(sock.get(), mode & 07777) != 0) return Errno::Last();
  HG_ASSIGN_OR_RETURN(path_walk::UnixAddress addr,
                      path_walk::BindAddress(mount_->proc(), h_, name));
  if (::bind(sock.get(), addr.get(), addr.len) != 0) return Errno::Last();
  auto remove = [&] { (void)path_walk::UnlinkAt(h_, name, 0); };
  Result<path_walk::WalkResult> w = path_walk::Walk(h_, std::span<const path_walk::Name>(&name, 1));
  if (!w.ok() || w->status != path_walk::WalkStatus::kSuccess || w->steps.empty()) {
    remove();
    return w.ok() ? Errno(EAGAIN) : w.error();
  }
  path_walk::Child child = std::move(w->steps[0]);
  if (!child.handle.is_socket()) return Errno(EAGAIN);  // replaced by the host: leave it
  HG_RETURN_IF_ERROR(ChownNewOrRemove(child.handle, name, uid, gid, false));
  if (uid != wire::kNoUID || gid != wire::kNoGID) {
    Result<path_walk::Statx> st = child.handle.Stat();
    if (!st.ok()) {
      remove();
      return st.error();
    }
    child.stat = *st;
  }
  UniqueFd dup(::fcntl(sock.get(), F_DUPFD_CLOEXEC, 0));
  if (!dup.valid()) {
    Errno e = Errno::Last();
    remove();
    return e;
  }
  server::BindResult r;
  r.child = Adopt(std::move(child));
  r.bound = std::make_unique<BoundSocket>(std::move(sock));
  r.socket = std::move(dup);
  return r;
}

Result<UniqueFd> ControlFile::Connect(uint32_t sock_type) {
  if (!AllowsOpen(mount_->rules().host_uds)) return Refuse(Rule::kHostUds, "Connect");
  HG_RETURN_IF_ERROR(CheckSelf("Connect"));
  if (!h_.is_socket()) return Errno(ENOTSOCK);
  if (!SockTypeSupported(sock_type)) return Errno(ENXIO);
  HG_ASSIGN_OR_RETURN(path_walk::UnixAddress addr, path_walk::ConnectAddress(mount_->proc(), h_));
  HG_ASSIGN_OR_RETURN(UniqueFd sock, NewSocket(sock_type));
  if (::connect(sock.get(), addr.get(), addr.len) != 0) return Errno::Last();
  return sock;
}

Result<UniqueFd> ControlFile::ConnectWithCreds(uint32_t sock_type, wire::UID uid, wire::GID gid) {
  if (!AllowsOpen(mount_->rules().host_uds)) return Refuse(Rule::kHostUds, "ConnectWithCreds");
  HG_RETURN_IF_ERROR(CheckSelf("ConnectWithCreds"));
  if (!h_.is_socket()) return Errno(ENOTSOCK);
  if (!SockTypeSupported(sock_type)) return Errno(ENXIO);
  HG_ASSIGN_OR_RETURN(path_walk::UnixAddress addr, path_walk::ConnectAddress(mount_->proc(), h_));
  HG_ASSIGN_OR_RETURN(UniqueFd sock, NewSocket(sock_type));
  // The peer sees these credentials (SO_PEERCRED is taken at connect), and
  // the socket file's permissions are checked against them.
  HG_ASSIGN_OR_RETURN(BorrowedIds ids, BorrowedIds::Assume(uid, gid));
  if (::connect(sock.get(), addr.get(), addr.len) != 0) return Errno::Last();
  return sock;
}

}  // namespace hg::fsgofer
