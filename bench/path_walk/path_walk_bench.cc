// How much the escape-proof walk costs per path component.
//
//   path_walk_bench                       # all cases, one run
//   path_walk_bench --benchmark_filter=16 # only the 16-component cases
//
// Cases, each at 1, 4 and 16 components of a real directory chain:
//   PathWalk/<resolver>   Walk(): open O_PATH + statx per component, handles kept
//   WalkStat/<resolver>   WalkStat(): statx records only
//   RawOpenat             openat(O_PATH|O_NOFOLLOW) per component, no checks
//                         (the floor: what a per-component walk cannot beat)
//   Openat2WholePath      one openat2(RESOLVE_BENEATH|NO_SYMLINKS|NO_MAGICLINKS)
//                         for the whole path (the kernel's one-shot resolution,
//                         which cannot report where a symlink stopped it)
// "ns_per_component" is wall time per component, measured around the
// benchmark loop; "cpu_per_component" is the thread's CPU time per component.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "path_walk/path_walk.h"

namespace hg::path_walk {
namespace {

constexpr int kMaxComponents = 16;

// A chain <tmp>/c00/c01/.../c15, made once, removed at exit.
class Chain {
 public:
  Chain() {
    char tmpl[] = "/tmp/hg-pw-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp");
    base_ = tmpl;
    std::string p = base_;
    for (int i = 0; i < kMaxComponents; ++i) {
      char name[8];
      std::snprintf(name, sizeof(name), "c%02d", i);
      names_.emplace_back(name);
      p += "/";
      p += name;
      if (::mkdir(p.c_str(), 0755) != 0) Die("mkdir");
      dirs_.push_back(p);
    }
  }
  ~Chain() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) ::rmdir(it->c_str());
    ::rmdir(base_.c_str());
  }
  const std::string& base() const { return base_; }
  const std::vector<std::string>& names() const { return names_; }
  std::string RelPath(int n) const {
    std::string p;
    for (int i = 0; i < n; ++i) {
      if (i > 0) p += "/";
      p += names_[i];
    }
    return p;
  }

 private:
  static void Die(const char* what) {
    std::perror(what);
    std::exit(1);
  }
  std::string base_;
  std::vector<std::string> names_;
  std::vector<std::string> dirs_;
};

const Chain& TheChain() {
  static const Chain chain;
  return chain;
}

MountRoot OpenRoot(Resolver r) {
  Options o;
  o.resolver = r;
  auto root = OpenMountRoot(TheChain().base(), o);
  if (!root.ok()) {
    std::fprintf(stderr, "OpenMountRoot: %s\n", root.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(root).value();
}

std::vector<Name> FirstNames(int n) {
  std::vector<Name> out;
  for (int i = 0; i < n; ++i) out.push_back(std::move(Name::Make(TheChain().names()[i])).value());
  return out;
}

// Runs `body` in the benchmark loop and reports wall ns per component.
template <typename Body>
void Measure(benchmark::State& state, int components, Body&& body) {
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) body();
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  const double per = ns / (static_cast<double>(state.iterations()) * components);
  state.counters["ns_per_component"] = benchmark::Counter(per);
  // The same per component in CPU time of this thread (seconds, printed with
  // an SI prefix: "850n" = 850 ns); steadier than wall time on a busy machine.
  state.counters["cpu_per_component"] = benchmark::Counter(
      components, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

bool SkipWithoutOpenat2(benchmark::State& state, Resolver r) {
  if (r != Resolver::kFallback && !Openat2Available()) {
    state.SkipWithError("kernel lacks openat2(2)");
    return true;
  }
  return false;
}

void BM_PathWalk(benchmark::State& state, Resolver r) {
  if (SkipWithoutOpenat2(state, r)) return;
  const int n = static_cast<int>(state.range(0));
  MountRoot root = OpenRoot(r);
  const std::vector<Name> names = FirstNames(n);
  Measure(state, n, [&] {
    auto w = Walk(root.handle(), names);
    if (!w.ok() || w->status != WalkStatus::kSuccess) state.SkipWithError("walk failed");
    benchmark::DoNotOptimize(w);
  });
}

void BM_WalkStat(benchmark::State& state, Resolver r) {
  if (SkipWithoutOpenat2(state, r)) return;
  const int n = static_cast<int>(state.range(0));
  MountRoot root = OpenRoot(r);
  const std::vector<Name> names = FirstNames(n);
  Measure(state, n, [&] {
    auto w = WalkStat(root.handle(), names);
    if (!w.ok() || w->size() != names.size()) state.SkipWithError("walkstat failed");
    benchmark::DoNotOptimize(w);
  });
}

void BM_RawOpenat(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  UniqueFd root(::open(TheChain().base().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  const std::vector<std::string>& names = TheChain().names();
  Measure(state, n, [&] {
    UniqueFd cur;
    for (int i = 0; i < n; ++i) {
      UniqueFd next(::openat(i == 0 ? root.get() : cur.get(), names[i].c_str(),
                             O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!next.valid()) state.SkipWithError("openat failed");
      cur = std::move(next);
    }
    benchmark::DoNotOptimize(cur.get());
  });
}

void BM_Openat2WholePath(benchmark::State& state) {
  if (!Openat2Available()) {
    state.SkipWithError("kernel lacks openat2(2)");
    return;
  }
  const int n = static_cast<int>(state.range(0));
  UniqueFd root(::open(TheChain().base().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  const std::string path = TheChain().RelPath(n);
  open_how how{};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  Measure(state, n, [&] {
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_openat2, root.get(), path.c_str(), &how, sizeof(how))));
    if (!fd.valid()) state.SkipWithError("openat2 failed");
    benchmark::DoNotOptimize(fd.get());
  });
}

BENCHMARK_CAPTURE(BM_PathWalk, openat2, Resolver::kOpenat2)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK_CAPTURE(BM_PathWalk, fallback, Resolver::kFallback)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK_CAPTURE(BM_WalkStat, openat2, Resolver::kOpenat2)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK_CAPTURE(BM_WalkStat, fallback, Resolver::kFallback)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK(BM_RawOpenat)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK(BM_Openat2WholePath)->Arg(1)->Arg(4)->Arg(16);

}  // namespace
}  // namespace hg::path_walk

BENCHMARK_MAIN();
