#include "oci/mount_hints.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace hg::oci {
namespace {

using Annotations = std::map<std::string, std::string>;

const std::string P = "dev.gvisor.spec.mount.";
const std::string R = "dev.gvisor.spec.rootfs.";

Annotations Complete(const std::string& name, const std::string& source, const std::string& type = "bind",
                     const std::string& share = "container") {
  return {{P + name + ".source", source}, {P + name + ".type", type}, {P + name + ".share", share}};
}

Annotations Merge(Annotations a, const Annotations& b) {
  for (const auto& [k, v] : b) a[k] = v;
  return a;
}

PodMountHints MustParse(const Annotations& a) {
  ErrorOr<PodMountHints> h = PodMountHints::Parse(a);
  if (!h.ok()) ADD_FAILURE() << h.error().message;
  return h.ok() ? std::move(h).value() : PodMountHints();
}

TEST(PodMountHintsTest, CompleteHintParses) {
  PodMountHints h = MustParse(Merge(Complete("vol", "/pod/vol", "tmpfs", "pod"),
                                    {{P + "vol.options", "rw,noexec"}, {P + "vol.directfs", "off"},
                                     {"unrelated", "x"}, {"dev.gvisor.spec.mountx.a.b", "not a hint"}}));
  ASSERT_EQ(h.hints().size(), 1u);
  const MountHint& m = h.hints()[0];
  EXPECT_EQ(m.name, "vol");
  EXPECT_EQ(m.share, ShareType::kPod);
  EXPECT_EQ(m.mount.source, "/pod/vol");
  EXPECT_EQ(m.mount.type, "tmpfs");
  EXPECT_TRUE(m.mount.destination.empty());
  EXPECT_EQ(m.mount.options, (std::vector<std::string>{"rw", "noexec"}));
  EXPECT_TRUE(m.suppress_directfs);
  EXPECT_TRUE(m.ShouldShareMount());
  EXPECT_TRUE(m.IsSandboxLocal());
  EXPECT_EQ(m.FileAccessType(), FileAccess::kExclusive);
  EXPECT_EQ(m.annotation_keys.size(), 5u);
  EXPECT_TRUE(h.diagnostics().empty());
}

TEST(PodMountHintsTest, ShareAndTypeDecideSharingAndFileAccess) {
  struct Case {
    const char* type;
    const char* share;
    bool share_mount;
    bool local;
    FileAccess access;
  } cases[] = {
      {"tmpfs", "container", true, true, FileAccess::kExclusive},
      {"tmpfs", "pod", true, true, FileAccess::kExclusive},
      {"tmpfs", "shared", false, false, FileAccess::kShared},
      {"bind", "container", false, true, FileAccess::kExclusive},
      {"bind", "pod", false, true, FileAccess::kShared},
      {"bind", "shared", false, false, FileAccess::kShared},
  };
  for (const Case& c : cases) {
    PodMountHints h = MustParse(Complete("v", "/s", c.type, c.share));
    ASSERT_EQ(h.hints().size(), 1u);
    EXPECT_EQ(h.hints()[0].ShouldShareMount(), c.share_mount) << c.type << "/" << c.share;
    EXPECT_EQ(h.hints()[0].IsSandboxLocal(), c.local) << c.type << "/" << c.share;
    EXPECT_EQ(h.hints()[0].FileAccessType(), c.access) << c.type << "/" << c.share;
    EXPECT_STREQ(ShareTypeName(h.hints()[0].share), c.share);
  }
}

TEST(PodMountHintsTest, HardErrorsAsRunsc) {
  struct Case {
    Annotations a;
    std::string message;
    std::string subject;
  } cases[] = {
      {{{P + "a.b.c", "v"}}, "invalid mount annotation: " + P + "a.b.c=v", P + "a.b.c"},
      {{{P + "name", "v"}}, "invalid mount annotation: " + P + "name=v", P + "name"},
      {{{P, "v"}}, "invalid mount annotation: " + P + "=v", P},
      {{{P + "a.source.extra", "/x"}}, "invalid mount annotation: " + P + "a.source.extra=/x", P + "a.source.extra"},
      {{{P + ".source", "/x"}},
       "invalid mount name:  (annotation \"" + P + ".source\" = \"/x\": the name between \"" + P +
           "\" and the key is empty)",
       P + ".source"},
  };
  for (const Case& c : cases) {
    ErrorOr<PodMountHints> h = PodMountHints::Parse(Merge(c.a, Complete("ok", "/ok")));
    ASSERT_FALSE(h.ok()) << c.message;
    EXPECT_EQ(h.error().kind, Error::Kind::kMountHint);
    EXPECT_EQ(h.error().message, c.message);
    EXPECT_EQ(h.error().subject, c.subject);
  }
}

TEST(PodMountHintsTest, InvalidFieldsAreIgnoredWithDiagnostics) {
  struct Case {
    std::string key;    // after the name
    std::string value;
    std::string reason;
  } cases[] = {
      {"source", "", "source cannot be empty"},
      {"type", "erofs", "invalid type \"erofs\""},
      {"type", "Bind", "invalid type \"Bind\""},
      {"share", "global", "invalid share value \"global\""},
      {"directfs", "on", "invalid directfs value \"on\", want \"default\" or \"off\""},
      {"directfs", "OFF", "invalid directfs value \"OFF\", want \"default\" or \"off\""},
      {"readonly", "true", "invalid mount annotation: readonly=true"},
      {"", "x", "invalid mount annotation: =x"},
  };
  for (const Case& c : cases) {
    // The hint stays complete when the bad field is not a required one, and the bad
    // value never overrides a good one given under the same name.
    Annotations a = {{P + "v.source", "/s"}, {P + "v.type", "bind"}, {P + "v.share", "pod"},
                     {P + "v." + c.key, c.value}};
    if (c.key == "source" || c.key == "type" || c.key == "share") a[P + "v." + c.key] = c.value;
    ErrorOr<PodMountHints> h = PodMountHints::Parse(a);
    ASSERT_TRUE(h.ok()) << h.error().message;
    ASSERT_GE(h->diagnostics().size(), 1u) << c.key;
    const Diagnostic& d = h->diagnostics()[0];
    EXPECT_EQ(d.kind, Diagnostic::Kind::kIgnoredHintField);
    EXPECT_EQ(d.key, P + "v." + c.key);
    EXPECT_EQ(d.value, c.value);
    EXPECT_EQ(d.reason, "ignoring invalid mount annotation (name = \"v\", key = \"" + c.key +
                            "\", value = \"" + c.value + "\"): " + c.reason);
    const bool required = c.key == "source" || c.key == "type" || c.key == "share";
    EXPECT_EQ(h->hints().size(), required ? 0u : 1u) << c.key;
    if (!required) {
      EXPECT_FALSE(h->hints()[0].suppress_directfs) << "an invalid directfs value leaves directfs on";
    }
  }
}

TEST(PodMountHintsTest, DirectfsDefaultAndOff) {
  PodMountHints off = MustParse(Merge(Complete("v", "/s"), {{P + "v.directfs", "off"}}));
  EXPECT_TRUE(off.hints()[0].suppress_directfs);
  PodMountHints def = MustParse(Merge(Complete("v", "/s"), {{P + "v.directfs", "default"}}));
  EXPECT_FALSE(def.hints()[0].suppress_directfs);
}

TEST(PodMountHintsTest, SharedOptionsAreFiltered) {
  PodMountHints h = MustParse(Merge(Complete("v", "/s"), {{P + "v.options", "rw,shared,,rshared,noatime"}}));
  EXPECT_EQ(h.hints()[0].mount.options, (std::vector<std::string>{"rw", "", "noatime"}));
  ASSERT_EQ(h.diagnostics().size(), 2u);
  EXPECT_EQ(h.diagnostics()[0].kind, Diagnostic::Kind::kFilteredMountOption);
  EXPECT_EQ(h.diagnostics()[0].key, P + "v.options");
  EXPECT_EQ(h.diagnostics()[0].value, "shared");
  EXPECT_EQ(h.diagnostics()[1].value, "rshared");
  EXPECT_EQ(h.diagnostics()[1].reason, "mount option skipped \"rshared\": mount option \"rshared\" is not supported");
}

TEST(PodMountHintsTest, IncompleteHintsAreDroppedSoDirectfsOffDoesNothing) {
  struct Case {
    Annotations a;
    std::string missing;
  } cases[] = {
      {{{P + "v.source", "/s"}, {P + "v.type", "bind"}, {P + "v.directfs", "off"}}, "share"},
      {{{P + "v.share", "pod"}, {P + "v.type", "bind"}, {P + "v.directfs", "off"}}, "source"},
      {{{P + "v.source", "/s"}, {P + "v.share", "pod"}, {P + "v.directfs", "off"}}, "type"},
      {{{P + "v.directfs", "off"}}, "share, source, type"},
      // A rejected value counts as missing.
      {{{P + "v.source", "/s"}, {P + "v.type", "nfs"}, {P + "v.share", "pod"}, {P + "v.directfs", "off"}}, "type"},
  };
  for (const Case& c : cases) {
    ErrorOr<PodMountHints> h = PodMountHints::Parse(c.a);
    ASSERT_TRUE(h.ok()) << h.error().message;
    EXPECT_TRUE(h->hints().empty());
    EXPECT_EQ(h->FindMount("/s"), nullptr);
    ASSERT_FALSE(h->diagnostics().empty());
    const Diagnostic& d = h->diagnostics().back();
    EXPECT_EQ(d.kind, Diagnostic::Kind::kDroppedHint);
    EXPECT_EQ(d.key, P + "v");
    EXPECT_EQ(d.reason.rfind("ignoring mount annotations for \"v\" because of missing required field(s): " +
                                 c.missing + ";", 0),
              0u)
        << d.reason;
  }
}

TEST(PodMountHintsTest, DuplicateSourcesAreAHardError) {
  ErrorOr<PodMountHints> h = PodMountHints::Parse(Merge(Complete("b", "/vol"), Complete("a", "/vol", "tmpfs", "pod")));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().kind, Error::Kind::kMountHint);
  EXPECT_EQ(h.error().message,
            "mounts \"a\" and \"b\" have the same mount source \"/vol\" (annotations " + P + "a.source and " + P +
                "b.source)");
  EXPECT_EQ(h.error().value, "/vol");

