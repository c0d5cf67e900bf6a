// A hostile host process for the race cases: a forked child that repeats one
// attack step (renames, exchanges, ...) as fast as it can until stopped.
//
//   Attacker a([&] { return ::renameat2(root, "d", root, "s", RENAME_EXCHANGE); });
//   a.WaitUntilRunning();
//   ... victim rounds ...
//   AttackerReport r = a.Stop();     // steps done, steps that failed
//
// A separate process (not a thread) because the threat model's attacker is
// another process on the host, with its own descriptor table: it shares
// nothing with the server but the filesystem. The step runs in the child
// after fork(), so it must only make raw syscalls on descriptors opened
// before the fork (the test binary is single-threaded when it forks).
// Counters live in a MAP_SHARED page.
#ifndef HARDGOFER_TESTS_ESCAPE_ATTACKER_H_
#define HARDGOFER_TESTS_ESCAPE_ATTACKER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>

namespace hg::escape {

struct AttackerReport {
  std::uint64_t steps = 0;   // attack steps completed
  std::uint64_t failed = 0;  // steps whose syscall failed (should stay 0)
  bool exited_cleanly = false;
};

class Attacker {
 public:
  // `step` returns a syscall result (< 0 counts as a failed step).
  explicit Attacker(std::function<long()> step);
  ~Attacker();
  Attacker(const Attacker&) = delete;
  Attacker& operator=(const Attacker&) = delete;

  // Blocks until the child has completed at least one step.
  void WaitUntilRunning() const;
  std::uint64_t steps() const;
  AttackerReport Stop();

 private:
  struct Shared {
    std::atomic<int> stop;
    std::atomic<std::uint64_t> steps;
    std::atomic<std::uint64_t> failed;
  };
  Shared* shared_ = nullptr;
  pid_t pid_ = -1;
  AttackerReport report_;
};

}  // namespace hg::escape

#endif  // HARDGOFER_TESTS_ESCAPE_ATTACKER_H_
