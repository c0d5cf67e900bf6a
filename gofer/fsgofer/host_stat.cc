#include "gofer/fsgofer/host_stat.h"

#include <fcntl.h>
#include <sys/statfs.h>

namespace hg::fsgofer {
namespace {

wire::StatxTimestamp Ts(const struct statx_timestamp& t) {
  return wire::StatxTimestamp{t.tv_sec, t.tv_nsec};
}

}  // namespace

wire::Statx ToWireStatx(const struct statx& st) {
  wire::Statx w;
  w.mask = st.stx_mask & kLisafsStatxMask;
  w.blksize = st.stx_blksize;
  w.nlink = st.stx_nlink;
  w.uid = st.stx_uid;
  w.gid = st.stx_gid;
  w.mode = st.stx_mode;
  w.ino = st.stx_ino;
  w.size = st.stx_size;
  w.blocks = st.stx_blocks;
  w.atime = Ts(st.stx_atime);
  w.btime = Ts(st.stx_btime);
  w.ctime = Ts(st.stx_ctime);
  w.mtime = Ts(st.stx_mtime);
  w.rdev_major = st.stx_rdev_major;
  w.rdev_minor = st.stx_rdev_minor;
  w.dev_major = st.stx_dev_major;
  w.dev_minor = st.stx_dev_minor;
  return w;
}

Result<wire::Statx> StatxOfFd(int fd) {
  struct statx st;
  if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, kLisafsStatxMask, &st) != 0) {
    return Errno::Last();
  }
  return ToWireStatx(st);
}

Result<wire::StatFS> StatFSOfFd(int fd) {
  struct statfs s;
  if (::fstatfs(fd, &s) != 0) return Errno::Last();
  wire::StatFS w;
  w.type = static_cast<uint64_t>(s.f_type);
  w.block_size = s.f_bsize;
  w.blocks = s.f_blocks;
  w.blocks_free = s.f_bfree;
  w.blocks_available = s.f_bavail;
  w.files = s.f_files;
  w.files_free = s.f_ffree;
  w.name_length = static_cast<uint64_t>(s.f_namelen);
  return w;
}

bool IsSupportedFileType(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
    case S_IFDIR:
    case S_IFLNK:
    case S_IFCHR:
    case S_IFSOCK:
    case S_IFIFO:
      return true;
    default:
      return false;
  }
}

}  // namespace hg::fsgofer
