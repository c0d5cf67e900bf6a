// gofer/server/extension.h: the registry and the configuration helpers every
// extension uses (mount names, selection, option precedence and refusals).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "gofer/server/connection_impl.h"
#include "gofer/server/extension.h"

namespace hg::server {
namespace {

class Named final : public Extension {
 public:
  explicit Named(std::string n) : n_(std::move(n)) {}
  std::string_view Name() const override { return n_; }
  std::string_view Version() const override { return "1"; }
  bool Claims(const oci::Spec& s, const oci::Mount* m) const override {
    return SelectedExtension(s, m) == n_;
  }
  bool CanDonateHostFds() const override { return true; }
  seccomp::RuleSet SeccompRules() const override { return seccomp::RuleSet("x"); }
  Result<std::optional<HandledMount>> TryHandleMount(const MountRequest&) override {
    return std::optional<HandledMount>();
  }

 private:
  std::string n_;
};

TEST(ExtensionRegistryTest, NamesAreCheckedAndOrderIsKept) {
  ExtensionRegistry reg;
  EXPECT_TRUE(reg.empty());
  EXPECT_TRUE(reg.Register(std::make_unique<Named>("b_2")).ok());
  EXPECT_TRUE(reg.Register(std::make_unique<Named>("a")).ok());
  EXPECT_EQ(reg.Register(std::make_unique<Named>("a")).error().value(), EEXIST);
  EXPECT_EQ(reg.Register(std::make_unique<Named>("Bad")).error().value(), EINVAL);
  EXPECT_EQ(reg.Register(std::make_unique<Named>("")).error().value(), EINVAL);
  EXPECT_EQ(reg.Register(nullptr).error().value(), EINVAL);
  ASSERT_EQ(reg.extensions().size(), 2u);
  EXPECT_EQ(reg.extensions()[0]->Name(), "b_2");
  EXPECT_NE(reg.Find("a"), nullptr);
  EXPECT_EQ(reg.Find("c"), nullptr);
}

oci::Spec TwoMounts() {
  oci::Spec s;
  s.mounts.resize(2);
  s.mounts[0].destination = "/data";
  s.mounts[0].source = "/srv/data";
  s.mounts[1].destination = "/logs";
  s.mounts[1].source = "/srv/logs";
  s.annotations["dev.gvisor.spec.mount.data.source"] = "/srv/data";
  return s;
}

TEST(ExtensionConfigTest, MountNamesComeFromGvisorHints) {
  oci::Spec s = TwoMounts();
  EXPECT_EQ(MountHintName(s, nullptr), "rootfs");
  EXPECT_EQ(MountHintName(s, &s.mounts[0]), "data");
  EXPECT_EQ(MountHintName(s, &s.mounts[1]), "");
  // Without a name, a mount cannot be selected.
  s.annotations["dev.hardgofer.mount..extension"] = "x";
  EXPECT_EQ(SelectedExtension(s, &s.mounts[1]), "");
  s.annotations["dev.hardgofer.mount.data.extension"] = "x";
  EXPECT_EQ(SelectedExtension(s, &s.mounts[0]), "x");
  EXPECT_EQ(SelectedExtension(s, nullptr), "");
  s.annotations["dev.hardgofer.rootfs.extension"] = "y";
  EXPECT_EQ(SelectedExtension(s, nullptr), "y");
}

constexpr OptionSpec kSchema[] = {{"size", false}, {"path", true}};

TEST(ExtensionConfigTest, OperatorThenPerMountThenSandboxWide) {
  oci::Spec s = TwoMounts();
  s.annotations["dev.hardgofer.extension.x.size"] = "1";
  std::string why;
  auto o = ResolveOptions("x", kSchema, {}, s, &s.mounts[0], &why);
  ASSERT_TRUE(o.ok()) << why;
  EXPECT_EQ(o->at("size"), "1");
  s.annotations["dev.hardgofer.mount.data.size"] = "2";
  s.annotations["dev.hardgofer.mount.data.extension"] = "x";  // not an option
  o = ResolveOptions("x", kSchema, {}, s, &s.mounts[0], &why);
  ASSERT_TRUE(o.ok()) << why;
  EXPECT_EQ(o->at("size"), "2");
  EXPECT_EQ(o->count("extension"), 0u);
  o = ResolveOptions("x", kSchema, {{"size", "3"}, {"path", "/p"}}, s, &s.mounts[0], &why);
  ASSERT_TRUE(o.ok()) << why;
  EXPECT_EQ(o->at("size"), "3");
  EXPECT_EQ(o->at("path"), "/p");
  // Another mount sees only the sandbox-wide value.
  o = ResolveOptions("x", kSchema, {}, s, &s.mounts[1], &why);
  ASSERT_TRUE(o.ok()) << why;
  EXPECT_EQ(o->at("size"), "1");
}

TEST(ExtensionConfigTest, UnknownKeysAndTenantHostPathsAreRefusedByName) {
  oci::Spec s = TwoMounts();
  std::string why;
  auto o = ResolveOptions("x", kSchema, {{"colour", "red"}}, s, nullptr, &why);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().value(), EINVAL);
  EXPECT_NE(why.find("'colour' (operator option)"), std::string::npos) << why;
  s.annotations["dev.hardgofer.rootfs.colour"] = "red";
  o = ResolveOptions("x", kSchema, {}, s, nullptr, &why);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(why.find("annotation 'dev.hardgofer.rootfs.colour'"), std::string::npos) << why;
  s.annotations.erase("dev.hardgofer.rootfs.colour");
  s.annotations["dev.hardgofer.extension.x.path"] = "/etc/shadow";
  o = ResolveOptions("x", kSchema, {{"path", "/ok"}}, s, nullptr, &why);
  ASSERT_FALSE(o.ok()) << "refused even when the operator set it too";
  EXPECT_EQ(o.error().value(), EPERM);
  EXPECT_NE(why.find("dev.hardgofer.extension.x.path"), std::string::npos) << why;
  // Other extensions' sandbox-wide keys are not ours to judge.
  s.annotations.erase("dev.hardgofer.extension.x.path");
  s.annotations["dev.hardgofer.extension.other.whatever"] = "1";
  EXPECT_TRUE(ResolveOptions("x", kSchema, {}, s, nullptr, &why).ok()) << why;
}

}  // namespace
}  // namespace hg::server
