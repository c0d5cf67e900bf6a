// The cache tier of one tiered_cache mount: a local directory holding whole-file
// copies of backing-tier files, an LRU with a size cap, a dirty-file journal,
// and the thread that writes dirty files back to the backing tier.
//
//   HG_ASSIGN_OR_RETURN(auto tier, CacheTier::Open(std::move(dir_fd), {.cache_size = 1 << 30}));
//   HG_ASSIGN_OR_RETURN(auto e, tier->Acquire(proc, backing_handle, /*writable=*/true));
//   HG_RETURN_IF_ERROR(tier->MarkDirty(e, "/a/b"));    // before any write can happen
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
//
// When write-back happens: (1) at FSync and Close (queued, WriteBackLater);
// (2) every `writeback_interval` the write-back thread ("hg-tc-writeback")
// copies every journaled file back, open writers included, so a file kept
// open for hours still reaches the backing tier; (3) at start (Replay); (4)
// when the tier is destroyed. The thread is joined by the destructor.
//
// Misses: Acquire fills outside the tier lock, so misses on different files
// fill in parallel (a slow backing tier does not serialise them); concurrent
// misses on the same file wait for the one fill in progress.
#ifndef HARDGOFER_EXTENSIONS_TIERED_CACHE_CACHE_TIER_H_
#define HARDGOFER_EXTENSIONS_TIERED_CACHE_CACHE_TIER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "path_walk/handle.h"
#include "path_walk/mount_root.h"
#include "path_walk/proc_self_fd.h"

namespace hg::tiered_cache {

struct TierConfig {
  uint64_t cache_size = uint64_t{1} << 30;       // bytes of cached copies kept when idle
  std::chrono::milliseconds backing_latency{0};  // added to every backing-tier data transfer
  // How often the write-back thread copies every dirty file back (0: only at
  // FSync/Close, start and exit).
  std::chrono::milliseconds writeback_interval{1000};
  // Removed (recursively) when the tier is destroyed: the private default
  // cache, named relative to a descriptor of its parent (kept through
  // confinement: after pivot_root its host path no longer resolves).
  struct RemoveAtExit {
    std::shared_ptr<const UniqueFd> parent;
    std::string name;
  } remove_at_exit;
  // Observer called inside every fill with the file's key, outside every tier
  // lock (tests: prove fills overlap; benchmarks). Must not call into the tier.
  std::function<void(const std::string& key)> on_fill;
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
  // drops leftovers of interrupted fills and indexes the cached copies for
  // LRU. Starts no thread: Open runs in PrepareGofer, before confinement,
  // which needs a single-threaded process (see StartWriteback).
  static Result<std::shared_ptr<CacheTier>> Open(UniqueFd dir, TierConfig cfg);
  // Starts the write-back thread (hg-tc-writeback) once; later calls do
  // nothing. TryHandleMount calls it (after confinement; the seccomp program
  // allows clone for threads), and so does everything that queues work, so
  // a tier used without it still writes back.
  void StartWriteback();
  // The tier's directory descriptors: `run` keeps them open through
  // confinement (Extension::FdsToKeep), which closes every other one.
  std::vector<int> Fds() const {
    std::vector<int> fds = {dir_.get(), data_.get(), journal_.get()};
    if (cfg_.remove_at_exit.parent != nullptr) fds.push_back(cfg_.remove_at_exit.parent->get());
    return fds;
  }
  ~CacheTier();  // writes back everything queued, then stops the thread
  CacheTier(const CacheTier&) = delete;
  CacheTier& operator=(const CacheTier&) = delete;

  // The live entry for backing file `h`, filling the cached copy from the
  // backing tier first if it is missing or stale (a miss).
  Result<std::shared_ptr<Entry>> Acquire(const path_walk::ProcSelfFd& proc,
                                         const path_walk::Handle& h, bool writable_mount);
  // Records `e` as dirty (durably) with its current path; again after a rename.
  // The tier keeps `e` until it is written back (the periodic pass needs it).
  Status MarkDirty(const std::shared_ptr<Entry>& e, std::string_view path);
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
  // Writes every dirty file back now, in the calling thread, then drains the
  // queue (what the periodic pass does; tests call it to settle). The first
  // error, if any; failed entries stay dirty.
  Status WriteBackAll();
  // Fills started so far, and the most that were in progress at once.
  uint64_t fills();
  uint64_t max_concurrent_fills();

 private:
  explicit CacheTier(UniqueFd dir, UniqueFd data, UniqueFd journal, TierConfig cfg);
  void Run();
  Status PassOverDirty();
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
  std::condition_variable fill_cv_;                   // a fill in filling_ ended
  std::set<std::string> filling_;                     // keys being filled; guarded by mu_
  uint64_t fills_ = 0;                                // guarded by mu_
  uint64_t max_fills_ = 0;                            // guarded by mu_
  std::map<std::string, std::shared_ptr<Entry>> dirty_;  // journaled; guarded by mu_
  std::map<std::string, std::weak_ptr<Entry>> live_;  // guarded by mu_
  std::map<std::string, Lru> lru_;                    // guarded by mu_
  uint64_t total_ = 0;                                // guarded by mu_
  uint64_t tick_ = 0;                                 // guarded by mu_

  std::mutex qmu_;
  std::condition_variable qcv_;
  std::deque<std::shared_ptr<Entry>> queue_;  // guarded by qmu_
  size_t busy_ = 0;                           // guarded by qmu_
  bool stop_ = false;                         // guarded by qmu_
  std::once_flag started_;
  std::thread thread_;  // hg-tc-writeback; joined by ~CacheTier
};

std::string KeyFor(uint64_t dev, uint64_t ino);

}  // namespace hg::tiered_cache

#endif  // HARDGOFER_EXTENSIONS_TIERED_CACHE_CACHE_TIER_H_
