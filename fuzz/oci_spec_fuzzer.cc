// oci_spec: the OCI config.json parser and everything the policy compiler
// derives from a spec (runsc's validation, flag annotations, mount hints, the
// gofer mount plan).
//
// Input: config.json text, as a tenant could write it.
//
// Pipeline (what `hardgofer run` and the policy compiler do): ParseSpec ->
// ResolveBundlePaths("/bundle") -> AnalyzeSpec with runsc's default flags and
// again with directfs off, host UDS "all" and --overlay2 none. Host stat() is
// replaced by a deterministic fake (support/fake_probe.h).
//
// Oracles beyond sanitizers: every error has a message; every diagnostic
// renders; the plan is self-consistent (support/plan_check.h); a mount's pod
// hint exists.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/support/fake_probe.h"
#include "fuzz/support/plan_check.h"
#include "oci/gofer_mount_conf.h"
#include "oci/gofer_mounts.h"
#include "oci/runtime_flags.h"
#include "oci/spec.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "oci_spec: %s\n", what);
  std::abort();
}

void Analyze(const hg::oci::Spec& spec, const hg::oci::RuntimeFlags& flags) {
  auto a = hg::oci::AnalyzeSpec(spec, flags, hg::fuzz::FakeDirectoryProbe());
  if (!a.ok()) {
    if (a.error().message.empty()) Fail("AnalyzeSpec error without a message");
    return;
  }
  for (const auto& d : a->diagnostics) {
    if (d.ToString().empty()) Fail("empty diagnostic");
  }
  hg::fuzz::CheckPlan(a->plan);
  for (const auto& m : a->plan.mounts) {
    if (m.pod_hint_name.empty()) continue;
    bool found = false;
    for (const auto& h : a->pod_hints.hints()) found |= h.name == m.pod_hint_name;
    if (!found) Fail("a mount names a pod hint that does not exist");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = hg::oci::ParseSpec(text);
  if (!spec.ok()) {
    if (spec.error().message.empty()) Fail("ParseSpec error without a message");
    return 0;
  }
  hg::oci::ResolveBundlePaths(*spec, "/bundle");
  Analyze(*spec, hg::oci::RuntimeFlags{});
  hg::oci::RuntimeFlags other;
  other.directfs = false;
  other.host_uds = hg::oci::HostUds::kAll;
  other.host_fifo = hg::oci::HostFifo::kOpen;
  auto none = hg::oci::Overlay2::Parse("none");
  if (!none.ok()) Fail("--overlay2=none does not parse");
  other.overlay2 = *none;
  Analyze(*spec, other);
  return 0;
}
