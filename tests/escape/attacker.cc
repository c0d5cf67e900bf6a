#include "tests/escape/attacker.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <thread>

#include "path_walk/testing/temp_tree.h"

namespace hg::escape {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "counters shared across fork() must be lock-free");

Attacker::Attacker(std::function<long()> step) {
  void* mem =
      ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  path_walk::testing::SetupCheck(mem != MAP_FAILED, "mmap shared counters");
  shared_ = new (mem) Shared{};
  pid_ = ::fork();
  path_walk::testing::SetupCheck(pid_ >= 0, "fork attacker");
  if (pid_ == 0) {
    // Never outlive the test binary, even if it crashes.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    while (shared_->stop.load(std::memory_order_relaxed) == 0) {
      if (step() < 0) shared_->failed.fetch_add(1, std::memory_order_relaxed);
      shared_->steps.fetch_add(1, std::memory_order_relaxed);
    }
    ::_exit(0);
  }
}

Attacker::~Attacker() {
  (void)Stop();
  if (shared_ != nullptr) {
    shared_->~Shared();
    ::munmap(shared_, sizeof(Shared));
  }
}

void Attacker::WaitUntilRunning() const {
  while (shared_->steps.load(std::memory_order_relaxed) == 0) std::this_thread::yield();
}

std::uint64_t Attacker::steps() const { return shared_->steps.load(std::memory_order_relaxed); }

AttackerReport Attacker::Stop() {
  if (pid_ <= 0) return report_;
  shared_->stop.store(1, std::memory_order_relaxed);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  report_.steps = shared_->steps.load();
  report_.failed = shared_->failed.load();
  report_.exited_cleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return report_;
}

}  // namespace hg::escape
