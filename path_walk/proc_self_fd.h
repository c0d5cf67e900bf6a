// The process's own /proc/self/fd directory, opened once before confinement.
//
//   HG_ASSIGN_OR_RETURN(ProcSelfFd proc, ProcSelfFd::Open());   // at start-up
//   ...
//   HG_ASSIGN_OR_RETURN(UniqueFd rd, Reopen(proc, handle, O_RDONLY));
//
// Entries of this directory are "magic links": opening /proc/self/fd/N jumps
// straight to the object descriptor N refers to, with no name lookup. That is
// what path_walk uses it for: re-opening an O_PATH handle for I/O, linking a
// handle, locating a handle's parent, and naming a unix socket in a path
// (sockaddr_un cannot carry a directory fd).
//
// Keep it private to the process: a ProcSelfFd inherited across fork() still
// names the *parent's* descriptor table. And `path()` must keep naming this
// procfs in the server's mount namespace: if the server's "/proc" could be
// created by the client (a server chrooted into the served tree), socket
// addresses built from it would resolve through client-made symlinks.
// Socket address builders re-check this on every call (socket_address.h).
#ifndef HARDGOFER_PATH_WALK_PROC_SELF_FD_H_
#define HARDGOFER_PATH_WALK_PROC_SELF_FD_H_

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"
#include "path_walk/handle.h"

namespace hg::path_walk {

class ProcSelfFd {
 public:
  // Opens "<proc_mount>/self/fd" (proc_mount absolute, normally "/proc") and
  // checks it is on procfs (EINVAL otherwise).
  static Result<ProcSelfFd> Open(std::string_view proc_mount = "/proc");

  ProcSelfFd(ProcSelfFd&&) noexcept = default;
  ProcSelfFd& operator=(ProcSelfFd&&) noexcept = default;

  // O_PATH descriptor of the directory; entries are named by fd number.
  int fd() const { return fd_.get(); }
  // Absolute path of the same directory, e.g. "/proc/self/fd".
  const std::string& path() const { return path_; }

  // The kernel's current path for the object behind `h` (what readlink of
  // /proc/self/fd/N shows; "... (deleted)" for unlinked objects). Paths longer
  // than PATH_MAX fail with ENAMETOOLONG.
  Result<std::string> ReadLink(const Handle& h) const;

  // Fails (ESTALE) unless path() still resolves to this directory.
  Status CheckPathStillNamesSelf() const;

 private:
  ProcSelfFd(UniqueFd fd, std::string path, std::uint64_t dev, std::uint64_t ino)
      : fd_(std::move(fd)), path_(std::move(path)), dev_(dev), ino_(ino) {}

  UniqueFd fd_;
  std::string path_;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
};

// "N" for descriptor N: the entry name in a ProcSelfFd directory.
std::string FdEntryName(int fd);

}  // namespace hg::path_walk

#endif  // HARDGOFER_PATH_WALK_PROC_SELF_FD_H_
