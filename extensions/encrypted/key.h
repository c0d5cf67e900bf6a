// The operator's master key for encrypted mounts: 32 raw bytes from a key file.
//
//   std::string why;
//   Result<Key> key = Key::LoadFromFile("/etc/hardgofer/mount.key", &why);
//   if (!key.ok()) { fprintf(stderr, "%s\n", why.c_str()); return key.error(); }
//   auto file = EncryptedFile::Open(*key, std::move(host_fd));
//
// Load it before confinement (the sandboxed gofer cannot open host paths), and
// only from a path the operator gave — never from a tenant's annotations: a
// tenant who picks the key file picks a key they know.
//
// The file checks exist because whoever can replace the key file can make the
// gofer encrypt new data under a key they know: it must be a regular file (not a
// FIFO or device another process feeds), owned by root or the gofer's effective
// user, and not writable by group or others. Symlinks are followed (secret
// mounts are usually symlink farms); the checks apply to the file finally opened.
//
// The bytes are wiped with OPENSSL_cleanse when the Key is destroyed or moved
// from, and a Key cannot be copied, so exactly one copy of the master key exists
// per Key object. EncryptedFile does not keep the master key: it keeps only the
// per-file key derived from it.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_KEY_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_KEY_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "extensions/encrypted/secret_bytes.h"

namespace hg::encrypted {

class Key {
 public:
  static constexpr size_t kSize = 32;

  // Reads exactly kSize raw bytes from `path`. Errors (and `*why`, if given,
  // set to a sentence naming the path and the fix):
  //   errno of open(2)  the file cannot be opened (ENOENT, EACCES, ELOOP, ...)
  //   EINVAL            not a regular file; not exactly 32 bytes; all 32 bytes zero
  //                     (a key made from /dev/zero is no key)
  //   EPERM             writable by group or others; owned by neither root nor
  //                     the effective user
  //   EIO               a read error
  static Result<Key> LoadFromFile(const std::string& path, std::string* why = nullptr);

  // A key from bytes already in memory (tests, tools). The caller wipes its copy.
  static Key FromBytes(std::span<const uint8_t, kSize> bytes);

  // A fresh random key from OpenSSL's CSPRNG; EIO if the CSPRNG fails.
  static Result<Key> Generate();

  Key(Key&&) noexcept = default;  // SecretBytes wipes the moved-from bytes
  Key& operator=(Key&&) noexcept = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() = default;  // SecretBytes' destructor OPENSSL_cleanse's the bytes

  std::span<const uint8_t, kSize> bytes() const { return bytes_.span(); }

 private:
  Key() = default;
  SecretBytes<kSize> bytes_;
};

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_KEY_H_