  // A complete hint and an incomplete one with the same source: runsc fails in the
  // iteration orders that validate the complete one first, so we always fail.
  ErrorOr<PodMountHints> mixed =
      PodMountHints::Parse(Merge(Complete("z", "/vol"), {{P + "a.source", "/vol"}}));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().message.rfind("mounts \"z\" and \"a\" have the same mount source \"/vol\"", 0), 0u)
      << mixed.error().message;

  // Two incomplete hints with the same source are both dropped: never compared.
  ErrorOr<PodMountHints> both = PodMountHints::Parse({{P + "a.source", "/vol"}, {P + "b.source", "/vol"}});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->diagnostics().size(), 2u);

  // Sources differing only in spelling are different sources (no cleaning).
  ErrorOr<PodMountHints> diff = PodMountHints::Parse(Merge(Complete("a", "/vol"), Complete("b", "/vol/")));
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->hints().size(), 2u);
}

TEST(PodMountHintsTest, FindMountComparesSourcesExactly) {
  PodMountHints h = MustParse(Merge(Complete("a", "/pod/vol"), Complete("b", "relative/dir", "tmpfs", "pod")));
  ASSERT_NE(h.FindMount("/pod/vol"), nullptr);
  EXPECT_EQ(h.FindMount("/pod/vol")->name, "a");
  EXPECT_EQ(h.FindMount("relative/dir")->name, "b");  // pod hint sources need not be absolute
  for (const char* near : {"/pod/vol/", "/pod//vol", "/pod/./vol", "/pod/vol/..", "/POD/vol", "", "/pod"}) {
    EXPECT_EQ(h.FindMount(near), nullptr) << near;
  }
  // Sorted by name.
  EXPECT_EQ(h.hints()[0].name, "a");
  EXPECT_EQ(h.hints()[1].name, "b");
}

