// Benchmarks of the gofer extensions through the real RPC path (client ->
// Server -> backend), each figure printed next to its floor from the same run:
//   * encrypted PRead/PWrite throughput at 4 KiB and 1 MiB, floor = fsgofer
//     doing the same I/O on the same kind of directory;
//   * tiered_cache open+read+close latency on a hit and on a miss, for each
//     injected backing latency; floor = that injected latency (a miss can
//     never beat it), and fsgofer's open+read+close for the hit.
//
//   bench/extensions/ext_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "extensions/encrypted/encrypted_extension.h"
#include "extensions/tiered_cache/tiered_cache_extension.h"
#include "gofer/client/client_test_util.h"
#include "path_walk/testing/temp_tree.h"
#include "tests/extensions/ext_test_util.h"

namespace hg {
namespace {

constexpr uint64_t kFileSpan = uint64_t{16} << 20;  // I/O cycles over 16 MiB

// One served directory with a file "f" open read-write.
struct IoTarget {
  path_walk::testing::TempTree tree;
  std::unique_ptr<encrypted::EncryptedExtension> ext;
  std::unique_ptr<ext_testing::ExtServer> enc;
  std::unique_ptr<client::testing::ClientServer> fs;
  client::Client* c = nullptr;
  client::FDID fd = wire::kInvalidFDID;

