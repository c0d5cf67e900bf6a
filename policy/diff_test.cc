// `policy diff` shows what changed, with the reasons for the new values.
#include "policy/diff.h"

#include <gtest/gtest.h>

#include "policy/testing/test_util.h"

namespace hg::policy {
namespace {

const char kData[] =
    R"({"destination":"/data","type":"bind","source":"/srv/data","options":["rbind","rw"]})";
const char kOff[] =
    R"("dev.gvisor.spec.mount.data.source":"/srv/data","dev.gvisor.spec.mount.data.type":"bind",)"
    R"("dev.gvisor.spec.mount.data.share":"shared","dev.gvisor.spec.mount.data.directfs":"off")";

TEST(DiffTest, IdenticalPoliciesHaveNoDifferences) {
  ErrorOr<CompiledPolicy> a = testing::CompileJson(testing::SpecJson(kData));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(DiffPolicies(a->policy, a->policy), "");
}

TEST(DiffTest, DirectfsOffShowsTheMountTheSetAndTheSyscallsWithReasons) {
  ErrorOr<CompiledPolicy> a = testing::CompileJson(testing::SpecJson(kData));
  ErrorOr<CompiledPolicy> b = testing::CompileJson(testing::SpecJson(kData, kOff));
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string d = DiffPolicies(a->policy, b->policy);
  EXPECT_NE(d.find("~ config.json: sha256"), std::string::npos) << d;
  EXPECT_NE(d.find("~ /data: directfs on -> off"), std::string::npos) << d;
  EXPECT_NE(d.find("because dev.gvisor.spec.mount.data.directfs=off"), std::string::npos) << d;
  EXPECT_NE(d.find("~ set lisafs: not included -> included"), std::string::npos) << d;
  EXPECT_NE(d.find("+ syscall mkdirat now allowed"), std::string::npos) << d;
  EXPECT_NE(d.find("+ mkdirat: any arguments"), std::string::npos) << d;
  EXPECT_NE(d.find("~ seccomp: instructions"), std::string::npos) << d;
  // And back.
  const std::string r = DiffPolicies(b->policy, a->policy);
  EXPECT_NE(r.find("- syscall mkdirat no longer allowed"), std::string::npos) << r;
}

TEST(DiffTest, CapabilitiesAndMountsAddedOrRemoved) {
  RuntimeFlagArgs f;
  f.host_uds = {"open"};
  ErrorOr<CompiledPolicy> a = testing::CompileJson(testing::SpecJson());
  ErrorOr<CompiledPolicy> b = testing::CompileJson(testing::SpecJson(kData), f);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string d = DiffPolicies(a->policy, b->policy);
  EXPECT_NE(d.find("+ CAP_SETUID"), std::string::npos) << d;
  EXPECT_NE(d.find("+ /data [fsgofer]"), std::string::npos) << d;
  EXPECT_NE(d.find("~ /: host unix sockets none -> open"), std::string::npos) << d;
  EXPECT_NE(d.find("loosenings:"), std::string::npos) << d;
}

}  // namespace
}  // namespace hg::policy
