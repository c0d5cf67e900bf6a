// Running the hardgofer binary from a test: fork/exec with captured output,
// a time limit, and background processes that are always reaped.
//
//   RunResult r = RunHardgofer({"serve", "--help"});
//   EXPECT_EQ(r.exit_code, 0);
//
//   Background srv({"serve", "--root", dir, "--listen", sock});
//   ASSERT_TRUE(WaitForPath(sock));
//   EXPECT_EQ(srv.Stop(SIGTERM), 0);         // exit code after the signal
//
// The binary's path comes from the build (HARDGOFER_BIN), so the test runs
// exactly what was built, not whatever is on PATH.
#ifndef HARDGOFER_TESTS_INTEGRATION_RUN_BINARY_H_
#define HARDGOFER_TESTS_INTEGRATION_RUN_BINARY_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace hg::integration {

const char* BinaryPath();

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

struct RunOptions {
  // (child fd, fd to dup2 there) for inherited FDs (e.g. a socket on fd 3).
  std::vector<std::pair<int, int>> fds;
  int timeout_seconds = 30;
};

RunResult RunHardgofer(const std::vector<std::string>& args, const RunOptions& opts = {});

// A long-running hardgofer (e.g. serve --listen); killed at destruction.
class Background {
 public:
  explicit Background(const std::vector<std::string>& args, const RunOptions& opts = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig` and waits (bounded); returns the exit code, -1 if it died
  // by a signal or had to be killed.
  int Stop(int sig);
  // Waits (bounded) for the process to exit on its own.
  int Wait(int timeout_seconds = 30);
  // What it wrote to stderr so far (after Stop/Wait: everything).
  std::string err() const;

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string err_;
  int status_ = -1;
  bool reaped_ = false;
  void Drain();
};

// Polls until `path` exists (bounded by `timeout_seconds`).
bool WaitForPath(const std::string& path, int timeout_seconds = 10);

}  // namespace hg::integration

#endif  // HARDGOFER_TESTS_INTEGRATION_RUN_BINARY_H_
