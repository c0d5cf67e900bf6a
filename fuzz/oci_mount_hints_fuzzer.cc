// oci_mount_hints: gVisor mount hints, rootfs hints and flag annotations, the
// annotation-driven half of the OCI inputs, with the mounts they apply to.
//
// Input: lines (split on '\n'), each "KEY=VALUE" (first '=' splits):
//   KEY starting with "M." / "R." / "F." / "B." stands for
//   "dev.gvisor.spec.mount." / "dev.gvisor.spec.rootfs." / "dev.gvisor.flag." /
//   "dev.gvisor.bundle." (shorthands keep the fuzzer's mutations on the part
//   that matters); any other KEY is an annotation as written, except:
//   "m"   a spec mount "DEST|TYPE|SOURCE|OPT,OPT,..."
//   "C"   --gofer-mount-confs value      "O"  --overlay2 value
//   "D"   --directfs value               "U"  --host-uds value
// A later line with the same annotation key replaces the earlier one (a map).
//
// Pipeline: PodMountHints::Parse, ParseRootfsHint, ApplyFlagAnnotations on
// the flags, then AnalyzeSpec on a spec whose mounts are the "m" lines plus a
// bind mount of every valid hint's source (so hints find their mounts).
//
// Oracles: errors have messages; each hint is found by its own source and
// sources are unique; hints are sorted by name; annotation_keys are sorted
// and carry the hint prefix; PodMountHints::Parse and ParseRootfsHint are
// deterministic (a second parse gives the same hints and diagnostics);
// the plan is self-consistent (support/plan_check.h).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/support/fake_probe.h"
#include "fuzz/support/plan_check.h"
#include "oci/flag_annotations.h"
#include "oci/go_compat.h"
#include "oci/gofer_mount_conf.h"
#include "oci/gofer_mounts.h"
#include "oci/mount_hints.h"
#include "oci/runtime_flags.h"
#include "oci/spec.h"

namespace {

namespace oci = hg::oci;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "oci_mount_hints: %s\n", what);
  std::abort();
}

std::string ExpandKey(std::string_view k) {
  if (k.starts_with("M.")) return std::string(oci::kMountHintPrefix) + std::string(k.substr(2));
  if (k.starts_with("R.")) return std::string(oci::kRootfsHintPrefix) + std::string(k.substr(2));
  if (k.starts_with("F.")) return std::string(oci::kFlagAnnotationPrefix) + std::string(k.substr(2));
  if (k.starts_with("B.")) return std::string(oci::kBundleAnnotationPrefix) + std::string(k.substr(2));
  return std::string(k);
}

oci::Mount ParseMountLine(std::string_view v) {
  std::vector<std::string> parts = oci::GoStringsSplit(v, "|");
  oci::Mount m;
  if (!parts.empty()) m.destination = parts[0];
  if (parts.size() > 1) m.type = parts[1];
  if (parts.size() > 2) m.source = parts[2];
  if (parts.size() > 3 && !parts[3].empty()) m.options = oci::GoStringsSplit(parts[3], ",");
  return m;
}

void CheckHints(const oci::PodMountHints& pod) {
  const auto& hints = pod.hints();
  for (size_t i = 0; i < hints.size(); ++i) {
    const oci::MountHint& h = hints[i];
    if (i > 0 && !(hints[i - 1].name < h.name)) Fail("hints not sorted by unique name");
    if (pod.FindMount(h.mount.source) != &h) Fail("a hint is not found by its own source");
    if (!std::is_sorted(h.annotation_keys.begin(), h.annotation_keys.end())) {
      Fail("annotation_keys not sorted");
    }
    for (const std::string& k : h.annotation_keys) {
      if (!std::string_view(k).starts_with(oci::kMountHintPrefix)) Fail("foreign annotation key on a hint");
    }
    for (size_t j = 0; j < i; ++j) {
      if (hints[j].mount.source == h.mount.source) Fail("two hints share a source");
    }
  }
}

bool SameHints(const oci::PodMountHints& a, const oci::PodMountHints& b) {
  if (a.hints().size() != b.hints().size() || a.diagnostics() != b.diagnostics()) return false;
  for (size_t i = 0; i < a.hints().size(); ++i) {
    const auto& x = a.hints()[i];
    const auto& y = b.hints()[i];
    if (x.name != y.name || x.share != y.share || !(x.mount == y.mount) ||
        x.suppress_directfs != y.suppress_directfs || x.annotation_keys != y.annotation_keys) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> annotations;
  std::vector<oci::Mount> mounts;
  oci::RuntimeFlags flags;
  for (std::string_view line : oci::GoStringsSplit(text, "\n")) {
    const size_t eq = line.find('=');
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : line.substr(eq + 1);
    if (key == "m") {
      if (mounts.size() < 64) mounts.push_back(ParseMountLine(value));
    } else if (key == "C") {
      auto c = oci::ParseGoferMountConfs(value);
      if (c.ok()) flags.gofer_mount_confs = *c;
    } else if (key == "O") {
      auto o = oci::Overlay2::Parse(value);
      if (o.ok()) flags.overlay2 = *o;
    } else if (key == "D") {
      auto d = oci::ParseBoolFlag("directfs", value);
      if (d.ok()) flags.directfs = *d;
    } else if (key == "U") {
      auto u = oci::ParseHostUds(value);
      if (u.ok()) flags.host_uds = *u;
    } else if (!key.empty()) {
      annotations[ExpandKey(key)] = std::string(value);
    }
  }

  auto pod = oci::PodMountHints::Parse(annotations);
  auto rootfs = oci::ParseRootfsHint(annotations);
  if (!pod.ok() && pod.error().message.empty()) Fail("pod hint error without a message");
  if (!rootfs.ok() && rootfs.error().message.empty()) Fail("rootfs hint error without a message");
  if (pod.ok()) {
    CheckHints(*pod);
    auto again = oci::PodMountHints::Parse(annotations);
    if (!again.ok() || !SameHints(*pod, *again)) Fail("PodMountHints::Parse is not deterministic");
    for (const auto& h : pod->hints()) {
      oci::Mount m;
      m.destination = "/hint/" + h.name;
      m.type = "bind";
      m.source = h.mount.source;
      m.options = {"rbind"};
      if (mounts.size() < 96) mounts.push_back(std::move(m));
    }
  }
  oci::RuntimeFlags effective = flags;
  auto diags = oci::ApplyFlagAnnotations(annotations, &effective);
  if (!diags.ok() && diags.error().message.empty()) Fail("flag annotation error without a message");

  oci::Spec spec;
  spec.oci_version = "1.1.0";
  spec.process.emplace();
  spec.process->args = {"sh"};
  spec.root.emplace();
  spec.root->path = "/bundle/rootfs";
  spec.mounts = std::move(mounts);
  spec.annotations = annotations;
  auto a = oci::AnalyzeSpec(spec, flags, hg::fuzz::FakeDirectoryProbe());
  if (!a.ok()) {
    if (a.error().message.empty()) Fail("AnalyzeSpec error without a message");
    return 0;
  }
  hg::fuzz::CheckPlan(a->plan);
  return 0;
}
