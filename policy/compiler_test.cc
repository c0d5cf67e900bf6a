// The compiler's decisions, one rule per test: mounts, directfs and the LisaFS
// set, extensions, host sockets and capabilities, the operator policy, bad
// input, determinism and the digest.
#include "policy/compiler.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <string>

#include "policy/digest.h"
#include "policy/output_dir.h"
#include "policy/testing/fake_extensions.h"
#include "policy/testing/test_util.h"
#include "seccomp/interpreter.h"

namespace hg::policy {
namespace {

using testing::CompileJson;
using testing::FakeCache;
using testing::FakeCrypt;
using testing::FindMount;
using testing::FindSet;
using testing::SpecJson;

const char kData[] =
    R"({"destination":"/data","type":"bind","source":"/srv/data","options":["rbind","rw"]})";
const char kConfig[] =
    R"({"destination":"/etc/app","type":"bind","source":"/srv/config","options":["rbind","ro"]})";
const char kCache[] =
    R"({"destination":"/cache","type":"bind","source":"/srv/cache","options":["rbind"]})";
const char kDataOff[] =
    R"("dev.gvisor.spec.mount.data.source":"/srv/data","dev.gvisor.spec.mount.data.type":"bind",)"
    R"("dev.gvisor.spec.mount.data.share":"shared","dev.gvisor.spec.mount.data.directfs":"off")";
const char kCacheOff[] =
    R"("dev.gvisor.spec.mount.cache.source":"/srv/cache","dev.gvisor.spec.mount.cache.type":"bind",)"
    R"("dev.gvisor.spec.mount.cache.share":"shared","dev.gvisor.spec.mount.cache.directfs":"off")";

std::string Binds() { return std::string(kData) + "," + kConfig; }

bool Allowed(const CompiledPolicy& p, const char* name, seccomp::SyscallArgs args = {}) {
  seccomp::ErrorOr<int> nr = seccomp::SyscallNumber(seccomp::Arch::kX86_64, name);
  EXPECT_TRUE(nr.ok()) << name;
  return seccomp::Interpret(p.filter.program, seccomp::SeccompData::For(seccomp::Arch::kX86_64, *nr, args))
      .allowed();
}

std::string Sources(const google::protobuf::RepeatedPtrField<pb::Reason>& rs) {
  std::string s;
  for (const pb::Reason& r : rs) s += r.source() + "\n";
  return s;
}

TEST(CompilerTest, DefaultSpecServesOnlyTheRootfsWithDirectfs) {
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson("", "", /*readonly_root=*/true));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ASSERT_EQ(p->policy.mount_size(), 3);
  const pb::Mount& root = p->policy.mount(0);
  EXPECT_EQ(root.path(), "/");
  EXPECT_EQ(root.backend(), pb::Mount::FSGOFER);
  EXPECT_TRUE(root.read_only());
  EXPECT_TRUE(root.directfs());
  EXPECT_EQ(root.gofer_mount_conf(), "lisafs:none");  // read-only root: no overlay
  EXPECT_EQ(p->policy.mount(1).backend(), pb::Mount::NOT_SERVED);  // /proc
  EXPECT_EQ(p->policy.served_mounts(), 1u);
  EXPECT_FALSE(FindSet(p->policy, "lisafs")->included());
  EXPECT_FALSE(Allowed(*p, "mkdirat"));
  EXPECT_TRUE(Allowed(*p, "openat"));
  EXPECT_EQ(p->policy.capability_size(), 6);
  EXPECT_EQ(p->policy.seccomp().mode(), "enforce");
  EXPECT_EQ(p->policy.seccomp().violation_action(), "KILL_PROCESS");
}

TEST(CompilerTest, OneMountWithDirectfsOffAddsLisafsWithThatMountAsReason) {
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds(), kDataOff));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const pb::Mount* data = FindMount(p->policy, "/data");
  ASSERT_NE(data, nullptr);
  EXPECT_FALSE(data->directfs());
  EXPECT_NE(Sources(data->directfs_reason()).find("dev.gvisor.spec.mount.data.directfs=off"),
            std::string::npos);
  EXPECT_TRUE(FindMount(p->policy, "/etc/app")->directfs());
  // Only a directfs mount gets the mount point's host FD.
  EXPECT_FALSE(data->donate_mount_fd());
  EXPECT_TRUE(FindMount(p->policy, "/etc/app")->donate_mount_fd());
  const pb::SetUse* lisafs = FindSet(p->policy, "lisafs");
  ASSERT_TRUE(lisafs->included());
  ASSERT_EQ(lisafs->reason_size(), 1);
  EXPECT_EQ(lisafs->reason(0).source(), "mount /data: dev.gvisor.spec.mount.data.directfs=off");
  EXPECT_TRUE(Allowed(*p, "mkdirat"));
  // Every LisaFS rule names the mount.
  for (const pb::SyscallRule& r : p->policy.seccomp().syscall()) {
    if (r.name() != "mkdirat") continue;
    ASSERT_EQ(r.alternative_size(), 1);
    EXPECT_EQ(r.alternative(0).source(), "lisafs via mount /data: dev.gvisor.spec.mount.data.directfs=off");
  }
}

