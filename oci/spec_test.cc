#include "oci/spec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "base/unique_fd.h"
#include "oci/mount_class.h"

namespace hg::oci {
namespace {

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(HG_OCI_TESTDATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Spec MustParse(const std::string& text) {
  ErrorOr<Spec> s = ParseSpec(text);
  if (!s.ok()) ADD_FAILURE() << s.error().message;
  return s.ok() ? std::move(s).value() : Spec{};
}

TEST(SpecTest, ParsesRuncSpecDefault) {
  const std::string text = ReadTestdata("runc-spec-1.1.json");
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.back(), '\n') << "runc writes no trailing newline";
  Spec s = MustParse(text);
  EXPECT_EQ(s.oci_version, "1.0.2-dev");
  ASSERT_TRUE(s.process);
  EXPECT_TRUE(s.process->terminal);
  EXPECT_EQ(s.process->user.uid, 0u);
  EXPECT_EQ(s.process->user.gid, 0u);
  EXPECT_FALSE(s.process->user.umask);
  EXPECT_EQ(s.process->args, std::vector<std::string>{"sh"});
  EXPECT_EQ(s.process->env.size(), 2u);
  EXPECT_EQ(s.process->cwd, "/");
  ASSERT_TRUE(s.process->capabilities);
  const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  EXPECT_EQ(s.process->capabilities->bounding, caps);
  EXPECT_EQ(s.process->capabilities->effective, caps);
  EXPECT_EQ(s.process->capabilities->permitted, caps);
  EXPECT_EQ(s.process->capabilities->ambient, caps);
  EXPECT_TRUE(s.process->capabilities->inheritable.empty());
  ASSERT_EQ(s.process->rlimits.size(), 1u);
  EXPECT_EQ(s.process->rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(s.process->rlimits[0].hard, 1024u);
  EXPECT_EQ(s.process->rlimits[0].soft, 1024u);
  EXPECT_TRUE(s.process->no_new_privileges);
  ASSERT_TRUE(s.root);
  EXPECT_EQ(s.root->path, "rootfs");
  EXPECT_TRUE(s.root->readonly);
  EXPECT_EQ(s.hostname, "runc");
  ASSERT_EQ(s.mounts.size(), 7u);
  EXPECT_EQ(s.mounts[0], (Mount{"/proc", "proc", "proc", {}, {}, {}}));
  EXPECT_EQ(s.mounts[6].destination, "/sys/fs/cgroup");
  EXPECT_EQ(s.mounts[6].options,
            (std::vector<std::string>{"nosuid", "noexec", "nodev", "relatime", "ro"}));
  EXPECT_TRUE(s.annotations.empty());
  ASSERT_TRUE(s.linux_spec);
  ASSERT_EQ(s.linux_spec->namespaces.size(), 6u);
  EXPECT_EQ(s.linux_spec->namespaces[5].type, "cgroup");
  EXPECT_TRUE(s.linux_spec->namespaces[5].path.empty());
  EXPECT_FALSE(s.HasUserNamespace());
  EXPECT_NE(s.FindNamespace("mount"), nullptr);
  EXPECT_EQ(s.linux_spec->masked_paths.size(), 10u);
  EXPECT_EQ(s.linux_spec->readonly_paths.size(), 5u);
  EXPECT_FALSE(s.linux_spec->has_seccomp);
  EXPECT_TRUE(s.linux_spec->rootfs_propagation.empty());
  EXPECT_FALSE(s.has_solaris);
  EXPECT_FALSE(s.has_windows);
}

TEST(SpecTest, ParsesRootlessRuncSpecWithUserNamespace) {
  Spec s = MustParse(ReadTestdata("runc-spec-rootless-1.1.json"));
  ASSERT_TRUE(s.linux_spec);
  EXPECT_TRUE(s.HasUserNamespace());
  EXPECT_EQ(s.FindNamespace("network"), nullptr);
  ASSERT_EQ(s.linux_spec->uid_mappings.size(), 1u);
  EXPECT_EQ(s.linux_spec->uid_mappings[0], (IdMapping{0, 1000, 1}));
  EXPECT_EQ(s.linux_spec->gid_mappings[0], (IdMapping{0, 1000, 1}));
  // /sys became an rbind of the host /sys with type "none".
  const Mount& sys = s.mounts[5];
  EXPECT_EQ(sys.destination, "/sys");
  EXPECT_EQ(sys.type, "none");
  EXPECT_EQ(sys.source, "/sys");
  // devpts lost its gid= option.
  for (const std::string& o : s.mounts[2].options) EXPECT_NE(o.rfind("gid=", 0), 0u) << o;
}

TEST(SpecTest, ParsesContainerdKubernetesSpec) {
  Spec s = MustParse(ReadTestdata("containerd-k8s.json"));
  EXPECT_EQ(s.oci_version, "1.1.0");
  ASSERT_TRUE(s.process);
  EXPECT_EQ(s.process->user.uid, 65532u);
  EXPECT_EQ(s.process->user.additional_gids, std::vector<uint32_t>{65532});
  EXPECT_EQ(s.process->apparmor_profile, "cri-containerd.apparmor.d");
  EXPECT_EQ(s.process->oom_score_adj, 1000);
  EXPECT_FALSE(s.process->no_new_privileges);
  ASSERT_TRUE(s.root);
  EXPECT_FALSE(s.root->readonly);
  EXPECT_EQ(s.mounts.size(), 16u);
  EXPECT_EQ(s.annotations.size(), 24u);
  EXPECT_EQ(s.annotations.at("io.kubernetes.cri.container-type"), "container");
  ASSERT_TRUE(s.linux_spec);
  EXPECT_TRUE(s.linux_spec->has_seccomp);
  EXPECT_EQ(s.FindNamespace("network")->path,
            "/var/run/netns/cni-6070de8e-4e69-99c0-e619-63535af42ce5");
  // Annotations iterate in key order whatever the document order was.
  std::string prev;
  for (const auto& [k, v] : s.annotations) {
    EXPECT_LT(prev, k);
    prev = k;
  }
}

struct BadCase {
  const char* json;
  const char* message;
};

TEST(SpecTest, WrongTypesNameTheJsonPath) {
  const BadCase cases[] = {
      {R"({"mounts":[{},{},{},{"options":["a",1]}]})", "mounts[3].options[1]: expected string, got number"},
      {R"({"mounts":{}})", "mounts: expected array, got object"},
      {R"({"mounts":[[]]})", "mounts[0]: expected object, got array"},
      {R"({"mounts":[{"destination":true}]})", "mounts[0].destination: expected string, got boolean"},
      {R"({"mounts":[{"uidMappings":[{"hostID":"0"}]}]})",
       "mounts[0].uidMappings[0].hostID: expected unsigned 32-bit integer, got string"},
      {R"({"root":{"readonly":"yes"}})", "root.readonly: expected boolean, got string"},
      {R"({"root":"rootfs"})", "root: expected object, got string"},
      {R"({"process":{"user":{"uid":-1}}})", "process.user.uid: expected unsigned 32-bit integer, got -1"},
      {R"({"process":{"user":{"gid":4294967296}}})",
       "process.user.gid: expected unsigned 32-bit integer, got 4294967296"},
      {R"({"process":{"user":{"uid":1.0}}})", "process.user.uid: expected unsigned 32-bit integer, got 1.0"},
      {R"({"process":{"user":{"uid":1e3}}})", "process.user.uid: expected unsigned 32-bit integer, got 1e3"},
      {R"({"process":{"user":{"additionalGids":[1,"2"]}}})",
       "process.user.additionalGids[1]: expected unsigned 32-bit integer, got string"},
      {R"({"process":{"args":"sh"}})", "process.args: expected array, got string"},
      {R"({"process":{"capabilities":{"bounding":[null]}}})",
       "process.capabilities.bounding[0]: expected string, got null"},
      {R"({"process":{"rlimits":[{"type":"RLIMIT_NOFILE","hard":-5}]}})",
       "process.rlimits[0].hard: expected unsigned 64-bit integer, got -5"},
      {R"({"process":{"oomScoreAdj":1.5}})", "process.oomScoreAdj: expected 64-bit integer, got 1.5"},
      {R"({"process":{"noNewPrivileges":1}})", "process.noNewPrivileges: expected boolean, got number"},
      {R"({"annotations":{"a":"b","c":1}})", "annotations[\"c\"]: expected string, got number"},
      {R"({"annotations":[]})", "annotations: expected object, got array"},
      {R"({"linux":{"namespaces":[{"type":5}]}})", "linux.namespaces[0].type: expected string, got number"},
      {R"({"linux":{"uidMappings":[{"containerID":0,"hostID":0,"size":-1}]}})",
       "linux.uidMappings[0].size: expected unsigned 32-bit integer, got -1"},
      {R"({"linux":{"seccomp":[]}})", "linux.seccomp: expected object, got array"},
      {R"({"linux":{"rootfsPropagation":{}}})", "linux.rootfsPropagation: expected string, got object"},
      {R"({"ociVersion":1})", "ociVersion: expected string, got number"},
      {R"([])", "(document): expected object, got array"},
      {R"("spec")", "(document): expected object, got string"},
  };
  for (const BadCase& c : cases) {
    ErrorOr<Spec> s = ParseSpec(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.error().kind, Error::Kind::kSpec) << c.json;
    EXPECT_EQ(s.error().message, c.message) << c.json;
  }
}

TEST(SpecTest, CaseVariantsOfModelledFieldsAreRejected) {
  // Go's encoding/json binds these to the modelled field; reading them differently
  // from runsc would let a spec say one thing to the policy and another to the sandbox.
  const char* cases[][2] = {
      {R"({"Mounts":[]})", "Mounts"},
      {R"({"ANNOTATIONS":{}})", "ANNOTATIONS"},
      {R"({"mounts":[{"Source":"/x"}]})", "mounts[0].Source"},
      {"{\"mounts\":[{\"\xc5\xbfource\":\"/x\"}]}", "mounts[0].\xc5\xbfource"},  // long s
      {"{\"root\":{\"readonly\":false,\"readon\xc4\xb1y\":true}}", ""},              // not a fold of readonly
      {"{\"process\":{\"user\":{\"u\xc4\xb1" "d\":5}}}", "process.user.u\xc4\xb1" "d"},  // dotless i
      {R"({"root":{"path":"r","ReadOnly":true}})", "root.ReadOnly"},
      {R"({"linux":{"Namespaces":[]}})", "linux.Namespaces"},
  };
  for (const auto& c : cases) {
    ErrorOr<Spec> s = ParseSpec(c[0]);
    if (std::string(c[1]).empty()) {
      EXPECT_TRUE(s.ok()) << c[0];
      continue;
    }
    ASSERT_FALSE(s.ok()) << c[0];
    EXPECT_EQ(s.error().subject, c[1]);
    EXPECT_NE(s.error().message.find("only by letter case"), std::string::npos) << s.error().message;
  }
}

TEST(SpecTest, UnknownFieldsAreIgnored) {
  Spec s = MustParse(R"({
    "ociVersion": "1.2.0",
    "hooks": {"prestart": [{"path": 5}]},
    "vm": "anything",
    "Hooks": [],
    "domainname": "x",
    "mounts": [{"destination": "/a", "type": "bind", "source": "/b", "extra": {"deep": [1]}}],
    "process": {"consoleSize": {"height": 1}, "ioPriority": {}, "user": {"extra": 1}},
    "linux": {"resources": "not modelled", "sysctl": {"a": "b"}, "intelRdt": null}
  })");
  ASSERT_EQ(s.mounts.size(), 1u);
  EXPECT_EQ(s.mounts[0].source, "/b");
}

TEST(SpecTest, NullMeansAbsent) {
  Spec s = MustParse(R"({"root":null,"mounts":null,"annotations":null,"linux":null,
      "process":{"capabilities":null,"user":null,"args":null,"oomScoreAdj":null},
      "solaris":null,"windows":null})");
  EXPECT_FALSE(s.root);
  EXPECT_TRUE(s.mounts.empty());
  EXPECT_FALSE(s.linux_spec);
  ASSERT_TRUE(s.process);
  EXPECT_FALSE(s.process->capabilities);
  EXPECT_FALSE(s.process->oom_score_adj);
  EXPECT_FALSE(s.has_solaris);
  EXPECT_FALSE(s.has_windows);
  Spec w = MustParse(R"({"windows":{},"solaris":{"milestone":"x"}})");
  EXPECT_TRUE(w.has_windows);
  EXPECT_TRUE(w.has_solaris);
}

TEST(SpecTest, MalformedJsonIsAJsonError) {
  const char* cases[] = {
      "",
      "{",
      R"({"root":{}} trailing)",
      R"({"root":{},"root":{}})",                  // duplicate key
      R"({"annotations":{"k":"a","k":"b"}})",      // duplicate annotation
      R"({"hostname":"a)" "\x01" R"("})",          // control character
      R"({"n":01})",
      R"({"s":"\ud800"})",
  };
  for (const char* c : cases) {
    ErrorOr<Spec> s = ParseSpec(c);
    ASSERT_FALSE(s.ok()) << c;
    EXPECT_EQ(s.error().kind, Error::Kind::kJson) << c;
    EXPECT_NE(s.error().message.find("byte offset"), std::string::npos) << s.error().message;
  }
  ErrorOr<Spec> dup = ParseSpec(R"({"annotations":{"k":"a","k":"b"}})");
  EXPECT_NE(dup.error().message.find("duplicate key \"k\""), std::string::npos);
}

TEST(SpecTest, InvalidUtf8IsRejected) {
  // Go would turn both into U+FFFD and treat them as equal sources.
  ErrorOr<Spec> s = ParseSpec("{\"mounts\":[{\"source\":\"/v\xff\"}]}");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, Error::Kind::kJson);
  EXPECT_EQ(s.error().message, "spec is not valid UTF-8 (byte offset 24)");
}

