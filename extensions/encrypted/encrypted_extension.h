// The "encrypted" gofer extension: serves a mount with every regular file
// encrypted at rest (AES-256-GCM chunks, docs/encryption-format.md).
//
//   reg.Register(std::make_unique<hg::encrypted::EncryptedExtension>());
//   // tenant:   dev.gvisor.spec.mount.data.source=/srv/data   (the gVisor hint)
//   //           dev.hardgofer.mount.data.extension=encrypted
//   // operator: key_file=/etc/hardgofer/data.key   (32 raw bytes; operator policy
//   //           or `serve --extension-opt key_file=...`)
//
// Options (all operator-only; see OptionSpec): key_file. The key is read in
// PrepareGofer, before confinement, and wiped (OPENSSL_cleanse) when the
// extension is destroyed at exit; EncryptedFile keeps only per-file keys
// derived from it. It cannot donate host FDs (they would expose ciphertext and
// skip authentication), so the policy compiler insists its mounts run with
// directfs off.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_EXTENSION_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_EXTENSION_H_

#include <memory>
#include <optional>

#include "extensions/encrypted/key.h"
#include "gofer/fsgofer/mount_state.h"
#include "gofer/server/extension.h"

namespace hg::encrypted {

class EncryptedExtension final : public server::Extension {
 public:
  static constexpr std::string_view kName = "encrypted";

  std::string_view Name() const override { return kName; }
  std::string_view Version() const override { return "1"; }
  bool Claims(const oci::Spec& spec, const oci::Mount* mount) const override;
  bool CanDonateHostFds() const override { return false; }
  bool NeedsKeyFiles() const override { return true; }
  seccomp::RuleSet SeccompRules() const override;
  // Loads key_file when any mount of the spec is claimed (EINVAL without one).
  Status PrepareGofer(const server::PrepareContext& ctx) override;
  Result<std::optional<server::HandledMount>> TryHandleMount(
      const server::MountRequest& req) override;

 private:
  std::shared_ptr<const Key> key_;
};

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_EXTENSION_H_