TEST(CompilerTest, GlobalDirectfsOffAddsLisafsAndTurnsEveryMountOff) {
  RuntimeFlagArgs f;
  f.directfs = {"false"};
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds()), f);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  for (const pb::Mount& m : p->policy.mount()) EXPECT_FALSE(m.directfs()) << m.path();
  const pb::SetUse* lisafs = FindSet(p->policy, "lisafs");
  ASSERT_TRUE(lisafs->included());
  EXPECT_EQ(lisafs->reason(0).source(), "--directfs=false");
}

TEST(CompilerTest, HintCannotTurnDirectfsOnWhenTheFlagIsOff) {
  RuntimeFlagArgs f;
  f.directfs = {"false"};
  const std::string hint =
      R"("dev.gvisor.spec.mount.data.source":"/srv/data","dev.gvisor.spec.mount.data.type":"bind",)"
      R"("dev.gvisor.spec.mount.data.share":"shared","dev.gvisor.spec.mount.data.directfs":"default")";
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds(), hint), f);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_FALSE(FindMount(p->policy, "/data")->directfs());
}

TEST(CompilerTest, RootfsHintDirectfsOffAddsLisafs) {
  const std::string hint =
      R"("dev.gvisor.spec.rootfs.source":"/srv/root.img","dev.gvisor.spec.rootfs.type":"bind",)"
      R"("dev.gvisor.spec.rootfs.directfs":"off")";
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds(), hint));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_FALSE(p->policy.mount(0).directfs());
  EXPECT_EQ(FindSet(p->policy, "lisafs")->reason(0).source(),
            "mount /: dev.gvisor.spec.rootfs.directfs=off");
}

TEST(CompilerTest, IgnoredAndDroppedHintsAreDiagnosticsAndDoNothing) {
  // "of" is not a directfs value (runsc logs and ignores it); the logs hint
  // lacks share (runsc drops it).
  const std::string hints =
      R"("dev.gvisor.spec.mount.data.source":"/srv/data","dev.gvisor.spec.mount.data.type":"bind",)"
      R"("dev.gvisor.spec.mount.data.share":"shared","dev.gvisor.spec.mount.data.directfs":"of",)"
      R"("dev.gvisor.spec.mount.logs.source":"/srv/logs","dev.gvisor.spec.mount.logs.type":"bind",)"
      R"("dev.gvisor.spec.mount.logs.directfs":"off")";
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds(), hints));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_TRUE(FindMount(p->policy, "/data")->directfs());
  EXPECT_FALSE(FindSet(p->policy, "lisafs")->included());
  std::string kinds;
  for (const pb::Diagnostic& d : p->policy.diagnostic()) kinds += d.kind() + " " + d.key() + "\n";
  EXPECT_NE(kinds.find("ignored-hint-field dev.gvisor.spec.mount.data.directfs"), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("dropped-hint"), std::string::npos) << kinds;
}