TEST(SpecTest, DeepNestingFailsCleanly) {
  std::string deep = "{\"linux\":{\"resources\":" + std::string(200, '[') + std::string(200, ']') + "}}";
  ErrorOr<Spec> s = ParseSpec(deep);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nesting deeper than"), std::string::npos);
}

TEST(SpecTest, SizeIsBounded) {
  std::string doc = "{\"hostname\":\"h\"}";
  std::string at_limit = doc + std::string(kMaxSpecBytes - doc.size(), ' ');
  ASSERT_EQ(at_limit.size(), kMaxSpecBytes);
  EXPECT_TRUE(ParseSpec(at_limit).ok());
  std::string over = at_limit + " ";
  ErrorOr<Spec> s = ParseSpec(over);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, Error::Kind::kJson);
  EXPECT_EQ(s.error().message, "spec is larger than 4194304 bytes (4194305)");
}

UniqueFd TempFileWith(const std::string& content) {
  UniqueFd fd(::open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd.valid()) return fd;
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n <= 0) return UniqueFd();
    off += static_cast<size_t>(n);
  }
  return fd;
}

TEST(SpecTest, ReadsFromFdAtOffsetZeroWithBound) {
  const std::string text = ReadTestdata("containerd-k8s.json");
  UniqueFd fd = TempFileWith(text);
  ASSERT_TRUE(fd.valid());
  // The write left the offset at the end; runsc seeks to 0 and so do we.
  ErrorOr<Spec> s = ReadSpecFromFd(fd.get());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->mounts.size(), 16u);

  UniqueFd big = TempFileWith("{}" + std::string(kMaxSpecBytes, ' '));
  ASSERT_TRUE(big.valid());
  ErrorOr<Spec> b = ReadSpecFromFd(big.get());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("larger than 4194304 bytes"), std::string::npos);

  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  ErrorOr<Spec> piped = ReadSpecFromFd(r.get());
  ASSERT_FALSE(piped.ok());
  EXPECT_EQ(piped.error().kind, Error::Kind::kIo);
  EXPECT_NE(piped.error().message.find("not a regular file"), std::string::npos);
}

