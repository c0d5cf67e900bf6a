#include "base/expected.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace hg {
namespace {

struct Err {
  std::string message;
};

Expected<int, Err> Half(int v) {
  if (v % 2 != 0) return Err{"odd: " + std::to_string(v)};
  return v / 2;
}

TEST(ExpectedTest, CarriesTheValueOrTheError) {
  Expected<int, Err> a = Half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 4);
  Expected<int, Err> b = Half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_FALSE(static_cast<bool>(b));
  EXPECT_EQ(b.error().message, "odd: 3");
}

TEST(ExpectedTest, MovesOutMoveOnlyValues) {
  Expected<std::unique_ptr<int>, Err> p = std::make_unique<int>(7);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> out = std::move(p).value();
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, 7);
}

TEST(ExpectedTest, VoidHoldsOnlyAnError) {
  Expected<void, Err> ok;
  EXPECT_TRUE(ok.ok());
  Expected<void, Err> bad = Err{"no"};
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "no");
}

TEST(ExpectedDeathTest, WrongAlternativeAborts) {
  Expected<int, Err> b = Half(3);
  EXPECT_DEATH((void)b.value(), "");
  Expected<int, Err> a = Half(2);
  EXPECT_DEATH((void)a.error(), "");
  Expected<void, Err> ok;
  EXPECT_DEATH((void)ok.error(), "");
}

}  // namespace
}  // namespace hg
