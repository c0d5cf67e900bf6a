// Backend side of a bound host unix socket created by BindAt (gVisor
// BoundSocketFDImpl). Both operations default to ENOSYS.
//
//   class MySocket final : public BoundSocketFdImpl {
//     Status Listen(int32_t backlog) override {
//       return StatusFromRet(::listen(sock_.get(), backlog));
//     }
//     Result<AcceptResult> Accept() override {
//       UniqueFd c(::accept4(sock_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
//       if (!c.valid()) return Errno::Last();
//       return AcceptResult{std::move(c), ""};
//     }
//     UniqueFd sock_;
//   };
//
// Guarantees: read on the socket file's node for Listen and Accept (the
// server checks first that the node is not deleted); none for the destructor.
#ifndef HARDGOFER_GOFER_SERVER_BOUND_SOCKET_FD_IMPL_H_
#define HARDGOFER_GOFER_SERVER_BOUND_SOCKET_FD_IMPL_H_

#include <cerrno>
#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace hg::server {

class BoundSocketFd;

// An accepted connection: donated to the client (the server closes its copy).
struct AcceptResult {
  UniqueFd socket;        // required
  std::string peer_addr;  // gVisor's stock gofer always sends ""; at most 65535 bytes
};

class BoundSocketFdImpl {
 public:
  BoundSocketFdImpl() = default;
  BoundSocketFdImpl(const BoundSocketFdImpl&) = delete;
  BoundSocketFdImpl& operator=(const BoundSocketFdImpl&) = delete;
  virtual ~BoundSocketFdImpl() = default;

  // Valid in every operation (not in the constructor or destructor).
  const BoundSocketFd& bound_socket_fd() const { return *fd_; }

  virtual Status Listen(int32_t backlog) {
    (void)backlog;
    return Errno(ENOSYS);
  }
  virtual Result<AcceptResult> Accept() { return Errno(ENOSYS); }

 private:
  friend class BoundSocketFd;
  friend class TreeOps;
  const BoundSocketFd* fd_ = nullptr;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_BOUND_SOCKET_FD_IMPL_H_
