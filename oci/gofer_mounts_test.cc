#include "oci/gofer_mounts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "base/unique_fd.h"

namespace hg::oci {
namespace {

const std::string P = "dev.gvisor.spec.mount.";
const std::string R = "dev.gvisor.spec.rootfs.";

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(HG_OCI_TESTDATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every path is a directory except those listed; paths in `missing` fail to stat.
DirectoryProbe FakeProbe(std::set<std::string> files = {}, std::set<std::string> missing = {}) {
  return [files, missing](const std::string& path) -> ErrorOr<bool> {
    if (missing.count(path)) {
      Error e;
      e.kind = Error::Kind::kMountConf;
      e.message = "stat " + path + ": No such file or directory";
      return e;
    }
    return files.count(path) == 0;
  };
}

Spec Base(bool root_readonly = false) {
  Spec s;
  s.process.emplace();
  s.process->args = {"sh"};
  s.root.emplace();
  s.root->path = "/b/rootfs";
  s.root->readonly = root_readonly;
  return s;
}

Mount Bind(const std::string& dst, const std::string& src, std::vector<std::string> opts = {"rbind", "rprivate"}) {
  return Mount{dst, "bind", src, std::move(opts), {}, {}};
}

void AddHint(Spec& s, const std::string& name, const std::string& src, const std::string& type,
             const std::string& share) {
  s.annotations[P + name + ".source"] = src;
  s.annotations[P + name + ".type"] = type;
  s.annotations[P + name + ".share"] = share;
}

// "<conf> <path> [served io=N] [ro] [directfs]" per mount, one per line.
std::string Describe(const GoferMountPlan& plan) {
  std::string out;
  for (const GoferMount& m : plan.mounts) {
    out += m.conf.ToString() + " " + m.mount_path;
    if (m.served) out += " io=" + std::to_string(*m.io_fd_index);
    if (m.readonly) out += " ro";
    if (m.directfs) out += " directfs";
    out += "\n";
  }
  return out;
}

GoferMountPlan MustPlan(const Spec& s, const RuntimeFlags& flags = RuntimeFlags(),
                        const DirectoryProbe& probe = FakeProbe()) {
  ErrorOr<PodMountHints> pod = PodMountHints::Parse(s.annotations);
  if (!pod.ok()) ADD_FAILURE() << pod.error().message;
  ErrorOr<std::optional<RootfsHint>> rootfs = ParseRootfsHint(s.annotations);
  if (!rootfs.ok()) ADD_FAILURE() << rootfs.error().message;
  if (!pod.ok() || !rootfs.ok()) return GoferMountPlan();
  ErrorOr<GoferMountPlan> plan = PlanGoferMounts(s, flags, *pod, *rootfs, probe);
  if (!plan.ok()) ADD_FAILURE() << plan.error().message;
  return plan.ok() ? std::move(plan).value() : GoferMountPlan();
}

TEST(GoferMountsTest, RuncDefaultSpecServesOnlyTheReadOnlyRootfs) {
  ErrorOr<Spec> s = ParseSpec(ReadTestdata("runc-spec-1.1.json"));
  ASSERT_TRUE(s.ok());
  ResolveBundlePaths(*s, "/run/bundle");
  EXPECT_EQ(ExpectedGoferMountConfCount(*s), 1u);
  GoferMountPlan p = MustPlan(*s);
  // Read-only rootfs: no overlay despite --overlay2=root:self, so no stat either.
  EXPECT_EQ(Describe(p), "lisafs:none / io=0 ro directfs\n");
  EXPECT_EQ(p.served_count, 1u);
  EXPECT_EQ(p.mounts[0].source, "/run/bundle/rootfs");
  EXPECT_FALSE(p.mounts[0].overlaid);
  EXPECT_TRUE(p.mounts[0].readonly_in_spec);
  EXPECT_FALSE(p.lisafs_needed_for_directfs_suppression);
  RuntimeFlags flags;
  EXPECT_FALSE(p.LisafsSyscallsNeeded(flags));
  flags.directfs = false;
  GoferMountPlan off = MustPlan(*s, flags);
  EXPECT_EQ(Describe(off), "lisafs:none / io=0 ro\n");
  EXPECT_TRUE(off.LisafsSyscallsNeeded(flags));
}

TEST(GoferMountsTest, RootlessRuncSpecServesTheSysRbind) {
  ErrorOr<Spec> s = ParseSpec(ReadTestdata("runc-spec-rootless-1.1.json"));
  ASSERT_TRUE(s.ok());
  ResolveBundlePaths(*s, "/run/bundle");
  GoferMountPlan p = MustPlan(*s);
  // /sys has type "none" but an rbind option and a source: a gofer mount, and "ro".
  EXPECT_EQ(Describe(p), "lisafs:none / io=0 ro directfs\nlisafs:none /sys io=1 ro directfs\n");
  EXPECT_EQ(p.mounts[1].spec_index, 5u);
}

TEST(GoferMountsTest, ContainerdKubernetesSpecClassification) {
  ErrorOr<Spec> s = ParseSpec(ReadTestdata("containerd-k8s.json"));
  ASSERT_TRUE(s.ok());
  ResolveBundlePaths(*s, "/run/containerd/bundle");
  const std::string pod = "/var/lib/kubelet/pods/6f1c2a4e-8d7b-4b8e-9a52-3c1e0f7d9b21";
  ErrorOr<SpecAnalysis> a = AnalyzeSpec(*s, RuntimeFlags(), FakeProbe({pod + "/etc-hosts"}));
  ASSERT_TRUE(a.ok()) << a.error().message;
  const GoferMountPlan& p = a->plan;
  EXPECT_EQ(Describe(p),
            "lisafs:self / io=0 ro directfs\n"
            "lisafs:none /etc/hosts io=1 directfs\n"
            "lisafs:none /dev/termination-log io=2 directfs\n"
            "lisafs:none /etc/hostname io=3 directfs\n"
            "lisafs:none /etc/resolv.conf io=4 directfs\n"
            "lisafs:none /dev/shm io=5 directfs\n"
            "lisafs:none /var/run/secrets/kubernetes.io/serviceaccount io=6 ro directfs\n"
            "lisafs:self /data io=7 ro directfs\n"      // share=pod bind: overlaid, served read-only
            "none:self /scratch\n"                      // tmpfs hint: the sentry's, not the gofer's
            "lisafs:none /config io=8 ro directfs\n"
            "lisafs:none /shared io=9\n");              // directfs: off
  EXPECT_EQ(p.served_count, 10u);
  EXPECT_EQ(FormatGoferMountConfs([&] {
              std::vector<GoferMountConf> c;
              for (const GoferMount& m : p.mounts) c.push_back(m.conf);
              return c;
            }()),
            "lisafs:self,lisafs:none,lisafs:none,lisafs:none,lisafs:none,lisafs:none,lisafs:none,"
            "lisafs:self,none:self,lisafs:none,lisafs:none");
  EXPECT_TRUE(p.lisafs_needed_for_directfs_suppression);
  const GoferMount& shared = p.mounts[10];
  EXPECT_EQ(shared.pod_hint_name, "shared-data");
  EXPECT_EQ(shared.directfs_hint_key, P + "shared-data.directfs");
  EXPECT_TRUE(shared.directfs_suppressed);
  EXPECT_EQ(shared.share, ShareType::kShared);
  EXPECT_EQ(shared.file_access, FileAccess::kShared);
  EXPECT_EQ(p.mounts[7].file_access, FileAccess::kShared);     // bind + pod
  EXPECT_EQ(p.mounts[8].file_access, FileAccess::kExclusive);  // tmpfs + container
  EXPECT_EQ(p.mounts[1].file_access, FileAccess::kShared);     // --file-access-mounts default
  EXPECT_EQ(p.mounts[0].file_access, FileAccess::kExclusive);  // --file-access default
  // The invalid `directfs: no` on the cache hint was ignored: directfs stays on.
  EXPECT_TRUE(p.mounts[7].directfs);

  std::vector<std::string> diags;
  for (const Diagnostic& d : a->diagnostics) diags.push_back(std::string(Diagnostic::KindName(d.kind)) + " " + d.key);
  EXPECT_EQ(diags, (std::vector<std::string>{
                       "spec-warning process.apparmorProfile",
                       "ignored-hint-field " + P + "cache.directfs",
                       "filtered-mount-option " + P + "shared-data.options",
                       "dropped-hint " + P + "models",
                       "unmatched-hint " + P + "sidecar-logs",
                   }));
  EXPECT_EQ(a->pod_hints.FindMount(pod + "/volumes/kubernetes.io~nfs/shared-data")->mount.options,
            (std::vector<std::string>{"rw", "noatime"}));
}

TEST(GoferMountsTest, OverlayFlagDecidesOverlayAndReadOnly) {
  Spec s = Base();
  s.mounts = {Bind("/rw", "/v/rw"), Bind("/ro", "/v/ro", {"rbind", "ro"}), Mount{"/t", "tmpfs", "tmpfs", {}, {}, {}}};
  struct Case {
    const char* overlay2;
    std::string want;
  } cases[] = {
      {"root:self", "lisafs:self / io=0 ro directfs\nlisafs:none /rw io=1 directfs\nlisafs:none /ro io=2 ro directfs\n"},
      {"none", "lisafs:none / io=0 directfs\nlisafs:none /rw io=1 directfs\nlisafs:none /ro io=2 ro directfs\n"},
      {"root:memory,size=5m",
       "lisafs:memory:size=5m / io=0 ro directfs\nlisafs:none /rw io=1 directfs\nlisafs:none /ro io=2 ro directfs\n"},
      {"all:memory,size=1g",
       "lisafs:memory:size=1g / io=0 ro directfs\nlisafs:memory:size=1g /rw io=1 ro directfs\n"
       "lisafs:none /ro io=2 ro directfs\n"},
      {"all:self", "lisafs:self / io=0 ro directfs\nlisafs:self /rw io=1 ro directfs\nlisafs:none /ro io=2 ro directfs\n"},
      {"all:dir=/var/fs", "lisafs:anon / io=0 ro directfs\nlisafs:anon /rw io=1 ro directfs\nlisafs:none /ro io=2 ro directfs\n"},
      {"root:", "lisafs:none / io=0 directfs\nlisafs:none /rw io=1 directfs\nlisafs:none /ro io=2 ro directfs\n"},
  };
  for (const Case& c : cases) {
    RuntimeFlags flags;
    flags.overlay2 = Overlay2::Parse(c.overlay2).value();
    EXPECT_EQ(Describe(MustPlan(s, flags)), c.want) << c.overlay2;
  }
}

TEST(GoferMountsTest, SelfOnANonDirectoryFallsBackToMemory) {
  Spec s = Base();
  s.mounts = {Bind("/etc/hosts", "/v/hosts")};
  RuntimeFlags flags;
  flags.overlay2 = Overlay2::Parse("all:self,size=9m").value();
  GoferMountPlan p = MustPlan(s, flags, FakeProbe({"/v/hosts"}));
  EXPECT_EQ(Describe(p), "lisafs:self:size=9m / io=0 ro directfs\nlisafs:memory:size=9m /etc/hosts io=1 ro directfs\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0].kind, Diagnostic::Kind::kSelfOverlayFallback);
  EXPECT_EQ(p.diagnostics[0].reason,
            "self filestore is only supported for directory mounts, but mount \"/v/hosts\" is not a directory, "
            "falling back to memory");

  ErrorOr<GoferMountPlan> missing =
      PlanGoferMounts(s, flags, PodMountHints(), std::nullopt, FakeProbe({}, {"/v/hosts"}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, Error::Kind::kMountConf);
  EXPECT_EQ(missing.error().message,
            "failed to stat mount \"/v/hosts\" to see if it were a directory: stat /v/hosts: No such file or directory");
}

TEST(GoferMountsTest, PodHintsChangeConfsAsRunsc) {
  struct Case {
    const char* what;
    Mount mount;
    std::string hint_type;    // "" = no hint
    std::string hint_share;
    std::string hint_options;
    const char* overlay2;
    std::string want;         // the submount's line
  } cases[] = {
      {"no hint", Bind("/m", "/v"), "", "", "", "root:self", "lisafs:none /m io=1 directfs"},
      {"bind container: self overlay", Bind("/m", "/v"), "bind", "container", "", "root:self",
       "lisafs:self /m io=1 ro directfs"},
      {"bind pod on ro mount: still self", Bind("/m", "/v", {"rbind", "ro"}), "bind", "pod", "", "root:self",
       "lisafs:self /m io=1 ro directfs"},
      {"sandbox-local drops the size", Bind("/m", "/v"), "bind", "pod", "", "all:memory,size=1g",
       "lisafs:self /m io=1 ro directfs"},
      {"bind shared: not sandbox-local", Bind("/m", "/v"), "bind", "shared", "", "all:memory",
       "lisafs:memory /m io=1 ro directfs"},
      {"tmpfs container: not served", Bind("/m", "/v"), "tmpfs", "container", "", "root:self", "none:self /m"},
      {"tmpfs pod: not served", Bind("/m", "/v", {"rbind", "ro"}), "tmpfs", "pod", "", "root:self", "none:self /m"},
      {"tmpfs shared: type ignored", Bind("/m", "/v"), "tmpfs", "shared", "", "root:self",
       "lisafs:none /m io=1 directfs"},
      {"tmpfs hint with rbind option is a bind hint", Bind("/m", "/v"), "tmpfs", "container", "rbind", "root:self",
       "lisafs:self /m io=1 ro directfs"},
      {"erofs mount", Mount{"/m", "erofs", "/v", {}, {}, {}}, "", "", "", "all:memory", "erofs:memory /m"},
      {"erofs mount, bind pod hint: stays erofs", Mount{"/m", "erofs", "/v", {}, {}, {}}, "bind", "pod", "", "root:self",
       "erofs:self /m"},
      {"erofs mount, tmpfs pod hint", Mount{"/m", "erofs", "/v", {}, {}, {}}, "tmpfs", "pod", "", "root:self",
       "none:self /m"},
  };
  for (const Case& c : cases) {
    Spec s = Base(/*root_readonly=*/true);
    s.mounts = {c.mount};
    if (!c.hint_type.empty()) AddHint(s, "h", "/v", c.hint_type, c.hint_share);
    if (!c.hint_options.empty()) s.annotations[P + "h.options"] = c.hint_options;
    RuntimeFlags flags;
    flags.overlay2 = Overlay2::Parse(c.overlay2).value();
    EXPECT_EQ(Describe(MustPlan(s, flags)), "lisafs:none / io=0 ro directfs\n" + c.want + "\n") << c.what;
  }
}

TEST(GoferMountsTest, OnlyMountsWithAConfigCount) {
  Spec s = Base(true);
  s.mounts = {
      Mount{"/proc", "proc", "proc", {}, {}, {}},
      Mount{"/nosrc", "bind", "", {}, {}, {}},                 // bind without source: sentry
      Mount{"/none", "none", "/v/none", {"nosuid"}, {}, {}},   // not a bind by type or options
      Mount{"/opt", "none", "/v/opt", {"bind"}, {}, {}},       // bind by options
      Mount{"/img", "erofs", "/v/img", {}, {}, {}},            // config, not served
      Bind("/last", "/v/last"),
  };
  EXPECT_EQ(ExpectedGoferMountConfCount(s), 4u);
  GoferMountPlan p = MustPlan(s);
  EXPECT_EQ(Describe(p),
            "lisafs:none / io=0 ro directfs\nlisafs:none /opt io=1 directfs\nerofs:none /img\n"
            "lisafs:none /last io=2 directfs\n");
  EXPECT_EQ(p.mounts[1].spec_index, 3u);
  EXPECT_EQ(p.mounts[3].spec_index, 5u);
  EXPECT_EQ(p.served_count, 3u);
}

TEST(GoferMountsTest, RootfsHint) {
  struct Case {
    const char* what;
    std::map<std::string, std::string> hint;
    bool root_readonly;
    std::string want;  // the rootfs line
    bool lisafs_needed;
  } cases[] = {
      {"bind hint without overlay: no overlay", {{R + "source", "/img/root"}, {R + "type", "bind"}}, false,
       "lisafs:none / io=0 directfs", false},
      {"bind hint, memory overlay and size",
       {{R + "source", "/img/root"}, {R + "type", "bind"}, {R + "overlay", "memory"}, {R + "options", "size=3g"}},
       false, "lisafs:memory:size=3g / io=0 ro directfs", false},
      {"read-only rootfs wins over the hint's overlay",
       {{R + "source", "/img/root"}, {R + "type", "bind"}, {R + "overlay", "memory"}}, true,
       "lisafs:none / io=0 ro directfs", false},
      {"erofs rootfs: not served", {{R + "source", "/img/root.erofs"}, {R + "type", "erofs"}, {R + "overlay", "self"}},
       false, "erofs:self /", false},
      {"directfs off", {{R + "source", "/img/root"}, {R + "type", "bind"}, {R + "directfs", "off"}}, false,
       "lisafs:none / io=0", true},
      {"directfs off on an erofs rootfs needs no LisaFS",
       {{R + "source", "/img/root.erofs"}, {R + "type", "erofs"}, {R + "directfs", "off"}}, false, "erofs:none /",
       false},
  };
  for (const Case& c : cases) {
    Spec s = Base(c.root_readonly);
    s.mounts = {Bind("/m", "/v")};
    s.annotations = c.hint;
    GoferMountPlan p = MustPlan(s);
    const bool root_served = c.want.find("io=0") != std::string::npos;
    EXPECT_EQ(Describe(p), c.want + "\nlisafs:none /m io=" + (root_served ? "1" : "0") + " directfs\n") << c.what;
    EXPECT_EQ(p.lisafs_needed_for_directfs_suppression, c.lisafs_needed) << c.what;
    EXPECT_TRUE(p.mounts[0].rootfs_hint);
    // The gofer serves root.path; a bind hint's source is not used for serving.
    EXPECT_EQ(p.mounts[0].source, "/b/rootfs");
  }
  Spec s = Base();
  s.annotations = {{R + "source", "/r"}, {R + "type", "bind"}, {R + "directfs", "off"}};
  GoferMountPlan p = MustPlan(s);
  EXPECT_EQ(p.mounts[0].directfs_hint_key, R + "directfs");
}

TEST(GoferMountsTest, DirectfsIsOptOutOnly) {
  Spec s = Base(true);
  s.mounts = {Bind("/a", "/v/a"), Bind("/b", "/v/b"), Bind("/c", "/v/c")};
  AddHint(s, "a", "/v/a", "bind", "shared");
  s.annotations[P + "a.directfs"] = "off";
  AddHint(s, "b", "/v/b", "bind", "shared");
  s.annotations[P + "b.directfs"] = "default";
  AddHint(s, "c", "/v/c", "tmpfs", "container");  // not served, so its opt-out needs no LisaFS
  s.annotations[P + "c.directfs"] = "off";
  GoferMountPlan on = MustPlan(s);
  EXPECT_EQ(Describe(on),
            "lisafs:none / io=0 ro directfs\nlisafs:none /a io=1\nlisafs:none /b io=2 directfs\nnone:self /c\n");
  EXPECT_TRUE(on.lisafs_needed_for_directfs_suppression);

  RuntimeFlags off;
  off.directfs = false;
  GoferMountPlan p = MustPlan(s, off);
  EXPECT_EQ(Describe(p), "lisafs:none / io=0 ro\nlisafs:none /a io=1\nlisafs:none /b io=2\nnone:self /c\n");
  EXPECT_TRUE(p.LisafsSyscallsNeeded(off));

  // Only the tmpfs-hinted mount opts out: nothing served needs LisaFS.
  s.annotations.erase(P + "a.directfs");
  EXPECT_FALSE(MustPlan(s).lisafs_needed_for_directfs_suppression);
}

TEST(GoferMountsTest, HintsMatchResolvedSourcesExactly) {
  Spec s = Base(true);
  s.root->path = "rootfs";
  s.mounts = {Bind("/a", "vol"), Bind("/b", "/data/x"), Bind("/c", "/data/y/")};
  ResolveBundlePaths(s, "/bundle");
  AddHint(s, "resolved", "/bundle/vol", "tmpfs", "pod");   // matches: runsc resolved "vol"
  AddHint(s, "relative", "vol", "tmpfs", "pod");           // never matches
  AddHint(s, "slash", "/data/x/", "tmpfs", "pod");         // "/data/x" != "/data/x/"
  AddHint(s, "clean", "/data/y", "tmpfs", "pod");          // "/data/y" != "/data/y/"
  GoferMountPlan p = MustPlan(s);
  EXPECT_EQ(Describe(p),
            "lisafs:none / io=0 ro directfs\nnone:self /a\nlisafs:none /b io=1 directfs\n"
            "lisafs:none /c io=2 directfs\n");
  std::vector<std::string> unmatched;
  for (const Diagnostic& d : p.diagnostics) {
    EXPECT_EQ(d.kind, Diagnostic::Kind::kUnmatchedHint);
    unmatched.push_back(d.key);
  }
  EXPECT_EQ(unmatched, (std::vector<std::string>{P + "clean", P + "relative", P + "slash"}));
}

TEST(GoferMountsTest, ExplicitGoferMountConfsWin) {
  Spec s = Base();
  s.mounts = {Bind("/a", "/v/a"), Mount{"/img", "erofs", "/v/img", {}, {}, {}}, Bind("/c", "/v/c")};
  AddHint(s, "a", "/v/a", "bind", "pod");  // would make /a self-overlaid; the flag wins
  RuntimeFlags flags;
  flags.gofer_mount_confs = ParseGoferMountConfs("lisafs:memory,none:memory,erofs:none,lisafs:none").value();
  GoferMountPlan p = MustPlan(s, flags, FakeProbe({}, {"/b/rootfs", "/v/a"}));  // nothing is stat'ed
  EXPECT_TRUE(p.confs_from_flag);
  EXPECT_EQ(Describe(p),
            "lisafs:memory / io=0 ro directfs\nnone:memory /a\nerofs:none /img\nlisafs:none /c io=1 directfs\n");

  for (const char* wrong : {"lisafs:none", "lisafs:none,lisafs:none,lisafs:none",
                            "lisafs:none,lisafs:none,erofs:none,lisafs:none,lisafs:none"}) {
    flags.gofer_mount_confs = ParseGoferMountConfs(wrong).value();
    ErrorOr<GoferMountPlan> bad = PlanGoferMounts(s, flags, PodMountHints(), std::nullopt, FakeProbe());
    ASSERT_FALSE(bad.ok()) << wrong;
    EXPECT_EQ(bad.error().kind, Error::Kind::kGoferMountConf);
    EXPECT_EQ(bad.error().subject, "--gofer-mount-confs");
    EXPECT_EQ(bad.error().message.rfind("--gofer-mount-confs has " +
                                            std::to_string(flags.gofer_mount_confs->size()) + " entries (" + wrong +
                                            ") but the spec needs 4: one for the rootfs",
                                        0),
              0u)
        << bad.error().message;
  }
}

TEST(GoferMountsTest, IoFdsAreAssignedInConfOrderToServedMountsOnly) {
  Spec s = Base(true);
  s.mounts = {Bind("/a", "/v/a"), Bind("/t", "/v/t"), Bind("/c", "/v/c")};
  AddHint(s, "t", "/v/t", "tmpfs", "container");
  GoferMountPlan p = MustPlan(s);
  ASSERT_EQ(p.served_count, 3u);
  ErrorOr<std::vector<int>> fds = AssignIoFds(p, {10, 11, 12});
  ASSERT_TRUE(fds.ok());
  EXPECT_EQ(*fds, (std::vector<int>{10, 11, 12}));  // /, /a, /c
  EXPECT_EQ(p.mounts[3].io_fd_index, 2u);

  ErrorOr<std::vector<int>> few = AssignIoFds(p, {10, 11});
  ASSERT_FALSE(few.ok());
  EXPECT_EQ(few.error().message, "no FD found for mount \"/c\" (source \"/v/c\"): --io-fds has 2 FDs, the spec needs 3");
  ErrorOr<std::vector<int>> many = AssignIoFds(p, {10, 11, 12, 13});
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().message, "too many FDs passed for mounts. mounts: 3, FDs: 4");
  EXPECT_FALSE(AssignIoFds(p, {}).ok());
}

TEST(GoferMountsTest, HostDirectoryProbeStatsTheHost) {
  char dir[] = "/tmp/hg-oci-probe-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string root = std::string(dir) + "/rootfs";
  const std::string file = std::string(dir) + "/hosts";
  const std::string link = std::string(dir) + "/link";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  {
    UniqueFd fd(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid());
  }
  ASSERT_EQ(::symlink(root.c_str(), link.c_str()), 0);
  DirectoryProbe probe = HostDirectoryProbe();
  EXPECT_TRUE(probe(root).value());
  EXPECT_FALSE(probe(file).value());
  EXPECT_TRUE(probe(link).value());  // follows symlinks, like os.Stat
  ErrorOr<bool> missing = probe(std::string(dir) + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("No such file or directory"), std::string::npos);

  Spec s = Base();
  s.root->path = root;
  s.mounts = {Bind("/etc/hosts", file)};
  RuntimeFlags flags;
  flags.overlay2 = Overlay2::Parse("all:self").value();
  GoferMountPlan p = MustPlan(s, flags, probe);
  EXPECT_EQ(p.mounts[0].conf.ToString(), "lisafs:self");
  EXPECT_EQ(p.mounts[1].conf.ToString(), "lisafs:memory");

  ::unlink(link.c_str());
  ::unlink(file.c_str());
  ::rmdir(root.c_str());
  ::rmdir(dir);
}

TEST(GoferMountsTest, AnalyzeSpecStopsAtTheFirstFailingStepInRunscOrder) {
  Spec s = Base();
  s.mounts = {Bind("relative", "/v")};                      // ValidateSpec fails first...
  s.annotations[P + "x.y.z"] = "1";                         // ...before this hint error
  ErrorOr<SpecAnalysis> a = AnalyzeSpec(s, RuntimeFlags(), FakeProbe());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, Error::Kind::kSpecRejected);
  s.mounts = {Bind("/m", "/v")};
  a = AnalyzeSpec(s, RuntimeFlags(), FakeProbe());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, Error::Kind::kMountHint);
  s.annotations.clear();
  s.annotations[R + "directfs"] = "off";
  a = AnalyzeSpec(s, RuntimeFlags(), FakeProbe());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, Error::Kind::kRootfsHint);
  s.annotations.clear();
  s.annotations["dev.gvisor.flag.directfs"] = "false";
  a = AnalyzeSpec(s, RuntimeFlags(), FakeProbe());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, Error::Kind::kFlagAnnotation);
}

