// The seam between the LisaFS server and a filesystem backend (fsgofer, an
// extension, a test double): gVisor's ConnectionImpl + ControlFDImpl +
// OpenFDImpl + BoundSocketFDImpl. A backend implements these; the server does
// everything protocol- and tree-related (decoding, FDIDs, nodes, locks,
// limits, deleted-node rules, rename bookkeeping, FD donation).
//
// Implementing a backend:
//
//   class DirImpl final : public hg::server::ControlFdImpl {
//    public:
//     explicit DirImpl(hg::UniqueFd fd) : fd_(std::move(fd)) {}
//     hg::Result<hg::wire::Statx> Stat() override { return StatxOf(fd_.get()); }
//     hg::Result<hg::server::NewFile> Walk(const hg::path_walk::Name& name) override {
//       hg::UniqueFd c(::openat(fd_.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
//       if (!c.valid()) return hg::Errno::Last();
//       HG_ASSIGN_OR_RETURN(hg::wire::Statx st, StatxOf(c.get()));
//       return hg::server::NewFile{std::make_unique<DirImpl>(std::move(c)), st};
//     }
//     // ... only the ops you support; the rest answer ENOSYS.
//    private:
//     hg::UniqueFd fd_;
//   };
//
//   class MyBackend final : public hg::server::ConnectionImpl {
//    public:
//     hg::Result<hg::server::MountResult> Mount(const hg::server::MountPoint& mp) override {
//       hg::UniqueFd root(::open(std::string(mp.host_path).c_str(),
//                                O_PATH | O_NOFOLLOW | O_CLOEXEC));
//       if (!root.valid()) return hg::Errno::Last();
//       HG_ASSIGN_OR_RETURN(hg::wire::Statx st, StatxOf(root.get()));
//       return hg::server::MountResult{std::make_unique<DirImpl>(std::move(root)), st, {}};
//     }
//     std::vector<hg::wire::MID> SupportedMessages() const override {
//       return {hg::wire::MID::kMount, hg::wire::MID::kChannel, hg::wire::MID::kFStat,
//               hg::wire::MID::kWalk, hg::wire::MID::kClose};
//     }
//   };
//
//   hg::server::Server server;
//   auto conn = server.StartConnection(std::move(sock), {
//       .mount_path = "/srv/vol", .opts = {.readonly = true},
//       .impl = std::make_unique<MyBackend>()});
//   server.Wait();                        // returns when every peer has gone
//
// Only MIDs listed by SupportedMessages() (and allowed by
// ConnectionOpts::allowed_mids) are advertised at Mount and dispatched; list
// kMount, kChannel and kClose unless you have a reason not to (gVisor's client
// needs them). A listed MID whose op you did not override answers ENOSYS.
#ifndef HARDGOFER_GOFER_SERVER_CONNECTION_IMPL_H_
#define HARDGOFER_GOFER_SERVER_CONNECTION_IMPL_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/server/bound_socket_fd_impl.h"  // IWYU pragma: export
#include "gofer/server/connection_opts.h"       // IWYU pragma: export
#include "gofer/server/control_fd.h"            // IWYU pragma: export
#include "gofer/server/control_fd_impl.h"       // IWYU pragma: export
#include "gofer/server/node.h"                  // IWYU pragma: export
#include "gofer/server/open_fd_impl.h"          // IWYU pragma: export
#include "gofer/server/request_strings.h"       // IWYU pragma: export
#include "gofer/server/sinks.h"                 // IWYU pragma: export
#include "gofer/wire/max_message_size.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/statx.h"

namespace hg::server {

class Connection;

// What Mount is given. The mount path is trusted configuration (from the
// sandbox spec, never from the client); the server has already walked its
// node tree to `node` (creating nodes) and holds a read guarantee on it.
struct MountPoint {
  const Node& node;
  std::string_view host_path;  // absolute, cleaned: "/srv/vol"
  const ConnectionOpts& opts;
  Connection& connection;
};

struct MountResult {
  std::unique_ptr<ControlFdImpl> root;  // required: the mount root's control FD
  wire::Statx stat;                     // its stat (its S_IFMT is the root's file type)
  UniqueFd donate;                      // optional host FD of the mount point (directfs)
};

class ConnectionImpl {
 public:
  virtual ~ConnectionImpl() = default;

  // Called for the (only) Mount RPC, with a read guarantee on the mount node.
  virtual Result<MountResult> Mount(const MountPoint& mount) = 0;
  // MIDs this backend serves (see the header comment). Read once, at connection
  // creation; must include kMount.
  virtual std::vector<wire::MID> SupportedMessages() const = 0;
  // Largest payload (header excluded) either side may send; advertised at
  // Mount, sizes the channel windows. Read once; must be ≥ 256 (a Mount
  // response must fit) and at most gVisor's default.
  virtual uint32_t MaxMessageSize() const { return wire::MaxMessageSize(); }
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_CONNECTION_IMPL_H_