TEST(CompilerTest, ExtensionThatCannotDonateWithDirectfsOnIsAnErrorWithTheFix) {
  // No hint at all: the fix spells out a complete pod hint.
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(std::string(kData) + "," + kCache), {}, {FakeCache()});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, Error::Kind::kExtension);
  EXPECT_EQ(p.error().key, "/cache");
  EXPECT_EQ(p.error().value, "fake_cache");
  EXPECT_NE(p.error().message.find("mount \"/cache\""), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("dev.gvisor.spec.mount.<NAME>.directfs: off"), std::string::npos)
      << p.error().message;

  // With an existing hint (directfs default), the fix names that hint.
  const std::string hint =
      R"("dev.gvisor.spec.mount.cache.source":"/srv/cache","dev.gvisor.spec.mount.cache.type":"bind",)"
      R"("dev.gvisor.spec.mount.cache.share":"shared")";
  p = CompileJson(SpecJson(kCache, hint), {}, {FakeCache()});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("dev.gvisor.spec.mount.cache.directfs: off"), std::string::npos)
      << p.error().message;
  EXPECT_EQ(p.error().file, "/bundle/config.json");
}

TEST(CompilerTest, ExtensionClaimingTheRootfsGetsTheRootfsHint) {
  ExtensionDescriptor e = FakeCache();
  e.claims = [](const oci::Spec&, const oci::Mount* m) { return m == nullptr; };
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(), {}, {e});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("dev.gvisor.spec.rootfs.directfs: off"), std::string::npos)
      << p.error().message;
  EXPECT_NE(p.error().message.find("(the rootfs)"), std::string::npos) << p.error().message;
}

TEST(CompilerTest, ExtensionServesItsMountAndItsRulesAreMergedWithItsName) {
  ErrorOr<CompiledPolicy> p =
      CompileJson(SpecJson(std::string(kData) + "," + kCache, kCacheOff), {}, {FakeCache(), FakeCrypt()});
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const pb::Mount* cache = FindMount(p->policy, "/cache");
  EXPECT_EQ(cache->backend(), pb::Mount::EXTENSION);
  EXPECT_EQ(cache->extension(), "fake_cache");
  EXPECT_FALSE(cache->directfs());
  // The only suppressed mount is extension-served: no LisaFS set for fsgofer.
  EXPECT_FALSE(FindSet(p->policy, "lisafs")->included());
  EXPECT_TRUE(FindSet(p->policy, "extension:fake_cache")->included());
  EXPECT_FALSE(FindSet(p->policy, "extension:fake_crypt")->included());
  EXPECT_TRUE(Allowed(*p, "copy_file_range"));
  EXPECT_TRUE(Allowed(*p, "fallocate", {3, 0, 0, 4096, 0, 0}));
  EXPECT_FALSE(Allowed(*p, "fallocate", {3, 1 /* KEEP_SIZE */, 0, 4096, 0, 0}));
  for (const pb::SyscallRule& r : p->policy.seccomp().syscall()) {
    if (r.name() == "copy_file_range") {
      EXPECT_EQ(r.alternative(0).source(), "extension:fake_cache");
    }
  }
  ASSERT_EQ(p->policy.extension_size(), 2);
  EXPECT_EQ(p->policy.extension(0).claimed_mount(0), "/cache");
  EXPECT_FALSE(p->policy.extension(1).rules_merged());
}

TEST(CompilerTest, FirstClaimingExtensionWins) {
  ExtensionDescriptor a = FakeCache();
  a.name = "first";
  a.can_donate_host_fds = true;
  ExtensionDescriptor b = FakeCache();
  b.name = "second";
  b.can_donate_host_fds = true;
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(kCache), {}, {a, b});
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(FindMount(p->policy, "/cache")->extension(), "first");
  EXPECT_FALSE(FindSet(p->policy, "extension:second")->included());
}

