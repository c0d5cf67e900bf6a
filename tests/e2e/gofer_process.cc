#include "tests/e2e/gofer_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hg::e2e {

const char* ShippedBinary() { return HARDGOFER_BIN; }
const char* TestingBinary() { return HARDGOFER_TESTING_BIN; }

GoferProcess::GoferProcess(GoferOptions opts) {
  std::vector<UniqueFd> gofer_ends;
  for (size_t i = 0; i < opts.mounts; ++i) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    clients_.emplace_back(sv[0]);
    gofer_ends.emplace_back(sv[1]);
  }
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) std::abort();
  const char* binary = opts.binary ? opts.binary : ShippedBinary();
  std::vector<std::string> args = {binary};
  args.insert(args.end(), opts.args.begin(), opts.args.end());
  if (opts.add_io_fds && opts.mounts > 0) {
    std::string fds;
    for (size_t i = 0; i < opts.mounts; ++i) {
      fds += (i ? "," : "") + std::to_string(kFirstIoFd + static_cast<int>(i));
    }
    args.push_back("--io-fds=" + fds);
  }
  if (opts.json_log) args.push_back("--log-format=json");
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& [k, v] : opts.env) env_strings.push_back(k + '=' + v);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  // The child's high copies of its dup2 sources (below); sized here so the
  // child does not allocate.
  std::vector<int> high(gofer_ends.size() + opts.extra_fds.size(), -1);

  pid_ = ::fork();
  if (pid_ < 0) std::abort();
  if (pid_ == 0) {
    // Child: only async-signal-safe calls from here to exec.
    //
    // Every source FD first moves above every target: this process may hold
    // a socket end, the log pipe or a spec FD at a number that is also a
    // target (0..2 when the test runner closed stdin, 10.. for the sockets),
    // and a dup2 that fills that number first would replace it before it is
    // itself moved: two mounts would then share one socket.
    constexpr int kAboveTargets = 256;
    for (size_t i = 0; i < gofer_ends.size(); ++i) {
      high[i] = ::fcntl(gofer_ends[i].get(), F_DUPFD, kAboveTargets);
    }
    for (size_t i = 0; i < opts.extra_fds.size(); ++i) {
      high[gofer_ends.size() + i] = ::fcntl(opts.extra_fds[i].first, F_DUPFD, kAboveTargets);
    }
    const int log_high = ::fcntl(err_pipe[1], F_DUPFD, kAboveTargets);
    int devnull_high = -1;
    if (int devnull = ::open("/dev/null", O_RDWR); devnull >= 0) {
      devnull_high = ::fcntl(devnull, F_DUPFD, kAboveTargets);
      ::close(devnull);
    }
    ::dup2(log_high, 2);
    ::dup2(devnull_high, 0);
    ::dup2(devnull_high, 1);
    for (size_t i = 0; i < gofer_ends.size(); ++i) {
      ::dup2(high[i], kFirstIoFd + static_cast<int>(i));
    }
    for (size_t i = 0; i < opts.extra_fds.size(); ++i) {
      ::dup2(high[gofer_ends.size() + i], opts.extra_fds[i].second);
    }
    // The high copies are not CLOEXEC (F_DUPFD): close them before exec, or
    // the gofer would inherit stray sockets.
    for (int fd : high) {
      if (fd >= 0) ::close(fd);
    }
    ::close(log_high);
    ::close(devnull_high);
    if (opts.extra_inherited_fd) {
      int f = ::open("/", O_RDONLY | O_DIRECTORY);  // an FD the gofer must not keep
      // At 20 only: left at the lowest free number as well, it would sit
      // where the gofer's own first open lands under a real parent.
      if (f >= 0 && f != 20) {
        ::dup2(f, 20);
        ::close(f);
      }
    }
    if (opts.nofile_hard) {
      rlimit r{*opts.nofile_hard, *opts.nofile_hard};
      ::setrlimit(RLIMIT_NOFILE, &r);
    }
    ::execve(binary, argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  gofer_ends.clear();
  reader_ = std::thread([this, fd = err_pipe[0]] { ReadLoop(fd); });
}

GoferProcess::~GoferProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    Reap(10000);
  }
  clients_.clear();
  if (reader_.joinable()) reader_.join();
}

void GoferProcess::ReadLoop(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard<std::mutex> l(mu_);
    output_.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  std::lock_guard<std::mutex> l(mu_);
  eof_ = true;
}

UniqueFd GoferProcess::TakeClientSocket(size_t i) { return std::move(clients_.at(i)); }

std::vector<std::string> GoferProcess::Lines() const {
  std::vector<std::string> lines;
  std::istringstream in(AllOutput());
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string GoferProcess::AllOutput() const {
  std::lock_guard<std::mutex> l(mu_);
  return output_;
}

std::vector<std::string> GoferProcess::Events(const std::string& event) const {
  std::vector<std::string> out;
  for (const std::string& l : Lines()) {
    if (JsonField(l, "event") == event) out.push_back(l);
  }
  return out;
}

bool GoferProcess::WaitForEvent(const std::string& event, int timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Events(event).empty()) return true;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (eof_) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !Events(event).empty();
}

std::string GoferProcess::StatusField(const std::string& name) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(name + ":", 0) == 0) {
      size_t v = l.find_first_not_of(" \t", name.size() + 1);
      return v == std::string::npos ? "" : l.substr(v);
    }
  }
  return "";
}

std::map<int, std::string> GoferProcess::Fds() const {
  std::map<int, std::string> out;
  const std::string dir = "/proc/" + std::to_string(pid_) + "/fd";
  for (int fd = 0; fd < 4096; ++fd) {
    char target[4096];
    ssize_t n = ::readlink((dir + "/" + std::to_string(fd)).c_str(), target, sizeof(target) - 1);
    if (n < 0) continue;
    out[fd] = std::string(target, static_cast<size_t>(n));
  }
  return out;
}

bool GoferProcess::Reap(int timeout_ms) {
  if (reaped_) return true;
  for (int waited = 0; waited <= timeout_ms; waited += 5) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      if (WIFEXITED(status)) exit_ = {WEXITSTATUS(status), 0};
      if (WIFSIGNALED(status)) exit_ = {-1, WTERMSIG(status)};
      return true;
    }
    ::usleep(5000);
  }
  return false;
}

Exit GoferProcess::Stop(int sig, int timeout_seconds) {
  if (!reaped_) ::kill(pid_, sig);
  return Wait(timeout_seconds);
}

Exit GoferProcess::Wait(int timeout_seconds) {
  if (!Reap(timeout_seconds * 1000)) {
    ::kill(pid_, SIGKILL);
    Reap(10000);
    exit_ = {-1, SIGKILL};
  }
  if (reader_.joinable()) reader_.join();
  return exit_;
}

std::string JsonField(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  size_t p = line.find(needle);
  if (p == std::string::npos) return "";
  p += needle.size();
  std::string v;
  for (size_t i = p; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      v += line[i];
      v += line[++i];
      continue;
    }
    if (line[i] == '"') break;
    v += line[i];
  }
  return v;
}

}  // namespace hg::e2e
