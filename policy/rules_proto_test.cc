// policy.pb keeps the source rules; reading them back must give the same
// program, or `query` would explain a different filter from the one installed.
#include "policy/rules_proto.h"

#include <gtest/gtest.h>

#include "policy/testing/fake_extensions.h"
#include "policy/testing/test_util.h"
#include "seccomp/compiler.h"

namespace hg::policy {
namespace {

TEST(RulesProtoTest, RoundTripRecompilesToTheSameProgram) {
  const std::string cache =
      R"({"destination":"/cache","type":"bind","source":"/srv/cache","options":["rbind"]})";
  const std::string hint =
      R"("dev.gvisor.spec.mount.cache.source":"/srv/cache","dev.gvisor.spec.mount.cache.type":"bind",)"
      R"("dev.gvisor.spec.mount.cache.share":"shared","dev.gvisor.spec.mount.cache.directfs":"off")";
  RuntimeFlagArgs f;
  f.host_uds = {"all"};
  f.directfs = {"false"};
  ErrorOr<CompiledPolicy> p = testing::CompileJson(testing::SpecJson(cache, hint), f, {testing::FakeCache()});
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ErrorOr<PolicyRules> back = RulesFromProto(p->policy.seccomp());
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->allow.Describe(), p->rules.Describe());
  EXPECT_EQ(seccomp::DescribeDenyRules(back->deny), seccomp::DescribeDenyRules(p->deny));
  seccomp::ErrorOr<seccomp::CompiledFilter> again =
      seccomp::Compile(back->allow, back->deny, {.arch = back->arch, .mode = back->mode});
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_TRUE(again->program == p->filter.program);
  EXPECT_EQ(again->pfc, p->filter.pfc);
}

TEST(RulesProtoTest, RejectsWhatRulesToProtoCannotWrite) {
  ErrorOr<CompiledPolicy> p = testing::CompileJson(testing::SpecJson());
  ASSERT_TRUE(p.ok());
  auto expect_bad = [&](auto mutate, const char* needle) {
    pb::Seccomp s = p->policy.seccomp();
    mutate(&s);
    ErrorOr<PolicyRules> r = RulesFromProto(s);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  expect_bad([](pb::Seccomp* s) { s->set_arch("sparc"); }, "unknown arch");
  expect_bad([](pb::Seccomp* s) { s->set_mode("lenient"); }, "unknown mode");
  auto first_cond = [](pb::Seccomp* s) -> pb::ArgCond* {
    for (pb::SyscallRule& r : *s->mutable_syscall()) {
      for (pb::Alternative& a : *r.mutable_alternative()) {
        if (a.cond_size() > 0) return a.mutable_cond(0);
      }
    }
    return nullptr;
  };
  expect_bad([&](pb::Seccomp* s) { first_cond(s)->set_kind("fuzzy"); }, "unknown condition kind");
  expect_bad([&](pb::Seccomp* s) { first_cond(s)->set_arg(9); }, "out of range");
  expect_bad([&](pb::Seccomp* s) { first_cond(s)->set_placeholder("other_pid"); }, "unknown placeholder");
  expect_bad([&](pb::Seccomp* s) {
    pb::ArgCond* c = first_cond(s);
    c->set_kind("masked_eq");
    c->set_mask(0xf);
    c->set_value(0xff);
  }, "invalid rule");
  expect_bad([](pb::Seccomp* s) { s->mutable_deny(0)->mutable_cond()->set_mask(3); }, "deny");
}

}  // namespace
}  // namespace hg::policy