TEST(CompilerTest, UnknownSyscallInAnExtensionNamesBoth) {
  ExtensionDescriptor e = FakeCache();
  e.rules.AllowAny("fooat", {"fooat", "nothing", ""});
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(), {}, {e});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, Error::Kind::kExtension);
  EXPECT_EQ(p.error().value, "fooat");
  EXPECT_NE(p.error().message.find("\"fake_cache\""), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("\"fooat\""), std::string::npos) << p.error().message;
}

TEST(CompilerTest, BadExtensionDescriptorsAreRejected) {
  ExtensionDescriptor bad = FakeCache();
  bad.name = "Bad-Name";
  EXPECT_FALSE(CompileJson(SpecJson(), {}, {bad}).ok());
  EXPECT_FALSE(CompileJson(SpecJson(), {}, {FakeCache(), FakeCache()}).ok());
  ExtensionDescriptor nover = FakeCache();
  nover.version.clear();
  EXPECT_FALSE(CompileJson(SpecJson(), {}, {nover}).ok());
  ExtensionDescriptor noclaims = FakeCache();
  noclaims.claims = nullptr;
  EXPECT_FALSE(CompileJson(SpecJson(), {}, {noclaims}).ok());
}

TEST(CompilerTest, HostUdsFlagSelectsSetsAndCapabilities) {
  struct Case {
    const char* flag;
    bool common, open, create, setuid;
  } cases[] = {
      {"none", false, false, false, false},
      {"open", true, true, false, true},
      {"create", true, false, true, false},
      {"all", true, true, true, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flag);
    RuntimeFlagArgs f;
    f.host_uds = {c.flag};
    ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds()), f);
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    EXPECT_EQ(FindSet(p->policy, "host_uds_common")->included(), c.common);
    EXPECT_EQ(FindSet(p->policy, "host_uds_open")->included(), c.open);
    EXPECT_EQ(FindSet(p->policy, "host_uds_create")->included(), c.create);
    EXPECT_EQ(Allowed(*p, "connect"), c.open);
    EXPECT_EQ(Allowed(*p, "bind"), c.create);
    EXPECT_EQ(p->policy.capability_size(), c.setuid ? 8 : 6);
    EXPECT_EQ(FindMount(p->policy, "/data")->host_uds(), c.flag);
  }
}

TEST(CompilerTest, TenantAnnotationForHostUdsIsNarrowedByTheOperatorCeiling) {
  const std::string ann = R"("dev.gvisor.flag.host-uds":"all")";
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds(), ann), {}, {}, "host_sockets: OPEN\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->policy.effective_flags().host_uds(), "all");
  const pb::Mount* data = FindMount(p->policy, "/data");
  EXPECT_EQ(data->host_uds(), "open");
  const std::string src = Sources(data->host_uds_reason());
  EXPECT_NE(src.find("--host-uds=all (set by annotation dev.gvisor.flag.host-uds)"), std::string::npos) << src;
  EXPECT_NE(src.find("ops.textproto host_sockets: OPEN"), std::string::npos) << src;
  EXPECT_TRUE(FindSet(p->policy, "host_uds_open")->included());
  EXPECT_FALSE(FindSet(p->policy, "host_uds_create")->included());
  EXPECT_FALSE(Allowed(*p, "listen"));
  EXPECT_EQ(p->policy.capability_size(), 8);

  // A per-mount NONE on every served mount removes host sockets entirely.
  p = CompileJson(SpecJson(Binds(), ann), {}, {},
                  "mount { path: \"/\" host_sockets: NONE }\n"
                  "mount { path: \"/data\" host_sockets: NONE }\n"
                  "mount { path: \"/etc/app\" host_sockets: NONE }\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_FALSE(FindSet(p->policy, "host_uds_common")->included());
  EXPECT_FALSE(Allowed(*p, "socket", {1, 1, 0, 0, 0, 0}));
  EXPECT_EQ(p->policy.capability_size(), 6);
}

