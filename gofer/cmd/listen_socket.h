// The listening socket of `hardgofer serve --listen`: created with mode 0600,
// ready before its name appears, removed again on exit, and each peer's
// credentials checked before it is served.
//
//   HG_ASSIGN_OR_RETURN(ListenSocket ls, ListenSocket::Create("/run/gofer.sock"));
//   HG_ASSIGN_OR_RETURN(UniqueFd conn, ls.Accept());
//   PeerCheck check = CheckPeer(conn.get(), allowed_uids);
//   if (!check.allowed) { log(check.uid); continue; }   // conn closes
//
// Why 0600 and SO_PEERCRED: whoever connects gets a LisaFS session on the
// served tree, i.e. everything the gofer may do there. The mode keeps other
// users from connecting at all; the credential check covers sockets in
// directories where permissions are not enough (and root, who ignores them).
// The socket is bound under a temporary name, made 0600 before bind (so no
// looser mode ever exists), put in the listening state, and only then renamed
// to its final name (without replacing anything): a client that sees the
// name can connect, with no ECONNREFUSED window.
#ifndef HARDGOFER_GOFER_CMD_LISTEN_SOCKET_H_
#define HARDGOFER_GOFER_CMD_LISTEN_SOCKET_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace hg::cmd {

class ListenSocket {
 public:
  // EEXIST if `path` already exists (never replaced), ENAMETOOLONG if it does
  // not fit a sockaddr_un, or the errno of socket/bind/listen/rename.
  static Result<ListenSocket> Create(const std::string& path, int backlog = 128);

  ListenSocket(ListenSocket&&) noexcept = default;
  ListenSocket& operator=(ListenSocket&&) = delete;
  // Removes the socket's name if it still names our socket.
  ~ListenSocket();

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  // accept4(SOCK_CLOEXEC); EAGAIN when nothing is pending (non-blocking).
  Result<UniqueFd> Accept() const;

 private:
  ListenSocket(UniqueFd fd, std::string path, dev_t dev, ino_t ino)
      : fd_(std::move(fd)), path_(std::move(path)), dev_(dev), ino_(ino) {}
  UniqueFd fd_;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

struct PeerCheck {
  bool allowed = false;
  uint32_t uid = 0;
  int32_t pid = 0;
};

// SO_PEERCRED of `conn`: allowed when the peer's uid is ours (euid) or in
// `extra_uids`. A socket without credentials is refused.
PeerCheck CheckPeer(int conn, const std::vector<uint32_t>& extra_uids);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_LISTEN_SOCKET_H_
