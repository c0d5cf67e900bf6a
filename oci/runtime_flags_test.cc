#include "oci/runtime_flags.h"

#include <gtest/gtest.h>

namespace hg::oci {
namespace {

TEST(RuntimeFlagsTest, DefaultsAreRunscs) {
  RuntimeFlags f;
  EXPECT_TRUE(f.directfs);
  EXPECT_EQ(f.host_uds, HostUds::kNone);
  EXPECT_EQ(f.host_fifo, HostFifo::kNone);
  EXPECT_EQ(f.overlay2.ToString(), "root:self");
  EXPECT_EQ(f.file_access, FileAccess::kExclusive);
  EXPECT_EQ(f.file_access_mounts, FileAccess::kShared);
  EXPECT_FALSE(f.allow_flag_override);
  EXPECT_FALSE(f.gofer_mount_confs);
  EXPECT_TRUE(f.Validate().ok());
}

TEST(RuntimeFlagsTest, HostUds) {
  struct Case {
    const char* v;
    HostUds want;
    bool open;
    bool create;
    const char* name;
  } cases[] = {
      {"", HostUds::kNone, false, false, "none"},
      {"none", HostUds::kNone, false, false, "none"},
      {"open", HostUds::kOpen, true, false, "open"},
      {"create", HostUds::kCreate, false, true, "create"},
      {"all", HostUds::kAll, true, true, "all"},
  };
  for (const Case& c : cases) {
    ErrorOr<HostUds> u = ParseHostUds(c.v);
    ASSERT_TRUE(u.ok()) << c.v;
    EXPECT_EQ(*u, c.want);
    EXPECT_EQ(HostUdsAllowOpen(*u), c.open);
    EXPECT_EQ(HostUdsAllowCreate(*u), c.create);
    EXPECT_STREQ(HostUdsName(*u), c.name);
  }
  for (const char* bad : {"Open", "connect", "open,create", " all"}) {
    ErrorOr<HostUds> u = ParseHostUds(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.error().message, std::string("invalid host UDS type \"") + bad + "\"");
    EXPECT_EQ(u.error().subject, "--host-uds");
  }
}

TEST(RuntimeFlagsTest, HostFifo) {
  EXPECT_EQ(ParseHostFifo("").value(), HostFifo::kNone);
  EXPECT_EQ(ParseHostFifo("none").value(), HostFifo::kNone);
  EXPECT_EQ(ParseHostFifo("open").value(), HostFifo::kOpen);
  EXPECT_TRUE(HostFifoAllowOpen(HostFifo::kOpen));
  EXPECT_FALSE(HostFifoAllowOpen(HostFifo::kNone));
  EXPECT_STREQ(HostFifoName(HostFifo::kOpen), "open");
  for (const char* bad : {"create", "all", "OPEN"}) {
    ErrorOr<HostFifo> f = ParseHostFifo(bad);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().message, std::string("invalid host fifo type \"") + bad + "\"");
  }
}

TEST(RuntimeFlagsTest, FileAccessAndBools) {
  EXPECT_EQ(ParseFileAccess("shared").value(), FileAccess::kShared);
  EXPECT_EQ(ParseFileAccess("exclusive").value(), FileAccess::kExclusive);
  EXPECT_EQ(ParseFileAccess("").error().message, "invalid file access type \"\"");
  EXPECT_EQ(ParseBoolFlag("--directfs", "F").value(), false);
  EXPECT_EQ(ParseBoolFlag("--directfs", "1").value(), true);
  EXPECT_EQ(ParseBoolFlag("--directfs", "off").error().message, "invalid boolean value \"off\" for --directfs");
}

TEST(RuntimeFlagsTest, ValidateRejectsOverlayWithSharedRootfsAccess) {
  RuntimeFlags f;
  f.file_access = FileAccess::kShared;
  ErrorOr<void> st = f.Validate();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.rfind("overlay flag is incompatible with shared file access for rootfs", 0), 0u);
  f.overlay2 = Overlay2::Parse("none").value();
  EXPECT_TRUE(f.Validate().ok());
}

}  // namespace
}  // namespace hg::oci
