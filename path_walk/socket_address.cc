#include "path_walk/socket_address.h"

#include <cstddef>
#include <cstring>
#include <string>

#include "path_walk/internal/beneath.h"

namespace hg::path_walk {
namespace {

Result<UnixAddress> FromPath(const std::string& path) {
  UnixAddress a;
  if (path.size() >= sizeof(a.addr.sun_path)) return Errno(ENAMETOOLONG);
  a.addr.sun_family = AF_UNIX;
  std::memcpy(a.addr.sun_path, path.data(), path.size());
  a.addr.sun_path[path.size()] = '\0';
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

}  // namespace

Result<UnixAddress> BindAddress(const ProcSelfFd& proc, const Handle& dir, const Name& name) {
  HG_RETURN_IF_ERROR(internal::RequireDir(dir));
  const std::string path = proc.path() + "/" + FdEntryName(dir.fd()) + "/" + name.str();
  HG_ASSIGN_OR_RETURN(UnixAddress a, FromPath(path));
  HG_RETURN_IF_ERROR(proc.CheckPathStillNamesSelf());
  return a;
}

Result<UnixAddress> ConnectAddress(const ProcSelfFd& proc, const Handle& socket) {
  if (!socket.is_socket()) return Errno(ENOTSOCK);
  HG_ASSIGN_OR_RETURN(UnixAddress a, FromPath(proc.path() + "/" + FdEntryName(socket.fd())));
  HG_RETURN_IF_ERROR(proc.CheckPathStillNamesSelf());
  return a;
}

}  // namespace hg::path_walk
