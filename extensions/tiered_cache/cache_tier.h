// The cache tier of one tiered_cache mount: a local directory holding whole-file
// copies of backing-tier files, an LRU with a size cap, a dirty-file journal,
// and the thread that writes dirty files back to the backing tier.
//
//   HG_ASSIGN_OR_RETURN(auto tier, CacheTier::Open(std::move(dir_fd), {.cache_size = 1 << 30}));
//   HG_ASSIGN_OR_RETURN(auto e, tier->Acquire(proc, backing_handle, /*writable=*/true));
//   HG_RETURN_IF_ERROR(tier->MarkDirty(*e, "/a/b"));   // before any write can happen
//   ... pwrite(e->cache.get(), ...); fsync(e->cache.get()) ...
//   tier->WriteBackLater(e);                            // FSync/Close: acknowledged
//
// Layout under the directory: data/<key> (the cached copy; key = backing
// st_dev and st_ino in hex) and journal/<key> (one small file per dirty
// file: backing inode and path from the mount root). A cached copy is valid
// while its size and mtime equal the backing file's (write-back sets the
// copy's mtime to the backing file's after copying), or while a journal entry
// says it is newer than the backing file.
//
// Durability contract (what the kill test checks): data is acknowledged when
// an fsync of the cache file returned (FSync RPC, Close, or the client's own
// fsync on a donated FD); by then its journal entry is durable (MarkDirty runs
// before the file can be written). Write-back copies the whole file, fsyncs
// the backing copy, and only then removes the journal entry, and only if no
// writer is open and nothing was written since the copy began. After a crash,
// Replay() finishes every journal entry before the mount serves.
#ifndef HARDGOFER_EXTENSIONS_TIERED_CACHE_CACHE_TIER_H_
#define HARDGOFER_EXTENSIONS_TIERED_CACHE_CACHE_TIER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"
#include "path_walk/handle.h"
#include "path_walk/mount_root.h"
#include "path_walk/proc_self_fd.h"

namespace hg::tiered_cache {

struct TierConfig {
  uint64_t cache_size = uint64_t{1} << 30;       // bytes of cached copies kept when idle
  std::chrono::milliseconds backing_latency{0};  // added to every backing-tier data transfer
  // Removed (recursively) when the tier is destroyed: the private default cache.
  std::string remove_at_exit;
};

// One cached file while something uses it (an open FD, a pending write-back).
struct Entry {
  std::string key;
  uint64_t backing_ino = 0;
  UniqueFd cache;                       // O_RDWR on data/<key>
  UniqueFd backing;                     // O_RDWR on the backing file (O_RDONLY on read-only mounts)
  std::atomic<uint64_t> generation{0};  // bumped by every write path
  std::mutex mu;                        // serialises write-backs and journal updates
  int writers = 0;                      // guarded by CacheTier::mu_
  bool journaled = false;               // guarded by mu
};

class CacheTier {
 public:
  // `dir`: the tier's directory (O_DIRECTORY). Creates data/ and journal/,
  // drops leftovers of interrupted fills, indexes the cached copies for LRU
  // and starts the write-back thread (before confinement: it needs clone).
  static Result<std::shared_ptr<CacheTier>> Open(UniqueFd dir, TierConfig cfg);
  ~CacheTier();  // writes back everything queued, then stops the thread
  CacheTier(const CacheTier&) = delete;
  CacheTier& operator=(const CacheTier&) = delete;

  // The live entry for backing file `h`, filling the cached copy from the
  // backing tier first if it is missing or stale (a miss).
  Result<std::shared_ptr<Entry>> Acquire(const path_walk::ProcSelfFd& proc,
                                         const path_walk::Handle& h, bool writable_mount);
  // Records `e` as dirty (durably) with its current path; again after a rename.
  Status MarkDirty(Entry& e, std::string_view path);
  // Whether `e` has a journal entry (its copy may be newer than the backing file).
  bool IsDirty(Entry& e);
  // Writer accounting, for when a journal entry may be dropped.
  void AddWriter(Entry& e);
  void RemoveWriter(Entry& e);
  // Queues a write-back of `e` (FSync, Close). Returns at once.
  void WriteBackLater(std::shared_ptr<Entry> e);
  // Copies `e` to the backing tier now and drops its journal entry if it can.
  Status WriteBack(Entry& e);
  // The backing object `h` lost its last name: forget its copy.
  void Forget(const path_walk::Handle& h);
  // The live entry for `h` if any (Stat of a file being written).
  std::shared_ptr<Entry> Live(const path_walk::Handle& h);
  // Finishes every journal entry against the backing tree at `root`: each
  // entry's file is found by path and checked by inode, then written back.
  // Entries whose file is gone or replaced are dropped (logged).
  Status Replay(const path_walk::ProcSelfFd& proc, const path_walk::MountRoot& root);

  // Bytes of cached copies (for tests and the LRU).
  uint64_t cached_bytes();
  bool IsCached(uint64_t dev, uint64_t ino);
  // Blocks until the write-back queue is empty (tests, benchmarks).
  void Drain();

 private:
  explicit CacheTier(UniqueFd dir, UniqueFd data, UniqueFd journal, TierConfig cfg);
  void Run();
  void EvictLocked();
  void Delay() const;
  Status Fill(const path_walk::ProcSelfFd& proc, const path_walk::Handle& h, const std::string& key,
              const struct statx& bst);
  Status CopyBack(Entry& e);

  struct Lru {
    uint64_t size = 0;
    uint64_t tick = 0;
  };

  UniqueFd dir_, data_, journal_;
  TierConfig cfg_;
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<Entry>> live_;  // guarded by mu_
  std::map<std::string, Lru> lru_;                    // guarded by mu_
  uint64_t total_ = 0;                                // guarded by mu_
  uint64_t tick_ = 0;                                 // guarded by mu_

  std::mutex qmu_;
  std::condition_variable qcv_;
  std::deque<std::shared_ptr<Entry>> queue_;  // guarded by qmu_
  size_t busy_ = 0;                           // guarded by qmu_
  bool stop_ = false;                         // guarded by qmu_
  std::thread thread_;
};

std::string KeyFor(uint64_t dev, uint64_t ino);

}  // namespace hg::tiered_cache

#endif  // HARDGOFER_EXTENSIONS_TIERED_CACHE_CACHE_TIER_H_
