// One line per event, to one fd (stderr by default), as text or JSON.
//
//   hg::log::Configure({.fd = 2, .min_level = hg::log::Level::kDebug,
//                       .format = hg::log::Format::kJson});
//   HG_LOG(kInfo, "connection_start", {{"mount", "/data"}, {"fd", std::to_string(fd)}});
//   if (hg::log::Enabled(hg::log::Level::kDebug)) { ... build expensive fields ... }
//
//   text:  2026-11-23T19:40:01.123456Z info connection_start mount=/data fd=5
//   json:  {"ts":"2026-11-23T19:40:01.123456Z","level":"info","event":"connection_start","mount":"/data","fd":"5"}
//
// Field values are often tenant-controlled (path components, xattr names), so
// both formats escape them: a value can never end the line, fake another
// field or event, or carry terminal escapes (log injection). Each line is
// built in memory and written with one write(2), so lines from different
// threads never interleave (the fd should be a pipe, a file opened O_APPEND, or
// a terminal). Writing needs only write(2) and clock_gettime, which every
// seccomp policy we compile allows.
#ifndef HARDGOFER_BASE_LOG_H_
#define HARDGOFER_BASE_LOG_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace hg::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class Format { kText, kJson };

struct Config {
  int fd = 2;
  Level min_level = Level::kInfo;
  Format format = Format::kText;
};

struct Field {
  std::string_view key;    // [a-z0-9_]+ by convention; written as given
  std::string_view value;  // escaped on output
};

// Not thread-safe against concurrent Write: call before starting threads.
void Configure(const Config& config);
Config Current();

bool Enabled(Level level);

// Writes one line if `level` is enabled. Never fails the caller: a short or
// failed write drops the line.
void Write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

// Formats without writing (tests, and callers that keep a copy).
std::string FormatLine(Format format, Level level, std::string_view event,
                       std::initializer_list<Field> fields, std::string_view timestamp);

std::string_view LevelName(Level level);
// "debug" | "info" | "warning" | "error" (also "warn").
std::optional<Level> ParseLevel(std::string_view name);
// "text" | "json".
std::optional<Format> ParseFormat(std::string_view name);

}  // namespace hg::log

#define HG_LOG(level, event, ...)                                 \
  do {                                                            \
    if (::hg::log::Enabled(::hg::log::Level::level)) {            \
      ::hg::log::Write(::hg::log::Level::level, event, __VA_ARGS__); \
    }                                                             \
  } while (0)

#endif  // HARDGOFER_BASE_LOG_H_
