// RAII owner of a file descriptor.
//
//   UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
//   if (!fd.valid()) return Errno::Last();
//   ... fd.get() ...            // closed when fd goes out of scope
//
// An fd never lives in a bare int beyond the syscall that returns it: a leaked
// fd in a gofer is a handle into the host that outlives the request that made it.
#ifndef HARDGOFER_BASE_UNIQUE_FD_H_
#define HARDGOFER_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace hg {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd < 0 ? -1 : fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  // Closes the current fd (if any) and takes ownership of `fd`.
  void reset(int fd = -1) {
    int old = std::exchange(fd_, fd < 0 ? -1 : fd);
    // close(2) errors are not actionable here; EINTR still releases the fd on Linux.
    if (old >= 0) ::close(old);
  }

 private:
  int fd_ = -1;
};

}  // namespace hg

#endif  // HARDGOFER_BASE_UNIQUE_FD_H_
