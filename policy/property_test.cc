// Property: over generated specs, the LisaFS set is in the compiled program if
// and only if global directfs is off or some fsgofer-served mount (the rootfs
// included) has directfs suppressed by a hint that took effect.
//
// The generator builds each spec from a small model (mount kinds, hint shapes,
// flags, an extension, --gofer-mount-confs) and computes the expected answer
// from the model alone, without the oci room's classification, so a bug there
// or in the compiler shows up as a disagreement.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "policy/testing/test_util.h"
#include "seccomp/interpreter.h"

namespace hg::policy {
namespace {

enum class Kind { kBindRw, kBindViaOptions, kBindRo, kErofs, kTmpfs, kProc, kBindNoSource };
enum class Hint {
  kNone,
  kOff,            // complete hint, directfs off
  kDefault,        // complete hint, directfs default
  kIncompleteOff,  // no share: runsc drops it, so its directfs: off does nothing
  kInvalidValue,   // directfs "of": ignored
  kTmpfsLocalOff,  // complete tmpfs hint, share container, directfs off: not gofer-served
};
enum class RootHint { kNone, kOff, kDefault, kErofsOff };

struct MountModel {
  Kind kind;
  Hint hint = Hint::kNone;
  bool ext = false;  // destination ends in "-ext": the extension claims it
};

struct Model {
  bool flag_directfs = true;
  bool high_perf_bundle = false;  // forces directfs=true over the flag
  bool readonly_root = false;
  RootHint root_hint = RootHint::kNone;
  bool ext_claims_root = false;
  std::vector<MountModel> mounts;
  // --gofer-mount-confs lowers, rootfs first (empty: not given).
  std::vector<std::string> conf_lowers;
};

bool HasConfig(Kind k) {
  return k == Kind::kBindRw || k == Kind::kBindViaOptions || k == Kind::kBindRo || k == Kind::kErofs;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string MountJson(const MountModel& m, size_t i) {
  const std::string dest = "/m" + std::to_string(i) + (m.ext ? "-ext" : "");
  const std::string src = "/srv/m" + std::to_string(i);
  switch (m.kind) {
    case Kind::kBindRw:
      return R"({"destination":)" + Quote(dest) + R"(,"type":"bind","source":)" + Quote(src) +
             R"(,"options":["rbind","rw"]})";
    case Kind::kBindViaOptions:
      return R"({"destination":)" + Quote(dest) + R"(,"type":"none","source":)" + Quote(src) +
             R"(,"options":["rbind"]})";
    case Kind::kBindRo:
      return R"({"destination":)" + Quote(dest) + R"(,"type":"bind","source":)" + Quote(src) +
             R"(,"options":["bind","ro"]})";
    case Kind::kErofs:
      return R"({"destination":)" + Quote(dest) + R"(,"type":"erofs","source":)" + Quote(src) + "}";
    case Kind::kTmpfs:
      return R"({"destination":)" + Quote(dest) + R"(,"type":"tmpfs","source":"tmpfs"})";
    case Kind::kProc:
      return R"({"destination":)" + Quote(dest) + R"(,"type":"proc","source":"proc"})";
    case Kind::kBindNoSource:
      return R"({"destination":)" + Quote(dest) + R"(,"type":"bind","source":"","options":["rbind"]})";
  }
  return "";
}

std::string HintJson(const MountModel& m, size_t i, std::mt19937& rng) {
  const std::string p = "\"dev.gvisor.spec.mount.h" + std::to_string(i) + ".";
  const std::string src = p + "source\":" + Quote("/srv/m" + std::to_string(i));
  const char* shares[] = {"shared", "container", "pod"};
  const std::string share = p + "share\":" + Quote(shares[rng() % 3]);
  switch (m.hint) {
    case Hint::kNone: return "";
    case Hint::kOff:
      return src + "," + p + "type\":\"bind\"," + share + "," + p + "directfs\":\"off\"";
    case Hint::kDefault:
      return src + "," + p + "type\":\"bind\"," + share + "," + p + "directfs\":\"default\"";
    case Hint::kIncompleteOff: return src + "," + p + "type\":\"bind\"," + p + "directfs\":\"off\"";
    case Hint::kInvalidValue:
      return src + "," + p + "type\":\"bind\"," + share + "," + p + "directfs\":\"of\"";
    case Hint::kTmpfsLocalOff:
      return src + "," + p + "type\":\"tmpfs\"," + p + "share\":\"container\"," + p + "directfs\":\"off\"";
  }
  return "";
}

Model Generate(std::mt19937& rng) {
  Model m;
  m.flag_directfs = rng() % 3 != 0;
  m.high_perf_bundle = rng() % 8 == 0;
  m.readonly_root = rng() % 2 == 0;
  m.root_hint = static_cast<RootHint>(rng() % 4);
  m.ext_claims_root = rng() % 6 == 0;
  const size_t n = rng() % 9;
  for (size_t i = 0; i < n; ++i) {
    MountModel mm;
    mm.kind = static_cast<Kind>(rng() % 7);
    if (mm.kind == Kind::kBindRw || mm.kind == Kind::kBindViaOptions || mm.kind == Kind::kBindRo) {
      mm.hint = static_cast<Hint>(rng() % 6);
    }
    mm.ext = rng() % 5 == 0;
    m.mounts.push_back(mm);
  }
  if (rng() % 4 == 0) {
    const char* lowers[] = {"lisafs", "lisafs", "none", "erofs"};
    size_t count = 1;
    for (const MountModel& mm : m.mounts) count += HasConfig(mm.kind) ? 1 : 0;
    for (size_t i = 0; i < count; ++i) m.conf_lowers.push_back(lowers[rng() % 4]);
  }
  return m;
}

// The rule, from the model alone. Also returns how many reasons it expects
// and how many extension-served suppressed mounts it should note.
bool ExpectLisafs(const Model& m, int* reasons, int* notes) {
  *notes = 0;
  const bool directfs = m.flag_directfs || m.high_perf_bundle;
  *reasons = directfs ? 0 : 1;
  size_t conf = 0;
  // Rootfs.
  bool root_served = m.conf_lowers.empty() ? m.root_hint != RootHint::kErofsOff
                                           : m.conf_lowers[0] == "lisafs";
  bool root_off = m.root_hint == RootHint::kOff || m.root_hint == RootHint::kErofsOff;
  if (root_served && root_off) ++*(m.ext_claims_root ? notes : reasons);
  for (const MountModel& mm : m.mounts) {
    if (!HasConfig(mm.kind)) continue;
    ++conf;
    bool served;
    if (!m.conf_lowers.empty()) {
      served = m.conf_lowers[conf] == "lisafs";
    } else {
      served = mm.kind != Kind::kErofs && mm.hint != Hint::kTmpfsLocalOff;
    }
    const bool off = mm.hint == Hint::kOff || mm.hint == Hint::kTmpfsLocalOff;
    if (served && off) ++*(mm.ext ? notes : reasons);
  }
  return *reasons > 0;
}

TEST(PropertyTest, LisafsSetPresentIffTheRuleHolds) {
  std::mt19937 rng(20260821);
  ExtensionDescriptor ext;
  ext.name = "claims_ext";
  ext.version = "1";
  ext.claims = [](const oci::Spec& spec, const oci::Mount* m) {
    if (m == nullptr) return spec.annotations.count("test.claim-root") > 0;
    const std::string& d = m->destination;
    return d.size() > 4 && d.compare(d.size() - 4, 4, "-ext") == 0;
  };
  ext.can_donate_host_fds = true;
  ext.rules.AllowAny("fstatfs", {"fstatfs", "test", ""});
  int with = 0, without = 0;
  const int kCases = 250;
  for (int i = 0; i < kCases; ++i) {
    const Model m = Generate(rng);
    std::string mounts, ann;
    for (size_t j = 0; j < m.mounts.size(); ++j) {
      mounts += (j ? "," : "") + MountJson(m.mounts[j], j);
      const std::string h = HintJson(m.mounts[j], j, rng);
      if (!h.empty()) ann += (ann.empty() ? "" : ",") + h;
    }
    auto add = [&](const std::string& kv) { ann += (ann.empty() ? "" : ",") + kv; };
    switch (m.root_hint) {
      case RootHint::kNone: break;
      case RootHint::kOff:
        add(R"("dev.gvisor.spec.rootfs.source":"/srv/root","dev.gvisor.spec.rootfs.type":"bind","dev.gvisor.spec.rootfs.directfs":"off")");
        break;
      case RootHint::kDefault:
        add(R"("dev.gvisor.spec.rootfs.source":"/srv/root","dev.gvisor.spec.rootfs.type":"bind","dev.gvisor.spec.rootfs.directfs":"default")");
        break;
      case RootHint::kErofsOff:
        add(R"("dev.gvisor.spec.rootfs.source":"/srv/root.img","dev.gvisor.spec.rootfs.type":"erofs","dev.gvisor.spec.rootfs.directfs":"off")");
        break;
    }
    if (m.high_perf_bundle) add(R"("dev.gvisor.bundle.experimental-high-performance":"true")");
    if (m.ext_claims_root) add(R"("test.claim-root":"1")");
    RuntimeFlagArgs f;
    f.directfs = {m.flag_directfs ? "true" : "false"};
    if (!m.conf_lowers.empty()) {
      std::string confs;
      for (const std::string& l : m.conf_lowers) {
        confs += (confs.empty() ? "" : ",") + l + (l == "none" ? ":memory" : ":none");
      }
      f.gofer_mount_confs = {confs};
    }
    const std::string spec = testing::SpecJson(mounts, ann, m.readonly_root);
    SCOPED_TRACE("case " + std::to_string(i) + ": " + spec +
                 (m.conf_lowers.empty() ? "" : " --gofer-mount-confs=" + f.gofer_mount_confs[0]) +
                 " --directfs=" + f.directfs[0]);
    ErrorOr<CompiledPolicy> p = testing::CompileJson(spec, f, {ext});
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    int reasons = 0, notes = 0;
    const bool expect = ExpectLisafs(m, &reasons, &notes);
    const pb::SetUse* set = testing::FindSet(p->policy, "lisafs");
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->included(), expect);
    EXPECT_EQ(set->reason_size(), (expect ? reasons : 1) + notes);
    // The program agrees: mkdirat and getdents64 are only in the LisaFS set.
    for (const char* name : {"mkdirat", "getdents64", "unlinkat"}) {
      const int nr = *seccomp::SyscallNumber(seccomp::Arch::kX86_64, name);
      EXPECT_EQ(seccomp::Interpret(p->filter.program, seccomp::SeccompData::For(seccomp::Arch::kX86_64, nr))
                    .allowed(),
                expect)
          << name;
    }
    (expect ? with : without)++;
  }
  // The generator exercises both sides of the rule.
  EXPECT_GT(with, kCases / 10);
  EXPECT_GT(without, kCases / 10);
}

}  // namespace
}  // namespace hg::policy
