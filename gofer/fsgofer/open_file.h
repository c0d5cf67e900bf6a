// fsgofer's open FD: a host descriptor opened from a ControlFile's handle.
//
//   auto of = std::make_unique<OpenFile>(mount_state, &control_file, std::move(fd), S_IFREG);
//
// I/O works on the descriptor resolved at Open time and never looks at a
// path again, so it is safe after the file was unlinked or renamed.
//
// Getdents64 is cheap: entries get the directory's device number (known
// from the handle) except the few names the mount table lists as mount
// points in this directory, which are stat'ed (mount_table.h). "." and ".."
// always get the directory's device: looking at ".." would step above the
// handle, which path_walk never does.
#ifndef HARDGOFER_GOFER_FSGOFER_OPEN_FILE_H_
#define HARDGOFER_GOFER_FSGOFER_OPEN_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/unique_fd.h"
#include "gofer/fsgofer/mount_state.h"
#include "gofer/fsgofer/refusal.h"
#include "gofer/server/connection_impl.h"
#include "path_walk/handle.h"

namespace hg::fsgofer {

class OpenFile final : public server::OpenFdImpl {
 public:
  // `control` is the handle of the control FD this file was opened on; it
  // outlives this object (the server's OpenFd holds its ControlFd).
  OpenFile(std::shared_ptr<const MountState> mount, const path_walk::Handle* control, UniqueFd fd)
      : mount_(std::move(mount)), control_(control), fd_(std::move(fd)) {}

  int fd() const { return fd_.get(); }

  Result<wire::Statx> Stat() override;
  Status Sync() override;
  Result<uint64_t> Write(std::span<const uint8_t> data, uint64_t offset) override;
  Result<size_t> Read(std::span<uint8_t> buf, uint64_t offset) override;
  Status Allocate(uint64_t mode, uint64_t offset, uint64_t length) override;
  Status Flush() override { return Status::Ok(); }
  Status Getdents64(uint32_t count, bool seek0, server::DirentSink& out) override;

 private:
  // refusal.h, with the path of the file this was opened on.
  Errno Refuse(Rule rule, std::string_view op) const;

  std::shared_ptr<const MountState> mount_;
  const path_walk::Handle* control_;
  UniqueFd fd_;

  // Getdents64 state: the kernel serializes getdents on one file, but our
  // buffer needs its own lock. Records read from the kernel but not yet
  // delivered (the response was full) stay in dirbuf_[buf_pos_, buf_len_)
  // and open the next call, so a listing never seeks back.
  std::mutex dir_mu_;
  std::vector<char> dirbuf_;  // guarded by dir_mu_
  size_t buf_pos_ = 0;        // guarded by dir_mu_
  size_t buf_len_ = 0;        // guarded by dir_mu_
};

// A bound host socket (BindAt) for Listen/Accept.
class BoundSocket final : public server::BoundSocketFdImpl {
 public:
  explicit BoundSocket(UniqueFd sock) : sock_(std::move(sock)) {}
  Status Listen(int32_t backlog) override;
  Result<server::AcceptResult> Accept() override;

 private:
  UniqueFd sock_;
};

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_OPEN_FILE_H_
