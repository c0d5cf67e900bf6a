// The rule model: normalisation, merge semantics, sticky errors.
#include "seccomp/rule.h"

#include <gtest/gtest.h>

#include "seccomp/placeholder.h"

namespace hg::seccomp {
namespace {

Reason R(const std::string& source) { return Reason{"what", "why", source}; }

TEST(ArgCondTest, MatchesUseTheFull64BitValue) {
  ArgCond eq = ArgCond::Eq(1, 3);
  EXPECT_TRUE(eq.Matches(3, nullptr));
  EXPECT_FALSE(eq.Matches(0x100000003ull, nullptr));  // garbage in the upper half
  ArgCond fd = ArgCond::NonNegFd(0);
  EXPECT_TRUE(fd.Matches(0, nullptr));
  EXPECT_TRUE(fd.Matches(0x7fffffff, nullptr));
  EXPECT_FALSE(fd.Matches(0x80000000, nullptr));
  EXPECT_FALSE(fd.Matches(0xffffffffffffff9cull, nullptr));  // AT_FDCWD sign-extended
  EXPECT_FALSE(fd.Matches(0x100000000ull, nullptr));
  ArgCond flags = ArgCond::FlagsSet(2, 0x1000);
  EXPECT_TRUE(flags.Matches(0x1100, nullptr));
  EXPECT_FALSE(flags.Matches(0x0100, nullptr));
  ArgCond masked = ArgCond::MaskedEq(3, 0xff, 0x22);
  EXPECT_TRUE(masked.Matches(0xabc22, nullptr));
  EXPECT_FALSE(masked.Matches(0x23, nullptr));
}

TEST(ArgCondTest, PlaceholderResolvesToBindingOrSentinel) {
  ArgCond c = ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid));
  Bindings b;
  b.Set(Placeholder::kSelfPid, 4242);
  EXPECT_TRUE(c.Matches(4242, &b));
  EXPECT_FALSE(c.Matches(4243, &b));
  EXPECT_FALSE(c.Matches(4242, nullptr));
  EXPECT_TRUE(c.Matches(SentinelValue(Placeholder::kSelfPid), nullptr));
  EXPECT_EQ(c.ToString(), "arg0 == <self_pid>");
}

TEST(ArgCondTest, ToStringIsReadable) {
  EXPECT_EQ(ArgCond::Eq(1, 0).ToString(), "arg1 == 0");
  EXPECT_EQ(ArgCond::Eq(1, 0x406).ToString(), "arg1 == 0x406");
  EXPECT_EQ(ArgCond::MaskedEq(2, 0x4, 0).ToString(), "arg2 & 0x4 == 0");
  EXPECT_EQ(ArgCond::NonNegFd(0).ToString(), "arg0 is a non-negative fd");
  EXPECT_EQ(ArgCond::FlagsSet(2, 0x1000).ToString(), "arg2 has 0x1000 set");
}

TEST(ArgCondTest, FromPartsRoundTrips) {
  for (const ArgCond& c : {ArgCond::Eq(1, 3), ArgCond::MaskedEq(2, 0xf0, 0x10),
                           ArgCond::NonNegFd(0), ArgCond::FlagsSet(2, 0x1000), ArgCond::Any(5),
                           ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid))}) {
    EXPECT_EQ(ArgCond::FromParts(c.arg(), c.kind(), c.mask(), c.value()), c) << c.ToString();
  }
}

TEST(NormalizeTest, DropsAnySortsAndCombines) {
  ErrorOr<std::vector<ArgCond>> n =
      NormalizeConditions({ArgCond::Eq(3, 7), ArgCond::Any(1), ArgCond::MaskedEq(0, 0xf0, 0x10),
                           ArgCond::MaskedEq(0, 0x0f, 0x02)});
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->size(), 2u);
  EXPECT_EQ((*n)[0], ArgCond::MaskedEq(0, 0xff, 0x12));
  EXPECT_EQ((*n)[1], ArgCond::Eq(3, 7));
}

