// Round-trip latency of the smallest useful RPC (FStat of the mount root)
// through the real client, server and fsgofer, over one flipcall channel and
// over the main socket. The same run measures the floors the issue compares
// against: a direct statx of the same directory (the host work) and a futex
// ping-pong between two threads (the cheapest possible cross-thread hand-off).
// At exit a table prints each RPC's time as a ratio of (direct + futex floor).
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "base/unique_fd.h"
#include "gofer/client/client.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/fsgofer/mount_state.h"
#include "gofer/server/server.h"

namespace {

using hg::UniqueFd;

// A served temp directory with a mounted client.
class Served {
 public:
  explicit Served(size_t channels) {
    char tmpl[] = "/tmp/hg-rpc-bench.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir_ = tmpl;
    hg::fsgofer::FsgoferConfig cfg;
    cfg.host = hg::fsgofer::HostResources::Open().value();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    hg::server::ConnectionConfig cc;
    cc.mount_path = dir_;
    cc.opts = hg::fsgofer::ConnectionOptsFor(cfg.rules);
    cc.impl = hg::fsgofer::FsConnectionImpl::Create(std::move(cfg)).value();
    conn_ = server_.StartConnection(UniqueFd(sv[1]), std::move(cc)).value();
    hg::client::ClientOptions opts;
    opts.channels = channels;
    client_ = hg::client::Client::Mount(UniqueFd(sv[0]), opts).value();
  }
  ~Served() {
    client_.reset();
    conn_.reset();
    server_.Wait();
    ::rmdir(dir_.c_str());
  }
  hg::client::Client& client() { return *client_; }
  hg::wire::FDID root() const { return client_->root().control_fd; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  hg::server::Server server_;
  std::shared_ptr<hg::server::Connection> conn_;
  std::unique_ptr<hg::client::Client> client_;
};

void BM_DirectStatx(benchmark::State& state) {
  char tmpl[] = "/tmp/hg-rpc-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) std::abort();
  UniqueFd fd(::open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct statx stx;
  for (auto _ : state) {
    int r = ::statx(fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &stx);
    benchmark::DoNotOptimize(r);
  }
  ::rmdir(tmpl);
}
BENCHMARK(BM_DirectStatx)->UseRealTime();

long Futex(std::atomic<uint32_t>* word, int op, uint32_t val) {
  return ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, nullptr, nullptr, 0);
}

// One round trip = hand the turn to the other thread and wait for it back,
// with FUTEX_WAIT/FUTEX_WAKE as flipcall does (non-private, like a shared
// mapping between processes).
void BM_FutexRoundTrip(benchmark::State& state) {
  std::atomic<uint32_t> turn{0};  // 0: main thread's turn, 1: peer's, 2: stop
  std::thread peer([&] {
    for (;;) {
      uint32_t v = turn.load(std::memory_order_acquire);
      if (v == 2) return;
      if (v != 1) {
        Futex(&turn, FUTEX_WAIT, v);
        continue;
      }
      turn.store(0, std::memory_order_release);
      Futex(&turn, FUTEX_WAKE, 1);
    }
  });
  for (auto _ : state) {
    turn.store(1, std::memory_order_release);
    Futex(&turn, FUTEX_WAKE, 1);
    while (turn.load(std::memory_order_acquire) == 1) Futex(&turn, FUTEX_WAIT, 1);
  }
  turn.store(2, std::memory_order_release);
  Futex(&turn, FUTEX_WAKE, 1);
  peer.join();
}
BENCHMARK(BM_FutexRoundTrip)->UseRealTime();

void FStatLoop(benchmark::State& state, size_t channels) {
  Served s(channels);
  for (auto _ : state) {
    auto r = s.client().FStat(s.root());
    if (!r.ok()) {
      state.SkipWithError("FStat failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}
void BM_FStat_Channel(benchmark::State& state) { FStatLoop(state, 1); }
void BM_FStat_Socket(benchmark::State& state) { FStatLoop(state, 0); }
BENCHMARK(BM_FStat_Channel)->UseRealTime();
BENCHMARK(BM_FStat_Socket)->UseRealTime();

// Console output plus a closing table of ratios against the floor.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.iterations == 0) continue;
      ns_[r.benchmark_name()] = r.GetAdjustedRealTime();  // in the run's time unit (ns)
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto get = [&](const char* name) -> double {
      for (const auto& [k, v] : ns_) {
        if (k.rfind(name, 0) == 0) return v;
      }
      return 0;
    };
    double direct = get("BM_DirectStatx"), futex = get("BM_FutexRoundTrip");
    double floor = direct + futex;
    if (floor <= 0) return;
    std::printf("\nfloor = direct statx %.0f ns + futex round trip %.0f ns = %.0f ns\n", direct,
                futex, floor);
    for (const char* n : {"BM_FStat_Channel", "BM_FStat_Socket"}) {
      double v = get(n);
      if (v > 0) std::printf("%-18s %8.0f ns  %.2fx floor\n", n, v, v / floor);
    }
  }

 private:
  std::map<std::string, double> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
