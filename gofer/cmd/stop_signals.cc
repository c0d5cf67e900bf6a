#include "gofer/cmd/stop_signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "base/thread_name.h"

namespace hg::cmd {

Result<StopSignals> StopSignals::Block() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return Errno(EINVAL);
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sfd.valid()) return Errno::Last();
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return Errno::Last();
  return StopSignals(std::move(sfd), std::move(wake));
}

StopSignals::~StopSignals() {
  if (watcher_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
    watcher_.join();
  }
}

int StopSignals::Take() const {
  signalfd_siginfo info{};
  ssize_t n = ::read(sigfd_.get(), &info, sizeof(info));
  return n == static_cast<ssize_t>(sizeof(info)) ? static_cast<int>(info.ssi_signo) : 0;
}

Status StopSignals::WatchInThread(std::function<void()> on_stop) {
  if (watcher_.joinable()) return Errno(EBUSY);
  watcher_ = std::thread([this, on_stop = std::move(on_stop)] {
    SetThreadName("hg-signals");
    pollfd fds[2] = {{sigfd_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    for (;;) {
      int n = ::ppoll(fds, 2, nullptr, nullptr);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || fds[1].revents != 0) return;
      if (fds[0].revents != 0 && Take() != 0) {
        on_stop();
        return;
      }
    }
  });
  return Status::Ok();
}

}  // namespace hg::cmd
