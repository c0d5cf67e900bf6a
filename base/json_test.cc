#include "base/json.h"

#include <gtest/gtest.h>

#include <string>

namespace hg::json {
namespace {

TEST(JsonTest, ParsesNestedDocument) {
  auto r = Parse(R"({"a": [1, -2, 3.5e1, true, false, null], "b": {"c": "d\u00e9\n"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Value* a = r->Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->is_array());
  ASSERT_EQ(a->items().size(), 6u);
  EXPECT_EQ(a->items()[0].AsUint64(), 1u);
  EXPECT_EQ(a->items()[1].AsInt64(), -2);
  EXPECT_EQ(a->items()[1].AsUint64(), std::nullopt);
  EXPECT_EQ(a->items()[2].AsDouble(), 35.0);
  EXPECT_EQ(a->items()[2].AsInt64(), std::nullopt);
  EXPECT_TRUE(a->items()[3].boolean());
  EXPECT_TRUE(a->items()[5].is_null());
  EXPECT_EQ(r->Find("b")->Find("c")->string(), "d\xc3\xa9\n");
  EXPECT_EQ(r->Find("missing"), nullptr);
}

TEST(JsonTest, SixtyFourBitIntegersAreExact) {
  auto r = Parse("[18446744073709551615, -9223372036854775808, 18446744073709551616]");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->items()[0].AsUint64(), 18446744073709551615ull);
  EXPECT_EQ(r->items()[1].AsInt64(), INT64_MIN);
  EXPECT_EQ(r->items()[2].AsUint64(), std::nullopt);  // overflow is not wrapped
}

TEST(JsonTest, SurrogatePairsDecodeToUtf8) {
  auto r = Parse(R"("\ud83d\ude00")");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->string(), "\xf0\x9f\x98\x80");
}

TEST(JsonTest, RejectsAmbiguousOrMalformedInput) {
  const char* bad[] = {
      "",
      "{",
      R"({"a":1,"a":2})",   // duplicate keys: two readers could disagree
      "[1,]",
      "01",
      "1 2",
      "\"\x01\"",
      R"("\ud800")",
      R"("\udc00")",
      R"("\x")",
      "tru",
      "{1:2}",
      "[1 2]",
      "-",
      "1.",
      "1e",
  };
  for (const char* b : bad) {
    EXPECT_FALSE(Parse(b).ok()) << b;
  }
}

TEST(JsonTest, DepthIsBounded) {
  std::string deep(kMaxDepth + 5, '[');
  deep += std::string(kMaxDepth + 5, ']');
  auto r = Parse(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nesting"), std::string::npos);
  std::string ok(kMaxDepth, '[');
  ok += std::string(kMaxDepth, ']');
  EXPECT_TRUE(Parse(ok).ok());
}

TEST(JsonTest, ErrorReportsOffset) {
  auto r = Parse(R"({"x": 1, "x": 2})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 9u);
}

TEST(JsonTest, QuoteEscapesControlCharacters) {
  EXPECT_EQ(Quote(std::string("a\"b\\\n\x01", 6)), "\"a\\\"b\\\\\\n\\u0001\"");
}

}  // namespace
}  // namespace hg::json