TEST(SpecTest, ReadSpecFileNamesThePath) {
  ErrorOr<Spec> s = ReadSpecFile("/nonexistent-hardgofer-dir/config.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, Error::Kind::kIo);
  EXPECT_EQ(s.error().message, "/nonexistent-hardgofer-dir/config.json: No such file or directory");
  ErrorOr<Spec> dir = ReadSpecFile("/");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().message, "/: not a regular file");
}

TEST(SpecTest, ResolvesBundlePathsLikeRunsc) {
  Spec s = MustParse(R"({"root":{"path":"rootfs/"},"mounts":[
      {"destination":"/proc","type":"proc","source":"proc"},
      {"destination":"/a","type":"bind","source":"/abs//kept/"},
      {"destination":"/b","type":"bind","source":"../vol/./x"},
      {"destination":"/c","type":"tmpfs"}]})");
  ResolveBundlePaths(s, "/run/bundle");
  EXPECT_EQ(s.root->path, "/run/bundle/rootfs");
  EXPECT_EQ(s.mounts[0].source, "/run/bundle/proc");  // runsc resolves every non-empty source
  EXPECT_EQ(s.mounts[1].source, "/abs//kept/");        // absolute: byte-for-byte
  EXPECT_EQ(s.mounts[2].source, "/run/vol/x");
  EXPECT_EQ(s.mounts[3].source, "");
}