  explicit IoTarget(bool encrypted) {
    tree.MkDir("root");
    if (encrypted) {
      ext = std::make_unique<encrypted::EncryptedExtension>();
      enc = std::make_unique<ext_testing::ExtServer>(
          *ext, tree.Path("root"),
          server::ExtensionOptions{{"key_file", ext_testing::WriteKeyFile(tree.Path("key"))}});
      c = &enc->client();
    } else {
      fs = std::make_unique<client::testing::ClientServer>(tree.Path("root"));
      c = &fs->client();
    }
    auto cr = c->OpenCreateAt(c->root().control_fd, "f", O_RDWR, 0600, wire::kNoUID, wire::kNoGID);
    if (!cr.ok()) std::abort();
    fd = cr->open_fd;
    // Fill the span once so reads hit written data.
    std::vector<uint8_t> buf(1 << 20, 0x5a);
    for (uint64_t off = 0; off < kFileSpan; off += buf.size()) {
      if (!c->PWrite(fd, off, buf).ok()) std::abort();
    }
  }
};

void Io(benchmark::State& state, bool encrypted, bool write) {
  IoTarget t(encrypted);
  const size_t size = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> buf(size, 0xa5);
  uint64_t off = 0;
  for (auto _ : state) {
    if (write) {
      auto n = t.c->PWrite(t.fd, off, buf);
      if (!n.ok()) state.SkipWithError("PWrite failed");
    } else {
      auto n = t.c->PRead(t.fd, off, buf);
      if (!n.ok()) state.SkipWithError("PRead failed");
    }
    off = (off + size) % kFileSpan;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void BM_Fsgofer_PWrite(benchmark::State& s) { Io(s, false, true); }
void BM_Encrypted_PWrite(benchmark::State& s) { Io(s, true, true); }
void BM_Fsgofer_PRead(benchmark::State& s) { Io(s, false, false); }
void BM_Encrypted_PRead(benchmark::State& s) { Io(s, true, false); }
BENCHMARK(BM_Fsgofer_PWrite)->Arg(4096)->Arg(1 << 20)->UseRealTime();
BENCHMARK(BM_Encrypted_PWrite)->Arg(4096)->Arg(1 << 20)->UseRealTime();
BENCHMARK(BM_Fsgofer_PRead)->Arg(4096)->Arg(1 << 20)->UseRealTime();
BENCHMARK(BM_Encrypted_PRead)->Arg(4096)->Arg(1 << 20)->UseRealTime();

// Walk + OpenAt + 4 KiB PRead + Close of "f" (256 KiB).
bool OpenReadClose(client::Client& c) {
  auto in = c.WalkOne(c.root().control_fd, "f");
  if (!in.ok()) return false;
  auto o = c.OpenAt(in->control_fd, O_RDONLY);
  if (!o.ok()) return false;
  std::vector<uint8_t> buf(4096);
  bool ok = c.PRead(o->open_fd, 0, buf).ok();
  const client::FDID fds[] = {o->open_fd, in->control_fd};
  return c.Close(fds).ok() && ok;
}

void Tiered(benchmark::State& state, bool miss) {
  path_walk::testing::TempTree tree;
  tree.MkDir("backing");
  tree.MkDir("cache");
  tree.WriteFile("backing/f", std::string(256 << 10, 'b'), 0644);
  tiered_cache::TieredCacheExtension ext;
  ext_testing::ExtServer s(
      ext, tree.Path("backing"),
      {{"cache", tree.Path("cache")}, {"backing_latency_ms", std::to_string(state.range(0))}});
  if (!s.ok() || !OpenReadClose(s.client())) {  // first open: fills the cache
    state.SkipWithError("setup failed");
    return;
  }
  const std::string host = tree.Path("backing/f");
  long nsec = 0;
  for (auto _ : state) {
    if (miss) {
      // A new backing version (another writer of the volume): the next open
      // must fetch it.
      state.PauseTiming();
      struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000, ++nsec % 1000000000}};
      ::utimensat(AT_FDCWD, host.c_str(), ts, 0);
      state.ResumeTiming();
    }
    if (!OpenReadClose(s.client())) state.SkipWithError("open/read/close failed");
  }
}
void BM_Tiered_Hit(benchmark::State& s) { Tiered(s, false); }
void BM_Tiered_Miss(benchmark::State& s) { Tiered(s, true); }
void BM_Fsgofer_OpenReadClose(benchmark::State& state) {
  path_walk::testing::TempTree tree;
  tree.MkDir("root");
  tree.WriteFile("root/f", std::string(256 << 10, 'b'), 0644);
  client::testing::ClientServer cs(tree.Path("root"));
  for (auto _ : state) {
    if (!OpenReadClose(cs.client())) state.SkipWithError("open/read/close failed");
  }
}
BENCHMARK(BM_Fsgofer_OpenReadClose)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Tiered_Hit)->Arg(0)->Arg(2)->Arg(10)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Tiered_Miss)->Arg(0)->Arg(2)->Arg(10)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Console output plus a closing table: each figure next to its floor.
class FloorReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.iterations == 0 || r.error_occurred) continue;
      // GetTimeUnitMultiplier: seconds -> the run's unit.
      const double secs = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
      us_[r.benchmark_name()] = secs * 1e6;
      auto it = r.counters.find("bytes_per_second");
      if (it != r.counters.end()) mbps_[r.benchmark_name()] = it->second.value / (1 << 20);
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nencrypted throughput (floor: fsgofer, same run)\n");
    for (const char* op : {"PWrite", "PRead"}) {
      for (const char* sz : {"4096", "1048576"}) {
        const std::string e = std::string("BM_Encrypted_") + op + "/" + sz + "/real_time";
        const std::string f = std::string("BM_Fsgofer_") + op + "/" + sz + "/real_time";
        if (mbps_.count(e) && mbps_.count(f)) {
          std::printf("  %-6s %7s B: encrypted %8.1f MiB/s   fsgofer %8.1f MiB/s   (%.2fx)\n", op,
                      sz, mbps_[e], mbps_[f], mbps_[e] / mbps_[f]);
        }
      }
    }
    std::printf("tiered_cache open+read+close (floor: injected backing latency; fsgofer %.0f us)\n",
                us_.count("BM_Fsgofer_OpenReadClose/real_time")
                    ? us_["BM_Fsgofer_OpenReadClose/real_time"]
                    : 0.0);
    for (const char* ms : {"0", "2", "10"}) {
      const std::string h = std::string("BM_Tiered_Hit/") + ms + "/real_time";
      const std::string m = std::string("BM_Tiered_Miss/") + ms + "/real_time";
      if (us_.count(h) && us_.count(m)) {
        std::printf("  latency %2s ms: hit %8.0f us   miss %8.0f us   (miss - floor %.0f us)\n", ms,
                    us_[h], us_[m], us_[m] - std::stod(ms) * 1000);
      }
    }
  }

 private:
  std::map<std::string, double> us_, mbps_;
};

}  // namespace
}  // namespace hg

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  hg::FloorReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
