// The policy compiler driven by the real extensions (encrypted, tiered_cache)
// through DescriptorFor: claims from annotations, the directfs rule, rules
// merged with the extension named, key files only from the operator.
#include "policy/extension_adapter.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "extensions/encrypted/encrypted_extension.h"
#include "extensions/tiered_cache/tiered_cache_extension.h"
#include "policy/compiler.h"
#include "policy/testing/test_util.h"
#include "seccomp/interpreter.h"

namespace hg::policy {
namespace {

using testing::CompileJson;
using testing::FindMount;
using testing::FindSet;
using testing::SpecJson;

const char kData[] =
    R"({"destination":"/data","type":"bind","source":"/srv/data","options":["rbind","rw"]})";
const char kCache[] =
    R"({"destination":"/cache","type":"bind","source":"/srv/cache","options":["rbind"]})";
// gVisor hints naming the mounts, directfs off, and our extension selection.
const char kDataEncrypted[] =
    R"("dev.gvisor.spec.mount.data.source":"/srv/data","dev.gvisor.spec.mount.data.type":"bind",)"
    R"("dev.gvisor.spec.mount.data.share":"container","dev.gvisor.spec.mount.data.directfs":"off",)"
    R"("dev.hardgofer.mount.data.extension":"encrypted")";
const char kCacheTiered[] =
    R"("dev.gvisor.spec.mount.cache.source":"/srv/cache","dev.gvisor.spec.mount.cache.type":"bind",)"
    R"("dev.gvisor.spec.mount.cache.share":"container",)"
    R"("dev.hardgofer.mount.cache.extension":"tiered_cache")";

class AdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(reg_.Register(std::make_unique<encrypted::EncryptedExtension>()).ok());
    ASSERT_TRUE(reg_.Register(std::make_unique<tiered_cache::TieredCacheExtension>()).ok());
  }
  server::ExtensionRegistry reg_;
};

TEST_F(AdapterTest, DescriptorCarriesTheOfflineHalf) {
  std::vector<ExtensionDescriptor> d = DescriptorsFor(reg_);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].name, "encrypted");
  EXPECT_EQ(d[0].version, "1");
  EXPECT_FALSE(d[0].can_donate_host_fds);
  EXPECT_TRUE(d[0].needs_key_files);
  EXPECT_NE(d[0].rules.Find("getrandom"), nullptr);
  EXPECT_EQ(d[1].name, "tiered_cache");
  EXPECT_TRUE(d[1].can_donate_host_fds);
  EXPECT_FALSE(d[1].needs_key_files);
  EXPECT_TRUE(ValidateExtensions(d).ok());
  // claims is the extension's own Claims.
  oci::Spec spec;
  spec.mounts.resize(1);
  spec.mounts[0].source = "/srv/x";
  spec.annotations["dev.gvisor.spec.mount.x.source"] = "/srv/x";
  spec.annotations["dev.hardgofer.mount.x.extension"] = "tiered_cache";
  EXPECT_FALSE(d[0].claims(spec, &spec.mounts[0]));
  EXPECT_TRUE(d[1].claims(spec, &spec.mounts[0]));
  EXPECT_FALSE(d[1].claims(spec, nullptr));
}

TEST_F(AdapterTest, NoAnnotationsMeansNoChange) {
  auto with = CompileJson(SpecJson(std::string(kData) + "," + kCache), {}, DescriptorsFor(reg_));
  auto without = CompileJson(SpecJson(std::string(kData) + "," + kCache), {}, {});
  ASSERT_TRUE(with.ok()) << with.error().ToString();
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(with->filter.program.size(), without->filter.program.size());
  EXPECT_EQ(FindMount(with->policy, "/data")->extension(), "");
  EXPECT_FALSE(FindSet(with->policy, "extension:encrypted")->included());
}

TEST_F(AdapterTest, EncryptedWithDirectfsOnIsAnErrorWithTheFix) {
  const std::string hints =
      R"("dev.gvisor.spec.mount.data.source":"/srv/data","dev.gvisor.spec.mount.data.type":"bind",)"
      R"("dev.gvisor.spec.mount.data.share":"container","dev.hardgofer.mount.data.extension":"encrypted")";
  auto p = CompileJson(SpecJson(kData, hints), {}, DescriptorsFor(reg_));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, Error::Kind::kExtension);
  EXPECT_EQ(p.error().value, "encrypted");
  EXPECT_NE(p.error().message.find("dev.gvisor.spec.mount.data.directfs: off"), std::string::npos)
      << p.error().message;
}

TEST_F(AdapterTest, EncryptedNeedsAKeyFileFromTheOperator) {
  auto p = CompileJson(SpecJson(kData, kDataEncrypted), {}, DescriptorsFor(reg_));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("key"), std::string::npos) << p.error().message;
  const std::string op = "extension { name: \"encrypted\" key_file: \"/etc/hardgofer/data.key\" }";
  p = CompileJson(SpecJson(kData, kDataEncrypted), {}, DescriptorsFor(reg_), op);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const pb::Mount* data = FindMount(p->policy, "/data");
  EXPECT_EQ(data->backend(), pb::Mount::EXTENSION);
  EXPECT_EQ(data->extension(), "encrypted");
  EXPECT_TRUE(FindSet(p->policy, "extension:encrypted")->included());
  EXPECT_FALSE(FindSet(p->policy, "extension:tiered_cache")->included());
}

TEST_F(AdapterTest, TieredCacheMayKeepDirectfsAndMergesItsRulesByName) {
  auto p = CompileJson(SpecJson(kCache, kCacheTiered), {}, DescriptorsFor(reg_));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const pb::Mount* cache = FindMount(p->policy, "/cache");
  EXPECT_EQ(cache->extension(), "tiered_cache");
  EXPECT_TRUE(FindSet(p->policy, "extension:tiered_cache")->included());
  bool found = false;
  for (const pb::SyscallRule& r : p->policy.seccomp().syscall()) {
    if (r.name() != "clock_nanosleep") continue;
    for (const auto& alt : r.alternative())
      found = found || alt.source() == "extension:tiered_cache";
  }
  EXPECT_TRUE(found) << "clock_nanosleep should be allowed with reason extension:tiered_cache";
}

}  // namespace
}  // namespace hg::policy
