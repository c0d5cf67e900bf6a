// Backend side of an open FD (gVisor OpenFDImpl): I/O on one open file or
// directory. Every operation defaults to ENOSYS, so a backend implements only
// what it supports.
//
//   class MyFile final : public OpenFdImpl {
//    public:
//     explicit MyFile(UniqueFd fd) : fd_(std::move(fd)) {}
//     Result<size_t> Read(std::span<uint8_t> buf, uint64_t off) override {
//       ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(off));
//       if (n < 0) return Errno::Last();
//       return static_cast<size_t>(n);
//     }
//    private:
//     UniqueFd fd_;                       // closed by the destructor (gVisor's Close)
//   };
//
// Hot paths are zero-copy: Read writes straight into the response buffer
// (which, on a channel, is the shared window: write to it, never read it back),
// and Write reads from the request, a private copy the client cannot change.
//
// Guarantees (locks the server holds during the call, on the node of the
// control FD this file was opened on): read = Stat, Sync, Read, Flush,
// Getdents64; write = Write, Allocate; global = Renamed; none = destructor.
// Open FDs work on host FDs resolved at Open time: they must never re-resolve
// a path (the node may be deleted by then; the server does not check it for
// Read/Write/Sync).
#ifndef HARDGOFER_GOFER_SERVER_OPEN_FD_IMPL_H_
#define HARDGOFER_GOFER_SERVER_OPEN_FD_IMPL_H_

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "gofer/server/sinks.h"
#include "gofer/wire/statx.h"

namespace hg::server {

class OpenFd;

class OpenFdImpl {
 public:
  OpenFdImpl() = default;
  OpenFdImpl(const OpenFdImpl&) = delete;
  OpenFdImpl& operator=(const OpenFdImpl&) = delete;
  virtual ~OpenFdImpl() = default;

  // The server object around this impl. Valid in every operation (not in the
  // constructor, nor in the destructor).
  const OpenFd& open_fd() const { return *fd_; }

  // fstat(2) of the open file. FStat on an open FDID.
  virtual Result<wire::Statx> Stat() { return Errno(ENOSYS); }
  // fsync(2). The server reports the first error of a batched FSync.
  virtual Status Sync() { return Errno(ENOSYS); }
  // pwrite(2) of all of `data` at `offset`; returns the bytes written.
  // `data` is at most the max message size minus 20 bytes.
  virtual Result<uint64_t> Write(std::span<const uint8_t> data, uint64_t offset) {
    (void)data, (void)offset;
    return Errno(ENOSYS);
  }
  // pread(2) into `buf` (exactly the count asked for, already bounded by the
  // server); returns the bytes read, fewer at EOF, 0 past it (never an error).
  virtual Result<size_t> Read(std::span<uint8_t> buf, uint64_t offset) {
    (void)buf, (void)offset;
    return Errno(ENOSYS);
  }
  // fallocate(2). The backend must refuse (EOPNOTSUPP) modes the installed
  // seccomp program would kill the process for.
  virtual Status Allocate(uint64_t mode, uint64_t offset, uint64_t length) {
    (void)mode, (void)offset, (void)length;
    return Errno(ENOSYS);
  }
  // Implementation-defined (the stock gofer does not advertise Flush).
  virtual Status Flush() { return Errno(ENOSYS); }
  // Directory entries into `out` (see sinks.h for the refusal rule). `count`
  // is the byte budget the client asked for, at most the max message size;
  // seek0: rewind to the start first (the client sent a negative count).
  virtual Status Getdents64(uint32_t count, bool seek0, DirentSink& out) {
    (void)count, (void)seek0, (void)out;
    return Errno(ENOSYS);
  }
  // The file (or an ancestor) was renamed: drop any cached path.
  virtual void Renamed() {}

 private:
  friend class OpenFd;
  friend class TreeOps;
  const OpenFd* fd_ = nullptr;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_OPEN_FD_IMPL_H_