TEST(CompilerTest, OperatorReadOnlyTightensButNeverLoosens) {
  ErrorOr<CompiledPolicy> p =
      CompileJson(SpecJson(Binds()), {}, {}, "mount { path: \"/data\" read_only: true }\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const pb::Mount* data = FindMount(p->policy, "/data");
  EXPECT_TRUE(data->read_only());
  EXPECT_EQ(data->read_only_reason(0).source(), "ops.textproto mount[0].read_only: true");

  p = CompileJson(SpecJson(Binds()), {}, {}, "mount { path: \"/etc/app\" read_only: false }\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, Error::Kind::kOperatorPolicy);
  EXPECT_EQ(p.error().file, "ops.textproto");
  EXPECT_EQ(p.error().key, "mount[0].read_only");
  EXPECT_NE(p.error().message.find("never loosen"), std::string::npos) << p.error().message;
}

TEST(CompilerTest, OperatorPolicyMustNameServedMounts) {
  ErrorOr<CompiledPolicy> p =
      CompileJson(SpecJson(Binds()), {}, {}, "mount { path: \"/dat\" read_only: true }\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().key, "mount[0].path");
  EXPECT_EQ(p.error().value, "/dat");
  EXPECT_NE(p.error().message.find("served: /, /data, /etc/app"), std::string::npos) << p.error().message;
  p = CompileJson(SpecJson(Binds()), {}, {}, "path_deny { pattern: \"x\" mount: \"/proc\" }\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().key, "path_deny[0].mount[0]");
}

TEST(CompilerTest, OperatorSettingsReachEveryServedMount) {
  ErrorOr<CompiledPolicy> p = CompileJson(
      SpecJson(Binds()), {}, {},
      "max_file_size: 1000\n xattr_namespace: \"user\" xattr_namespace: \"security\"\n"
      "mount { path: \"/data\" max_file_size: 10 }\n"
      "path_deny { pattern: \"/secret.*\" mount: \"/data\" }\n"
      "path_deny { pattern: \".*\\\\.git(/.*)?\" reason: \"no git\" }\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const pb::Mount* data = FindMount(p->policy, "/data");
  const pb::Mount* app = FindMount(p->policy, "/etc/app");
  EXPECT_EQ(data->max_file_size(), 10u);
  EXPECT_EQ(app->max_file_size(), 1000u);
  ASSERT_EQ(data->xattr_namespace_size(), 2);
  EXPECT_EQ(data->xattr_namespace(0), "security.");
  EXPECT_EQ(data->xattr_namespace(1), "user.");
  EXPECT_EQ(data->path_rule_size(), 2);
  ASSERT_EQ(app->path_rule_size(), 1);
  EXPECT_EQ(app->path_rule(0).pattern(), ".*\\.git(/.*)?");
  EXPECT_EQ(app->path_rule(0).reason().why(), "no git");
  EXPECT_EQ(FindMount(p->policy, "/proc")->path_rule_size(), 0);
  bool loud = false;
  for (const std::string& l : p->policy.loosening()) loud = loud || l.find("security.*") != std::string::npos;
  EXPECT_TRUE(loud);
}

TEST(CompilerTest, ExtensionKeyFilesComeOnlyFromTheOperator) {
  const std::string secure =
      R"({"destination":"/secure","type":"bind","source":"/srv/secure","options":["rbind"]})";
  // Needs keys, serves a mount, none given.
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(secure), {}, {FakeCrypt()});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, Error::Kind::kOperatorPolicy);
  EXPECT_NE(p.error().message.find("needs key files"), std::string::npos) << p.error().message;
  // Given.
  p = CompileJson(SpecJson(secure), {}, {FakeCrypt()},
                  "extension { name: \"fake_crypt\" key_file: \"/etc/keys/a.key\" }\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->policy.extension(0).key_file(0), "/etc/keys/a.key");
  // For an extension nobody registered.
  p = CompileJson(SpecJson(secure), {}, {FakeCrypt()},
                  "extension { name: \"fake_crypt\" key_file: \"/k\" }\n"
                  "extension { name: \"ghost\" key_file: \"/k\" }\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().key, "extension[1].name");
  EXPECT_NE(p.error().message.find("registered: fake_crypt"), std::string::npos) << p.error().message;
  // For an extension that reads none.
  p = CompileJson(SpecJson(), {}, {FakeCache()}, "extension { name: \"fake_cache\" key_file: \"/k\" }\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().key, "extension[0].key_file[0]");
}

TEST(CompilerTest, BadSpecsAndHintsAreErrorsNamingFileKeyAndValue) {
  struct Case {
    const char* name;
    std::string spec;
    Error::Kind kind;
    const char* needle;
  } cases[] = {
      {"malformed json", "{\"ociVersion\": ", Error::Kind::kSpec, ""},
      {"wrong type", R"({"ociVersion":"1","process":{"args":["sh"],"cwd":"/"},"root":{"path":"r"},"mounts":[{"destination":5}]})",
       Error::Kind::kSpec, "mounts[0].destination"},
      {"no root", R"({"ociVersion":"1","process":{"args":["sh"],"cwd":"/"}})", Error::Kind::kSpec, "Root"},
      {"pod hint with dots", SpecJson("", R"("dev.gvisor.spec.mount.a.b.c":"x")"), Error::Kind::kHint,
       "dev.gvisor.spec.mount.a.b.c"},
      {"rootfs hint bad value", SpecJson("", R"("dev.gvisor.spec.rootfs.source":"/r","dev.gvisor.spec.rootfs.type":"bind","dev.gvisor.spec.rootfs.directfs":"of")"),
       Error::Kind::kHint, "dev.gvisor.spec.rootfs.directfs"},
      {"lone rootfs directfs", SpecJson("", R"("dev.gvisor.spec.rootfs.directfs":"off")"), Error::Kind::kHint,
       "rootfs"},
      {"conflicting hints",
       SpecJson(kData,
                R"("dev.gvisor.spec.mount.a.source":"/srv/data","dev.gvisor.spec.mount.a.type":"bind","dev.gvisor.spec.mount.a.share":"shared",)"
                R"("dev.gvisor.spec.mount.b.source":"/srv/data","dev.gvisor.spec.mount.b.type":"bind","dev.gvisor.spec.mount.b.share":"pod")"),
       Error::Kind::kHint, "same mount source"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ErrorOr<CompiledPolicy> p = CompileJson(c.spec);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().kind, c.kind) << p.error().ToString();
    EXPECT_EQ(p.error().file, "/bundle/config.json");
    EXPECT_NE(p.error().ToString().find(c.needle), std::string::npos) << p.error().ToString();
  }
}

TEST(CompilerTest, GoferMountConfsFlagWinsAndItsCountIsChecked) {
  RuntimeFlagArgs f;
  f.gofer_mount_confs = {"lisafs:none,none:memory,lisafs:none"};
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds()), f);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(FindMount(p->policy, "/data")->backend(), pb::Mount::NOT_SERVED);
  EXPECT_EQ(FindMount(p->policy, "/etc/app")->io_fd_index(), 1);
  EXPECT_FALSE(p->policy.mount(0).read_only());

  f.gofer_mount_confs = {"lisafs:none,lisafs:none"};
  p = CompileJson(SpecJson(Binds()), f);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, Error::Kind::kFlag);
  EXPECT_EQ(p.error().file, "command line");
  EXPECT_EQ(p.error().key, "--gofer-mount-confs");
  EXPECT_NE(p.error().message.find("lisafs:none,lisafs:none"), std::string::npos) << p.error().message;
}

TEST(CompilerTest, BadFlagValuesAreUsageErrorsNamingTheFlag) {
  RuntimeFlagArgs f;
  f.host_uds = {"sometimes"};
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(), f);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, Error::Kind::kUsage);
  EXPECT_EQ(p.error().key, "--host-uds");
  EXPECT_EQ(p.error().value, "sometimes");
  RuntimeFlagArgs g;
  g.directfs = {"yes"};
  EXPECT_EQ(CompileJson(SpecJson(), g).error().key, "--directfs");
}

TEST(CompilerTest, AuditModeLogsInsteadOfKillingAndSaysSoLoudly) {
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(), {}, {}, std::nullopt, /*audit=*/true);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->policy.seccomp().mode(), "audit");
  EXPECT_EQ(p->policy.seccomp().violation_action(), "LOG");
  ASSERT_GT(p->policy.loosening_size(), 0);
  EXPECT_NE(p->policy.loosening(0).find("AUDIT MODE"), std::string::npos);
  const seccomp::Verdict v = seccomp::Interpret(
      p->filter.program, seccomp::SeccompData::For(seccomp::Arch::kX86_64, 101 /* ptrace */));
  EXPECT_EQ(v.action(), 0x7ffc0000u);  // SECCOMP_RET_LOG
}

