#include "extensions/encrypted/encrypted_extension.h"

#include <cerrno>

#include "extensions/encrypted/encrypted_store.h"
#include "extensions/host_tree/host_tree.h"

namespace hg::encrypted {
namespace {

constexpr server::OptionSpec kOptions[] = {
    {"key_file", /*operator_only=*/true},
};

bool ClaimsAny(const server::Extension& e, const oci::Spec& spec) {
  if (e.Claims(spec, nullptr)) return true;
  for (const oci::Mount& m : spec.mounts) {
    if (e.Claims(spec, &m)) return true;
  }
  return false;
}

Status Fail(std::string* why, int err, std::string msg) {
  if (why != nullptr) *why = "extension 'encrypted': " + std::move(msg);
  return Errno(err);
}

}  // namespace

bool EncryptedExtension::Claims(const oci::Spec& spec, const oci::Mount* mount) const {
  return server::SelectedExtension(spec, mount) == kName;
}

seccomp::RuleSet EncryptedExtension::SeccompRules() const {
  seccomp::RuleSet r("extension:encrypted");
  const std::string src = "extension:encrypted";
  r.AllowAny("getrandom", {"getrandom", "fresh file and session ids (RAND_bytes)", src});
  r.AllowAny("pread64", {"pread64", "reading sealed chunk records and headers", src});
  r.AllowAny("pwrite64", {"pwrite64", "writing sealed chunk records and headers", src});
  r.AllowAny("ftruncate", {"ftruncate", "shrinking a file's records on truncate", src});
  r.AllowAny("fstatfs", {"fstatfs", "free-space check before growing a file", src});
  r.AllowAny("fsync", {"fsync", "FSync RPC on the host file", src});
  return r;
}

Status EncryptedExtension::PrepareGofer(const server::PrepareContext& ctx) {
  if (!ClaimsAny(*this, ctx.spec)) return Status::Ok();  // serves nothing: needs no key
  // Per-mount annotations cannot carry a key file (ResolveOptions refuses
  // them), so the operator options decide for every mount.
  HG_ASSIGN_OR_RETURN(
      server::ExtensionOptions opts,
      server::ResolveOptions(kName, kOptions, ctx.options, ctx.spec, nullptr, ctx.why));
  auto it = opts.find("key_file");
  if (it == opts.end() || it->second.empty()) {
    return Fail(ctx.why, EINVAL,
                "option 'key_file' is required (32 raw bytes; operator policy or "
                "--extension-opt key_file=PATH)");
  }
  std::string why;
  Result<Key> key = Key::LoadFromFile(it->second, &why);
  if (!key.ok()) return Fail(ctx.why, key.error().value(), "key_file: " + why);
  key_ = std::make_shared<const Key>(std::move(key).value());
  // The key is in memory now; the key file's descriptor is already closed,
  // so nothing here has to survive confinement (FdsToKeep stays empty).
  return Status::Ok();
}

Result<std::optional<server::HandledMount>> EncryptedExtension::TryHandleMount(
    const server::MountRequest& req) {
  if (!Claims(req.spec, req.mount)) return std::optional<server::HandledMount>();
  // Validates this mount's annotations (unknown keys, a tenant key_file).
  HG_ASSIGN_OR_RETURN(
      server::ExtensionOptions opts,
      server::ResolveOptions(kName, kOptions, req.options, req.spec, req.mount, req.why));
  (void)opts;
  if (key_ == nullptr) {
    return Fail(req.why, EINVAL, "no key loaded: PrepareGofer did not run or had no key_file")
        .error();
  }
  HG_ASSIGN_OR_RETURN(fsgofer::HostResources host, host_tree::HostResourcesFor(req));
  server::HandledMount h;
  h.impl = std::make_unique<host_tree::TreeConnection>(
      std::move(host), std::make_shared<EncryptedStore>(key_), req.readonly);
  h.opts = host_tree::TreeConnectionOpts(req.readonly);
  return std::optional<server::HandledMount>(std::move(h));
}

}  // namespace hg::encrypted