TEST(NormalizeTest, CombinedMasksCoveringAllBitsBecomeEquality) {
  ErrorOr<std::vector<ArgCond>> n = NormalizeConditions(
      {ArgCond::MaskedEq(0, 0xFFFFFFFF00000000ull, 0), ArgCond::MaskedEq(0, 0xFFFFFFFF, 5)});
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ((*n)[0], ArgCond::Eq(0, 5));
}

TEST(NormalizeTest, RejectsContradictionsAndBadInput) {
  EXPECT_EQ(NormalizeConditions({ArgCond::Eq(1, 3), ArgCond::Eq(1, 4)}).error().code(),
            ErrorCode::kInvalidRule);
  EXPECT_EQ(NormalizeConditions({ArgCond::Eq(6, 0)}).error().code(), ErrorCode::kInvalidRule);
  EXPECT_EQ(NormalizeConditions({ArgCond::Eq(-1, 0)}).error().code(), ErrorCode::kInvalidRule);
  EXPECT_EQ(NormalizeConditions({ArgCond::MaskedEq(0, 0x1, 0x3)}).error().code(),
            ErrorCode::kInvalidRule);
  EXPECT_EQ(
      NormalizeConditions({ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid)), ArgCond::Eq(0, 5)})
          .error()
          .code(),
      ErrorCode::kInvalidRule);
  // The same placeholder condition twice is fine.
  EXPECT_TRUE(NormalizeConditions({ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid)),
                                   ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid))})
                  .ok());
}

TEST(RuleSetTest, AllowAccumulatesAlternativesInOrder) {
  RuleSet s("a");
  s.Allow("fcntl", {ArgCond::Eq(1, 3)}, R("a"));
  s.Allow("fcntl", {ArgCond::Eq(1, 4)}, R("a"));
  s.AllowAny("close", R("a"));
  ASSERT_TRUE(s.status().ok());
  ASSERT_EQ(s.size(), 2u);
  const SyscallRule* fcntl = s.Find("fcntl");
  ASSERT_NE(fcntl, nullptr);
  ASSERT_EQ(fcntl->allow.size(), 2u);
  EXPECT_EQ(fcntl->allow[0].conds[0], ArgCond::Eq(1, 3));
  EXPECT_EQ(fcntl->allow[1].conds[0], ArgCond::Eq(1, 4));
  EXPECT_FALSE(fcntl->AllowsUnconditionally());
  EXPECT_TRUE(s.Find("close")->AllowsUnconditionally());
  EXPECT_EQ(s.Find("openat"), nullptr);
}

TEST(RuleSetTest, MergeIsOrAndOnlyWidens) {
  RuleSet a("a");
  a.Allow("fcntl", {ArgCond::Eq(1, 3)}, R("a"));
  RuleSet b("b");
  b.Allow("fcntl", {ArgCond::Eq(1, 4)}, R("b"));
  b.AllowAny("close", R("b"));
  RuleSet m("m");
  m.Merge(a).Merge(b);
  ASSERT_TRUE(m.status().ok());
  SyscallArgs args{};
  args[1] = 3;
  auto allowed = [&](const RuleSet& s, const std::string& name, const SyscallArgs& x) {
    const SyscallRule* r = s.Find(name);
    if (r == nullptr) return false;
    for (const Alternative& alt : r->allow) {
      if (alt.Matches(x, nullptr)) return true;
    }
    return false;
  };
  // Everything either set allows, the merge allows.
  EXPECT_TRUE(allowed(m, "fcntl", args));
  args[1] = 4;
  EXPECT_TRUE(allowed(m, "fcntl", args));
  EXPECT_TRUE(allowed(m, "close", args));
  args[1] = 5;
  EXPECT_FALSE(allowed(m, "fcntl", args));
  // Merging more never removes anything.
  RuleSet m2("m");
  m2.Merge(m).Merge(RuleSet("empty"));
  EXPECT_EQ(m2.Describe(), m.Describe());
}

