#include "oci/flag_annotations.h"

#include <gtest/gtest.h>

namespace hg::oci {
namespace {

const std::string F = "dev.gvisor.flag.";
const std::string B = "dev.gvisor.bundle.";

TEST(FlagAnnotationsTest, NoAnnotationsChangeNothing) {
  RuntimeFlags f;
  auto d = ApplyFlagAnnotations({{"io.kubernetes.cri.container-type", "sandbox"}}, &f);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->empty());
  EXPECT_EQ(f.overlay2.ToString(), "root:self");
  EXPECT_EQ(f.host_uds, HostUds::kNone);
}

TEST(FlagAnnotationsTest, TenantMaySetHostUdsWithoutOperatorConsent) {
  RuntimeFlags f;
  auto d = ApplyFlagAnnotations({{F + "host-uds", "all"}}, &f);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(f.host_uds, HostUds::kAll);
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].kind, Diagnostic::Kind::kFlagAnnotation);
  EXPECT_EQ((*d)[0].key, F + "host-uds");
  EXPECT_EQ((*d)[0].reason,
            "annotation overrides --host-uds=none with --host-uds=all (on runsc's override allowlist: "
            "no operator consent needed)");
  RuntimeFlags g;
  auto bad = ApplyFlagAnnotations({{F + "host-uds", "everything"}}, &g);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, Error::Kind::kFlagAnnotation);
  EXPECT_EQ(bad.error().message.rfind("error setting flag host-uds=\"everything\": invalid host UDS type \"everything\"", 0), 0u)
      << bad.error().message;
}

TEST(FlagAnnotationsTest, Overlay2AnnotationIsCheckedAndStateful) {
  RuntimeFlags f;
  ASSERT_TRUE(f.overlay2.Set("all:memory").ok());  // command line
  auto d = ApplyFlagAnnotations({{F + "overlay2", "root:self"}}, &f);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(f.overlay2.ToString(), "all:self");  // sub-mounts kept, as runsc's flag value does

  RuntimeFlags g;
  auto dir = ApplyFlagAnnotations({{F + "overlay2", "all:dir=/tmp"}}, &g);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().message.rfind("error setting flag overlay2=\"all:dir=/tmp\": \"all:dir=/tmp\" overlay medium "
                                      "requires flag \"allow-flag-override\" to be enabled",
                                      0),
            0u)
      << dir.error().message;
  auto malformed = ApplyFlagAnnotations({{F + "overlay2", "all"}}, &g);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("invalid overlay2 annotation: expected format"), std::string::npos);

  RuntimeFlags h;
  h.allow_flag_override = true;
  auto allowed = ApplyFlagAnnotations({{F + "overlay2", "all:dir=/tmp"}}, &h);
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(h.overlay2.ToString(), "all:dir=/tmp");
}

TEST(FlagAnnotationsTest, NonAllowlistedFlagsNeedAllowFlagOverride) {
  RuntimeFlags f;
  auto d = ApplyFlagAnnotations({{F + "directfs", "false"}}, &f);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().subject, F + "directfs");
  EXPECT_EQ(d.error().message.rfind("error setting flag directfs=\"false\": flag override disabled, use "
                                    "--allow-flag-override to enable it",
                                    0),
            0u)
      << d.error().message;

  RuntimeFlags g;
  g.allow_flag_override = true;
  auto ok = ApplyFlagAnnotations({{F + "directfs", "false"}, {F + "host-fifo", "open"}, {F + "platform", "kvm"}}, &g);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_FALSE(g.directfs);
  EXPECT_EQ(g.host_fifo, HostFifo::kOpen);
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ((*ok)[2].kind, Diagnostic::Kind::kIgnoredFlagAnnotation);  // platform: no gofer effect
  auto bad_bool = ApplyFlagAnnotations({{F + "directfs", "nope"}}, &g);
  ASSERT_FALSE(bad_bool.ok());
  EXPECT_NE(bad_bool.error().message.find("strconv.ParseBool: parsing \"nope\": invalid syntax"), std::string::npos);
}

TEST(FlagAnnotationsTest, UnmodelledAllowlistedFlagsAreReported) {
  RuntimeFlags f;
  auto d = ApplyFlagAnnotations({{F + "debug", "true"}, {F + "strace", "true"}}, &f);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].kind, Diagnostic::Kind::kIgnoredFlagAnnotation);
  EXPECT_EQ((*d)[0].key, F + "debug");
  auto seccomp_off = ApplyFlagAnnotations({{F + "oci-seccomp", "false"}}, &f);
  ASSERT_FALSE(seccomp_off.ok());
  EXPECT_NE(seccomp_off.error().message.find("disabling \"oci-seccomp\" requires flag"), std::string::npos);
}

TEST(FlagAnnotationsTest, HighPerformanceBundleForcesDirectfsAndOverlay) {
  RuntimeFlags f;
  f.directfs = false;  // the operator said no directfs...
  ASSERT_TRUE(f.overlay2.Set("none").ok());
  auto d = ApplyFlagAnnotations({{B + "experimental-high-performance", "true"}}, &f);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(f.directfs);  // ...and the tenant's bundle annotation turned it on, as in runsc.
  EXPECT_EQ(f.overlay2.ToString(), "root:self");
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ((*d)[0].reason,
            "bundle \"experimental-high-performance\" overrides --directfs=false with --directfs=true "
            "(bundles take precedence over command-line flags)");
  EXPECT_EQ((*d)[2].kind, Diagnostic::Kind::kIgnoredFlagAnnotation);  // platform

  // A flag annotation is applied after bundles and wins over them.
  RuntimeFlags g;
  auto both = ApplyFlagAnnotations({{B + "experimental-high-performance", "true"}, {F + "overlay2", "none"}}, &g);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(g.overlay2.ToString(), "none");

  // Flags already at the bundle's value are not touched (no diagnostic).
  RuntimeFlags h;
  auto same = ApplyFlagAnnotations({{B + "experimental-high-performance", "true"}}, &h);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->size(), 1u);  // only platform
}

TEST(FlagAnnotationsTest, BundleAnnotationErrorsAndUnknownBundles) {
  RuntimeFlags f;
  auto bad = ApplyFlagAnnotations({{B + "experimental-high-performance", "yes"}}, &f);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("invalid value \"yes\" for annotation \"" + B +
                                          "experimental-high-performance\" (must be set to 'true' or removed entirely)",
                                      0),
            0u);
  auto unknown = ApplyFlagAnnotations({{B + "turbo", "true"}}, &f);
  ASSERT_TRUE(unknown.ok());
  ASSERT_EQ(unknown->size(), 1u);
  EXPECT_NE((*unknown)[0].reason.find("does not exist; this bundle may have been deprecated. Skipping."),
            std::string::npos);
}

TEST(FlagAnnotationsTest, ResultIsValidated) {
  RuntimeFlags f;
  f.allow_flag_override = true;
  auto d = ApplyFlagAnnotations({{F + "file-access", "shared"}}, &f);  // with default overlay root:self
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message.rfind("overlay flag is incompatible with shared file access for rootfs", 0), 0u);
}

}  // namespace
}  // namespace hg::oci
