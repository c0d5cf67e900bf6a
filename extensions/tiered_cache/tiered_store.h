// tiered_cache's FileData: the backing tier holds the tree (names,
// directories, metadata) and is authoritative for it; regular-file contents
// are served from whole-file copies in the cache tier (cache_tier.h).
//
//   auto store = std::make_shared<TieredStore>(tier, /*readonly=*/false);
//   auto impl = std::make_unique<host_tree::TreeConnection>(host, store, false);
//
// Open: acquires the cached copy (a miss fills it from the backing tier),
// journals the file as dirty before a writable open returns, and donates a
// host FD of the cache-tier copy opened with the open's own access mode. I/O
// RPCs go to the same copy. FSync and Close fsync the copy (acknowledging the
// data) and queue a write-back; Stat of a file with a newer copy reports the
// copy's size and times.
#ifndef HARDGOFER_EXTENSIONS_TIERED_CACHE_TIERED_STORE_H_
#define HARDGOFER_EXTENSIONS_TIERED_CACHE_TIERED_STORE_H_

#include <memory>

#include "extensions/host_tree/host_tree.h"
#include "extensions/tiered_cache/cache_tier.h"

namespace hg::tiered_cache {

class TieredStore final : public host_tree::FileData {
 public:
  TieredStore(std::shared_ptr<CacheTier> tier, bool readonly)
      : tier_(std::move(tier)), readonly_(readonly) {}

  // Replays the journal against the mount before it serves.
  Status Attach(const std::shared_ptr<const fsgofer::MountState>& mount) override;
  Status AdjustStat(const path_walk::Handle& h, wire::Statx& st) override;
  Status InitNewFile(const path_walk::Handle& h, int fd) override;
  Result<server::OpenResult> Open(const path_walk::Handle& h, uint32_t flags,
                                  std::string_view path) override;
  Status Truncate(const path_walk::Handle& h, uint64_t size) override;
  void Unlinked(const path_walk::Handle& h, bool last) override;
  void TimesSet(const path_walk::Handle& h, const struct timespec ts[2]) override;
  // The mount point's host FD is the backing root (directfs then bypasses the
  // cache: the sentry works on the backing tier directly).
  bool DonateMountFd() const override { return true; }

  CacheTier& tier() { return *tier_; }

 private:
  std::shared_ptr<CacheTier> tier_;
  bool readonly_;
  std::shared_ptr<const fsgofer::MountState> mount_;
};

}  // namespace hg::tiered_cache

#endif  // HARDGOFER_EXTENSIONS_TIERED_CACHE_TIERED_STORE_H_
