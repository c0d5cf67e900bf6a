// The conformance suite (tests/conformance: our mirror of gVisor's
// pkg/lisafs/testsuite) against both extensions.
//
// encrypted: every scenario runs; the capabilities say where its semantics
// differ, and the suite then checks the clean refusal instead:
//   host_fds  = false  it never donates host FDs (they would expose ciphertext)
//   host_view = false  host files hold ciphertext, so byte/size cross-checks
//                      against the host are skipped (names still match)
//   mknod     = true   MknodAt of regular files makes an empty encrypted file
//   uds       = false  no host sockets (FIFOs, devices: EPERM)
// tiered_cache: default options (cache = a private temporary directory),
// every scenario, host FDs (of the cache-tier copies), links, owners, mknod.
//   host_view = false  the backing tier (the host directory) receives data by
//                      write-back, asynchronously after FSync/Close, so the
//                      suite's immediate byte/size cross-checks do not hold by
//                      design; names, types and inode numbers do. What reaches
//                      the backing tier, and when, is checked by
//                      tiered_cache_rpc_test and the kill test.
#include <memory>

#include "extensions/encrypted/encrypted_store.h"
#include "extensions/host_tree/host_tree.h"
#include "extensions/tiered_cache/tiered_cache_extension.h"
#include "gofer/fsgofer/mount_state.h"
#include "tests/conformance/register.h"
#include "tests/extensions/ext_test_util.h"

namespace hg::conformance {
namespace {

Backend EncryptedBackend() {
  Backend b;
  b.name = "encrypted";
  b.caps.host_fds = false;
  b.caps.host_view = false;
  b.caps.link = true;
  b.caps.set_owner = true;
  b.caps.mknod = true;
  b.caps.uds = false;
  b.factory = [](const std::string& root) -> Result<server::ConnectionConfig> {
    HG_ASSIGN_OR_RETURN(encrypted::Key key, encrypted::Key::Generate());
    auto shared = std::make_shared<const encrypted::Key>(std::move(key));
    HG_ASSIGN_OR_RETURN(fsgofer::HostResources host, fsgofer::HostResources::Open());
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = host_tree::TreeConnectionOpts(false);
    cc.impl = std::make_unique<host_tree::TreeConnection>(
        std::move(host), std::make_shared<encrypted::EncryptedStore>(shared), false);
    return cc;
  };
  return b;
}

// Owns the extension that made `inner`, so the extension (its cache tier,
// write-back thread and private cache directory) lives exactly as long as the
// connection's backend, and the suite's host-FD leak check sees it all go.
class OwningImpl final : public server::ConnectionImpl {
 public:
  OwningImpl(std::unique_ptr<server::Extension> ext, std::unique_ptr<server::ConnectionImpl> inner)
      : ext_(std::move(ext)), inner_(std::move(inner)) {}
  ~OwningImpl() override {
    inner_.reset();
    ext_.reset();
  }
  Result<server::MountResult> Mount(const server::MountPoint& mp) override {
    return inner_->Mount(mp);
  }
  std::vector<wire::MID> SupportedMessages() const override { return inner_->SupportedMessages(); }
  uint32_t MaxMessageSize() const override { return inner_->MaxMessageSize(); }

 private:
  std::unique_ptr<server::Extension> ext_;
  std::unique_ptr<server::ConnectionImpl> inner_;
};

// Through the extension itself, as `serve --extension tiered_cache` would,
// with default options.
Backend TieredCacheBackend() {
  Backend b;
  b.name = "tiered_cache";
  b.caps.host_fds = true;
  b.caps.host_view = false;
  b.caps.link = true;
  b.caps.set_owner = true;
  b.caps.mknod = true;
  b.caps.uds = false;
  b.factory = [](const std::string& root) -> Result<server::ConnectionConfig> {
    auto ext = std::make_unique<tiered_cache::TieredCacheExtension>();
    oci::Spec spec = ext_testing::ServeSpec("tiered_cache");
    server::ExtensionOptions opts;
    server::PrepareContext pc{spec, "", opts};
    HG_RETURN_IF_ERROR(ext->PrepareGofer(pc));
    server::MountRequest req{spec, nullptr, root, false, opts};
    HG_ASSIGN_OR_RETURN(std::optional<server::HandledMount> h, ext->TryHandleMount(req));
    if (!h.has_value()) return Errno(ENOENT);
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = h->opts;
    cc.impl = std::make_unique<OwningImpl>(std::move(ext), std::move(h->impl));
    return cc;
  };
  return b;
}

const bool kRegistered = [] {
  RegisterConformanceTests(EncryptedBackend());
  RegisterConformanceTests(TieredCacheBackend());
  return true;
}();

}  // namespace
}  // namespace hg::conformance