TEST(PodMountHintsTest, DiagnosticsAreDeterministic) {
  Annotations a = Merge(Complete("m", "/m"), {{P + "m.directfs", "maybe"},
                                              {P + "z.source", "/z"},
                                              {P + "c.options", "shared"},
                                              {P + "m.options", "rshared,ro"}});
  PodMountHints h1 = MustParse(a);
  PodMountHints h2 = MustParse(a);
  EXPECT_EQ(h1.diagnostics(), h2.diagnostics());
  std::vector<std::string> got;
  for (const Diagnostic& d : h1.diagnostics()) got.push_back(d.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "filtered-mount-option: " + P + "c.options=\"shared\": mount option skipped \"shared\": "
                         "mount option \"shared\" is not supported",
                     "ignored-hint-field: " + P + "m.directfs=\"maybe\": ignoring invalid mount annotation "
                         "(name = \"m\", key = \"directfs\", value = \"maybe\"): invalid directfs value "
                         "\"maybe\", want \"default\" or \"off\"",
                     "filtered-mount-option: " + P + "m.options=\"rshared\": mount option skipped \"rshared\": "
                         "mount option \"rshared\" is not supported",
                     "dropped-hint: " + P + "c: ignoring mount annotations for \"c\" because of missing "
                         "required field(s): share, source, type; its annotations have no effect (" + P +
                         "c.options)",
                     "dropped-hint: " + P + "z: ignoring mount annotations for \"z\" because of missing "
                         "required field(s): share, type; its annotations have no effect (" + P + "z.source)",
                 }));
}