TEST(SpecTest, LoadsBundle) {
  char dir[] = "/tmp/hg-oci-bundle-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string bundle = dir;
  {
    std::ofstream out(bundle + "/config.json", std::ios::binary);
    out << ReadTestdata("runc-spec-1.1.json");
  }
  ErrorOr<Spec> s = LoadBundleSpec(bundle);
  ::unlink((bundle + "/config.json").c_str());
  ::rmdir(dir);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->root->path, bundle + "/rootfs");
  EXPECT_EQ(s->mounts[0].source, bundle + "/proc");
}

TEST(SpecTest, MutatedSpecsNeverCrash) {
  // Truncations and byte flips of a real spec: every outcome is a value, never a crash
  // (ASan/UBSan run this too).
  const std::string text = ReadTestdata("containerd-k8s.json");
  ASSERT_FALSE(text.empty());
  size_t ok = 0, failed = 0;
  for (size_t cut = 0; cut < text.size(); cut += 13) {
    ErrorOr<Spec> s = ParseSpec(std::string_view(text).substr(0, cut));
    (s.ok() ? ok : failed)++;
  }
  const char replacements[] = {'"', '{', '[', '}', ']', ',', ':', '0', '-', 'n', '\\', '\xff'};
  unsigned seed = 12345;
  for (int i = 0; i < 3000; ++i) {
    std::string m = text;
    seed = seed * 1103515245u + 12345u;
    size_t pos = (seed >> 8) % m.size();
    m[pos] = replacements[(seed >> 3) % sizeof(replacements)];
    ErrorOr<Spec> s = ParseSpec(m);
    if (s.ok()) {
      ok++;
      EXPECT_LE(s->mounts.size(), 16u);
    } else {
      failed++;
      EXPECT_FALSE(s.error().message.empty());
    }
  }
  EXPECT_GT(failed, 0u);
}

}  // namespace
}  // namespace hg::oci
