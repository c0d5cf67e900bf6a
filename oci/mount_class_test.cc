#include "oci/mount_class.h"

#include <gtest/gtest.h>

namespace hg::oci {
namespace {

TEST(MountClassTest, GoferMountIsBindByTypeOrOptionsWithSource) {
  struct Case {
    Mount m;
    bool gofer;
    bool erofs;
  } cases[] = {
      {{"/a", "bind", "/src", {}, {}, {}}, true, false},
      {{"/a", "none", "/src", {"rbind", "ro"}, {}, {}}, true, false},
      {{"/a", "", "/src", {"bind"}, {}, {}}, true, false},
      {{"/a", "tmpfs", "/src", {"nosuid", "bind"}, {}, {}}, true, false},  // options win
      {{"/a", "bind", "", {}, {}, {}}, false, false},                       // no source
      {{"/a", "none", "", {"rbind"}, {}, {}}, false, false},
      {{"/a", "tmpfs", "tmpfs", {"nosuid"}, {}, {}}, false, false},
      {{"/a", "proc", "proc", {}, {}, {}}, false, false},
      {{"/a", "Bind", "/src", {}, {}, {}}, false, false},                   // exact, case-sensitive
      {{"/a", "none", "/src", {"RBIND"}, {}, {}}, false, false},
      {{"/a", "erofs", "/img", {}, {}, {}}, false, true},
      {{"/a", "erofs", "", {}, {}, {}}, false, true},                       // erofs needs no source
      {{"/a", "erofs", "/img", {"bind"}, {}, {}}, true, true},              // both: still one config
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsGoferMount(c.m), c.gofer) << c.m.type << " " << c.m.source;
    EXPECT_EQ(IsErofsMount(c.m), c.erofs) << c.m.type;
    EXPECT_EQ(HasMountConfig(c.m), c.gofer || c.erofs);
  }
  Mount m{"/a", "none", "/src", {"rbind"}, {}, {}};
  MaybeConvertToBindMount(m);
  EXPECT_EQ(m.type, "bind");
  Mount t{"/a", "tmpfs", "tmpfs", {"size=1m"}, {}, {}};
  MaybeConvertToBindMount(t);
  EXPECT_EQ(t.type, "tmpfs");
}

TEST(MountClassTest, ReadonlyIsExactlyRo) {
  EXPECT_TRUE(IsReadonlyMount({"rbind", "ro"}));
  EXPECT_TRUE(IsReadonlyMount({"ro", "rw"}));  // runsc does not let a later rw cancel ro
  EXPECT_FALSE(IsReadonlyMount({"rw"}));
  EXPECT_FALSE(IsReadonlyMount({"RO", "ro=1", "readonly"}));
  EXPECT_FALSE(IsReadonlyMount({}));
}

TEST(MountClassTest, IdMappedNeedsBothMappings) {
  Mount m{"/a", "bind", "/s", {}, {{0, 1000, 1}}, {}};
  EXPECT_FALSE(IsIDMappedMount(m));
  m.gid_mappings = {{0, 1000, 1}};
  EXPECT_TRUE(IsIDMappedMount(m));
}

TEST(MountClassTest, FilterDropsOnlySharedAndRshared) {
  FilteredOptions f = FilterMountOptions({"rw", "shared", "", "rshared", "rslave", "private", "Shared"});
  EXPECT_EQ(f.kept, (std::vector<std::string>{"rw", "", "rslave", "private", "Shared"}));
  EXPECT_EQ(f.dropped, (std::vector<std::string>{"shared", "rshared"}));
  ASSERT_EQ(f.reasons.size(), 2u);
  EXPECT_EQ(f.reasons[0], "mount option skipped \"shared\": mount option \"shared\" is not supported");
  EXPECT_EQ(MountOptionError("rshared"), "mount option \"rshared\" is not supported");
  EXPECT_EQ(MountOptionError("runbindable"), "");
}

TEST(MountClassTest, RootfsPropagationMustBeSlaveOrPrivate) {
  for (const char* ok : {"slave", "rslave", "private", "rprivate"}) {
    EXPECT_EQ(RootfsPropagationError(ok), "") << ok;
  }
  for (const char* bad : {"shared", "rshared", "unbindable", "runbindable", "bogus"}) {
    EXPECT_EQ(RootfsPropagationError(bad),
              std::string("root mount propagation option must specify private or slave: \"") + bad + "\"");
  }
}

}  // namespace
}  // namespace hg::oci
