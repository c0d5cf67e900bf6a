// How many rounds each RPC race case runs.
//
//   RpcRaceBudget budget;                      // rounds from the environment
//   for (uint64_t i = 0; budget.KeepGoing(i, exercised); ++i) { ... }
//
// The rule of tests/escape (rounds.h), scaled to the RPC layer: every case
// runs at least rounds() rounds; only after that may the clock stop it — if
// the attacker's state was not yet observed the case keeps going for up to
// kRpcExtraSeconds more, then fails as "race not exercised". A round here is
// several RPCs (a walk, an open, a create, ...) instead of a few syscalls,
// so the default count is 10,000 rather than path_walk's 100,000 (about a
// second per case on the 2-core dev machine); every round still races a host
// process that swaps the tree thousands of times per second.
// HG_RPC_ESCAPE_ROUNDS=<n> overrides it (soak runs).
#ifndef HARDGOFER_TESTS_RPC_ESCAPE_RPC_BUDGET_H_
#define HARDGOFER_TESTS_RPC_ESCAPE_RPC_BUDGET_H_

#include <chrono>
#include <cstdint>
#include <cstdlib>

namespace hg::rpc_escape {

inline constexpr std::uint64_t kDefaultRpcRaceRounds = 10000;
inline constexpr int kRpcExtraSeconds = 20;

class RpcRaceBudget {
 public:
  // `default_rounds`: for cases whose round is several times heavier than
  // the others (HG_RPC_ESCAPE_ROUNDS still overrides it).
  explicit RpcRaceBudget(std::uint64_t default_rounds = kDefaultRpcRaceRounds)
      : rounds_(default_rounds) {
    if (const char* env = std::getenv("HG_RPC_ESCAPE_ROUNDS")) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0' && v > 0) rounds_ = v;
    }
  }
  std::uint64_t rounds() const { return rounds_; }

  // True while round `i` should run: always below rounds(); beyond that only
  // while the race is not yet exercised and the extra time is not used up.
  bool KeepGoing(std::uint64_t i, bool exercised) {
    if (i < rounds_) return true;
    if (exercised) return false;
    const auto now = std::chrono::steady_clock::now();
    if (!extra_started_) {
      extra_started_ = true;
      deadline_ = now + std::chrono::seconds(kRpcExtraSeconds);
    }
    return now < deadline_;
  }

 private:
  std::uint64_t rounds_;
  bool extra_started_ = false;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace hg::rpc_escape

#endif  // HARDGOFER_TESTS_RPC_ESCAPE_RPC_BUDGET_H_
