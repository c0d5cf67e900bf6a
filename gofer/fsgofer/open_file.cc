#include "gofer/fsgofer/open_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "gofer/fsgofer/host_stat.h"
#include "gofer/fsgofer/refusal.h"
#include "path_walk/name.h"
#include "path_walk/stat_at.h"

namespace hg::fsgofer {
namespace {

// Kernel getdents64 record header (linux_dirent64 without the name).
struct KernelDirent {
  uint64_t d_ino;
  int64_t d_off;
  uint16_t d_reclen;
  uint8_t d_type;
};
constexpr size_t kDirentHeader = offsetof(KernelDirent, d_type) + 1;  // 19

// Kernel-side buffer per getdents64 call. Big enough that a directory of a
// thousand short names takes one or two calls.
constexpr size_t kDirBufSize = size_t{32} * 1024;
// getdents64 refuses buffers that cannot hold one record (EINVAL).
constexpr size_t kMinDirRead = 512;

}  // namespace

Errno OpenFile::Refuse(Rule rule, std::string_view op) const {
  return RefuseLazy(rule, op, [&]() -> std::string {
    Result<std::string> p = open_fd().control_fd().PathInMount();
    return p.ok() ? std::move(p).value() : std::string("?");
  });
}

Result<wire::Statx> OpenFile::Stat() { return StatxOfFd(fd_.get()); }

Status OpenFile::Sync() { return StatusFromRet(::fsync(fd_.get())); }

Result<size_t> OpenFile::Read(std::span<uint8_t> buf, uint64_t offset) {
  if (offset > static_cast<uint64_t>(INT64_MAX)) return Errno(EINVAL);
  for (;;) {
    ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno::Last();
    return static_cast<size_t>(n);
  }
}

Result<uint64_t> OpenFile::Write(std::span<const uint8_t> data, uint64_t offset) {
  if (mount_->rules().readonly) return Refuse(Rule::kReadonly, "PWrite");
  if (offset > static_cast<uint64_t>(INT64_MAX)) return Errno(EINVAL);
  const uint64_t max = mount_->rules().max_file_size;
  if (max != 0) {
    // As RLIMIT_FSIZE: write what fits below the limit, EFBIG if nothing does
    // (a shortened write is not a refusal, and not logged).
    if (offset >= max) return Refuse(Rule::kMaxFileSize, "PWrite");
    if (data.size() > max - offset) data = data.first(static_cast<size_t>(max - offset));
  }
  for (;;) {
    ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno::Last();
    return static_cast<uint64_t>(n);
  }
}

Status OpenFile::Allocate(uint64_t mode, uint64_t offset, uint64_t length) {
  if (mount_->rules().readonly) return Refuse(Rule::kReadonly, "FAllocate");
  // Only mode 0 (plain allocation): the stock gofer's seccomp program allows
  // nothing else, and a mode it forbids would kill the whole gofer. Refused
  // before any syscall.
  if (mode != 0) return Refuse(Rule::kAllocateMode, "FAllocate");
  if (offset > static_cast<uint64_t>(INT64_MAX) || length > static_cast<uint64_t>(INT64_MAX) ||
      offset + length > static_cast<uint64_t>(INT64_MAX)) {
    return Errno(EFBIG);
  }
  const uint64_t max = mount_->rules().max_file_size;
  if (max != 0 && offset + length > max) return Refuse(Rule::kMaxFileSize, "FAllocate");
  return StatusFromRet(
      ::fallocate(fd_.get(), 0, static_cast<off_t>(offset), static_cast<off_t>(length)));
}

Status OpenFile::Getdents64(uint32_t count, bool seek0, server::DirentSink& out) {
  if (!control_->is_dir()) return Errno(ENOTDIR);
  std::lock_guard<std::mutex> lock(dir_mu_);
  if (seek0) {
    if (::lseek(fd_.get(), 0, SEEK_SET) < 0) return Errno::Last();
    buf_pos_ = buf_len_ = 0;
  }
  if (dirbuf_.empty()) dirbuf_.resize(kDirBufSize);

  // Which entries need a stat for their device: only mount points, from the
  // mount table (mount_table.h). Without a usable table, all of them.
  bool stat_all = true;
  std::shared_ptr<const MountSnapshot> snap;
  const std::vector<std::string>* mount_points = nullptr;
  if (MountTable* table = mount_->mounts()) {
    Result<std::shared_ptr<const MountSnapshot>> cur = table->Current();
    if (cur.ok()) {
      snap = std::move(cur).value();
      stat_all = false;
      if (!control_->has_mnt_id() || snap->HasChildMounts(control_->mnt_id())) {
        Result<std::string> path = mount_->proc().ReadLink(*control_);
        if (path.ok()) {
          mount_points = snap->MountPointsIn(*path);
        } else {
          stat_all = true;
        }
      }
    }
  }
  // Denied names are left out of the listing (deny_list.h).
  const DenyList* deny = mount_->deny();
  std::string dir_path;
  if (deny != nullptr) {
    HG_ASSIGN_OR_RETURN(dir_path, open_fd().control_fd().PathInMount());
  }
  const uint32_t dir_major = major(control_->dev());
  const uint32_t dir_minor = minor(control_->dev());

  const size_t read_size = std::clamp<size_t>(count, kMinDirRead, dirbuf_.size());
  for (;;) {
    if (buf_pos_ >= buf_len_) {
      // Records left from the previous call are served first; only then is
      // the kernel asked again.
      buf_pos_ = buf_len_ = 0;
      long n = ::syscall(SYS_getdents64, fd_.get(), dirbuf_.data(), read_size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno::Last();
      if (n == 0) break;  // end of directory
      buf_len_ = static_cast<size_t>(n);
    }
    while (buf_pos_ + kDirentHeader <= buf_len_) {
      const size_t pos = buf_pos_;
      KernelDirent k;
      std::memcpy(&k, dirbuf_.data() + pos, sizeof(k) < kDirentHeader ? sizeof(k) : kDirentHeader);
      if (k.d_reclen <= kDirentHeader || pos + k.d_reclen > buf_len_) {
        buf_pos_ = buf_len_ = 0;
        return Errno(EIO);  // a record the kernel would never produce
      }
      const char* name_p = dirbuf_.data() + pos + kDirentHeader;
      const size_t name_len = ::strnlen(name_p, k.d_reclen - kDirentHeader);
      std::string_view name(name_p, name_len);

      wire::Dirent64 d;
      d.ino = k.d_ino;
      d.off = static_cast<uint64_t>(k.d_off);
      d.type = k.d_type;
      d.name = name;
      d.dev_major = dir_major;
      d.dev_minor = dir_minor;
      const bool dot = name == "." || name == "..";
      if (!dot && deny != nullptr && deny->Denied(ChildPath(dir_path, name))) {
        buf_pos_ += k.d_reclen;  // consumed, never delivered
        continue;
      }
      bool need_stat = !dot && stat_all;
      if (!dot && !need_stat && mount_points != nullptr) {
        need_stat =
            std::find(mount_points->begin(), mount_points->end(), name) != mount_points->end();
      }
      if (need_stat) {
        Result<path_walk::Name> nm = path_walk::Name::Make(name);
        Result<path_walk::Statx> st =
            nm.ok() ? path_walk::StatAt(*control_, *nm) : Result<path_walk::Statx>(nm.error());
        if (!st.ok()) {
          // Gone since it was listed (or a mount this mount may not cross):
          // skipped, as gVisor's gofer skips entries whose stat fails.
          buf_pos_ += k.d_reclen;
          continue;
        }
        d.ino = st->stx_ino;
        d.dev_major = st->stx_dev_major;
        d.dev_minor = st->stx_dev_minor;
      }
      // Not delivered (the response is full): it stays buffered and opens
      // the next call. Seeking the directory back instead would be correct
      // too, but on ext4 htree directories every seek to a hash position
      // rebuilds the kernel's readdir tree: a 1,000-entry listing took 3x a
      // plain getdents64 loop that way.
      if (!out.Add(d)) return Status::Ok();
      buf_pos_ += k.d_reclen;
    }
    buf_pos_ = buf_len_;  // a truncated tail record cannot be completed: read on
  }
  return Status::Ok();
}

Status BoundSocket::Listen(int32_t backlog) {
  return StatusFromRet(::listen(sock_.get(), backlog));
}

Result<server::AcceptResult> BoundSocket::Accept() {
  UniqueFd c(::accept4(sock_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!c.valid()) return Errno::Last();
  // No peer address: the host's socket paths are not the sandbox's business.
  return server::AcceptResult{std::move(c), ""};
}

}  // namespace hg::fsgofer
