// Goldens for what reviewers read: policy.textproto and explain.txt of every
// example bundle under examples/bundles/. Regenerate after an intended change:
//
//   HG_UPDATE_GOLDENS=1 <build>/policy/policy_test --gtest_filter='GoldenTest.*'
//
// and review the diff. The example bundles run through exactly what
// `hardgofer policy compile` runs (RunCompile), with their flags files, operator
// policies and fake extensions (policy/testing/examples.h).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "policy/commands.h"
#include "policy/output_dir.h"
#include "policy/testing/examples.h"
#include "policy/testing/test_util.h"

namespace hg::policy {
namespace {

bool Updating() {
  const char* u = std::getenv("HG_UPDATE_GOLDENS");
  return u != nullptr && std::string(u) == "1";
}

void ExpectGolden(const std::string& path, const std::string& actual) {
  if (Updating()) {
    testing::WriteFile(path, actual);
    return;
  }
  ASSERT_TRUE(testing::PathExists(path))
      << "missing golden " << path << "; regenerate with HG_UPDATE_GOLDENS=1 policy_test --gtest_filter='GoldenTest.*'";
  const std::string want = testing::ReadFile(path);
  if (want == actual) return;
  // Report the first differing line, not two whole files.
  std::istringstream a(want), b(actual);
  std::string la, lb;
  int line = 0;
  for (;;) {
    ++line;
    const bool ga = static_cast<bool>(std::getline(a, la));
    const bool gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) break;
    if (!ga || !gb || la != lb) break;
  }
  ADD_FAILURE() << "golden " << path << " differs at line " << line << ":\n  golden: " << la
                << "\n  actual: " << lb
                << "\nregenerate with HG_UPDATE_GOLDENS=1 policy_test --gtest_filter='GoldenTest.*' "
                   "and review the diff";
}

TEST(GoldenTest, EveryExampleBundleMatchesItsGoldens) {
  ErrorOr<std::vector<testing::Example>> examples = testing::Examples();
  ASSERT_TRUE(examples.ok()) << examples.error().ToString();
  // The acceptance list: each of these must exist.
  std::set<std::string> names;
  for (const testing::Example& ex : *examples) names.insert(ex.name);
  for (const char* want : {"runc-default", "bind-directfs", "bind-one-directfs-off",
                           "rootfs-hint-directfs-off", "global-directfs-off", "extension-claimed",
                           "readonly-rootfs", "host-uds-create", "operator-policy"}) {
    EXPECT_TRUE(names.count(want)) << "missing example bundle " << want;
  }
  testing::TempDir tmp;
  for (const testing::Example& ex : *examples) {
    SCOPED_TRACE(ex.name);
    CompileCommand c = testing::CommandFor(ex, tmp.Join(ex.name));
    std::ostringstream out, err;
    ASSERT_EQ(RunCompile(c, out, err), kExitOk) << err.str();
    const std::string golden = ex.dir + "/golden";
    if (Updating()) ::mkdir(golden.c_str(), 0755);
    ExpectGolden(golden + "/policy.textproto", testing::ReadFile(c.out + "/policy.textproto"));
    ExpectGolden(golden + "/explain.txt", testing::ReadFile(c.out + "/explain.txt"));
    // Compiling again gives the same bytes, every file.
    CompileCommand again = c;
    again.out = tmp.Join(ex.name + ".again");
    ASSERT_EQ(RunCompile(again, out, err), kExitOk) << err.str();
    for (std::string_view f : kPolicyFileNames) {
      EXPECT_EQ(testing::ReadFile(c.out + "/" + std::string(f)),
                testing::ReadFile(again.out + "/" + std::string(f)))
          << f;
    }
  }
}

// What each example is for, checked on the compiled policy itself (a golden
// that was regenerated wrongly would still fail here).
TEST(GoldenTest, ExamplesShowWhatTheyAreNamedFor) {
  ErrorOr<std::vector<testing::Example>> examples = testing::Examples();
  ASSERT_TRUE(examples.ok());
  testing::TempDir tmp;
  for (const testing::Example& ex : *examples) {
    SCOPED_TRACE(ex.name);
    CompileCommand c = testing::CommandFor(ex, tmp.Join(ex.name));
    std::ostringstream out, err;
    ASSERT_EQ(RunCompile(c, out, err), kExitOk) << err.str();
    ErrorOr<LoadedPolicy> p = ReadPolicyDir(c.out);
    ASSERT_TRUE(p.ok());
    const pb::Policy& pol = p->policy;
    const bool lisafs = testing::FindSet(pol, "lisafs")->included();
    if (ex.name == "runc-default") {
      EXPECT_FALSE(lisafs);
      EXPECT_EQ(pol.served_mounts(), 1u);
      EXPECT_TRUE(pol.mount(0).read_only());
    } else if (ex.name == "bind-directfs") {
      EXPECT_FALSE(lisafs);
      EXPECT_EQ(pol.served_mounts(), 3u);
    } else if (ex.name == "bind-one-directfs-off") {
      ASSERT_TRUE(lisafs);
      EXPECT_EQ(testing::FindSet(pol, "lisafs")->reason(0).source(),
                "mount /data: dev.gvisor.spec.mount.data.directfs=off");
    } else if (ex.name == "rootfs-hint-directfs-off") {
      ASSERT_TRUE(lisafs);
      EXPECT_EQ(testing::FindSet(pol, "lisafs")->reason(0).source(),
                "mount /: dev.gvisor.spec.rootfs.directfs=off");
    } else if (ex.name == "global-directfs-off") {
      ASSERT_TRUE(lisafs);
      EXPECT_EQ(testing::FindSet(pol, "lisafs")->reason(0).source(), "--directfs=false");
    } else if (ex.name == "extension-claimed") {
      EXPECT_EQ(testing::FindMount(pol, "/cache")->backend(), pb::Mount::EXTENSION);
      EXPECT_TRUE(testing::FindSet(pol, "extension:fake_cache")->included());
      EXPECT_FALSE(testing::FindSet(pol, "extension:fake_crypt")->included());
    } else if (ex.name == "readonly-rootfs") {
      EXPECT_TRUE(pol.mount(0).read_only());
      EXPECT_EQ(pol.mount(0).gofer_mount_conf(), "lisafs:none");
      EXPECT_FALSE(testing::FindMount(pol, "/data")->read_only());
    } else if (ex.name == "host-uds-create") {
      EXPECT_TRUE(testing::FindSet(pol, "host_uds_create")->included());
      EXPECT_FALSE(testing::FindSet(pol, "host_uds_open")->included());
      EXPECT_EQ(pol.capability_size(), 6);
    } else if (ex.name == "operator-policy") {
      EXPECT_TRUE(testing::FindMount(pol, "/data")->read_only());
      EXPECT_EQ(testing::FindMount(pol, "/data")->host_uds(), "open");
      EXPECT_EQ(testing::FindMount(pol, "/etc/app")->host_uds(), "none");
      EXPECT_EQ(testing::FindMount(pol, "/secure")->extension(), "fake_crypt");
      EXPECT_GT(pol.diagnostic_size(), 0);
    }
  }
}

}  // namespace
}  // namespace hg::policy
