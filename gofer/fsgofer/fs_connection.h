// fsgofer: the host-filesystem backend of the LisaFS server (gVisor's
// runsc/fsgofer), built on path_walk.
//
//   HG_ASSIGN_OR_RETURN(HostResources host, HostResources::Open());   // before confinement
//   MountRules rules;  rules.readonly = true;
//   HG_ASSIGN_OR_RETURN(auto impl, FsConnectionImpl::Create({.rules = rules, .host = host}));
//   server.StartConnection(std::move(sock), {.mount_path = "/srv/vol",
//                                            .opts = ConnectionOptsFor(rules),
//                                            .impl = std::move(impl)});
//
// Serves every LisaFS message but Flush (as the stock gofer). What a mount
// allows beyond plain files (host sockets, FIFOs, xattr namespaces, a size
// limit, read-only) is its MountRules; refusals use distinct errnos
// (mount_rules.h).
#ifndef HARDGOFER_GOFER_FSGOFER_FS_CONNECTION_H_
#define HARDGOFER_GOFER_FSGOFER_FS_CONNECTION_H_

#include <memory>
#include <vector>

#include "base/result.h"
#include "gofer/fsgofer/mount_rules.h"
#include "gofer/fsgofer/mount_state.h"
#include "gofer/server/connection_impl.h"
#include "path_walk/mount_root.h"

namespace hg::fsgofer {

struct FsgoferConfig {
  MountRules rules;
  HostResources host;
  // How path_walk resolves below the root (resolver, no_xdev).
  path_walk::Options walk;
};

// The ConnectionOpts that go with `rules`: gVisor's fsgofer.ConnectionOpts
// (WalkStat by the backend; SetStat, FAllocate and OpenAt allowed on
// deleted nodes, which is safe because every op works on handles).
server::ConnectionOpts ConnectionOptsFor(const MountRules& rules);

class FsConnectionImpl final : public server::ConnectionImpl {
 public:
  // EINVAL without host.proc or with a deny pattern that does not compile.
  static Result<std::unique_ptr<FsConnectionImpl>> Create(FsgoferConfig cfg);

  // Opens the mount path as a path_walk MountRoot (a directory or a regular
  // file; other types EINVAL). Donates the root's host FD when
  // rules.donate_mount_fd.
  Result<server::MountResult> Mount(const server::MountPoint& mount) override;
  std::vector<wire::MID> SupportedMessages() const override;

 private:
  FsConnectionImpl(FsgoferConfig cfg, std::shared_ptr<const DenyList> deny)
      : cfg_(std::move(cfg)), deny_(std::move(deny)) {}
  FsgoferConfig cfg_;
  std::shared_ptr<const DenyList> deny_;
};

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_FS_CONNECTION_H_