TEST(RootfsHintTest, AbsentWithoutAnnotations) {
  ErrorOr<std::optional<RootfsHint>> h = ParseRootfsHint({{"dev.gvisor.spec.rootfsx", "y"}, {P + "a.source", "/a"}});
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->has_value());
}

TEST(RootfsHintTest, ParsesEveryKey) {
  ErrorOr<std::optional<RootfsHint>> h = ParseRootfsHint({{R + "source", "/images/app.erofs"},
                                                          {R + "type", "erofs"},
                                                          {R + "overlay", "dir=/var/filestore"},
                                                          {R + "options", "size=1g,size=2g"},
                                                          {R + "directfs", "off"}});
  ASSERT_TRUE(h.ok()) << h.error().message;
  ASSERT_TRUE(h->has_value());
  const RootfsHint& r = **h;
  EXPECT_EQ(r.mount.source, "/images/app.erofs");
  EXPECT_EQ(r.mount.type, "erofs");
  EXPECT_EQ(r.overlay.kind(), OverlayMedium::Kind::kAnon);
  EXPECT_EQ(r.overlay.HostFileDir(), "/var/filestore");
  EXPECT_EQ(r.size, "2g");  // last size wins
  EXPECT_TRUE(r.suppress_directfs);
  EXPECT_EQ(r.annotation_keys.size(), 5u);

  ErrorOr<std::optional<RootfsHint>> minimal = ParseRootfsHint({{R + "source", "/r"}, {R + "type", "bind"}});
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ((*minimal)->overlay.kind(), OverlayMedium::Kind::kNone);  // absent overlay: none
  EXPECT_FALSE((*minimal)->suppress_directfs);
  ErrorOr<std::optional<RootfsHint>> empty_size =
      ParseRootfsHint({{R + "source", "/r"}, {R + "type", "bind"}, {R + "options", "size="}, {R + "overlay", ""}});
  ASSERT_TRUE(empty_size.ok()) << empty_size.error().message;
  EXPECT_EQ((*empty_size)->size, "");
}

TEST(RootfsHintTest, AnyInvalidKeyOrValueIsAHardError) {
  struct Case {
    std::string key;
    std::string value;
    std::string reason;
  } cases[] = {
      {"source", "relative/path", "source should be an absolute path, got \"relative/path\""},
      {"source", "", "source should be an absolute path, got \"\""},
      {"type", "tmpfs", "invalid type \"tmpfs\""},
      {"overlay", "disk", "unexpected medium: \"disk\""},
      {"overlay", "dir=relative", "overlay host file directory should be an absolute path, got \"relative\""},
      {"options", "", "rootfs options must be key=value: "},
      {"options", "size=1g,ro", "rootfs options must be key=value: ro"},
      {"options", "mode=0755", "invalid rootfs option: mode=0755"},
      {"directfs", "no", "invalid directfs value \"no\", want \"default\" or \"off\""},
      {"readonly", "true", "invalid rootfs annotation: readonly=true"},
      {"a.b", "c", "invalid rootfs annotation: a.b=c"},
      {"", "x", "invalid rootfs annotation: =x"},
  };
  for (const Case& c : cases) {
    std::map<std::string, std::string> a = {{R + "source", "/r"}, {R + "type", "bind"}};
    a[R + c.key] = c.value;
    ErrorOr<std::optional<RootfsHint>> h = ParseRootfsHint(a);
    ASSERT_FALSE(h.ok()) << c.key << "=" << c.value;
    EXPECT_EQ(h.error().kind, Error::Kind::kRootfsHint);
    EXPECT_EQ(h.error().subject, R + c.key);
    EXPECT_EQ(h.error().value, c.value);
    EXPECT_EQ(h.error().message,
              "invalid rootfs annotation (key = \"" + c.key + "\", value = \"" + c.value + "\"): " + c.reason);
  }
}

TEST(RootfsHintTest, SourceAndTypeRequiredOnceAnyKeyIsPresent) {
  ErrorOr<std::optional<RootfsHint>> lone = ParseRootfsHint({{R + "directfs", "off"}});
  ASSERT_FALSE(lone.ok());
  EXPECT_EQ(lone.error().kind, Error::Kind::kRootfsHint);
  EXPECT_EQ(lone.error().message.rfind("rootfs annotations missing required field(s): source, type (given: " + R +
                                           "directfs=\"off\")",
                                       0),
            0u)
      << lone.error().message;
  ErrorOr<std::optional<RootfsHint>> no_type = ParseRootfsHint({{R + "source", "/r"}});
  ASSERT_FALSE(no_type.ok());
  EXPECT_NE(no_type.error().message.find("missing required field(s): type "), std::string::npos);
}

}  // namespace
}  // namespace hg::oci
