#include "gofer/fsgofer/fs_connection.h"

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "gofer/fsgofer/control_file.h"
#include "gofer/fsgofer/host_stat.h"
#include "path_walk/open_at.h"

namespace hg::fsgofer {

Result<HostResources> HostResources::Open(std::string_view proc_mount) {
  HostResources h;
  HG_ASSIGN_OR_RETURN(path_walk::ProcSelfFd proc, path_walk::ProcSelfFd::Open(proc_mount));
  h.proc = std::make_shared<const path_walk::ProcSelfFd>(std::move(proc));
  HG_ASSIGN_OR_RETURN(h.mounts, MountTable::Open(proc_mount));
  return h;
}

server::ConnectionOpts ConnectionOptsFor(const MountRules& rules) {
  server::ConnectionOpts o;
  o.readonly = rules.readonly;
  o.walk_stat_supported = true;
  o.set_attr_on_deleted = true;
  o.allocate_on_deleted = true;
  o.open_on_deleted = true;
  return o;
}

Result<std::unique_ptr<FsConnectionImpl>> FsConnectionImpl::Create(FsgoferConfig cfg) {
  if (cfg.host.proc == nullptr) return Errno(EINVAL);
  HG_ASSIGN_OR_RETURN(std::shared_ptr<const DenyList> deny,
                      DenyList::Compile(cfg.rules.deny_patterns));
  return std::unique_ptr<FsConnectionImpl>(new FsConnectionImpl(std::move(cfg), std::move(deny)));
}

Result<server::MountResult> FsConnectionImpl::Mount(const server::MountPoint& mp) {
  HG_ASSIGN_OR_RETURN(path_walk::MountRoot root, path_walk::OpenMountRoot(mp.host_path, cfg_.walk));
  HG_ASSIGN_OR_RETURN(path_walk::Statx st, root.handle().Stat());
  HG_ASSIGN_OR_RETURN(path_walk::Handle h, root.handle().Dup());
  auto state = std::make_shared<const MountState>(std::move(root), cfg_.host, cfg_.rules, deny_);
  server::MountResult r;
  r.stat = ToWireStatx(st);
  if (cfg_.rules.donate_mount_fd) {
    // O_NONBLOCK: a FIFO is never a mount root, but a donated FD must never
    // make the client block where it did not ask to.
    HG_ASSIGN_OR_RETURN(r.donate, path_walk::Reopen(state->proc(), h, O_RDONLY | O_NONBLOCK));
  }
  r.root = std::make_unique<ControlFile>(std::move(state), std::move(h));
  return r;
}

std::vector<wire::MID> FsConnectionImpl::SupportedMessages() const {
  std::vector<wire::MID> mids;
  for (uint16_t m = 1; m < wire::kNumMids; ++m) {
    // Flush is not served, as in the stock gofer: gVisor's client then
    // treats it as a no-op without an RPC.
    if (static_cast<wire::MID>(m) == wire::MID::kFlush) continue;
    mids.push_back(static_cast<wire::MID>(m));
  }
  return mids;
}

}  // namespace hg::fsgofer
