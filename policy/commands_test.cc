// The commands as the CLI runs them: exit codes, messages, and nothing written
// on error.
#include "policy/commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <sstream>

#include "policy/testing/fake_extensions.h"
#include "policy/testing/test_util.h"

namespace hg::policy {
namespace {

using testing::ListDir;
using testing::PathExists;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

const char kData[] =
    R"({"destination":"/data","type":"bind","source":"/srv/data","options":["rbind","rw"]})";
const char kCache[] =
    R"({"destination":"/cache","type":"bind","source":"/srv/cache","options":["rbind"]})";

class CommandsTest : public ::testing::Test {
 protected:
  // A bundle in the temp dir with `spec` as config.json and a rootfs.
  std::string Bundle(const std::string& spec) {
    const std::string b = dir_.Join("bundle");
    ::mkdir(b.c_str(), 0755);
    ::mkdir((b + "/rootfs").c_str(), 0755);
    WriteFile(b + "/config.json", spec);
    return b;
  }
  CompileCommand Cmd(const std::string& spec) {
    CompileCommand c;
    c.bundle = Bundle(spec);
    c.out = dir_.Join("out");
    return c;
  }
  int Compile(const CompileCommand& c) {
    out_.str("");
    err_.str("");
    return RunCompile(c, out_, err_);
  }
  // Nothing but the bundle in the temp dir: no OUTDIR, no temporary.
  void ExpectNothingWritten() {
    EXPECT_EQ(ListDir(dir_.path()), std::vector<std::string>{"bundle"});
  }

