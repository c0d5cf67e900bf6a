// SIGINT/SIGTERM/SIGHUP as an FD, so a serving process stops cleanly.
//
//   HG_ASSIGN_OR_RETURN(StopSignals sig, StopSignals::Block());   // before any thread starts
//   ppoll({listen_fd, sig.fd()}, ...);                             // or:
//   sig.WatchInThread([&] { server.Stop(); });                     // while main blocks in Wait()
//
// Blocking the signals first (threads inherit the mask) means no thread of
// the server is ever interrupted by them, and the process never dies in the
// middle of a request: the stop is delivered as data, then the server
// finishes in-flight requests, tears connections down and removes its socket.
#ifndef HARDGOFER_GOFER_CMD_STOP_SIGNALS_H_
#define HARDGOFER_GOFER_CMD_STOP_SIGNALS_H_

#include <functional>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"

namespace hg::cmd {

class StopSignals {
 public:
  static Result<StopSignals> Block();
  StopSignals(StopSignals&&) noexcept = default;
  StopSignals& operator=(StopSignals&&) = delete;
  // Stops the watcher thread (if any) and joins it.
  ~StopSignals();

  // Readable when a stop signal is pending.
  int fd() const { return sigfd_.get(); }
  // Consumes one pending signal; returns its number (0 if none).
  int Take() const;
  // Calls `on_stop` from a thread when a stop signal arrives.
  Status WatchInThread(std::function<void()> on_stop);

 private:
  StopSignals(UniqueFd sigfd, UniqueFd wake) : sigfd_(std::move(sigfd)), wake_(std::move(wake)) {}
  UniqueFd sigfd_;
  UniqueFd wake_;  // eventfd: ends the watcher thread
  std::thread watcher_;
};

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_STOP_SIGNALS_H_
