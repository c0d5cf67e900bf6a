// `policy query` arguments and answers.
#include "policy/query.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include "policy/query_args.h"
#include "policy/testing/test_util.h"

namespace hg::policy {
namespace {

using seccomp::Arch;

TEST(QueryArgsTest, SyscallSpellings) {
  ErrorOr<seccomp::SyscallQuery> q = ParseQueryArgs(Arch::kX86_64, "openat", {});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->name, "openat");
  EXPECT_FALSE(q->nr.has_value());
  q = ParseQueryArgs(Arch::kX86_64, "257", {});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->nr, 257u);
  q = ParseQueryArgs(Arch::kX86_64, "0x101", {});
  EXPECT_EQ(*q->nr, 257u);
  q = ParseQueryArgs(Arch::kX86_64, "x32:getpid", {});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->nr, 0x40000000u | 39u);
  q = ParseQueryArgs(Arch::kX86_64, "x32:39", {});
  EXPECT_EQ(*q->nr, 0x40000000u | 39u);
  q = ParseQueryArgs(Arch::kX86_64, "20", {}, "i386");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->audit_arch, seccomp::kAuditArchI386);
  EXPECT_FALSE(ParseQueryArgs(Arch::kX86_64, "getpid", {}, "i386").ok());
  EXPECT_FALSE(ParseQueryArgs(Arch::kX86_64, "fooat", {}).ok());
  EXPECT_FALSE(ParseQueryArgs(Arch::kX86_64, "getpid", {}, "vax").ok());
}

TEST(QueryArgsTest, ArgumentValues) {
  ErrorOr<seccomp::SyscallQuery> q = ParseQueryArgs(
      Arch::kX86_64, "mmap",
      {"ARG2=PROT_READ|PROT_EXEC", "arg3=MAP_PRIVATE|MAP_ANONYMOUS", "ARG4=-1", "ARG0=0x1000"});
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_EQ(q->args[2].literal(), static_cast<uint64_t>(PROT_READ | PROT_EXEC));
  EXPECT_EQ(q->args[3].literal(), static_cast<uint64_t>(MAP_PRIVATE | MAP_ANONYMOUS));
  EXPECT_EQ(q->args[4].literal(), ~0ull);
  EXPECT_EQ(q->args[0].literal(), 0x1000u);
  q = ParseQueryArgs(Arch::kX86_64, "openat", {"ARG0=AT_FDCWD", "ARG2=O_RDONLY|O_CLOEXEC"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->args[0].literal(), static_cast<uint64_t>(-100));
  q = ParseQueryArgs(Arch::kX86_64, "tgkill", {"ARG0=self_pid"});
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->args[0].is_placeholder());
  for (const char* bad : {"ARG6=1", "ARG0", "FOO=1", "ARG0=PROT_BOGUS", "ARG0=12abc", "ARG0=--1"}) {
    EXPECT_FALSE(ParseQueryArgs(Arch::kX86_64, "read", {bad}).ok()) << bad;
  }
  EXPECT_FALSE(ParseQueryArgs(Arch::kX86_64, "read", {"ARG0=1", "arg0=2"}).ok());
  EXPECT_FALSE(SymbolNames().empty());
}

class QueryPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ErrorOr<CompiledPolicy> p = testing::CompileJson(testing::SpecJson());
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(WritePolicyDir(dir_.Join("p"), RenderFiles(*p)).ok());
    ErrorOr<LoadedPolicy> l = ReadPolicyDir(dir_.Join("p"));
    ASSERT_TRUE(l.ok());
    loaded_ = std::move(l).value();
  }
  seccomp::QueryAnswer Ask(const std::string& sys, const std::vector<std::string>& args,
                           const std::string& arch = "") {
    ErrorOr<seccomp::SyscallQuery> q = ParseQueryArgs(Arch::kX86_64, sys, args, arch);
    EXPECT_TRUE(q.ok());
    ErrorOr<seccomp::QueryAnswer> a = QueryPolicy(loaded_, *q);
    EXPECT_TRUE(a.ok());
    EXPECT_TRUE(a->agrees()) << a->ToString();
    return *a;
  }
  testing::TempDir dir_;
  LoadedPolicy loaded_;
};

TEST_F(QueryPolicyTest, AnswersFromTheProgramWithReasons) {
  seccomp::QueryAnswer a = Ask("fcntl", {"ARG0=3", "ARG1=F_GETFL"});
  EXPECT_TRUE(a.allowed());
  EXPECT_EQ(a.ToString().rfind("allow", 0), 0u);
  EXPECT_NE(a.ToString().find("fsgofer"), std::string::npos);
  a = Ask("fcntl", {"ARG1=F_SETLK"});
  EXPECT_EQ(a.ToString().rfind("deny", 0), 0u);
  a = Ask("ptrace", {});
  EXPECT_FALSE(a.allowed());
  EXPECT_NE(a.ToString().find("not in any set"), std::string::npos) << a.ToString();
  a = Ask("mmap", {"ARG2=PROT_READ|PROT_EXEC", "ARG3=MAP_PRIVATE|MAP_ANONYMOUS"});
  EXPECT_FALSE(a.allowed());
  EXPECT_NE(a.ToString().find("deny_exec_mappings"), std::string::npos) << a.ToString();
  EXPECT_TRUE(Ask("tgkill", {"ARG0=self_pid"}).allowed());
  EXPECT_FALSE(Ask("tgkill", {"ARG0=1"}).allowed());
  EXPECT_FALSE(Ask("x32:getpid", {}).allowed());
  EXPECT_FALSE(Ask("20", {}, "i386").allowed());
  EXPECT_GT(Ask("getpid", {}).verdict.insns_executed, 0u);
}

}  // namespace
}  // namespace hg::policy
