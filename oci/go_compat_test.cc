#include "oci/go_compat.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hg::oci {
namespace {

// Expected values are Go's path.Clean results (from Go's own path_test.go cases).
TEST(GoCompatTest, PathCleanMatchesGo) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"", "."},
      {"abc", "abc"},
      {"abc/def", "abc/def"},
      {".", "."},
      {"..", ".."},
      {"../..", "../.."},
      {"../../abc", "../../abc"},
      {"/abc", "/abc"},
      {"/", "/"},
      {"abc/", "abc"},
      {"abc/def/", "abc/def"},
      {"a/b/c/", "a/b/c"},
      {"./", "."},
      {"../", ".."},
      {"../../", "../.."},
      {"/abc/", "/abc"},
      {"abc//def//ghi", "abc/def/ghi"},
      {"//abc", "/abc"},
      {"///abc", "/abc"},
      {"//abc//", "/abc"},
      {"abc//", "abc"},
      {"abc/./def", "abc/def"},
      {"/./abc/def", "/abc/def"},
      {"abc/.", "abc"},
      {"abc/def/ghi/../jkl", "abc/def/jkl"},
      {"abc/def/../ghi/../jkl", "abc/jkl"},
      {"abc/def/..", "abc"},
      {"abc/def/../..", "."},
      {"/abc/def/../..", "/"},
      {"abc/def/../../..", ".."},
      {"/abc/def/../../..", "/"},
      {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
      {"abc/./../def", "def"},
      {"abc//./../def", "def"},
      {"abc/../../././../def", "../../def"},
      {"/../a", "/a"},
  };
  for (const Case& c : cases) EXPECT_EQ(GoPathClean(c.in), c.want) << "in=" << c.in;
}

TEST(GoCompatTest, JoinAndAbsPathFollowRunsc) {
  EXPECT_EQ(GoPathJoin("/bundle", "rootfs"), "/bundle/rootfs");
  EXPECT_EQ(GoPathJoin("/bundle/", "./rootfs/"), "/bundle/rootfs");
  EXPECT_EQ(GoPathJoin("/bundle", "../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(GoPathJoin("", ""), "");
  EXPECT_EQ(GoPathJoin("", "a//b"), "a/b");
  EXPECT_EQ(GoPathJoin("bundle", ""), "bundle");
  // absPath: absolute paths are returned verbatim, not cleaned.
  EXPECT_EQ(GoAbsPath("/bundle", "/data//x/"), "/data//x/");
  EXPECT_EQ(GoAbsPath("/bundle", "data//x/"), "/bundle/data/x");
  EXPECT_TRUE(GoPathIsAbs("/"));
  EXPECT_FALSE(GoPathIsAbs(""));
  EXPECT_FALSE(GoPathIsAbs("./x"));
}

TEST(GoCompatTest, StringsSplitKeepsEmptyFields) {
  EXPECT_EQ(GoStringsSplit("", ","), std::vector<std::string>{""});
  EXPECT_EQ(GoStringsSplit("a,,b,", ","), (std::vector<std::string>{"a", "", "b", ""}));
  EXPECT_EQ(GoStringsSplit("a.b.c", "."), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(GoStringsSplit("abc", ":"), std::vector<std::string>{"abc"});
}

TEST(GoCompatTest, ParseBoolAcceptsExactlyGoSpellings) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(ParseGoBool(t), true) << t;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(ParseGoBool(f), false) << f;
  for (const char* bad : {"", "yes", "on", "tRUE", "01", " true", "true "}) {
    EXPECT_EQ(ParseGoBool(bad), std::nullopt) << bad;
  }
}

TEST(GoCompatTest, QuoteEscapesLikeGo) {
  EXPECT_EQ(GoQuote(""), "\"\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("x\ny\tz\x01\x7f"), "\"x\\ny\\tz\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(GoQuote("bad\xff"), "\"bad\\xff\"");
  EXPECT_EQ(GoQuote("\xe2\x80\xae"), "\"\\u202e\"");  // RIGHT-TO-LEFT OVERRIDE hidden text
}

TEST(GoCompatTest, FindsInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("\xf0\x9f\x98\x80 ok"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("a\xc0\xaf"), 1u);        // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xed\xa0\x80"), 0u);     // UTF-16 surrogate
  EXPECT_EQ(FindInvalidUtf8("x\xf4\x90\x80\x80"), 1u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xe2\x82"), 0u);         // truncated
}

TEST(GoCompatTest, JsonKeyFoldMatchesEncodingJson) {
  EXPECT_EQ(GoJsonFoldKey("mounts"), GoJsonFoldKey("MOUNTS"));
  EXPECT_EQ(GoJsonFoldKey("source"), GoJsonFoldKey("\xc5\xbfource"));  // long s
  EXPECT_EQ(GoJsonFoldKey("ok"), GoJsonFoldKey("o\xe2\x84\xaa"));      // Kelvin sign
  EXPECT_EQ(GoJsonFoldKey("uid"), GoJsonFoldKey("u\xc4\xb0" "d"));     // dotted capital I
  EXPECT_EQ(GoJsonFoldKey("uid"), GoJsonFoldKey("u\xc4\xb1" "d"));     // dotless i
  EXPECT_NE(GoJsonFoldKey("source"), GoJsonFoldKey("sources"));
  EXPECT_NE(GoJsonFoldKey("type"), GoJsonFoldKey("typ\xc3\xa9"));
}

}  // namespace
}  // namespace hg::oci
