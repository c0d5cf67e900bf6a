#include "extensions/tiered_cache/tiered_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "gofer/fsgofer/host_stat.h"
#include "gofer/server/control_fd.h"
#include "path_walk/open_at.h"

namespace hg::tiered_cache {
namespace {

// Size, blocks and times from the cache copy; identity, owner and mode from
// the backing file (the client caches inode numbers, and the copy's are not
// the file's).
Status MergeCopyStat(int cache_fd, wire::Statx& st) {
  HG_ASSIGN_OR_RETURN(wire::Statx c, fsgofer::StatxOfFd(cache_fd));
  st.size = c.size;
  st.blocks = c.blocks;
  st.mtime = c.mtime;
  st.atime = c.atime;
  st.ctime = c.ctime;
  return Status::Ok();
}

class TieredOpenFile final : public server::OpenFdImpl {
 public:
  TieredOpenFile(std::shared_ptr<CacheTier> tier, std::shared_ptr<Entry> e, UniqueFd fd,
                 bool writable)
      : tier_(std::move(tier)), e_(std::move(e)), fd_(std::move(fd)), writable_(writable) {}

  // Close: what was written is acknowledged once this returns, so the copy is
  // fsync'ed here; the backing tier gets it asynchronously.
  ~TieredOpenFile() override {
    if (!writable_) return;
    (void)::fsync(fd_.get());
    tier_->RemoveWriter(*e_);
    tier_->WriteBackLater(e_);
  }

  Result<wire::Statx> Stat() override {
    HG_ASSIGN_OR_RETURN(wire::Statx st, fsgofer::StatxOfFd(e_->backing.get()));
    HG_RETURN_IF_ERROR(MergeCopyStat(fd_.get(), st));
    return st;
  }
  Status Sync() override {
    HG_RETURN_IF_ERROR(StatusFromRet(::fsync(fd_.get())));
    if (writable_) tier_->WriteBackLater(e_);
    return Status::Ok();
  }
  Result<uint64_t> Write(std::span<const uint8_t> data, uint64_t offset) override {
    if (!writable_) return Errno(EBADF);
    if (offset > static_cast<uint64_t>(INT64_MAX)) return Errno(EINVAL);
    e_->generation.fetch_add(1);
    for (;;) {
      ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno::Last();
      return static_cast<uint64_t>(n);
    }
  }
  Result<size_t> Read(std::span<uint8_t> buf, uint64_t offset) override {
    if (offset > static_cast<uint64_t>(INT64_MAX)) return Errno(EINVAL);
    for (;;) {
      ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno::Last();
      return static_cast<size_t>(n);
    }
  }
  Status Allocate(uint64_t mode, uint64_t offset, uint64_t length) override {
    if (!writable_) return Errno(EBADF);
    if (mode != 0) return Errno(EOPNOTSUPP);  // as fsgofer: only what seccomp allows
    if (offset > static_cast<uint64_t>(INT64_MAX) || length > static_cast<uint64_t>(INT64_MAX) ||
        offset + length > static_cast<uint64_t>(INT64_MAX)) {
      return Errno(EFBIG);
    }
    e_->generation.fetch_add(1);
    return StatusFromRet(
        ::fallocate(fd_.get(), 0, static_cast<off_t>(offset), static_cast<off_t>(length)));
  }
  Status Flush() override { return Status::Ok(); }
  // The journal names the file by path, for replay after a crash.
  void Renamed() override {
    if (!writable_) return;
    Result<std::string> p = open_fd().control_fd().PathInMount();
    if (p.ok()) (void)tier_->MarkDirty(e_, *p);
  }

 private:
  std::shared_ptr<CacheTier> tier_;
  std::shared_ptr<Entry> e_;
  UniqueFd fd_;
  bool writable_;
};

}  // namespace

Status TieredStore::Attach(const std::shared_ptr<const fsgofer::MountState>& mount) {
  mount_ = mount;
  if (readonly_) return Status::Ok();  // nothing may be written to the backing tier
  return tier_->Replay(mount_->proc(), mount_->root());
}

Status TieredStore::AdjustStat(const path_walk::Handle& h, wire::Statx& st) {
  std::shared_ptr<Entry> e = tier_->Live(h);
  // Only a dirty copy is newer than the backing file; a clean one may be
  // older (the backing tier changed behind it), and the next open refills it.
  if (e == nullptr || !tier_->IsDirty(*e)) return Status::Ok();
  return MergeCopyStat(e->cache.get(), st);
}

Status TieredStore::InitNewFile(const path_walk::Handle& h, int fd) {
  (void)h, (void)fd;  // an empty backing file is a valid empty file
  return Status::Ok();
}

Result<server::OpenResult> TieredStore::Open(const path_walk::Handle& h, uint32_t flags,
                                             std::string_view path) {
  HG_ASSIGN_OR_RETURN(std::shared_ptr<Entry> e, tier_->Acquire(mount_->proc(), h, !readonly_));
  const int acc = static_cast<int>(flags & O_ACCMODE);
  const bool writable = acc != O_RDONLY || (flags & O_TRUNC);
  if (writable) {
    // Journaled before the client can write (through us or a donated FD).
    tier_->AddWriter(*e);
    if (Status s = tier_->MarkDirty(e, path.empty() ? "/" : path); !s.ok()) {
      tier_->RemoveWriter(*e);
      return s.error();
    }
  }
  // The copy again, with this open's access mode, so a donated FD of a
  // read-only open cannot write.
  const std::string entry = path_walk::FdEntryName(e->cache.get());
  UniqueFd fd(::openat(mount_->proc().fd(), entry.c_str(), acc | O_CLOEXEC));
  if (!fd.valid()) {
    Errno err = Errno::Last();
    if (writable) tier_->RemoveWriter(*e);
    return err;
  }
  if ((flags & O_TRUNC) && ::ftruncate(fd.get(), 0) != 0) {
    Errno err = Errno::Last();
    tier_->RemoveWriter(*e);
    return err;
  }
  server::OpenResult r;
  r.donate = UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));  // best effort, as fsgofer
  r.impl = std::make_unique<TieredOpenFile>(tier_, std::move(e), std::move(fd), writable);
  return r;
}

Status TieredStore::Truncate(const path_walk::Handle& h, uint64_t size) {
  HG_ASSIGN_OR_RETURN(UniqueFd w, path_walk::Reopen(mount_->proc(), h, O_WRONLY));
  HG_RETURN_IF_ERROR(StatusFromRet(::ftruncate(w.get(), static_cast<off_t>(size))));
  if (std::shared_ptr<Entry> e = tier_->Live(h)) {
    // The open copy must agree; a later write-back then writes the same size.
    e->generation.fetch_add(1);
    HG_RETURN_IF_ERROR(StatusFromRet(::ftruncate(e->cache.get(), static_cast<off_t>(size))));
  }
  return Status::Ok();
}

void TieredStore::TimesSet(const path_walk::Handle& h, const struct timespec ts[2]) {
  // The open copy reports the times (MergeCopyStat): it must carry the new ones.
  if (std::shared_ptr<Entry> e = tier_->Live(h)) (void)::futimens(e->cache.get(), ts);
}

void TieredStore::Unlinked(const path_walk::Handle& h, bool last) {
  if (last) tier_->Forget(h);
}

}  // namespace hg::tiered_cache