TEST(CompilerTest, SameInputsGiveByteIdenticalOutputs) {
  const std::string spec = SpecJson(std::string(kData) + "," + kCache, kCacheOff);
  const std::string op = "path_deny { pattern: \"/data/x\" } xattr_namespace: \"user\"\n";
  ErrorOr<CompiledPolicy> a = CompileJson(spec, {}, {FakeCache(), FakeCrypt()}, op);
  ErrorOr<CompiledPolicy> b = CompileJson(spec, {}, {FakeCache(), FakeCrypt()}, op);
  ASSERT_TRUE(a.ok() && b.ok());
  const PolicyFiles fa = RenderFiles(*a);
  const PolicyFiles fb = RenderFiles(*b);
  EXPECT_EQ(fa.binary, fb.binary);
  EXPECT_EQ(fa.textproto, fb.textproto);
  EXPECT_EQ(fa.bpf, fb.bpf);
  EXPECT_EQ(fa.pfc, fb.pfc);
  EXPECT_EQ(fa.explain, fb.explain);
}

TEST(CompilerTest, DigestCoversEveryInputAndNothingElse) {
  const std::string spec = SpecJson(kCache, kCacheOff);
  auto digest = [](const ErrorOr<CompiledPolicy>& p) {
    EXPECT_TRUE(p.ok());
    return p.ok() ? p->policy.inputs().digest() : std::string();
  };
  const std::string base = digest(CompileJson(spec, {}, {FakeCache()}));
  EXPECT_EQ(base.rfind("sha256:", 0), 0u);
  EXPECT_EQ(base, digest(CompileJson(spec, {}, {FakeCache()})));
  EXPECT_NE(base, digest(CompileJson(spec + " ", {}, {FakeCache()})));  // spec bytes
  RuntimeFlagArgs f;
  f.host_fifo = {"open"};
  EXPECT_NE(base, digest(CompileJson(spec, f, {FakeCache()})));  // flags
  EXPECT_NE(base, digest(CompileJson(spec, {}, {FakeCache()}, "max_file_size: 1\n")));  // operator
  ExtensionDescriptor v2 = FakeCache();
  v2.version = "2";
  EXPECT_NE(base, digest(CompileJson(spec, {}, {v2})));  // extension version
  EXPECT_NE(base, digest(CompileJson(spec, {}, {FakeCache()}, std::nullopt, true)));  // mode
  // Spellings of the same flag value do not change it.
  RuntimeFlagArgs t1, t2;
  t1.directfs = {"true"};
  t2.directfs = {"T"};
  EXPECT_EQ(digest(CompileJson(spec, t1, {FakeCache()})), digest(CompileJson(spec, t2, {FakeCache()})));
}

