// PlanServedMounts: the policy's per-mount decisions (runsc's, tightened by
// the operator policy) become fsgofer's MountRules unchanged.
#include "gofer/cmd/served_mounts.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "policy/compiler.h"
#include "policy/testing/examples.h"

namespace hg::cmd {
namespace {

policy::pb::Policy CompileExample(const std::string& name) {
  auto examples = policy::testing::Examples();
  EXPECT_TRUE(examples.ok());
  for (const auto& ex : *examples) {
    if (ex.name != name) continue;
    policy::CompileCommand cmd = policy::testing::CommandFor(ex, "");
    auto flags = policy::ParseRuntimeFlags(cmd.flags);
    EXPECT_TRUE(flags.ok());
    auto in = policy::LoadInputs(ex.dir, *flags, ex.operator_policy);
    EXPECT_TRUE(in.ok()) << in.error().ToString();
    in->extensions = cmd.extensions;
    auto c = policy::CompilePolicy(*in);
    EXPECT_TRUE(c.ok()) << c.error().ToString();
    return c->policy;
  }
  ADD_FAILURE() << "no example " << name;
  return {};
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(ServedMountsTest, OperatorPolicyReachesFsgoferRules) {
  policy::pb::Policy p = CompileExample("operator-policy");
  auto ms = PlanServedMounts(p, "/b");
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), p.served_mounts());
  const ServedMount& root = (*ms)[0];
  EXPECT_EQ(root.container_path, "/");
  EXPECT_EQ(root.host_source, "/b/rootfs");  // relative to the bundle
  EXPECT_FALSE(root.spec_index.has_value());
  const ServedMount& data = (*ms)[1];
  EXPECT_EQ(data.container_path, "/data");
  EXPECT_TRUE(data.readonly);  // the operator's read_only: true
  EXPECT_TRUE(data.rules.readonly);
  EXPECT_EQ(data.rules.max_file_size, 1073741824u);
  EXPECT_EQ(data.rules.host_uds, fsgofer::HostUds::kOpen);  // ceiling OPEN over --host-uds=all
  EXPECT_TRUE(Has(data.rules.xattr_namespaces, "user."));
  EXPECT_TRUE(Has(data.rules.xattr_namespaces, "security."));
  EXPECT_TRUE(Has(data.rules.deny_patterns, "/secrets(/.*)?"));
  EXPECT_TRUE(Has(data.rules.deny_patterns, ".*/\\.git(/.*)?"));
  for (const ServedMount& m : *ms) {
    EXPECT_EQ(m.rules.donate_mount_fd, m.directfs) << m.container_path;
    if (m.container_path == "/etc/app") {
      EXPECT_EQ(m.rules.host_uds, fsgofer::HostUds::kNone);  // the operator's per-mount NONE
    }
  }
}

TEST(ServedMountsTest, IoFdOrderIsThePolicys) {
  policy::pb::Policy p = CompileExample("bind-directfs");
  auto ms = PlanServedMounts(p, "/b");
  ASSERT_TRUE(ms.ok());
  for (size_t i = 0; i < ms->size(); ++i) {
    EXPECT_EQ((*ms)[i].index, i);
    EXPECT_EQ(ConfinedMountPath(i), "/mounts/" + std::to_string(i));
  }
  EXPECT_EQ((*ms)[0].container_path, "/");
}

TEST(ServedMountsTest, InconsistentPoliciesAreRefused) {
  policy::pb::Policy p = CompileExample("bind-directfs");
  policy::pb::Policy dup = p;
  for (auto& m : *dup.mutable_mount()) {
    if (m.io_fd_index() > 0) m.set_io_fd_index(0);  // two mounts on slot 0
  }
  EXPECT_EQ(PlanServedMounts(dup, "/b").error(), Errno(EINVAL));
  policy::pb::Policy missing = p;
  missing.set_served_mounts(p.served_mounts() + 1);  // a slot nobody fills
  EXPECT_EQ(PlanServedMounts(missing, "/b").error(), Errno(EINVAL));
  policy::pb::Policy bad_uds = p;
  bad_uds.mutable_mount(0)->set_host_uds("sometimes");
  for (auto& m : *bad_uds.mutable_mount()) {
    if (m.io_fd_index() >= 0) m.set_host_uds("sometimes");
  }
  EXPECT_FALSE(PlanServedMounts(bad_uds, "/b").ok());
}

}  // namespace
}  // namespace hg::cmd