  TempDir dir_;
  std::ostringstream out_, err_;
};

TEST_F(CommandsTest, CompileWritesTheFiveFilesAndExplainPrintsExplainTxt) {
  CompileCommand c = Cmd(testing::SpecJson(kData));
  ASSERT_EQ(Compile(c), kExitOk) << err_.str();
  EXPECT_EQ(out_.str().rfind("wrote " + c.out + ": ", 0), 0u) << out_.str();
  EXPECT_EQ(ListDir(c.out).size(), 5u);
  std::ostringstream o, e;
  ASSERT_EQ(RunExplain(c.out, o, e), kExitOk) << e.str();
  EXPECT_EQ(o.str(), ReadFile(c.out + "/explain.txt"));
}

TEST_F(CommandsTest, QueryPrintsAllowOrDenyFirstAndExitsZeroEitherWay) {
  CompileCommand c = Cmd(testing::SpecJson());
  ASSERT_EQ(Compile(c), kExitOk) << err_.str();
  std::ostringstream o, e;
  ASSERT_EQ(RunQuery(c.out, {"getpid"}, o, e), kExitOk) << e.str();
  EXPECT_EQ(o.str().rfind("allow ", 0), 0u) << o.str();
  std::ostringstream o2;
  ASSERT_EQ(RunQuery(c.out, {"ptrace", "ARG0=0"}, o2, e), kExitOk) << e.str();
  EXPECT_EQ(o2.str().rfind("deny ", 0), 0u) << o2.str();
  std::ostringstream o3, e3;
  EXPECT_EQ(RunQuery(c.out, {"fooat"}, o3, e3), kExitUsage);
  EXPECT_NE(e3.str().find("fooat"), std::string::npos) << e3.str();
  EXPECT_EQ(RunQuery(dir_.Join("nope"), {"getpid"}, o3, e3), kExitRuntime);
}

TEST_F(CommandsTest, DiffNamesBothDigests) {
  CompileCommand a = Cmd(testing::SpecJson());
  ASSERT_EQ(Compile(a), kExitOk);
  CompileCommand b = a;
  b.out = dir_.Join("out2");
  b.flags.directfs = {"false"};
  ASSERT_EQ(Compile(b), kExitOk);
  std::ostringstream o, e;
  ASSERT_EQ(RunDiff(a.out, b.out, o, e), kExitOk) << e.str();
  EXPECT_NE(o.str().find("--- " + a.out + " (sha256:"), std::string::npos) << o.str();
  EXPECT_NE(o.str().find("~ set lisafs: not included -> included"), std::string::npos) << o.str();
  std::ostringstream same;
  ASSERT_EQ(RunDiff(a.out, a.out, same, e), kExitOk);
  EXPECT_NE(same.str().find("no differences"), std::string::npos);
}

TEST_F(CommandsTest, CheckValidatesAndWritesNothing) {
  CompileCommand c = Cmd(testing::SpecJson(kData));
  std::ostringstream o, e;
  ASSERT_EQ(RunCheck(c, o, e), kExitOk) << e.str();
  EXPECT_EQ(o.str().rfind("ok: ", 0), 0u);
  ExpectNothingWritten();
  c.flags.gofer_mount_confs = {"lisafs:none"};
  EXPECT_EQ(RunCheck(c, o, e), kExitRuntime);
  ExpectNothingWritten();
}

TEST_F(CommandsTest, EveryBadInputIsOneErrorNonZeroAndNoOutput) {
  struct Case {
    const char* name;
    std::string spec;
    std::function<void(CompileCommand&)> tweak;
    int code;
    const char* needle;
  } cases[] = {
      {"malformed spec", "{\"ociVersion\": [", nullptr, kExitRuntime, "config.json"},
      {"rejected hint", testing::SpecJson("", R"("dev.gvisor.spec.mount.x.y.z":"v")"), nullptr,
       kExitRuntime, "dev.gvisor.spec.mount.x.y.z=v"},
      {"conflicting hints",
       testing::SpecJson(kData,
                         R"("dev.gvisor.spec.mount.a.source":"/srv/data","dev.gvisor.spec.mount.a.type":"bind","dev.gvisor.spec.mount.a.share":"shared",)"
                         R"("dev.gvisor.spec.mount.b.source":"/srv/data","dev.gvisor.spec.mount.b.type":"bind","dev.gvisor.spec.mount.b.share":"shared")"),
       nullptr, kExitRuntime, "\"/srv/data\""},
      {"invalid RE2", testing::SpecJson(),
       [this](CompileCommand& c) {
         WriteFile(dir_.Join("bundle/ops.textproto"), "path_deny { pattern: \"a(b\" }\n");
         c.operator_policy = dir_.Join("bundle/ops.textproto");
       },
       kExitRuntime, "ops.textproto: path_deny[0].pattern=\"a(b\": invalid RE2 pattern"},
      {"unknown syscall in an extension", testing::SpecJson(),
       [](CompileCommand& c) {
         ExtensionDescriptor e = testing::FakeCache();
         e.rules.AllowAny("definitely_not_a_syscall", {"x", "y", ""});
         c.extensions = {e};
       },
       kExitRuntime, "\"definitely_not_a_syscall\""},
      {"gofer-mount-confs count", testing::SpecJson(kData),
       [](CompileCommand& c) { c.flags.gofer_mount_confs = {"lisafs:none"}; }, kExitRuntime,
       "--gofer-mount-confs has 1 entries"},
      {"extension cannot donate", testing::SpecJson(kCache),
       [](CompileCommand& c) { c.extensions = {testing::FakeCache()}; }, kExitRuntime,
       "dev.gvisor.spec.mount.<NAME>.directfs: off"},
      {"bad flag value", testing::SpecJson(),
       [](CompileCommand& c) { c.flags.overlay2 = {"root:floppy"}; }, kExitUsage, "--overlay2"},
      {"missing operator policy file", testing::SpecJson(),
       [this](CompileCommand& c) { c.operator_policy = dir_.Join("nope.textproto"); }, kExitRuntime,
       "nope.textproto"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    CompileCommand c = Cmd(k.spec);
    if (k.tweak) k.tweak(c);
    EXPECT_EQ(Compile(c), k.code) << err_.str();
    const std::string err = err_.str();
    EXPECT_EQ(err.rfind("hardgofer policy compile: error: ", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(k.needle), std::string::npos) << err;
    EXPECT_EQ(out_.str(), "");
    EXPECT_FALSE(PathExists(c.out));
    for (const std::string& n : ListDir(dir_.path())) EXPECT_EQ(n, "bundle");
    testing::RemoveTree(dir_.Join("bundle"));
  }
}

TEST_F(CommandsTest, AFailedRecompileLeavesThePreviousPolicyUntouched) {
  CompileCommand c = Cmd(testing::SpecJson());
  ASSERT_EQ(Compile(c), kExitOk);
  const std::string before = ReadFile(c.out + "/policy.pb");
  WriteFile(c.bundle + "/config.json", "{");
  EXPECT_EQ(Compile(c), kExitRuntime);
  EXPECT_EQ(ReadFile(c.out + "/policy.pb"), before);
  EXPECT_EQ(ListDir(dir_.path()), (std::vector<std::string>{"bundle", "out"}));
}

TEST_F(CommandsTest, UsageErrors) {
  CompileCommand c;
  EXPECT_EQ(RunCompile(c, out_, err_), kExitUsage);
  c.bundle = dir_.path();  // (a copy, not a literal: GCC 12's -Wrestrict misfires on the latter under ASan)
  EXPECT_EQ(RunCompile(c, out_, err_), kExitUsage);  // no --out
  EXPECT_EQ(RunCheck(CompileCommand{}, out_, err_), kExitUsage);
  EXPECT_EQ(RunQuery(dir_.path(), {}, out_, err_), kExitUsage);
}

}  // namespace
}  // namespace hg::policy
