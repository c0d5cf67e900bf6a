// Goldens for what reviewers read: policy.textproto and explain.txt of every
// example bundle under examples/bundles/, as the shipped binary compiles them
// (`hardgofer policy compile`, so with the extensions it really registers).
// Regenerate after an intended change, then review the diff:
//
//   HG_UPDATE_GOLDENS=1 <build>/tests/policy_goldens/example_goldens_test
//
// Examples are found at run time; a new one without goldens fails until they
// are generated.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policy/output_dir.h"
#include "tests/e2e/example_bundles.h"
#include "tests/e2e/gofer_process.h"

namespace hg::e2e {
namespace {

bool Updating() {
  const char* u = std::getenv("HG_UPDATE_GOLDENS");
  return u != nullptr && std::string(u) == "1";
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hg-goldens-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir_ = tmpl;
  }
  ~TempDir() { (void)!std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string Join(const std::string& n) const { return dir_ + "/" + n; }

 private:
  std::string dir_;
};

// `hardgofer policy compile` of `ex` into `out`; "" or the failure.
std::string Compile(const ExampleBundle& ex, const std::string& out) {
  std::vector<std::string> args = {"policy", "compile", "--bundle", ex.dir, "--out", out};
  AppendInputArgs(ex, ex.operator_policy, &args);
  GoferProcess c({.args = args, .mounts = 0, .add_io_fds = false, .json_log = false});
  Exit e = c.Wait(60);
  if (e.signal != 0 || e.exit_code != 0) return "policy compile failed: " + c.AllOutput();
  return "";
}

void ExpectGolden(const std::string& path, const std::string& actual) {
  if (Updating()) {
    ASSERT_TRUE(WriteFileBytes(path, actual)) << path;
    return;
  }
  ASSERT_TRUE(PathExists(path)) << "missing golden " << path
                                << "; regenerate with HG_UPDATE_GOLDENS=1 example_goldens_test";
  const std::string want = ReadFileOrEmpty(path);
  if (want == actual) return;
  // The first differing line, not two whole files.
  std::istringstream a(want), b(actual);
  std::string la, lb;
  int line = 0;
  for (;;) {
    ++line;
    const bool ga = static_cast<bool>(std::getline(a, la));
    const bool gb = static_cast<bool>(std::getline(b, lb));
    if ((!ga && !gb) || !ga || !gb || la != lb) break;
  }
  ADD_FAILURE() << "golden " << path << " differs at line " << line << ":\n  golden: " << la
                << "\n  actual: " << lb
                << "\nregenerate with HG_UPDATE_GOLDENS=1 example_goldens_test and review the diff";
}

const policy::pb::Mount* FindMount(const policy::pb::Policy& p, const std::string& path) {
  for (const auto& m : p.mount()) {
    if (m.path() == path) return &m;
  }
  return nullptr;
}

const policy::pb::SetUse* FindSet(const policy::pb::Policy& p, const std::string& name) {
  for (const auto& s : p.seccomp().set()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

bool SetIncluded(const policy::pb::Policy& p, const std::string& name) {
  const policy::pb::SetUse* s = FindSet(p, name);
  return s != nullptr && s->included();
}

const policy::pb::ExtensionUse* FindExtension(const policy::pb::Policy& p, const std::string& n) {
  for (const auto& e : p.extension()) {
    if (e.name() == n) return &e;
  }
  return nullptr;
}

TEST(ExampleGoldensTest, TheAcceptanceExamplesExist) {
  const std::vector<ExampleBundle> examples = DiscoverExamples();
  ASSERT_FALSE(examples.empty()) << "no example bundle under " << ExamplesDir();
  std::set<std::string> names;
  for (const ExampleBundle& ex : examples) names.insert(ex.name);
  for (const char* want : {"runc-default", "bind-directfs", "bind-one-directfs-off",
                           "rootfs-hint-directfs-off", "global-directfs-off", "extension-claimed",
                           "readonly-rootfs", "host-uds-create", "operator-policy"}) {
    EXPECT_TRUE(names.count(want)) << "missing example bundle " << want;
  }
}

TEST(ExampleGoldensTest, EveryExampleMatchesItsGoldens) {
  const std::vector<ExampleBundle> examples = DiscoverExamples();
  ASSERT_FALSE(examples.empty());
  TempDir tmp;
  for (const ExampleBundle& ex : examples) {
    SCOPED_TRACE(ex.name);
    const std::string out = tmp.Join(ex.name);
    ASSERT_EQ(Compile(ex, out), "");
    const std::string golden = ex.dir + "/golden";
    if (Updating()) ::mkdir(golden.c_str(), 0755);
    ExpectGolden(golden + "/policy.textproto", ReadFileOrEmpty(out + "/policy.textproto"));
    ExpectGolden(golden + "/explain.txt", ReadFileOrEmpty(out + "/explain.txt"));
    // Same input, byte-identical output, every file.
    const std::string again = tmp.Join(ex.name + ".again");
    ASSERT_EQ(Compile(ex, again), "");
    for (const char* f :
         {"policy.textproto", "policy.pb", "seccomp.bpf", "seccomp.pfc", "explain.txt"}) {
      EXPECT_FALSE(ReadFileOrEmpty(out + "/" + f).empty()) << f;
      EXPECT_EQ(ReadFileOrEmpty(out + "/" + f), ReadFileOrEmpty(again + "/" + f)) << f;
    }
  }
}

// What each example is for, checked on the compiled policy itself (a golden
// that was regenerated wrongly would still fail here).
TEST(ExampleGoldensTest, ExamplesShowWhatTheyAreNamedFor) {
  TempDir tmp;
  for (const ExampleBundle& ex : DiscoverExamples()) {
    SCOPED_TRACE(ex.name);
    const std::string out = tmp.Join(ex.name);
    ASSERT_EQ(Compile(ex, out), "");
    auto loaded = policy::ReadPolicyDir(out);
    ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
    const policy::pb::Policy& pol = loaded->policy;
    const bool lisafs = SetIncluded(pol, "lisafs");
    // The binary's real extensions are the ones compiled against (not the
    // fakes policy_test uses): encrypted first, then tiered_cache.
    ASSERT_GE(pol.inputs().extension_size(), 2);
    EXPECT_EQ(pol.inputs().extension(0).rfind("encrypted@", 0), 0u);
    EXPECT_EQ(pol.inputs().extension(1).rfind("tiered_cache@", 0), 0u);
    if (ex.name == "runc-default") {
      EXPECT_FALSE(lisafs);
      EXPECT_EQ(pol.served_mounts(), 1u);
      EXPECT_TRUE(pol.mount(0).read_only());
    } else if (ex.name == "bind-directfs") {
      EXPECT_FALSE(lisafs);
      EXPECT_EQ(pol.served_mounts(), 3u);
    } else if (ex.name == "bind-one-directfs-off") {
      ASSERT_TRUE(lisafs);
      EXPECT_EQ(FindSet(pol, "lisafs")->reason(0).source(),
                "mount /data: dev.gvisor.spec.mount.data.directfs=off");
    } else if (ex.name == "rootfs-hint-directfs-off") {
      ASSERT_TRUE(lisafs);
      EXPECT_EQ(FindSet(pol, "lisafs")->reason(0).source(),
                "mount /: dev.gvisor.spec.rootfs.directfs=off");
    } else if (ex.name == "global-directfs-off") {
      ASSERT_TRUE(lisafs);
      EXPECT_EQ(FindSet(pol, "lisafs")->reason(0).source(), "--directfs=false");
    } else if (ex.name == "extension-claimed") {
      const policy::pb::Mount* cache = FindMount(pol, "/cache");
      ASSERT_NE(cache, nullptr);
      EXPECT_EQ(cache->backend(), policy::pb::Mount::EXTENSION);
      EXPECT_EQ(cache->extension(), "encrypted");
      EXPECT_FALSE(cache->directfs());  // encrypted cannot donate host FDs
      EXPECT_FALSE(cache->read_only());
      EXPECT_TRUE(SetIncluded(pol, "extension:encrypted"));
      EXPECT_FALSE(SetIncluded(pol, "extension:tiered_cache"));
      const policy::pb::ExtensionUse* enc = FindExtension(pol, "encrypted");
      ASSERT_NE(enc, nullptr);
      EXPECT_TRUE(enc->rules_merged());
      ASSERT_EQ(enc->key_file_size(), 1);
      EXPECT_EQ(enc->key_file(0), "/etc/hardgofer/keys/cache.key");
      // Every other served mount stays with fsgofer.
      for (const auto& m : pol.mount()) {
        if (m.io_fd_index() >= 0 && m.path() != "/cache") {
          EXPECT_EQ(m.backend(), policy::pb::Mount::FSGOFER) << m.path();
        }
      }
    } else if (ex.name == "readonly-rootfs") {
      EXPECT_TRUE(pol.mount(0).read_only());
      EXPECT_EQ(pol.mount(0).gofer_mount_conf(), "lisafs:none");
      EXPECT_FALSE(FindMount(pol, "/data")->read_only());
    } else if (ex.name == "host-uds-create") {
      EXPECT_TRUE(SetIncluded(pol, "host_uds_create"));
      EXPECT_FALSE(SetIncluded(pol, "host_uds_open"));
      EXPECT_EQ(pol.capability_size(), 6);
    } else if (ex.name == "operator-policy") {
      EXPECT_TRUE(FindMount(pol, "/data")->read_only());
      EXPECT_EQ(FindMount(pol, "/data")->host_uds(), "open");
      EXPECT_EQ(FindMount(pol, "/etc/app")->host_uds(), "none");
      const policy::pb::Mount* secure = FindMount(pol, "/secure");
      ASSERT_NE(secure, nullptr);
      EXPECT_EQ(secure->backend(), policy::pb::Mount::EXTENSION);
      EXPECT_EQ(secure->extension(), "encrypted");
      EXPECT_FALSE(secure->directfs());
      const policy::pb::ExtensionUse* enc = FindExtension(pol, "encrypted");
      ASSERT_NE(enc, nullptr);
      ASSERT_EQ(enc->key_file_size(), 1);
      EXPECT_EQ(enc->key_file(0), "/etc/hardgofer/keys/example.key");
      EXPECT_GT(pol.diagnostic_size(), 0);
    }
  }
}

}  // namespace
}  // namespace hg::e2e
