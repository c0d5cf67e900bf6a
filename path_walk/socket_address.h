// Unix socket addresses that reach a socket through our handles.
//
//   HG_ASSIGN_OR_RETURN(UnixAddress a, BindAddress(proc, dir, name));
//   ::bind(sock.get(), a.get(), a.len);        // creates dir/name
//   HG_ASSIGN_OR_RETURN(UnixAddress c, ConnectAddress(proc, socket_handle));
//   ::connect(sock.get(), c.get(), c.len);
//
// bind(2) and connect(2) take a path, not a directory fd, so the path goes
// through our own descriptors' magic links under ProcSelfFd::path():
//   bind:    "<proc>/<dirfd>/<name>"  the directory we hold, then one new
//            component; bind never follows the last component, so an entry
//            already at `name` (even a symlink to outside) fails the bind.
//   connect: "<proc>/<fd>" of the socket's own handle. Deliberately *not*
//            "<proc>/<dirfd>/<name>": connect follows a trailing symlink, so
//            that form would let a symlink planted at `name` connect us to
//            any socket on the host. The handle was walked with O_NOFOLLOW
//            and must be a socket (ENOTSOCK otherwise).
// sun_path holds 107 bytes plus its NUL; a longer address is ENAMETOOLONG.
// Each call first checks that ProcSelfFd::path() still names our procfs
// directory (ESTALE otherwise), so a server whose "/proc" went away or was
// replaced fails closed instead of resolving somebody else's path.
#ifndef HARDGOFER_PATH_WALK_SOCKET_ADDRESS_H_
#define HARDGOFER_PATH_WALK_SOCKET_ADDRESS_H_

#include <sys/socket.h>
#include <sys/un.h>

#include "base/result.h"
#include "path_walk/handle.h"
#include "path_walk/name.h"
#include "path_walk/proc_self_fd.h"

namespace hg::path_walk {

struct UnixAddress {
  sockaddr_un addr{};
  socklen_t len = 0;  // offsetof(sun_path) + strlen(sun_path) + 1
  const struct sockaddr* get() const { return reinterpret_cast<const struct sockaddr*>(&addr); }
};

Result<UnixAddress> BindAddress(const ProcSelfFd& proc, const Handle& dir, const Name& name);
Result<UnixAddress> ConnectAddress(const ProcSelfFd& proc, const Handle& socket);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_SOCKET_ADDRESS_H_