TEST(CompilerTest, CanonicalInputBytesAreFramed) {
  DigestInputs a;
  a.spec_bytes = "ab";
  a.canonical_flags = "c";
  DigestInputs b;
  b.spec_bytes = "a";
  b.canonical_flags = "bc";
  EXPECT_NE(CanonicalInputBytes(a), CanonicalInputBytes(b));
  EXPECT_NE(InputDigest(a), InputDigest(b));
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CompilerTest, PolicyDoesNotDependOnWhereTheBundleLives) {
  testing::TempDir d1, d2;
  // A self-overlaid rootfs inside each bundle: its resolved path differs.
  for (const auto* d : {&d1, &d2}) {
    ASSERT_EQ(::mkdir(d->Join("rootfs").c_str(), 0755), 0);
    testing::WriteFile(d->Join("config.json"), SpecJson(Binds()));
  }
  auto compile = [](const std::string& dir) {
    ErrorOr<CompileInputs> in = LoadInputs(dir, oci::RuntimeFlags{}, "");
    EXPECT_TRUE(in.ok());
    ErrorOr<CompiledPolicy> p = CompilePolicy(*in);
    EXPECT_TRUE(p.ok()) << p.error().ToString();
    return RenderFiles(*p);
  };
  const PolicyFiles a = compile(d1.path());
  const PolicyFiles b = compile(d2.path());
  EXPECT_EQ(a.binary, b.binary);
  EXPECT_EQ(a.explain, b.explain);
  EXPECT_EQ(a.explain.find(d1.path()), std::string::npos);
}

