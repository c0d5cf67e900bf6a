#include "gofer/cmd/run_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hg::cmd {
namespace {

std::optional<int> Parse(std::vector<std::string> args, RunOptions* o) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return ParseRunOptions(static_cast<int>(argv.size()), argv.data(), o);
}

TEST(ParseFdListTest, AcceptsCommaSeparatedFds) {
  auto fds = ParseFdList("3,4,10");
  ASSERT_TRUE(fds.ok());
  EXPECT_EQ(*fds, (std::vector<int>{3, 4, 10}));
}

TEST(ParseFdListTest, RefusesBadLists) {
  EXPECT_EQ(ParseFdList("").error(), Errno(EINVAL));
  EXPECT_EQ(ParseFdList("3,").error(), Errno(EINVAL));
  EXPECT_EQ(ParseFdList(",3").error(), Errno(EINVAL));
  EXPECT_EQ(ParseFdList("2").error(), Errno(EINVAL));  // stdio
  EXPECT_EQ(ParseFdList("-3").error(), Errno(EINVAL));
  EXPECT_EQ(ParseFdList("3x").error(), Errno(EINVAL));
  EXPECT_EQ(ParseFdList("99999999999").error(), Errno(EINVAL));
  EXPECT_EQ(ParseFdList("3,4,3").error(), Errno(EEXIST));
}

TEST(RunOptionsTest, ParsesEverything) {
  RunOptions o;
  auto rc =
      Parse({"--bundle", "/b", "--io-fds", "3,4", "--io-fds=5", "--spec-fd", "9",
             "--directfs=false", "--host-uds", "open", "--log-format=json", "--log-level=debug",
             "--access-log", "--fd-limit", "4096", "--audit", "--policy", "/p"},
            &o);
  ASSERT_FALSE(rc) << *rc;
  EXPECT_EQ(o.bundle, "/b");
  EXPECT_EQ(o.io_fds, (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(o.spec_fd, 9);
  EXPECT_EQ(o.flags.directfs, std::vector<std::string>{"false"});
  EXPECT_EQ(o.flags.host_uds, std::vector<std::string>{"open"});
  EXPECT_EQ(o.log_format, log::Format::kJson);
  EXPECT_EQ(o.log_level, log::Level::kDebug);
  EXPECT_TRUE(o.access_log);
  EXPECT_TRUE(o.audit);
  EXPECT_EQ(o.fd_limit, 4096u);
  EXPECT_EQ(o.policy_dir, "/p");
  EXPECT_FALSE(o.no_confine);
}

TEST(RunOptionsTest, UsageErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {"--io-fds", "3"},                                      // no bundle
      {"--bundle", "/b"},                                     // no io-fds
      {"--bundle", "/b", "--io-fds", "3,x"},                  // bad fd
      {"--bundle", "/b", "--io-fds", "3", "--io-fds", "3"},   // duplicate across lists
      {"--bundle", "/b", "--io-fds", "3", "--spec-fd", "3"},  // clash
      {"--bundle", "/b", "--io-fds", "3", "--log-fd", "3"},   // clash
      {"--bundle", "/b", "--io-fds", "3", "--log-format", "xml"},
      {"--bundle", "/b", "--io-fds", "3", "--log-level", "loud"},
      {"--bundle", "/b", "--io-fds", "3", "--fd-limit", "10"},
      {"--bundle", "/b", "--io-fds", "3", "--no-such-flag"},
  };
  for (const auto& args : bad) {
    RunOptions o;
    auto rc = Parse(args, &o);
    ASSERT_TRUE(rc.has_value()) << args.back();
    EXPECT_EQ(*rc, 2) << args.back();
  }
}

}  // namespace
}  // namespace hg::cmd
