#include "base/log.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace hg::log {

namespace {

std::atomic<int> g_fd{2};
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kText)};

constexpr char kHex[] = "0123456789abcdef";

// Text values: bare when they are non-empty and made of printable ASCII other
// than space, '"', '\\' and '='; otherwise double-quoted with C-style escapes.
bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '=') return true;
  }
  return false;
}

void AppendEscaped(std::string& out, std::string_view v, bool json) {
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += json ? "\\u00" : "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else if (c >= 0x80 && !json) {
          // Bytes of non-ASCII names are shown, not interpreted: a terminal
          // never sees a raw escape sequence from a tenant.
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else if (c >= 0x80) {
          // JSON must be UTF-8; file names need not be. Escape every high
          // byte as a code point U+0080..U+00FF so the line stays valid JSON
          // and the original bytes stay recoverable.
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void AppendText(std::string& out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out += v;
    return;
  }
  out += '"';
  AppendEscaped(out, v, /*json=*/false);
  out += '"';
}

void AppendJsonString(std::string& out, std::string_view v) {
  out += '"';
  AppendEscaped(out, v, /*json=*/true);
  out += '"';
}

std::string Now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::gmtime_r(&ts.tv_sec, &t);
  // Sized for any int fields gmtime_r can produce, so nothing is truncated.
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(ts.tv_nsec / 1000));
  return buf;
}

}  // namespace

void Configure(const Config& config) {
  g_fd.store(config.fd, std::memory_order_relaxed);
  g_level.store(static_cast<int>(config.min_level), std::memory_order_relaxed);
  g_format.store(static_cast<int>(config.format), std::memory_order_relaxed);
}

Config Current() {
  return Config{g_fd.load(std::memory_order_relaxed),
                static_cast<Level>(g_level.load(std::memory_order_relaxed)),
                static_cast<Format>(g_format.load(std::memory_order_relaxed))};
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarning: return "warning";
    case Level::kError: return "error";
  }
  return "unknown";
}

std::optional<Level> ParseLevel(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warning" || name == "warn") return Level::kWarning;
  if (name == "error") return Level::kError;
  return std::nullopt;
}

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

std::string FormatLine(Format format, Level level, std::string_view event,
                       std::initializer_list<Field> fields, std::string_view timestamp) {
  std::string out;
  out.reserve(96);
  if (format == Format::kJson) {
    out += "{\"ts\":";
    AppendJsonString(out, timestamp);
    out += ",\"level\":";
    AppendJsonString(out, LevelName(level));
    out += ",\"event\":";
    AppendJsonString(out, event);
    for (const Field& f : fields) {
      out += ',';
      AppendJsonString(out, f.key);
      out += ':';
      AppendJsonString(out, f.value);
    }
    out += "}\n";
    return out;
  }
  out += timestamp;
  out += ' ';
  out += LevelName(level);
  out += ' ';
  AppendText(out, event);
  for (const Field& f : fields) {
    out += ' ';
    AppendText(out, f.key);
    out += '=';
    AppendText(out, f.value);
  }
  out += '\n';
  return out;
}

void Write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  const Config c = Current();
  std::string line = FormatLine(c.format, level, event, fields, Now());
  // One write: a line is never split between threads. EINTR retried once per
  // call; anything else drops the line (logging must not fail an RPC).
  for (int i = 0; i < 2; ++i) {
    ssize_t n = ::write(c.fd, line.data(), line.size());
    if (n >= 0 || errno != EINTR) break;
  }
}

}  // namespace hg::log
