// The encrypted extension's FileData: regular files are EncryptedFiles over
// the host files (format.h), everything else is plain host_tree.
//
//   auto key = std::make_shared<const Key>(std::move(loaded));
//   auto impl = std::make_unique<host_tree::TreeConnection>(
//       host, std::make_shared<EncryptedStore>(key), readonly);
//
// One EncryptedFile per host inode per connection: two instances over one
// host file would each cache the size and overwrite each other's header
// (encrypted_file.h), so opens, stats and truncates of any name of the same
// inode share the live instance. Host FDs are never donated: the host file
// holds ciphertext, and a sandbox reading it directly would see neither the
// plaintext nor the authentication.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_STORE_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "extensions/encrypted/encrypted_file.h"
#include "extensions/host_tree/host_tree.h"
#include "extensions/encrypted/key.h"

namespace hg::encrypted {

class EncryptedStore final : public host_tree::FileData {
 public:
  explicit EncryptedStore(std::shared_ptr<const Key> key) : key_(std::move(key)) {}

  Status Attach(const std::shared_ptr<const fsgofer::MountState>& mount) override;
  Status AdjustStat(const path_walk::Handle& h, wire::Statx& st) override;
  Status InitNewFile(const path_walk::Handle& h, int fd) override;
  Result<server::OpenResult> Open(const path_walk::Handle& h, uint32_t flags,
                                  std::string_view path) override;
  Status Truncate(const path_walk::Handle& h, uint64_t size) override;

 private:
  // The live instance for `h`'s inode, opening it if none is.
  Result<std::shared_ptr<EncryptedFile>> Get(const path_walk::Handle& h);
  std::shared_ptr<EncryptedFile> Live(const path_walk::Handle& h);

  std::shared_ptr<const Key> key_;
  std::shared_ptr<const fsgofer::MountState> mount_;
  std::mutex mu_;
  std::map<std::pair<uint64_t, uint64_t>, std::weak_ptr<EncryptedFile>> files_;  // guarded by mu_
};

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_STORE_H_
