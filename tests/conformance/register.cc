#include "tests/conformance/register.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <string>

#include "path_walk/testing/temp_tree.h"
#include "tests/conformance/scenarios.h"
#include "tests/conformance/session.h"

namespace hg::conformance {
namespace {

size_t CountHostFds() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

// umask 0 for one scenario (gVisor's RunTest), restored after.
class ZeroUmask {
 public:
  ZeroUmask() : saved_(::umask(0)) {}
  ~ZeroUmask() { ::umask(saved_); }

 private:
  mode_t saved_;
};

class ScenarioTest : public ::testing::Test {
 public:
  ScenarioTest(Backend backend, const Scenario* scenario)
      : backend_(std::move(backend)), scenario_(scenario) {}

  void TestBody() override {
    ZeroUmask umask0;
    const size_t fds_before = CountHostFds();
    {
      path_walk::testing::TempTree tree;
      tree.MkDir("root", 0755);
      const std::string root = tree.Path("root");
      auto s = Session::Start(backend_, root);
      ASSERT_TRUE(s.ok()) << "starting " << backend_.name << ": " << s.error().ToString();
      Context ctx{backend_.caps, (*s)->client(), (*s)->root(), root};
      scenario_->run(ctx);
      (*s)->ExpectNoLeaks();
    }
    EXPECT_EQ(CountHostFds(), fds_before) << "host descriptors leaked";
  }

 private:
  Backend backend_;
  const Scenario* scenario_;
};

}  // namespace

void RegisterConformanceTests(const Backend& backend) {
  const std::string suite = "Conformance/" + backend.name;
  for (const Scenario& sc : Scenarios()) {
    const Scenario* p = &sc;
    ::testing::RegisterTest(
        suite.c_str(), std::string(sc.name).c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [backend, p]() -> ::testing::Test* { return new ScenarioTest(backend, p); });
  }
}

}  // namespace hg::conformance
