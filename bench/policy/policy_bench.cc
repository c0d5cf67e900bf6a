// What compiling a policy costs, and what the compiled program costs per call.
//
//   policy_bench                         # the per-example table, then all benchmarks
//   policy_bench --benchmark_filter=/100 # compile time at 100 mounts only
//
// 1. A table, one row per example bundle (examples/bundles, compiled exactly as
//    the golden test does): BPF instructions, and instructions executed on the
//    classic-BPF interpreter for allowed calls (every alternative of every
//    allowed syscall, with arguments that satisfy it) and for denied calls
//    (every x86_64 syscall number the program does not allow, zero arguments),
//    as min/median/max; next to gVisor's gofer program for the same sets
//    (stock 209 instructions, + LisaFS 267, + host UDS 291; allowed calls
//    execute 10-23 instructions, median 17).
// 2. BM_Compile/<mounts>: CompilePolicy on a spec with 1, 10, 100 and 1000 bind
//    mounts (every fourth with a `directfs: off` hint), everything in memory.
#include <benchmark/benchmark.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policy/commands.h"
#include "policy/compiler.h"
#include "policy/output_dir.h"
#include "policy/testing/examples.h"
#include "policy/testing/fake_extensions.h"
#include "seccomp/interpreter.h"

namespace hg::policy {
namespace {

struct Stats {
  size_t n = 0, min = 0, median = 0, max = 0;
};

Stats Summarise(std::vector<size_t> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.median = v[v.size() / 2];
  return s;
}

std::string Fmt(const Stats& s) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%zu/%zu/%zu (n=%zu)", s.min, s.median, s.max, s.n);
  return buf;
}

// CompiledPolicy for an example, compiled as `policy compile` does.
ErrorOr<CompiledPolicy> CompileExample(const testing::Example& ex) {
  CompileCommand c = testing::CommandFor(ex, "");
  ErrorOr<oci::RuntimeFlags> flags = ParseRuntimeFlags(c.flags);
  if (!flags.ok()) return flags.error();
  ErrorOr<CompileInputs> in = LoadInputs(c.bundle, *flags, c.operator_policy);
  if (!in.ok()) return in.error();
  in->extensions = c.extensions;
  in->audit = c.audit;
  return CompilePolicy(*in);
}

void PrintTable() {
  ErrorOr<std::vector<testing::Example>> examples = testing::Examples();
  if (!examples.ok()) {
    std::fprintf(stderr, "examples: %s\n", examples.error().ToString().c_str());
    return;
  }
  std::printf("%-25s %-66s %5s %-6s %-21s %-21s\n", "example", "sets", "insns", "gVisor",
              "allowed min/med/max", "denied min/med/max");
  for (const testing::Example& ex : *examples) {
    ErrorOr<CompiledPolicy> p = CompileExample(ex);
    if (!p.ok()) {
      std::printf("%-26s error: %s\n", ex.name.c_str(), p.error().ToString().c_str());
      continue;
    }
    const seccomp::BpfProgram& prog = p->filter.program;
    std::vector<size_t> allowed, denied;
    std::set<int> allowed_nrs;
    bool bad = false;
    for (const pb::SyscallRule& r : p->policy.seccomp().syscall()) {
      allowed_nrs.insert(r.nr());
      for (const pb::Alternative& a : r.alternative()) {
        seccomp::SyscallArgs args{};
        for (const pb::ArgCond& c : a.cond()) {
          const uint64_t v = c.placeholder().empty()
                                 ? c.value()
                                 : seccomp::SentinelValue(*seccomp::PlaceholderFromName(c.placeholder()));
          args[c.arg()] = v & c.mask();
        }
        const seccomp::Verdict v =
            seccomp::Interpret(prog, seccomp::SeccompData::For(seccomp::Arch::kX86_64, r.nr(), args));
        // An alternative a deny rule always overrides (a compiler note) is not an allowed call.
        if (!v.allowed()) continue;
        allowed.push_back(v.insns_executed);
      }
    }
    for (int nr = 0; nr < 460; ++nr) {
      if (allowed_nrs.count(nr) || !seccomp::SyscallName(seccomp::Arch::kX86_64, nr)) continue;
      const seccomp::Verdict v = seccomp::Interpret(prog, seccomp::SeccompData::For(seccomp::Arch::kX86_64, nr));
      if (v.allowed()) bad = true;
      denied.push_back(v.insns_executed);
    }
    std::string sets;
    bool lisafs = false, uds = false;
    for (const pb::SetUse& s : p->policy.seccomp().set()) {
      if (!s.included()) continue;
      sets += (sets.empty() ? "" : "+") + s.name();
      lisafs = lisafs || s.name() == "lisafs";
      uds = uds || s.name().rfind("host_uds", 0) == 0;
    }
    const char* gvisor = !uds ? (lisafs ? "267" : "209") : (lisafs ? "291" : "-");
    std::printf("%-25s %-66s %5zu %-6s %-21s %-21s%s\n", ex.name.c_str(), sets.c_str(), prog.size(),
                gvisor, Fmt(Summarise(allowed)).c_str(), Fmt(Summarise(denied)).c_str(),
                bad ? "  (!) a denied number was allowed" : "");
  }
  std::printf("gVisor's gofer program: stock 209 instructions, + LisaFS 267, + host UDS 291; "
              "allowed calls execute 10-23 instructions, median 17.\n\n");
}

// A spec with `n` bind mounts; every fourth has a complete `directfs: off` hint.
std::string SpecWithMounts(int n) {
  std::string mounts, ann;
  for (int i = 0; i < n; ++i) {
    const std::string src = "/srv/vol" + std::to_string(i);
    mounts += std::string(i ? "," : "") + R"({"destination":"/vol)" + std::to_string(i) +
              R"(","type":"bind","source":")" + src + R"(","options":["rbind","rw"]})";
    if (i % 4 == 3) {
      const std::string p = "\"dev.gvisor.spec.mount.v" + std::to_string(i) + ".";
      ann += std::string(ann.empty() ? "" : ",") + p + "source\":\"" + src + "\"," + p +
             "type\":\"bind\"," + p + "share\":\"shared\"," + p + "directfs\":\"off\"";
    }
  }
  return R"({"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},)"
         R"("mounts":[)" + mounts + "]" + (ann.empty() ? "" : R"(,"annotations":{)" + ann + "}") + "}";
}

