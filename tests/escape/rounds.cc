#include "tests/escape/rounds.h"

#include <cstdio>
#include <cstdlib>

namespace hg::escape {

RaceBudget::RaceBudget() : rounds_(kDefaultRaceRounds) {
  if (const char* env = std::getenv("HG_ESCAPE_RACE_ROUNDS")) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0' && v > 0) rounds_ = v;
  }
}

bool RaceBudget::KeepGoing(std::uint64_t i, bool exercised) {
  if (i < rounds_) return true;
  if (exercised) return false;
  const auto now = std::chrono::steady_clock::now();
  if (!extra_started_) {
    extra_started_ = true;
    extra_deadline_ = now + std::chrono::seconds(kExtraSeconds);
  }
  return now < extra_deadline_;
}

std::string RaceTally::Print(const AttackerReport& attacker) const {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[512];
  std::snprintf(line, sizeof(line),
                "[race] %s: rounds=%llu normal=%llu observed_attacker=%llu window=%llu "
                "violations=%llu attacker_steps=%llu attacker_failed=%llu %.2fs",
                name.c_str(), static_cast<unsigned long long>(rounds),
                static_cast<unsigned long long>(normal), static_cast<unsigned long long>(observed),
                static_cast<unsigned long long>(window),
                static_cast<unsigned long long>(violations),
                static_cast<unsigned long long>(attacker.steps),
                static_cast<unsigned long long>(attacker.failed), secs);
  std::printf("%s\n", line);
  std::fflush(stdout);
  return line;
}

}  // namespace hg::escape
