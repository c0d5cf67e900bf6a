// A `hardgofer run` process started the way a runtime starts it: one
// socketpair per gofer-served mount (the gofer's ends at fixed FD numbers),
// JSON log lines on a pipe, an optional environment and rlimit for the child.
//
//   GoferProcess g({.args = {"run", "--bundle", dir}, .mounts = 2});
//   ASSERT_TRUE(g.WaitForEvent("serving"));       // or the process exited
//   auto c = client::Client::Mount(g.TakeClientSocket(1));   // the /data mount
//   std::string caps = g.StatusField("CapEff");
//   EXPECT_EQ(g.Stop(SIGTERM).exit_code, 0);
//
// The child is always reaped (SIGKILL at destruction if still alive); every
// wait is bounded.
#ifndef HARDGOFER_TESTS_E2E_GOFER_PROCESS_H_
#define HARDGOFER_TESTS_E2E_GOFER_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/unique_fd.h"

namespace hg::e2e {

// The binaries under test (from the build).
const char* ShippedBinary();  // hardgofer
const char* TestingBinary();  // hardgofer_testing (test hooks compiled in)

struct GoferOptions {
  const char* binary = nullptr;        // default: ShippedBinary()
  std::vector<std::string> args = {};  // after the binary name; --io-fds and --log-* are added
  size_t mounts = 1;                   // socketpairs to create
  std::map<std::string, std::string> env = {};  // added to the child's environment
  std::optional<unsigned long> nofile_hard =
      std::nullopt;                // lower RLIMIT_NOFILE (soft = hard) before exec
  bool extra_inherited_fd = true;  // leave an unrelated open file at FD 20 (must be closed)
  bool add_io_fds = true;          // --io-fds=10,11,... for `mounts` sockets
  bool json_log = true;            // --log-format=json (only `run` takes it)
  // (FD in this process, FD number in the child), e.g. a spec file for --spec-fd.
  std::vector<std::pair<int, int>> extra_fds = {};
};

struct Exit {
  int exit_code = -1;  // -1 if signalled
  int signal = 0;      // the terminating signal, 0 if it exited
};

class GoferProcess {
 public:
  // The gofer's socket ends are FDs 10, 11, ...; the log goes to FD 2 (a pipe).
  static constexpr int kFirstIoFd = 10;

  explicit GoferProcess(GoferOptions opts);
  ~GoferProcess();
  GoferProcess(const GoferProcess&) = delete;
  GoferProcess& operator=(const GoferProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The client end of mount `i`'s socketpair (once).
  UniqueFd TakeClientSocket(size_t i);
  void CloseClientSocket(size_t i) { clients_.at(i).reset(); }

  // Waits (bounded) for a log line with "event":"<event>"; false if the
  // process exited first or the time ran out.
  bool WaitForEvent(const std::string& event, int timeout_seconds = 20);
  // Every log/stderr line so far.
  std::vector<std::string> Lines() const;
  // Lines whose event is `event`.
  std::vector<std::string> Events(const std::string& event) const;
  std::string AllOutput() const;

  // /proc/<pid>/status field ("CapEff" -> "000000000004001f").
  std::string StatusField(const std::string& name) const;
  // FD number -> readlink target of /proc/<pid>/fd/N.
  std::map<int, std::string> Fds() const;

  Exit Stop(int sig, int timeout_seconds = 20);
  Exit Wait(int timeout_seconds = 20);
  // True once the process has been reaped (by Wait, Stop or Alive).
  bool exited() const { return reaped_; }
  // Reaps the process if it has ended (without waiting); false then.
  bool Alive() { return !Reap(0); }
  // The exit once reaped.
  Exit exit_status() const { return exit_; }

 private:
  void ReadLoop(int fd);
  bool Reap(int timeout_ms);

  pid_t pid_ = -1;
  std::vector<UniqueFd> clients_;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string output_;
  bool eof_ = false;
  bool reaped_ = false;
  Exit exit_;
};

// The value of "key":"..." in a JSON log line ("" if absent; escapes kept).
std::string JsonField(const std::string& line, const std::string& key);

}  // namespace hg::e2e

#endif  // HARDGOFER_TESTS_E2E_GOFER_PROCESS_H_