TEST(RuleSetTest, MergeTwiceIsANoOp) {
  RuleSet a("a");
  a.Allow("fcntl", {ArgCond::Eq(1, 3)}, R("a"));
  a.FailWith("clone3", 38, R("a"));
  RuleSet m("m");
  m.Merge(a);
  const std::string once = m.Describe();
  m.Merge(a);
  EXPECT_EQ(m.Describe(), once);
}

TEST(RuleSetTest, MergeViaRecordsWhyTheSetWasIncluded) {
  RuleSet a("lisafs");
  a.AllowAny("mkdirat", R("lisafs"));
  RuleSet m("m");
  m.Merge(a, "mount /data: dev.gvisor.spec.mount.data.directfs=off");
  EXPECT_EQ(m.Find("mkdirat")->allow[0].reason.source,
            "lisafs via mount /data: dev.gvisor.spec.mount.data.directfs=off");
  // The same rule from two mounts keeps both reasons.
  m.Merge(a, "mount /cache: directfs off");
  EXPECT_EQ(m.Find("mkdirat")->allow.size(), 2u);
}

TEST(RuleSetTest, FirstErrorSticksAndNamesTheSource) {
  RuleSet s("x");
  s.Allow("fcntl", {ArgCond::Eq(1, 3), ArgCond::Eq(1, 4)}, R("extension:bad"));
  s.Allow("read", {ArgCond::Eq(9, 0)}, R("extension:worse"));
  ASSERT_FALSE(s.status().ok());
  EXPECT_EQ(s.status().error().code(), ErrorCode::kInvalidRule);
  EXPECT_NE(s.status().error().message().find("fcntl"), std::string::npos);
  EXPECT_NE(s.status().error().message().find("extension:bad"), std::string::npos);
  // A merge inherits the error.
  RuleSet m("m");
  m.Merge(s);
  EXPECT_FALSE(m.status().ok());
}

TEST(RuleSetTest, ConflictingErrnoFallbacksAreAnError) {
  RuleSet s("x");
  s.FailWith("clone3", 38, R("runtime"));
  s.FailWith("clone3", 38, R("other"));
  EXPECT_TRUE(s.status().ok());
  s.FailWith("clone3", 1, R("extension:e"));
  ASSERT_FALSE(s.status().ok());
  EXPECT_NE(s.status().error().message().find("extension:e"), std::string::npos);
  RuleSet bad("y");
  bad.FailWith("clone3", 0, R("z"));
  EXPECT_FALSE(bad.status().ok());
}

TEST(DenyRulesTest, OnlySingleBitConditions) {
  EXPECT_TRUE(ValidateDenyRules({{"mmap", ArgCond::FlagsSet(2, 4), R("d")}}).ok());
  EXPECT_TRUE(ValidateDenyRules({{"mmap", ArgCond::MaskedEq(2, 4, 0), R("d")}}).ok());
  EXPECT_FALSE(ValidateDenyRules({{"mmap", ArgCond::FlagsSet(2, 6), R("d")}}).ok());
  EXPECT_FALSE(ValidateDenyRules({{"mmap", ArgCond::Eq(2, 4), R("d")}}).ok());
  EXPECT_FALSE(ValidateDenyRules({{"", ArgCond::FlagsSet(2, 4), R("d")}}).ok());
}

TEST(RuleSetTest, DescribeIsOneLinePerAlternative) {
  RuleSet s("fsgofer");
  s.Allow("fcntl", {ArgCond::Eq(1, 3)}, Reason{"fcntl(fd, F_GETFL)", "flags", "fsgofer"});
  s.FailWith("clone3", 38, Reason{"clone3", "no", "runtime"});
  EXPECT_EQ(s.Describe(),
            "# set fsgofer: 2 syscalls\n"
            "clone3: otherwise errno 38 | clone3 | no | runtime\n"
            "fcntl: arg1 == 0x3 | fcntl(fd, F_GETFL) | flags | fsgofer\n");
}

}  // namespace
}  // namespace hg::seccomp
