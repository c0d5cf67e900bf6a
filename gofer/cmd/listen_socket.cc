#include "gofer/cmd/listen_socket.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hg::cmd {
namespace {

Result<sockaddr_un> AddressOf(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.find('\0') != std::string::npos) return Errno(EINVAL);
  if (path.size() >= sizeof(a.sun_path)) return Errno(ENAMETOOLONG);
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

}  // namespace

Result<ListenSocket> ListenSocket::Create(const std::string& path, int backlog) {
  if (Result<sockaddr_un> a = AddressOf(path); !a.ok()) return a.error();
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) return Errno(EEXIST);
  if (errno != ENOENT) return Errno::Last();

  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock.valid()) return Errno::Last();
  // bind(2) creates the file with the socket inode's mode minus the umask,
  // so 0600 here means the name never exists with a looser mode.
  if (::fchmod(sock.get(), 0600) != 0) return Errno::Last();

  // Bind under a temporary name next to the final one (same directory, so
  // the rename cannot cross filesystems); fall back to the final name when
  // the temporary one would not fit sun_path.
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const bool use_tmp = AddressOf(tmp).ok();
  if (!use_tmp) tmp = path;
  HG_ASSIGN_OR_RETURN(sockaddr_un addr, AddressOf(tmp));
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Errno::Last();
  }
  auto unlink_tmp = [&] { ::unlink(tmp.c_str()); };
  if (::chmod(tmp.c_str(), 0600) != 0 || ::listen(sock.get(), backlog) != 0 ||
      ::lstat(tmp.c_str(), &st) != 0) {
    Errno e = Errno::Last();
    unlink_tmp();
    return e;
  }
  if (use_tmp &&
      ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    Errno e = Errno::Last();
    unlink_tmp();
    return e;
  }
  return ListenSocket(std::move(sock), path, st.st_dev, st.st_ino);
}

ListenSocket::~ListenSocket() {
  if (!fd_.valid()) return;
  // Only our own socket: if something replaced the name, it is not ours.
  struct stat st;
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

Result<UniqueFd> ListenSocket::Accept() const {
  for (;;) {
    UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (c.valid()) return c;
    if (errno == EINTR || errno == ECONNABORTED) continue;
    return Errno::Last();
  }
}

PeerCheck CheckPeer(int conn, const std::vector<uint32_t>& extra_uids) {
  PeerCheck out;
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
    return out;
  }
  out.uid = cred.uid;
  out.pid = cred.pid;
  out.allowed = cred.uid == ::geteuid() ||
                std::find(extra_uids.begin(), extra_uids.end(), cred.uid) != extra_uids.end();
  return out;
}

}  // namespace hg::cmd