TEST(GoferMountsTest, AnalyzeSpecAppliesFlagAnnotations) {
  Spec s = Base();
  s.mounts = {Bind("/m", "/v")};
  s.annotations["dev.gvisor.flag.overlay2"] = "all:memory";
  s.annotations["dev.gvisor.flag.host-uds"] = "create";
  RuntimeFlags flags;
  ErrorOr<SpecAnalysis> a = AnalyzeSpec(s, flags, FakeProbe());
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->effective_flags.host_uds, HostUds::kCreate);
  EXPECT_EQ(flags.host_uds, HostUds::kNone);  // the input is not modified
  EXPECT_EQ(Describe(a->plan), "lisafs:memory / io=0 ro directfs\nlisafs:memory /m io=1 ro directfs\n");
}

TEST(GoferMountsTest, AnalysisIsDeterministic) {
  ErrorOr<Spec> s = ParseSpec(ReadTestdata("containerd-k8s.json"));
  ASSERT_TRUE(s.ok());
  ResolveBundlePaths(*s, "/bundle");
  auto render = [&] {
    ErrorOr<SpecAnalysis> a = AnalyzeSpec(*s, RuntimeFlags(), FakeProbe());
    EXPECT_TRUE(a.ok());
    std::string out = Describe(a->plan);
    for (const Diagnostic& d : a->diagnostics) out += d.ToString() + "\n";
    return out;
  };
  const std::string first = render();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(render(), first);
}

}  // namespace
}  // namespace hg::oci
