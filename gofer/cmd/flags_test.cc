#include "gofer/cmd/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gofer/cmd/exit_codes.h"

namespace hg::cmd {
namespace {

std::optional<int> ParseArgs(FlagSet& fs, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return fs.Parse(static_cast<int>(argv.size()), argv.data());
}

TEST(FlagsTest, ParsesAllForms) {
  FlagSet fs("t", "test");
  std::string root;
  int64_t fd = -1;
  bool ro = false;
  std::vector<std::string> xs, pos;
  fs.String("root", &root, "DIR", "");
  fs.Int("fd", &fd, "N", "");
  fs.Bool("readonly", &ro, "");
  fs.List("x", &xs, "V", "");
  fs.Positional("ARGS", &pos);
  EXPECT_EQ(ParseArgs(fs, {"--root=/a", "--fd", "7", "--readonly", "--x", "1", "--x=2", "p1",
                           "--", "--p2"}),
            std::nullopt);
  EXPECT_EQ(root, "/a");
  EXPECT_EQ(fd, 7);
  EXPECT_TRUE(ro);
  EXPECT_EQ(xs, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(pos, (std::vector<std::string>{"p1", "--p2"}));
}

TEST(FlagsTest, UsageErrorsExitTwo) {
  FlagSet fs("t", "test");
  int64_t fd = -1;
  bool b = false;
  fs.Int("fd", &fd, "N", "");
  fs.Bool("b", &b, "");
  EXPECT_EQ(ParseArgs(fs, {"--nope"}), kExitUsage);
  EXPECT_EQ(ParseArgs(fs, {"--fd"}), kExitUsage);
  EXPECT_EQ(ParseArgs(fs, {"--fd=12x"}), kExitUsage);
  EXPECT_EQ(ParseArgs(fs, {"--b=maybe"}), kExitUsage);
  EXPECT_EQ(ParseArgs(fs, {"stray"}), kExitUsage);  // no positionals declared
  EXPECT_EQ(ParseArgs(fs, {"--help"}), kExitOk);
}

}  // namespace
}  // namespace hg::cmd
