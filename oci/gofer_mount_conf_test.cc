#include "oci/gofer_mount_conf.h"

#include <gtest/gtest.h>

namespace hg::oci {
namespace {

TEST(GoferMountConfTest, ParsesAndFormatsEveryCombination) {
  for (LowerType lo : {LowerType::kNone, LowerType::kLisafs, LowerType::kErofs}) {
    for (UpperType up : {UpperType::kNone, UpperType::kMemory, UpperType::kSelf, UpperType::kAnon}) {
      for (const char* size : {"", "64m"}) {
        std::string text = std::string(LowerTypeName(lo)) + ":" + UpperTypeName(up);
        if (*size) text += std::string(":size=") + size;
        ErrorOr<GoferMountConf> c = GoferMountConf::Parse(text);
        if (lo == LowerType::kNone && up == UpperType::kNone) {
          ASSERT_FALSE(c.ok()) << text;
          EXPECT_EQ(c.error().message, "invalid gofer mount config: \"" + text + "\"");
          continue;
        }
        ASSERT_TRUE(c.ok()) << text << ": " << c.error().message;
        EXPECT_EQ(c->lower, lo);
        EXPECT_EQ(c->upper, up);
        EXPECT_EQ(c->size, size);
        EXPECT_EQ(c->ToString(), text);
        EXPECT_TRUE(c->Valid());
        EXPECT_EQ(c->ShouldUseLisafs(), lo == LowerType::kLisafs);
        EXPECT_EQ(c->ShouldUseErofs(), lo == LowerType::kErofs);
        EXPECT_EQ(c->ShouldUseTmpfs(), lo == LowerType::kNone);
        EXPECT_EQ(c->ShouldUseOverlayfs(), lo != LowerType::kNone && up != UpperType::kNone);
        EXPECT_EQ(c->IsFilestorePresent(), up == UpperType::kSelf || up == UpperType::kAnon);
        EXPECT_EQ(c->IsSelfBacked(), up == UpperType::kSelf);
      }
    }
  }
  // An empty size prints without the suffix, like runsc.
  EXPECT_EQ(GoferMountConf::Parse("lisafs:memory:size=").value().ToString(), "lisafs:memory");
}

TEST(GoferMountConfTest, RejectsWhatRunscRejects) {
  struct Case {
    const char* v;
    const char* message;
  } cases[] = {
      {"", "invalid gofer mount config format: \"\""},
      {"lisafs", "invalid gofer mount config format: \"lisafs\""},
      {"lisafs:self:size=1:x", "invalid gofer mount config format: \"lisafs:self:size=1:x\""},
      {"lisafs:self:1g", "invalid gofer mount config format: \"lisafs:self:1g\""},
      {"9p:none", "invalid gofer mount config lower layer type: 9p"},
      {"LISAFS:none", "invalid gofer mount config lower layer type: LISAFS"},
      {"lisafs:disk", "invalid gofer mount config upper layer type: disk"},
      {"none:none", "invalid gofer mount config: \"none:none\""},
      {"none:none:size=1", "invalid gofer mount config: \"none:none:size=1\""},
  };
  for (const Case& c : cases) {
    ErrorOr<GoferMountConf> conf = GoferMountConf::Parse(c.v);
    ASSERT_FALSE(conf.ok()) << c.v;
    EXPECT_EQ(conf.error().kind, Error::Kind::kGoferMountConf);
    EXPECT_EQ(conf.error().message, c.message);
  }
}

TEST(GoferMountConfTest, ListsParseAppendAndFormat) {
  ErrorOr<std::vector<GoferMountConf>> l = ParseGoferMountConfs("lisafs:self,lisafs:none,none:memory:size=1m,erofs:none");
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 4u);
  EXPECT_EQ(FormatGoferMountConfs(*l), "lisafs:self,lisafs:none,none:memory:size=1m,erofs:none");
  // The flag may be repeated; values append.
  ASSERT_TRUE(AppendGoferMountConfs("lisafs:anon", &*l).ok());
  EXPECT_EQ(l->size(), 5u);
  // A bad entry fails the whole value and appends nothing.
  ErrorOr<void> bad = AppendGoferMountConfs("lisafs:none,none:none", &*l);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "invalid GoferMountConf value (none:none): invalid gofer mount config: \"none:none\"");
  EXPECT_EQ(l->size(), 5u);
  EXPECT_FALSE(ParseGoferMountConfs("").ok());
  EXPECT_FALSE(ParseGoferMountConfs("lisafs:none,").ok());
  EXPECT_EQ(FormatGoferMountConfs({}), "");
}

}  // namespace
}  // namespace hg::oci
