// How long each race case runs, and what it reports.
//
//   RaceBudget budget;                        // rounds from the environment
//   RaceTally tally("ExchangeDuringWalk/openat2");
//   for (uint64_t i = 0; budget.KeepGoing(i, tally.exercised()); ++i) { ... }
//   tally.Print(attacker.Stop());
//
// Rule (issue 3): every race case runs at least 100,000 rounds. Only after
// that may a time cap stop it: if the attacker's state was not yet observed,
// the case keeps going for up to kExtraSeconds more, then fails as "race not
// exercised". HG_ESCAPE_RACE_ROUNDS=<n> overrides the round count (the
// default, used by `./dev test`, is 100000); it exists for quick local runs
// and for a slower sanitizer stage if one ever needs it.
#ifndef HARDGOFER_TESTS_ESCAPE_ROUNDS_H_
#define HARDGOFER_TESTS_ESCAPE_ROUNDS_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/escape/attacker.h"

namespace hg::escape {

inline constexpr std::uint64_t kDefaultRaceRounds = 100000;
inline constexpr int kExtraSeconds = 30;

class RaceBudget {
 public:
  RaceBudget();
  std::uint64_t rounds() const { return rounds_; }
  // True while round `i` should run: always below rounds(); beyond that only
  // while the race is not yet exercised and the extra time is not used up.
  bool KeepGoing(std::uint64_t i, bool exercised);

 private:
  std::uint64_t rounds_;
  bool extra_started_ = false;
  std::chrono::steady_clock::time_point extra_deadline_;
};

// Counts what the victim saw. "normal" = the tree as set up; "observed" = the
// attacker's state (e.g. the directory was a symlink at lookup time);
// "window" = the narrow check-then-use window a case targets (optional).
struct RaceTally {
  explicit RaceTally(std::string name) : name(std::move(name)) {}
  std::string name;
  std::uint64_t rounds = 0;
  std::uint64_t normal = 0;
  std::uint64_t observed = 0;
  std::uint64_t window = 0;
  std::uint64_t violations = 0;
  std::string first_violation;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void Violation(const std::string& what) {
    if (violations++ == 0) first_violation = what;
  }
  // Prints one summary line (kept in the test log) and returns it.
  std::string Print(const AttackerReport& attacker) const;
};

}  // namespace hg::escape

#endif  // HARDGOFER_TESTS_ESCAPE_ROUNDS_H_
