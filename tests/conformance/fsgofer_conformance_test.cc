// The conformance suite (gVisor's pkg/lisafs/testsuite scenarios) against
// fsgofer, configured as gVisor runs its testsuite against runsc's gofer:
// host UDS "all", host FDs donated, links and owners supported.
#include "gofer/fsgofer/fs_connection.h"
#include "tests/conformance/register.h"

namespace hg::conformance {
namespace {

Backend FsgoferBackend() {
  Backend b;
  b.name = "fsgofer";
  b.caps.host_fds = true;
  b.caps.host_view = true;
  b.caps.link = true;
  b.caps.set_owner = true;
  b.caps.mknod = true;
  b.caps.uds = true;
  b.factory = [](const std::string& root) -> Result<server::ConnectionConfig> {
    fsgofer::FsgoferConfig cfg;
    cfg.rules.host_uds = fsgofer::HostUds::kAll;
    HG_ASSIGN_OR_RETURN(cfg.host, fsgofer::HostResources::Open());
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = fsgofer::ConnectionOptsFor(cfg.rules);
    HG_ASSIGN_OR_RETURN(cc.impl, fsgofer::FsConnectionImpl::Create(std::move(cfg)));
    return cc;
  };
  return b;
}

// fsgofer with the stock gofer's rules (no host sockets), declared so: the
// UDS scenario's refusal branch (an errno, no socket file left, the
// connection still serving) runs against a real backend too.
Backend FsgoferNoUdsBackend() {
  Backend b = FsgoferBackend();
  b.name = "fsgofer_stock";
  b.caps.uds = false;
  b.factory = [](const std::string& root) -> Result<server::ConnectionConfig> {
    fsgofer::FsgoferConfig cfg;
    HG_ASSIGN_OR_RETURN(cfg.host, fsgofer::HostResources::Open());
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = fsgofer::ConnectionOptsFor(cfg.rules);
    HG_ASSIGN_OR_RETURN(cc.impl, fsgofer::FsConnectionImpl::Create(std::move(cfg)));
    return cc;
  };
  return b;
}

const bool kRegistered = [] {
  RegisterConformanceTests(FsgoferBackend());
  RegisterConformanceTests(FsgoferNoUdsBackend());
  return true;
}();

}  // namespace
}  // namespace hg::conformance