void BM_Compile(benchmark::State& state) {
  CompileInputs in;
  in.bundle_dir = "/bundle";
  in.spec_bytes = SpecWithMounts(static_cast<int>(state.range(0)));
  in.probe = [](const std::string&) -> oci::ErrorOr<bool> { return true; };
  in.extensions = {testing::FakeCache()};
  size_t insns = 0;
  for (auto _ : state) {
    ErrorOr<CompiledPolicy> p = CompilePolicy(in);
    if (!p.ok()) {
      state.SkipWithError(p.error().ToString().c_str());
      return;
    }
    insns = p->filter.program.size();
    benchmark::DoNotOptimize(p->policy);
  }
  state.counters["mounts"] = static_cast<double>(state.range(0));
  state.counters["insns"] = static_cast<double>(insns);
}
BENCHMARK(BM_Compile)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// Compile + render the five files (what `policy compile` does before writing).
void BM_CompileAndRender(benchmark::State& state) {
  CompileInputs in;
  in.bundle_dir = "/bundle";
  in.spec_bytes = SpecWithMounts(static_cast<int>(state.range(0)));
  in.probe = [](const std::string&) -> oci::ErrorOr<bool> { return true; };
  size_t bytes = 0;
  for (auto _ : state) {
    ErrorOr<CompiledPolicy> p = CompilePolicy(in);
    if (!p.ok()) {
      state.SkipWithError(p.error().ToString().c_str());
      return;
    }
    PolicyFiles f = RenderFiles(*p);
    bytes = f.binary.size() + f.textproto.size() + f.explain.size();
    benchmark::DoNotOptimize(f);
  }
  state.counters["output_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_CompileAndRender)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hg::policy

int main(int argc, char** argv) {
  hg::policy::PrintTable();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