TEST(CompilerTest, SelfOverlayFallbackIsADiagnosticWithoutTheBundlePath) {
  testing::TempDir d;
  testing::WriteFile(d.Join("rootfs"), "not a directory");
  testing::WriteFile(d.Join("config.json"), SpecJson());
  ErrorOr<CompileInputs> in = LoadInputs(d.path(), oci::RuntimeFlags{}, "");
  ASSERT_TRUE(in.ok());
  ErrorOr<CompiledPolicy> p = CompilePolicy(*in);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->policy.mount(0).gofer_mount_conf(), "lisafs:memory");
  ASSERT_GE(p->policy.diagnostic_size(), 1);
  EXPECT_EQ(p->policy.diagnostic(0).kind(), "self-overlay-fallback");
  EXPECT_NE(p->policy.diagnostic(0).reason().find("<bundle>/rootfs"), std::string::npos)
      << p->policy.diagnostic(0).reason();
}

TEST(CompilerTest, NoRuleIsAllowedAnonymously) {
  ErrorOr<CompiledPolicy> p = CompileJson(SpecJson(Binds(), kDataOff), {}, {}, std::nullopt);
  ASSERT_TRUE(p.ok());
  for (const pb::SyscallRule& r : p->policy.seccomp().syscall()) {
    for (const pb::Alternative& a : r.alternative()) {
      EXPECT_FALSE(a.what().empty()) << r.name();
      EXPECT_FALSE(a.why().empty()) << r.name();
      EXPECT_FALSE(a.source().empty()) << r.name();
    }
  }
  for (const pb::Capability& c : p->policy.capability()) EXPECT_GT(c.reason_size(), 0) << c.name();
  for (const pb::SetUse& s : p->policy.seccomp().set()) EXPECT_GT(s.reason_size(), 0) << s.name();
  for (const pb::Mount& m : p->policy.mount()) {
    EXPECT_GT(m.backend_reason_size(), 0) << m.path();
    if (m.backend() == pb::Mount::NOT_SERVED) continue;
    EXPECT_GT(m.read_only_reason_size(), 0) << m.path();
    EXPECT_GT(m.directfs_reason_size(), 0) << m.path();
    EXPECT_GT(m.host_uds_reason_size(), 0) << m.path();
  }
  // PROT_EXEC mappings are denied whatever allows mmap.
  EXPECT_FALSE(Allowed(*p, "mmap", {0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0}));
  EXPECT_TRUE(Allowed(*p, "mmap", {0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0}));
}

}  // namespace
}  // namespace hg::policy
