#include "oci/overlay.h"

#include <gtest/gtest.h>

namespace hg::oci {
namespace {

TEST(OverlayTest, MediumParse) {
  EXPECT_EQ(OverlayMedium::Parse("").value().kind(), OverlayMedium::Kind::kNone);
  EXPECT_EQ(OverlayMedium::Parse("memory").value().kind(), OverlayMedium::Kind::kMemory);
  EXPECT_EQ(OverlayMedium::Parse("self").value().kind(), OverlayMedium::Kind::kSelf);
  OverlayMedium anon = OverlayMedium::Parse("dir=/var/fs").value();
  EXPECT_TRUE(anon.IsBackedByAnon());
  EXPECT_EQ(anon.HostFileDir(), "/var/fs");
  EXPECT_EQ(anon.ToString(), "dir=/var/fs");
  EXPECT_EQ(OverlayMedium::Parse("Memory").error().message, "unexpected medium: \"Memory\"");
  EXPECT_EQ(OverlayMedium::Parse("dir=").error().message,
            "overlay host file directory should be an absolute path, got \"\"");
  EXPECT_EQ(OverlayMedium::Parse("dir=x/y").error().message,
            "overlay host file directory should be an absolute path, got \"x/y\"");
}

TEST(OverlayTest, Overlay2AcceptsRunscSyntax) {
  struct Case {
    const char* flag;
    bool root;
    bool sub;
    OverlayMedium::Kind medium;
    const char* size;
    const char* str;
  } cases[] = {
      {"root:self", true, false, OverlayMedium::Kind::kSelf, "", "root:self"},
      {"root:memory", true, false, OverlayMedium::Kind::kMemory, "", "root:memory"},
      {"all:memory", true, true, OverlayMedium::Kind::kMemory, "", "all:memory"},
      {"all:self,size=2g", true, true, OverlayMedium::Kind::kSelf, "2g", "all:self,size=2g"},
      {"root:dir=/var/overlay", true, false, OverlayMedium::Kind::kAnon, "", "root:dir=/var/overlay"},
      {"root:dir=/d,size=", true, false, OverlayMedium::Kind::kAnon, "", "root:dir=/d"},
      {"none", false, false, OverlayMedium::Kind::kNone, "", "none"},
      {"root:", true, false, OverlayMedium::Kind::kNone, "", "root:"},  // root selected, no medium
  };
  for (const Case& c : cases) {
    ErrorOr<Overlay2> o = Overlay2::Parse(c.flag);
    ASSERT_TRUE(o.ok()) << c.flag << ": " << o.error().message;
    EXPECT_EQ(o->root_mount(), c.root) << c.flag;
    EXPECT_EQ(o->sub_mounts(), c.sub) << c.flag;
    EXPECT_EQ(o->medium().kind(), c.medium) << c.flag;
    EXPECT_EQ(o->size(), c.size) << c.flag;
    EXPECT_EQ(o->ToString(), c.str) << c.flag;
    // Set(String()) is idempotent, as runsc promises.
    ErrorOr<Overlay2> again = Overlay2::Parse(o->ToString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->ToString(), o->ToString());
  }
  EXPECT_EQ(Overlay2::Default().ToString(), "root:self");
  EXPECT_TRUE(Overlay2::Default().Enabled());
  EXPECT_FALSE(Overlay2::Parse("none")->Enabled());
  EXPECT_FALSE(Overlay2::Parse("root:")->Enabled());
}

TEST(OverlayTest, Overlay2RejectsWhatRunscRejects) {
  const char* fmt = "expected format is --overlay2={mount}:{medium}[,size={size}], got ";
  struct Case {
    const char* flag;
    std::string message;
  } cases[] = {
      {"", std::string(fmt) + "\"\""},
      {"root", std::string(fmt) + "\"root\""},
      {"root:self:x", std::string(fmt) + "\"root:self:x\""},
      {"root:self,2g", std::string(fmt) + "\"root:self,2g\""},
      {"root:self,size=1,size=2", std::string(fmt) + "\"root:self,size=1,size=2\""},
      {"none:self", "unexpected mount specifier for --overlay2: \"none\""},
      {"sub:memory", "unexpected mount specifier for --overlay2: \"sub\""},
      {"NONE", std::string(fmt) + "\"NONE\""},
      {"root:tmpfs", "unexpected medium: \"tmpfs\""},
      {"all:dir=rel", "overlay host file directory should be an absolute path, got \"rel\""},
  };
  for (const Case& c : cases) {
    ErrorOr<Overlay2> o = Overlay2::Parse(c.flag);
    ASSERT_FALSE(o.ok()) << c.flag;
    EXPECT_EQ(o.error().kind, Error::Kind::kFlag);
    EXPECT_EQ(o.error().subject, "--overlay2");
    EXPECT_EQ(o.error().value, c.flag);
    EXPECT_EQ(o.error().message, c.message) << c.flag;
  }
}

TEST(OverlayTest, SetIsStatefulLikeRunsc) {
  // runsc's "root:..." does not clear a sub-mount setting made earlier.
  Overlay2 o = Overlay2::Default();
  ASSERT_TRUE(o.Set("all:memory").ok());
  ASSERT_TRUE(o.Set("root:self").ok());
  EXPECT_TRUE(o.sub_mounts());
  EXPECT_EQ(o.ToString(), "all:self");
  ASSERT_TRUE(o.Set("none").ok());
  ASSERT_TRUE(o.Set("root:memory").ok());
  EXPECT_EQ(o.ToString(), "root:memory");
  // A failed Set leaves the value untouched.
  ASSERT_FALSE(o.Set("all:bogus").ok());
  EXPECT_EQ(o.ToString(), "root:memory");
}

TEST(OverlayTest, RootAndSubMountSettings) {
  Overlay2 root = Overlay2::Parse("root:memory,size=5m").value();
  EXPECT_EQ(root.RootOverlayMedium().kind(), OverlayMedium::Kind::kMemory);
  EXPECT_EQ(root.RootOverlaySize(), "5m");
  EXPECT_EQ(root.SubMountOverlayMedium().kind(), OverlayMedium::Kind::kNone);
  EXPECT_EQ(root.SubMountOverlaySize(), "");
  Overlay2 all = Overlay2::Parse("all:dir=/x,size=1g").value();
  EXPECT_EQ(all.SubMountOverlayMedium().HostFileDir(), "/x");
  EXPECT_EQ(all.SubMountOverlaySize(), "1g");
  Overlay2 none = Overlay2::Parse("none").value();
  EXPECT_EQ(none.RootOverlayMedium().kind(), OverlayMedium::Kind::kNone);
}

}  // namespace
}  // namespace hg::oci
