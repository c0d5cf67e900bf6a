#include "path_walk/name.h"

#include <gtest/gtest.h>

#include <string>

namespace hg::path_walk {
namespace {

TEST(NameTest, AcceptsOrdinaryComponents) {
  for (std::string_view ok : {"a", "...", ".a", "a.", " ", "\n", "name with spaces", "\xff\xfe"}) {
    auto n = Name::Make(ok);
    ASSERT_TRUE(n.ok()) << "'" << ok << "'";
    EXPECT_EQ(n->str(), ok);
    EXPECT_EQ(n->size(), ok.size());
  }
}

TEST(NameTest, RefusesEmptyDotAndDotDot) {
  for (std::string_view bad : {"", ".", ".."}) {
    auto n = Name::Make(bad);
    ASSERT_FALSE(n.ok()) << "'" << bad << "'";
    EXPECT_EQ(n.error(), Errno(EINVAL));
  }
}

TEST(NameTest, RefusesSlashAnywhere) {
  for (std::string_view bad : {"/", "a/", "/a", "a/b", "../x", "//"}) {
    auto n = Name::Make(bad);
    ASSERT_FALSE(n.ok()) << "'" << bad << "'";
    EXPECT_EQ(n.error(), Errno(EINVAL));
  }
}

TEST(NameTest, RefusesInteriorAndTrailingNul) {
  using namespace std::string_view_literals;
  for (std::string_view bad : {"a\0b"sv, "\0"sv, "abc\0"sv}) {
    auto n = Name::Make(bad);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error(), Errno(EINVAL));
  }
}

TEST(NameTest, LengthLimitIsNameMax) {
  EXPECT_TRUE(Name::Make(std::string(255, 'x')).ok());
  auto n = Name::Make(std::string(256, 'x'));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error(), Errno(ENAMETOOLONG));
  // Content errors win over length errors.
  auto m = Name::Make(std::string(300, 'x') + "/");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error(), Errno(EINVAL));
}

TEST(NameTest, ComparesByContent) {
  EXPECT_EQ(*Name::Make("a"), *Name::Make("a"));
  EXPECT_NE(*Name::Make("a"), *Name::Make("b"));
  EXPECT_LT(*Name::Make("a"), *Name::Make("b"));
}

}  // namespace
}  // namespace hg::path_walk
