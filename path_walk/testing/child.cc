#include "path_walk/testing/child.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

namespace hg::path_walk::testing {

bool Checker::Check(bool ok, std::string_view what) {
  if (!ok) {
    failures_ += what;
    failures_ += '\n';
  }
  return ok;
}

bool Checker::CheckErrno(int got, int want, std::string_view what) {
  if (got == want) return true;
  failures_ += what;
  failures_ += ": got ";
  failures_ += got == 0 ? std::string("success") : std::string(std::strerror(got));
  failures_ += ", want ";
  failures_ += want == 0 ? std::string("success") : std::string(std::strerror(want));
  failures_ += '\n';
  return false;
}

std::string RunInChild(const std::function<void(Checker&)>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  UniqueFd rd(fds[0]);
  UniqueFd wr(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    rd.reset();
    Checker c;
    body(c);
    const std::string& f = c.failures();
    std::size_t off = 0;
    while (off < f.size()) {
      ssize_t n = ::write(wr.get(), f.data() + off, f.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  wr.reset();
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(rd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    out += "child died with signal " + std::to_string(WTERMSIG(status)) + "\n";
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    out += "child exited " + std::to_string(WEXITSTATUS(status)) + "\n";
  }
  return out;
}

}  // namespace hg::path_walk::testing
