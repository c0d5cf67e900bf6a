#include "tests/integration/run_binary.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hg::integration {
namespace {

double Now() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void ExecChild(const std::vector<std::string>& args, const RunOptions& opts,
                            int out_fd, int err_fd) {
  if (out_fd >= 0) ::dup2(out_fd, 1);
  if (err_fd >= 0) ::dup2(err_fd, 2);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  for (const auto& [child_fd, fd] : opts.fds) {
    if (fd == child_fd) {
      ::fcntl(fd, F_SETFD, 0);  // keep it across exec
    } else {
      ::dup2(fd, child_fd);  // dup2 clears FD_CLOEXEC on the new fd
    }
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(BinaryPath()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(BinaryPath(), argv.data());
  ::_exit(127);
}

int ExitCodeOf(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

const char* BinaryPath() { return HARDGOFER_BIN; }

RunResult RunHardgofer(const std::vector<std::string>& args, const RunOptions& opts) {
  RunResult r;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return r;
  pid_t pid = ::fork();
  if (pid == 0) ExecChild(args, opts, out[1], err[1]);
  ::close(out[1]);
  ::close(err[1]);
  const double deadline = Now() + opts.timeout_seconds;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  bool timed_out = false;
  while (open_fds > 0) {
    const double left = deadline - Now();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left * 1000) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t k = ::read(fds[i].fd, buf, sizeof(buf));
      if (k <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(k));
    }
  }
  for (auto& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = timed_out ? -1 : ExitCodeOf(status);
  return r;
}

Background::Background(const std::vector<std::string>& args, const RunOptions& opts) {
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) ExecChild(args, opts, -1, err[1]);
  ::close(err[1]);
  err_fd_ = err[0];
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

Background::~Background() {
  if (pid_ > 0 && !reaped_) Stop(SIGKILL);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void Background::Drain() {
  if (err_fd_ < 0) return;
  char buf[4096];
  for (;;) {
    ssize_t k = ::read(err_fd_, buf, sizeof(buf));
    if (k <= 0) return;
    err_.append(buf, static_cast<size_t>(k));
  }
}

int Background::Wait(int timeout_seconds) {
  if (reaped_) return ExitCodeOf(status_);
  const double deadline = Now() + timeout_seconds;
  while (Now() < deadline) {
    Drain();
    pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      Drain();
      return ExitCodeOf(status_);
    }
    ::usleep(5000);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status_, 0);
  reaped_ = true;
  Drain();
  return -1;
}

int Background::Stop(int sig) {
  if (reaped_) return ExitCodeOf(status_);
  ::kill(pid_, sig);
  return Wait();
}

std::string Background::err() const {
  const_cast<Background*>(this)->Drain();
  return err_;
}

bool WaitForPath(const std::string& path, int timeout_seconds) {
  const double deadline = Now() + timeout_seconds;
  struct stat st;
  while (Now() < deadline) {
    if (::lstat(path.c_str(), &st) == 0) return true;
    ::usleep(5000);
  }
  return false;
}

}  // namespace hg::integration
