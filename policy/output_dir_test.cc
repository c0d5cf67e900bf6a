// OUTDIR is written atomically, replaced only when it holds a policy, and read
// back with integrity checks.
#include "policy/output_dir.h"

#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>

#include "policy/testing/test_util.h"

namespace hg::policy {
namespace {

using testing::ListDir;
using testing::PathExists;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

PolicyFiles Files(bool directfs) {
  RuntimeFlagArgs f;
  f.directfs = {directfs ? "true" : "false"};
  ErrorOr<CompiledPolicy> p = testing::CompileJson(testing::SpecJson(), f);
  EXPECT_TRUE(p.ok());
  return RenderFiles(*p);
}

TEST(OutputDirTest, WritesAllFiveFilesAndReadsThemBack) {
  TempDir d;
  const PolicyFiles f = Files(true);
  ASSERT_TRUE(WritePolicyDir(d.Join("out"), f).ok());
  EXPECT_EQ(ListDir(d.path()), std::vector<std::string>{"out"});  // no temporary left
  EXPECT_EQ(ListDir(d.Join("out")),
            (std::vector<std::string>{"explain.txt", "policy.pb", "policy.textproto", "seccomp.bpf",
                                      "seccomp.pfc"}));
  EXPECT_EQ(ReadFile(d.Join("out/policy.pb")), f.binary);
  EXPECT_EQ(ReadFile(d.Join("out/seccomp.bpf")), f.bpf);
  ErrorOr<LoadedPolicy> back = ReadPolicyDir(d.Join("out"));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->program->ToBytes(), f.bpf);
  // The textproto parses back to the same policy.
  pb::Policy fromtext;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(f.textproto, &fromtext));
  EXPECT_EQ(fromtext.SerializeAsString(), back->policy.SerializeAsString());
}

TEST(OutputDirTest, ReplacesAPreviousPolicyAtomically) {
  TempDir d;
  ASSERT_TRUE(WritePolicyDir(d.Join("out"), Files(true)).ok());
  const PolicyFiles second = Files(false);
  ASSERT_TRUE(WritePolicyDir(d.Join("out"), second).ok());
  EXPECT_EQ(ReadFile(d.Join("out/policy.pb")), second.binary);
  EXPECT_EQ(ListDir(d.path()), std::vector<std::string>{"out"});
}

TEST(OutputDirTest, RefusesToReplaceAnythingElse) {
  TempDir d;
  ASSERT_EQ(::mkdir(d.Join("home").c_str(), 0755), 0);
  WriteFile(d.Join("home/notes.txt"), "precious");
  ErrorOr<void> w = WritePolicyDir(d.Join("home"), Files(true));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("notes.txt"), std::string::npos) << w.error().message;
  EXPECT_EQ(ReadFile(d.Join("home/notes.txt")), "precious");
  EXPECT_EQ(ListDir(d.Join("home")), std::vector<std::string>{"notes.txt"});

  WriteFile(d.Join("file"), "x");
  EXPECT_FALSE(WritePolicyDir(d.Join("file"), Files(true)).ok());
  EXPECT_EQ(ReadFile(d.Join("file")), "x");
  EXPECT_EQ(ListDir(d.path()), (std::vector<std::string>{"file", "home"}));
  EXPECT_FALSE(WritePolicyDir(d.Join("missing/out"), Files(true)).ok());
}

TEST(OutputDirTest, RefusesAProgramThatDoesNotBelongToThePolicy) {
  TempDir d;
  ASSERT_TRUE(WritePolicyDir(d.Join("a"), Files(true)).ok());
  ASSERT_TRUE(WritePolicyDir(d.Join("b"), Files(false)).ok());
  WriteFile(d.Join("a/seccomp.bpf"), ReadFile(d.Join("b/seccomp.bpf")));
  ErrorOr<LoadedPolicy> p = ReadPolicyDir(d.Join("a"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("do not belong together"), std::string::npos) << p.error().message;

  WriteFile(d.Join("b/policy.pb"), "garbage that is not a protobuf \xff\xff\xff");
  EXPECT_FALSE(ReadPolicyDir(d.Join("b")).ok());
  EXPECT_FALSE(ReadPolicyDir(d.Join("nonexistent")).ok());
}

TEST(OutputDirTest, RefusesAnotherFormat) {
  TempDir d;
  ErrorOr<CompiledPolicy> p = testing::CompileJson(testing::SpecJson());
  ASSERT_TRUE(p.ok());
  p->policy.set_format("hardgofer.policy/v0");
  ASSERT_TRUE(WritePolicyDir(d.Join("out"), RenderFiles(*p)).ok());
  ErrorOr<LoadedPolicy> back = ReadPolicyDir(d.Join("out"));
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("hardgofer.policy/v0"), std::string::npos);
}

}  // namespace
}  // namespace hg::policy
