#include "base/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "base/unique_fd.h"

namespace hg::log {
namespace {

constexpr std::string_view kTs = "2026-11-23T00:00:00.000000Z";

TEST(LogFormatTest, TextLineHasTimestampLevelEventAndFields) {
  std::string line = FormatLine(Format::kText, Level::kInfo, "connection_start",
                                {{"mount", "/data"}, {"fd", "5"}}, kTs);
  EXPECT_EQ(line, "2026-11-23T00:00:00.000000Z info connection_start mount=/data fd=5\n");
}

TEST(LogFormatTest, TextValuesThatCouldForgeFieldsOrLinesAreQuotedAndEscaped) {
  std::string line = FormatLine(Format::kText, Level::kDebug, "refused",
                                {{"path", "a b\nts=x level=error"}, {"name", "\x1b[2J"},
                                 {"q", "say \"hi\"\\"}, {"empty", ""}, {"hi", "\xff"}},
                                kTs);
  EXPECT_EQ(line,
            "2026-11-23T00:00:00.000000Z debug refused path=\"a b\\nts=x level=error\" "
            "name=\"\\x1b[2J\" q=\"say \\\"hi\\\"\\\\\" empty=\"\" hi=\"\\xff\"\n");
  // Exactly one newline: the tenant's "\n" cannot start a forged line.
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST(LogFormatTest, JsonLinesParseAndKeepHostileBytesAsData) {
  std::string value = std::string("a\"b\\c\n\x01\x7f") + "\xc3\xa9" + "\xff";
  std::string line = FormatLine(Format::kJson, Level::kWarning, "refused",
                                {{"path", value}, {"errno", "EACCES"}}, kTs);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  auto parsed = json::Parse(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.ok()) << line;
  EXPECT_NE(line.find("\"level\":\"warning\""), std::string::npos);
  EXPECT_NE(line.find("\"event\":\"refused\""), std::string::npos);
  EXPECT_NE(line.find("\\u0001\\u007f\\u00c3\\u00a9\\u00ff"), std::string::npos) << line;
}

TEST(LogLevelTest, ParseAndFilter) {
  EXPECT_EQ(ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(ParseLevel("warn"), Level::kWarning);
  EXPECT_FALSE(ParseLevel("verbose").has_value());
  EXPECT_EQ(ParseFormat("json"), Format::kJson);
  EXPECT_FALSE(ParseFormat("xml").has_value());
}

class LogWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    // Only the reader is non-blocking: a writer that found the pipe full
    // would drop lines (by design) and the count below would be wrong.
    ASSERT_EQ(::fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    r_.reset(p[0]);
    w_.reset(p[1]);
    saved_ = Current();
  }
  void TearDown() override { Configure(saved_); }
  std::string Drain() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(r_.get(), buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  UniqueFd r_, w_;
  Config saved_;
};

TEST_F(LogWriteTest, LevelsBelowTheMinimumAreDropped) {
  Configure({.fd = w_.get(), .min_level = Level::kWarning, .format = Format::kText});
  HG_LOG(kInfo, "quiet", {});
  HG_LOG(kError, "loud", {{"k", "v"}});
  std::string out = Drain();
  EXPECT_EQ(out.find("quiet"), std::string::npos);
  EXPECT_NE(out.find(" error loud k=v\n"), std::string::npos) << out;
}

TEST_F(LogWriteTest, ConcurrentWritersNeverInterleaveWithinALine) {
  Configure({.fd = w_.get(), .min_level = Level::kDebug, .format = Format::kJson});
  std::string got;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) got += Drain();
  });
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([t] {
      std::string v(200, static_cast<char>('a' + t));
      for (int i = 0; i < 200; ++i) Write(Level::kInfo, "e", {{"v", v}});
    });
  }
  for (auto& t : ts) t.join();
  done = true;
  reader.join();
  got += Drain();
  size_t lines = 0, pos = 0;
  while (pos < got.size()) {
    size_t nl = got.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    auto parsed = json::Parse(std::string_view(got).substr(pos, nl - pos));
    ASSERT_TRUE(parsed.ok()) << got.substr(pos, nl - pos);
    ++lines;
    pos = nl + 1;
  }
  EXPECT_EQ(lines, 800u);
}

}  // namespace
}  // namespace hg::log
