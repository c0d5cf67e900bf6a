#include "extensions/tiered_cache/cache_tier.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/log.h"
#include "base/thread_name.h"
#include "path_walk/name.h"
#include "path_walk/open_at.h"
#include "path_walk/walk.h"

namespace hg::tiered_cache {
namespace {

constexpr char kFillPrefix[] = ".fill-";
constexpr size_t kCopyBuf = size_t{1} << 20;

Result<UniqueFd> OpenDirAt(int dir, const char* name) {
  if (::mkdirat(dir, name, 0700) != 0 && errno != EEXIST) return Errno::Last();
  UniqueFd fd(::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Errno::Last();
  return fd;
}

Result<struct statx> StatxFd(int fd) {
  struct statx st {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st) != 0) return Errno::Last();
  return st;
}

bool SameMtime(const struct statx& a, const struct statx& b) {
  return a.stx_mtime.tv_sec == b.stx_mtime.tv_sec && a.stx_mtime.tv_nsec == b.stx_mtime.tv_nsec;
}

// Copies all of `from` over `to` (then sized to match) with pread/pwrite, which
// work across filesystems on every kernel (copy_file_range does not before 5.19).
Status CopyAll(int from, int to) {
  HG_ASSIGN_OR_RETURN(struct statx st, StatxFd(from));
  std::vector<uint8_t> buf(kCopyBuf);
  uint64_t off = 0;
  while (off < st.stx_size) {
    ssize_t n = ::pread(from, buf.data(), buf.size(), static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno::Last();
    if (n == 0) break;  // shrank meanwhile
    size_t done = 0;
    while (done < static_cast<size_t>(n)) {
      ssize_t w = ::pwrite(to, buf.data() + done, static_cast<size_t>(n) - done,
                           static_cast<off_t>(off + done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Errno::Last();
      done += static_cast<size_t>(w);
    }
    off += static_cast<uint64_t>(n);
  }
  if (::ftruncate(to, static_cast<off_t>(off)) != 0) return Errno::Last();
  return Status::Ok();
}

// Sets `fd`'s mtime to `st`'s: the mark that the copy equals that version.
Status SetMtime(int fd, const struct statx& st) {
  struct timespec ts[2] = {{0, UTIME_OMIT}, {st.stx_mtime.tv_sec, st.stx_mtime.tv_nsec}};
  return StatusFromRet(::futimens(fd, ts));
}

// The names in directory `dir` (without "." and ".."), read with the raw
// getdents64 syscall. Not fdopendir/readdir: Replay runs at Mount, after
// confinement, and glibc's fdopendir makes fcntl(F_SETFD) and fstat calls no
// seccomp set allows -- the confined gofer died by SIGSYS on the first Mount
// of a tiered_cache mount (tests/e2e RunExtensionE2eTest).
Result<std::vector<std::string>> ListNames(int dir) {
  UniqueFd scan(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!scan.valid()) return Errno::Last();
  std::vector<std::string> names;
  alignas(8) char buf[8192];
  for (;;) {
    const long n = ::syscall(SYS_getdents64, scan.get(), buf, sizeof(buf));
    if (n < 0) return Errno::Last();
    if (n == 0) return names;
    for (long off = 0; off < n;) {
      // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name.
      uint16_t reclen = 0;
      std::memcpy(&reclen, buf + off + 16, sizeof(reclen));
      if (reclen < 20 || off + reclen > n) return Errno(EIO);
      const char* name = buf + off + 19;
      const size_t len = ::strnlen(name, static_cast<size_t>(reclen - 19));
      std::string nm(name, len);
      if (nm != "." && nm != "..") names.push_back(std::move(nm));
      off += reclen;
    }
  }
}

// Removes `name` below `parent` and everything under it, through
// descriptors only: it runs at exit, after pivot_root, when the host path of
// the private cache directory no longer resolves (removing by path left a
// /tmp/hardgofer-cache-* behind on the host for every confined run). Best
// effort; bounded depth (the tier's own layout is three levels deep).
void RemoveTreeAt(int parent, const std::string& name, int depth) {
  UniqueFd d(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d.valid()) {
    (void)::unlinkat(parent, name.c_str(), 0);
    return;
  }
  if (depth > 0) {
    Result<std::vector<std::string>> names = ListNames(d.get());
    if (names.ok()) {
      for (const std::string& n : *names) RemoveTreeAt(d.get(), n, depth - 1);
    }
  }
  (void)::unlinkat(parent, name.c_str(), AT_REMOVEDIR);
}

}  // namespace

std::string KeyFor(uint64_t dev, uint64_t ino) {
  char buf[40];
  (void)std::snprintf(buf, sizeof(buf), "%" PRIx64 "-%" PRIx64, dev, ino);  // fits: 2 x 16 + 1
  return buf;
}

CacheTier::CacheTier(UniqueFd dir, UniqueFd data, UniqueFd journal, TierConfig cfg)
    : dir_(std::move(dir)),
      data_(std::move(data)),
      journal_(std::move(journal)),
      cfg_(std::move(cfg)) {}

Result<std::shared_ptr<CacheTier>> CacheTier::Open(UniqueFd dir, TierConfig cfg) {
  HG_ASSIGN_OR_RETURN(UniqueFd data, OpenDirAt(dir.get(), "data"));
  HG_ASSIGN_OR_RETURN(UniqueFd journal, OpenDirAt(dir.get(), "journal"));
  std::shared_ptr<CacheTier> t(
      new CacheTier(std::move(dir), std::move(data), std::move(journal), std::move(cfg)));
  // Index the copies: LRU order approximated by mtime order of the scan.
  UniqueFd scan(::openat(t->data_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!scan.valid()) return Errno::Last();
  DIR* d = ::fdopendir(scan.get());
  if (d == nullptr) return Errno::Last();
  (void)scan.release();
  std::vector<std::pair<int64_t, std::pair<std::string, uint64_t>>> found;
  while (struct dirent* de = ::readdir(d)) {
    std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    if (name.rfind(kFillPrefix, 0) == 0) {
      ::unlinkat(t->data_.get(), name.c_str(), 0);  // an interrupted fill
      continue;
    }
    struct stat st {};
    if (::fstatat(t->data_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
      continue;
    }
    found.push_back({st.st_mtime, {name, static_cast<uint64_t>(st.st_size)}});
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  for (auto& [mt, f] : found) {
    t->lru_[f.first] = Lru{f.second, ++t->tick_};
    t->total_ += f.second;
  }
  return t;
}

void CacheTier::StartWriteback() {
  // Joined by the destructor, which the last owner runs: the thread holds a
  // raw pointer, never an owner.
  std::call_once(started_, [this] { thread_ = std::thread([this] { Run(); }); });
}

CacheTier::~CacheTier() {
  {
    std::lock_guard<std::mutex> lock(qmu_);
    stop_ = true;
  }
  qcv_.notify_all();
  if (thread_.joinable()) thread_.join();  // after its final pass over dirty_
  dirty_.clear();
  if (cfg_.remove_at_exit.parent != nullptr && !cfg_.remove_at_exit.name.empty()) {
    RemoveTreeAt(cfg_.remove_at_exit.parent->get(), cfg_.remove_at_exit.name, 6);
  }
}

void CacheTier::Delay() const {
  if (cfg_.backing_latency.count() > 0) std::this_thread::sleep_for(cfg_.backing_latency);
}

void CacheTier::Run() {
  SetThreadName("hg-tc-writeback");
  using Clock = std::chrono::steady_clock;
  const auto interval = cfg_.writeback_interval;
  auto next = Clock::now() + interval;
  std::unique_lock<std::mutex> lock(qmu_);
  for (;;) {
    auto ready = [this] { return stop_ || !queue_.empty(); };
    if (interval.count() > 0) {
      qcv_.wait_until(lock, next, ready);
    } else {
      qcv_.wait(lock, ready);
    }
    if (!queue_.empty()) {
      // FSync/Close first: a client is waiting for those to reach the backing tier.
      std::shared_ptr<Entry> e = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
      lock.unlock();
      if (Status s = WriteBack(*e); !s.ok()) {
        // The journal entry stays: the periodic pass, the next FSync, Close or start retries.
        HG_LOG(kWarning, "tiered_cache_writeback_failed",
               {{"key", e->key}, {"error", s.error().ToString()}});
      }
      e.reset();
      lock.lock();
      --busy_;
      qcv_.notify_all();
      continue;
    }
    const bool due = interval.count() > 0 && Clock::now() >= next;
    if (!stop_ && !due) continue;  // spurious wake-up
    // The periodic pass (and the final one at stop): every journaled file,
    // open writers included.
    ++busy_;
    lock.unlock();
    (void)PassOverDirty();
    lock.lock();
    --busy_;
    qcv_.notify_all();
    next = Clock::now() + interval;
    if (stop_ && queue_.empty()) return;  // everything was written back (or logged)
  }
}

Status CacheTier::PassOverDirty() {
  std::vector<std::shared_ptr<Entry>> dirty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty.reserve(dirty_.size());
    for (const auto& [key, e] : dirty_) dirty.push_back(e);
  }
  Status first = Status::Ok();
  for (const std::shared_ptr<Entry>& e : dirty) {
    if (Status s = WriteBack(*e); !s.ok()) {
      HG_LOG(kWarning, "tiered_cache_writeback_failed",
             {{"key", e->key}, {"error", s.error().ToString()}});
      if (first.ok()) first = s;
    }
  }
  return first;
}

Status CacheTier::WriteBackAll() {
  Status s = PassOverDirty();
  Drain();
  return s;
}

uint64_t CacheTier::fills() {
  std::lock_guard<std::mutex> lock(mu_);
  return fills_;
}

uint64_t CacheTier::max_concurrent_fills() {
  std::lock_guard<std::mutex> lock(mu_);
  return max_fills_;
}

void CacheTier::Drain() {
  StartWriteback();  // else a queued write-back would never finish
  std::unique_lock<std::mutex> lock(qmu_);
  qcv_.wait(lock, [this] { return queue_.empty() && busy_ == 0; });
}

void CacheTier::WriteBackLater(std::shared_ptr<Entry> e) {
  StartWriteback();
  {
    std::lock_guard<std::mutex> lock(qmu_);
    for (const auto& q : queue_) {
      if (q == e) return;  // already queued: that write-back will see the new data
    }
    queue_.push_back(std::move(e));
  }
  qcv_.notify_all();
}

Status CacheTier::Fill(const path_walk::ProcSelfFd& proc, const path_walk::Handle& h,
                       const std::string& key, const struct statx& bst) {
  Delay();  // one backing-tier transfer
  if (cfg_.on_fill) cfg_.on_fill(key);
  HG_ASSIGN_OR_RETURN(UniqueFd src, path_walk::Reopen(proc, h, O_RDONLY));
  const std::string tmp = kFillPrefix + key;
  UniqueFd dst(::openat(data_.get(), tmp.c_str(),
                        O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!dst.valid()) return Errno::Last();
  Status s = CopyAll(src.get(), dst.get());
  if (s.ok()) s = SetMtime(dst.get(), bst);
  if (s.ok()) s = StatusFromRet(::renameat(data_.get(), tmp.c_str(), data_.get(), key.c_str()));
  if (!s.ok()) ::unlinkat(data_.get(), tmp.c_str(), 0);
  return s;
}

Result<std::shared_ptr<Entry>> CacheTier::Acquire(const path_walk::ProcSelfFd& proc,
                                                  const path_walk::Handle& h, bool writable_mount) {
  const std::string key = KeyFor(h.dev(), h.ino());
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (auto it = live_.find(key); it != live_.end()) {
      if (std::shared_ptr<Entry> e = it->second.lock()) {
        lru_[key].tick = ++tick_;
        return e;
      }
    }
    // Another thread is filling this file: wait for it rather than fill twice.
    if (filling_.count(key) == 0) break;
    fill_cv_.wait(lock);
  }
  // This thread owns the miss for `key` until it is live (or failed). The
  // tier lock is not held meanwhile: a fill waits for the backing tier, and
  // misses on other files must not wait behind it.
  filling_.insert(key);
  max_fills_ = std::max<uint64_t>(max_fills_, filling_.size());
  lock.unlock();
  // On an error return (tier lock not held): end the miss so waiters retry.
  struct Done {
    CacheTier* t;
    const std::string& key;
    bool pending = true;
    ~Done() {
      if (!pending) return;
      std::lock_guard<std::mutex> l(t->mu_);
      t->filling_.erase(key);
      t->fill_cv_.notify_all();
    }
  } done{this, key};

  HG_ASSIGN_OR_RETURN(path_walk::Statx bst, h.Stat());
  // A journal entry means the copy is newer than the backing file: keep it.
  const bool dirty = ::faccessat(journal_.get(), key.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  bool valid = false;
  UniqueFd cache(::openat(data_.get(), key.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (cache.valid()) {
    HG_ASSIGN_OR_RETURN(struct statx cst, StatxFd(cache.get()));
    valid = dirty || (cst.stx_size == bst.stx_size && SameMtime(cst, bst));
  }
  if (!valid) {
    cache.reset();
    {
      std::lock_guard<std::mutex> l(mu_);
      ++fills_;
    }
    HG_RETURN_IF_ERROR(Fill(proc, h, key, bst));
    cache = UniqueFd(::openat(data_.get(), key.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
    if (!cache.valid()) return Errno::Last();
  }
  HG_ASSIGN_OR_RETURN(struct statx cst, StatxFd(cache.get()));
  auto e = std::make_shared<Entry>();
  e->key = key;
  e->backing_ino = h.ino();
  e->cache = std::move(cache);
  e->journaled = dirty;
  HG_ASSIGN_OR_RETURN(e->backing, path_walk::Reopen(proc, h, writable_mount ? O_RDWR : O_RDONLY));
  lock.lock();
  filling_.erase(key);  // waiters find the entry in live_ when they wake
  done.pending = false;
  fill_cv_.notify_all();
  if (live_.size() >= 1024)
    std::erase_if(live_, [](const auto& kv) { return kv.second.expired(); });
  live_[key] = e;
  Lru& l = lru_[key];
  total_ = total_ - l.size + cst.stx_size;
  l.size = cst.stx_size;
  l.tick = ++tick_;
  EvictLocked();
  return e;
}

void CacheTier::EvictLocked() {
  while (total_ > cfg_.cache_size) {
    std::string victim;
    uint64_t best = UINT64_MAX;
    for (const auto& [key, l] : lru_) {
      if (l.tick >= best) continue;
      auto it = live_.find(key);
      if (it != live_.end() && !it->second.expired()) continue;  // in use
      if (filling_.count(key) != 0) continue;                   // being refilled
      if (::faccessat(journal_.get(), key.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0) continue;
      best = l.tick;
      victim = key;
    }
    if (victim.empty()) return;  // everything left is in use or dirty
    ::unlinkat(data_.get(), victim.c_str(), 0);
    total_ -= lru_[victim].size;
    lru_.erase(victim);
    live_.erase(victim);
  }
}

std::shared_ptr<Entry> CacheTier::Live(const path_walk::Handle& h) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(KeyFor(h.dev(), h.ino()));
  return it == live_.end() ? nullptr : it->second.lock();
}

Status CacheTier::MarkDirty(const std::shared_ptr<Entry>& ep, std::string_view path) {
  StartWriteback();  // the periodic pass must see this entry
  Entry& e = *ep;
  std::lock_guard<std::mutex> lock(e.mu);
  // "<inode>\n<path>\n", written to a temporary name, fsync'ed and renamed
  // over the entry, then the directory fsync'ed: the entry is either the old
  // or the new one, never torn.
  std::string body = std::to_string(e.backing_ino) + "\n" + std::string(path) + "\n";
  const std::string tmp = kFillPrefix + e.key;
  UniqueFd f(::openat(journal_.get(), tmp.c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f.valid()) return Errno::Last();
  if (::write(f.get(), body.data(), body.size()) != static_cast<ssize_t>(body.size())) {
    return Errno(EIO);
  }
  HG_RETURN_IF_ERROR(StatusFromRet(::fsync(f.get())));
  HG_RETURN_IF_ERROR(
      StatusFromRet(::renameat(journal_.get(), tmp.c_str(), journal_.get(), e.key.c_str())));
  HG_RETURN_IF_ERROR(StatusFromRet(::fsync(journal_.get())));
  e.journaled = true;
  std::lock_guard<std::mutex> tl(mu_);
  dirty_[e.key] = ep;  // the periodic pass writes it back even if nobody closes it
  return Status::Ok();
}

bool CacheTier::IsDirty(Entry& e) {
  std::lock_guard<std::mutex> lock(e.mu);
  return e.journaled;
}

void CacheTier::AddWriter(Entry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  ++e.writers;
  e.generation.fetch_add(1);
}

void CacheTier::RemoveWriter(Entry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  --e.writers;
}

Status CacheTier::CopyBack(Entry& e) {
  Delay();  // one backing-tier transfer
  HG_RETURN_IF_ERROR(CopyAll(e.cache.get(), e.backing.get()));
  HG_RETURN_IF_ERROR(StatusFromRet(::fsync(e.backing.get())));
  HG_ASSIGN_OR_RETURN(struct statx bst, StatxFd(e.backing.get()));
  return SetMtime(e.cache.get(), bst);
}

Status CacheTier::WriteBack(Entry& e) {
  std::lock_guard<std::mutex> lock(e.mu);
  if (!e.journaled) return Status::Ok();
  const uint64_t gen = e.generation.load();
  // The cache copy first: what we copy must be what was acknowledged.
  HG_RETURN_IF_ERROR(StatusFromRet(::fsync(e.cache.get())));
  HG_RETURN_IF_ERROR(CopyBack(e));
  bool idle;
  {
    std::lock_guard<std::mutex> tl(mu_);
    idle = e.writers == 0 && e.generation.load() == gen;
    Lru& l = lru_[e.key];
    if (Result<struct statx> st = StatxFd(e.cache.get()); st.ok()) {
      total_ = total_ - l.size + st->stx_size;
      l.size = st->stx_size;
    }
  }
  if (idle) {
    if (::unlinkat(journal_.get(), e.key.c_str(), 0) != 0 && errno != ENOENT) return Errno::Last();
    (void)::fsync(journal_.get());
    e.journaled = false;
    std::lock_guard<std::mutex> tl(mu_);
    if (auto it = dirty_.find(e.key); it != dirty_.end() && it->second.get() == &e) {
      dirty_.erase(it);
    }
    EvictLocked();
  }
  return Status::Ok();
}

void CacheTier::Forget(const path_walk::Handle& h) {
  const std::string key = KeyFor(h.dev(), h.ino());
  std::lock_guard<std::mutex> lock(mu_);
  // Nothing left to write back to once the file has no name and no writer.
  if (auto d = dirty_.find(key); d != dirty_.end() && d->second->writers == 0) dirty_.erase(d);
  auto it = live_.find(key);
  if (it != live_.end() && !it->second.expired()) return;  // still open: dropped later by LRU
  ::unlinkat(journal_.get(), key.c_str(), 0);
  ::unlinkat(data_.get(), key.c_str(), 0);
  if (auto l = lru_.find(key); l != lru_.end()) {
    total_ -= l->second.size;
    lru_.erase(l);
  }
  live_.erase(key);
}

Status CacheTier::Replay(const path_walk::ProcSelfFd& proc, const path_walk::MountRoot& root) {
  HG_ASSIGN_OR_RETURN(std::vector<std::string> listed, ListNames(journal_.get()));
  std::vector<std::string> keys;
  for (std::string& name : listed) {
    if (name.rfind(kFillPrefix, 0) == 0) {
      ::unlinkat(journal_.get(), name.c_str(), 0);  // a journal update that never landed
      continue;
    }
    keys.push_back(std::move(name));
  }
  Status first = Status::Ok();
  for (const std::string& key : keys) {
    // Parse "<inode>\n<path>\n" (our own file, but a torn or foreign one must
    // not crash us: anything unexpected drops the entry).
    std::string body(4096 + 64, '\0');
    UniqueFd jf(::openat(journal_.get(), key.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    ssize_t n = jf.valid() ? ::read(jf.get(), body.data(), body.size()) : -1;
    body.resize(n > 0 ? static_cast<size_t>(n) : 0);
    size_t nl = body.find('\n');
    uint64_t ino = 0;
    std::string path;
    bool ok = nl != std::string::npos && nl > 0 && body.size() > nl + 1 && body.back() == '\n';
    if (ok) {
      const std::string digits = body.substr(0, nl);
      char* end = nullptr;
      ino = std::strtoull(digits.c_str(), &end, 10);
      path = body.substr(nl + 1, body.size() - nl - 2);
      ok = digits.find_first_not_of("0123456789") == std::string::npos && *end == '\0' &&
           !path.empty() && path[0] == '/';
    }
    std::vector<path_walk::Name> names;
    for (size_t pos = 1; ok && pos < path.size();) {
      size_t slash = path.find('/', pos);
      if (slash == std::string::npos) slash = path.size();
      Result<path_walk::Name> nm = path_walk::Name::Make(path.substr(pos, slash - pos));
      if (!nm.ok())
        ok = false;
      else
        names.push_back(std::move(nm).value());
      pos = slash + 1;
    }
    Status s = Status::Ok();
    const char* outcome = "written_back";
    if (!ok || names.empty()) {
      outcome = "dropped_malformed";
    } else {
      Result<path_walk::WalkResult> w = path_walk::Walk(root.handle(), names);
      if (!w.ok() || w->status != path_walk::WalkStatus::kSuccess ||
          w->steps.size() != names.size() || !w->steps.back().handle.is_regular() ||
          w->steps.back().handle.ino() != ino) {
        outcome = "dropped_file_gone";
      } else {
        auto e = std::make_shared<Entry>();
        e->key = key;
        e->backing_ino = ino;
        e->cache = UniqueFd(::openat(data_.get(), key.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
        Result<UniqueFd> b = path_walk::Reopen(proc, w->steps.back().handle, O_RDWR);
        if (!e->cache.valid() || !b.ok()) {
          outcome = "dropped_no_copy";
        } else {
          e->backing = std::move(b).value();
          e->journaled = true;
          s = WriteBack(*e);
          if (!s.ok()) {
            outcome = "failed";
            std::lock_guard<std::mutex> lock(mu_);
            dirty_[key] = e;  // the periodic pass retries it
          }
        }
      }
    }
    HG_LOG(kInfo, "tiered_cache_replay", {{"key", key}, {"path", path}, {"outcome", outcome}});
    if (!s.ok()) {
      if (first.ok()) first = s;
      continue;  // kept for the next start
    }
    if (std::string_view(outcome) != "written_back") ::unlinkat(journal_.get(), key.c_str(), 0);
  }
  (void)::fsync(journal_.get());
  return first;
}

uint64_t CacheTier::cached_bytes() {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

bool CacheTier::IsCached(uint64_t dev, uint64_t ino) {
  return ::faccessat(data_.get(), KeyFor(dev, ino).c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

}  // namespace hg::tiered_cache
