#include "extensions/encrypted/encrypted_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "gofer/fsgofer/host_stat.h"
#include "path_walk/open_at.h"

namespace hg::encrypted {
namespace {

// I/O on one open file. Access-mode checks are repeated here (the server
// checks too) so a read-only open can never reach a write.
class EncryptedOpenFile final : public server::OpenFdImpl {
 public:
  EncryptedOpenFile(std::shared_ptr<EncryptedFile> file, bool writable)
      : file_(std::move(file)), writable_(writable) {}

  Result<wire::Statx> Stat() override {
    HG_ASSIGN_OR_RETURN(wire::Statx st, fsgofer::StatxOfFd(file_->host_fd()));
    HG_ASSIGN_OR_RETURN(st.size, file_->Size());
    return st;
  }
  Status Sync() override { return file_->Sync(); }
  Result<uint64_t> Write(std::span<const uint8_t> data, uint64_t offset) override {
    if (!writable_) return Errno(EBADF);
    HG_ASSIGN_OR_RETURN(size_t n, file_->Write(offset, data));
    return static_cast<uint64_t>(n);
  }
  Result<size_t> Read(std::span<uint8_t> buf, uint64_t offset) override {
    return file_->Read(offset, buf);
  }
  Status Allocate(uint64_t mode, uint64_t offset, uint64_t length) override {
    if (!writable_) return Errno(EBADF);
    // Punching holes or zeroing ranges would need re-sealing chunks in place;
    // only plain allocation is offered (and the seccomp program allows only it).
    if (mode != 0) return Errno(EOPNOTSUPP);
    return file_->Allocate(offset, length);
  }
  Status Flush() override { return Status::Ok(); }

 private:
  std::shared_ptr<EncryptedFile> file_;
  bool writable_;
};

}  // namespace

Status EncryptedStore::Attach(const std::shared_ptr<const fsgofer::MountState>& mount) {
  mount_ = mount;
  return Status::Ok();
}

std::shared_ptr<EncryptedFile> EncryptedStore::Live(const path_walk::Handle& h) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find({h.dev(), h.ino()});
  if (it == files_.end()) return nullptr;
  std::shared_ptr<EncryptedFile> f = it->second.lock();
  if (f == nullptr) files_.erase(it);
  return f;
}

Result<std::shared_ptr<EncryptedFile>> EncryptedStore::Get(const path_walk::Handle& h) {
  std::lock_guard<std::mutex> lock(mu_);
  // Expired slots are dropped as the table grows, so it stays the size of
  // what is open, not of everything ever opened.
  if (files_.size() >= 1024)
    std::erase_if(files_, [](const auto& kv) { return kv.second.expired(); });
  auto& slot = files_[{h.dev(), h.ino()}];
  if (std::shared_ptr<EncryptedFile> f = slot.lock()) return f;
  // Opened read-write whenever the mount is writable, whatever this open
  // asks for: the instance is shared by every later open of the inode.
  const int mode = mount_->rules().readonly ? O_RDONLY : O_RDWR;
  Result<UniqueFd> fd = path_walk::Reopen(mount_->proc(), h, mode);
  if (!fd.ok()) {
    files_.erase({h.dev(), h.ino()});
    return fd.error();
  }
  Result<std::unique_ptr<EncryptedFile>> f = EncryptedFile::Open(*key_, std::move(fd).value());
  if (!f.ok()) {
    files_.erase({h.dev(), h.ino()});
    return f.error();
  }
  std::shared_ptr<EncryptedFile> shared(std::move(f).value());
  slot = shared;
  return shared;
}

Status EncryptedStore::AdjustStat(const path_walk::Handle& h, wire::Statx& st) {
  if (std::shared_ptr<EncryptedFile> f = Live(h)) {
    HG_ASSIGN_OR_RETURN(st.size, f->Size());
    return Status::Ok();
  }
  HG_ASSIGN_OR_RETURN(UniqueFd fd, path_walk::Reopen(mount_->proc(), h, O_RDONLY));
  HG_ASSIGN_OR_RETURN(st.size, EncryptedFile::ReadPlaintextSize(*key_, fd.get()));
  return Status::Ok();
}

Status EncryptedStore::InitNewFile(const path_walk::Handle& h, int fd) {
  (void)h;
  UniqueFd dup(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!dup.valid()) return Errno::Last();
  HG_ASSIGN_OR_RETURN(std::unique_ptr<EncryptedFile> f,
                      EncryptedFile::Create(*key_, std::move(dup)));
  (void)f;  // the header is written; the next Open makes the shared instance
  return Status::Ok();
}

Result<server::OpenResult> EncryptedStore::Open(const path_walk::Handle& h, uint32_t flags,
                                                std::string_view path) {
  (void)path;
  HG_ASSIGN_OR_RETURN(std::shared_ptr<EncryptedFile> f, Get(h));
  const bool writable = (flags & O_ACCMODE) != O_RDONLY;
  if (flags & O_TRUNC) HG_RETURN_IF_ERROR(f->Truncate(0));
  server::OpenResult r;
  r.impl = std::make_unique<EncryptedOpenFile>(std::move(f), writable);
  return r;  // no donated FD, ever (see the header)
}

Status EncryptedStore::Truncate(const path_walk::Handle& h, uint64_t size) {
  HG_ASSIGN_OR_RETURN(std::shared_ptr<EncryptedFile> f, Get(h));
  return f->Truncate(size);
}

}  // namespace hg::encrypted
