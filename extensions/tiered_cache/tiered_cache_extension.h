// The "tiered_cache" gofer extension: a local cache directory in front of a
// slower backing directory (the stand-in for network storage), with a size
// cap, LRU eviction, and write-back with a crash-safe journal.
//
//   reg.Register(std::make_unique<hg::tiered_cache::TieredCacheExtension>());
//   // hardgofer serve --root /srv/vol --fd 3 --extension tiered_cache
//   //     --extension-opt cache=/var/cache/hg/vol --extension-opt cache_size=256M
//   // tenant: dev.hardgofer.mount.<NAME>.extension=tiered_cache
//   //         dev.hardgofer.mount.<NAME>.cache_size=64M
//
// Options (ParseTieredOptions):
//   backing             operator only. The backing tree (default: the served
//                       mount path). Opened at Mount, so under `run` it must be
//                       visible after confinement; `serve` has no such limit.
//   cache               operator only. Cache directory; one subdirectory per
//                       mount (its hint NAME, "rootfs" for the root). Default:
//                       a private temporary directory removed at exit, which
//                       gives no crash recovery.
//   cache_size          bytes, with an optional K/M/G suffix (default 1G).
//   backing_latency_ms  0..60000: sleep added to every backing-tier data
//                       transfer (fills and write-backs), for tests and benchmarks.
//   writeback_interval_ms  0..3600000 (default 1000): how often the write-back
//                       thread copies every dirty file to the backing tier, open
//                       ones included; 0 writes back only at FSync/Close, start
//                       and exit. Bounds how stale the backing tier can be.
// The cache directories and the write-back threads (one "hg-tc-writeback" per
// claimed mount) are made in PrepareGofer, before confinement.
#ifndef HARDGOFER_EXTENSIONS_TIERED_CACHE_TIERED_CACHE_EXTENSION_H_
#define HARDGOFER_EXTENSIONS_TIERED_CACHE_TIERED_CACHE_EXTENSION_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "extensions/tiered_cache/cache_tier.h"
#include "gofer/fsgofer/mount_state.h"
#include "gofer/server/extension.h"

namespace hg::tiered_cache {

struct TieredOptions {
  std::string backing;  // "" = the served mount path
  std::string cache;    // "" = private temporary directory
  uint64_t cache_size = uint64_t{1} << 30;
  std::chrono::milliseconds backing_latency{0};
  std::chrono::milliseconds writeback_interval{1000};
};

// Validates resolved options; *why names the key and the accepted form.
Result<TieredOptions> ParseTieredOptions(const server::ExtensionOptions& opts, std::string* why);

class TieredCacheExtension final : public server::Extension {
 public:
  static constexpr std::string_view kName = "tiered_cache";

  std::string_view Name() const override { return kName; }
  std::string_view Version() const override { return "2"; }  // 2: + getdents64
  bool Claims(const oci::Spec& spec, const oci::Mount* mount) const override;
  bool CanDonateHostFds() const override { return true; }
  seccomp::RuleSet SeccompRules() const override;
  Status PrepareGofer(const server::PrepareContext& ctx) override;
  // The cache tiers' directory descriptors PrepareGofer opened.
  std::vector<int> FdsToKeep() const override;
  Result<std::optional<server::HandledMount>> TryHandleMount(
      const server::MountRequest& req) override;

  // The tier serving mount hint `name` ("rootfs"), for tests and benchmarks.
  std::shared_ptr<CacheTier> TierFor(const std::string& name) const;

 private:
  std::map<std::string, std::shared_ptr<CacheTier>> tiers_;  // by mount hint name
};

}  // namespace hg::tiered_cache

#endif  // HARDGOFER_EXTENSIONS_TIERED_CACHE_TIERED_CACHE_EXTENSION_H_
