// fsgofer through the whole stack (our client, the server, fsgofer, one
// flipcall channel per client thread), per operation, at 1, 2 and 4 client
// threads, next to its floor measured in the same run:
//
//   floor = the direct host syscall(s) the operation stands for, at the same
//           thread count, plus one futex round trip per RPC (N ping-pong
//           pairs for N threads: the cheapest possible hand-off to another
//           thread and back, which is what a flipcall channel does).
//
//   fsgofer_bench                               # every op, then the table
//   fsgofer_bench --benchmark_filter='FStat'    # one op (direct + rpc + futex)
//
// Operations (RPC name -> direct equivalent):
//   FStat           statx(fd, "", AT_EMPTY_PATH)
//   WalkStat4       WalkStat {a,b,c,d}  -> 4 fstatat of a, a/b, a/b/c, a/b/c/d
//   OpenClose       OpenAt + batched Close of a regular file -> openat + close
//   PRead4K/1M      pread of 4 KiB / 1 MiB (page cache)
//   PWrite4K/1M     pwrite of 4 KiB / 1 MiB
//   Getdents1000    a directory of 1,000 entries listed from the start
//                   -> lseek + getdents64 loop with the same 32 KiB budget
//   MkdirUnlink     MkdirAt + UnlinkAt (2 RPCs) -> mkdirat + unlinkat
// Every iteration is timed on its own (CLOCK_MONOTONIC), so the table shows
// p50 and p99 per operation, not just a mean; ops/s is the total over all
// threads per wall-clock second. At exit the table prints each p50 as a ratio
// of its floor, and of the plain direct syscall where issue 5 sets the target
// that way (Getdents64 ≤ 2x direct, MkdirAt+UnlinkAt ≤ 1.5x the direct pair;
// FStat and 4 KiB PRead/PWrite ≤ 1.2x floor).
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "gofer/client/client.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/server/server.h"
#include "path_walk/testing/temp_tree.h"

namespace {

using hg::UniqueFd;
using hg::wire::FDID;

constexpr int kMaxThreads = 4;
constexpr size_t k4K = 4096;
constexpr size_t k1M = size_t{1} << 20;
constexpr int kDirEntries = 1000;
constexpr size_t kDirentBudget = 32 * 1024;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fsgofer_bench: setup failed: %s\n", what);
  std::exit(1);
}

uint64_t NowNs() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// ---- Samples ----------------------------------------------------------------

struct Sample {
  std::vector<uint64_t> lat_ns;
  uint64_t first_ns = UINT64_MAX;
  uint64_t last_ns = 0;
};
std::mutex g_mu;
std::map<std::string, Sample> g_samples;  // "<kind>_<op>/<threads>"; guarded by g_mu

std::string Key(const char* kind, const char* op, int threads) {
  return std::string(kind) + "_" + op + "/" + std::to_string(threads);
}

uint64_t Percentile(std::vector<uint64_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

// Times every iteration of `op` (returns false on failure) and files the
// latencies under `key`, merged across the benchmark's threads.
template <typename Op>
void TimedLoop(benchmark::State& state, const std::string& key, Op&& op) {
  std::vector<uint64_t> lat;
  lat.reserve(static_cast<size_t>(state.max_iterations));
  uint64_t first = 0;
  for (auto _ : state) {
    const uint64_t a = NowNs();
    if (first == 0) first = a;
    if (!op()) {
      state.SkipWithError("operation failed");
      break;
    }
    lat.push_back(NowNs() - a);
  }
  const uint64_t last = NowNs();
  state.SetItemsProcessed(state.iterations());
  std::vector<uint64_t> sorted = lat;
  state.counters["p50_ns"] = benchmark::Counter(static_cast<double>(Percentile(sorted, 0.50)),
                                                benchmark::Counter::kAvgThreads);
  state.counters["p99_ns"] = benchmark::Counter(static_cast<double>(Percentile(sorted, 0.99)),
                                                benchmark::Counter::kAvgThreads);
  std::lock_guard<std::mutex> l(g_mu);
  Sample& s = g_samples[key];
  s.lat_ns.insert(s.lat_ns.end(), lat.begin(), lat.end());
  if (first != 0) s.first_ns = std::min(s.first_ns, first);
  s.last_ns = std::max(s.last_ns, last);
}

// ---- The served tree ----------------------------------------------------------

// root/
//   a/b/c/d             WalkStat4
//   big/entry-0000..    Getdents1000
//   t<i>/file           1 MiB + 4 KiB, per client thread
//   t<i>/churn/         MkdirUnlink, per client thread
class Fixture {
 public:
  struct PerThread {
    UniqueFd tdir;    // O_PATH of t<i> (direct openat)
    UniqueFd file;    // O_RDWR of t<i>/file (direct I/O, statx)
    UniqueFd churn;   // O_PATH of t<i>/churn
    UniqueFd bigdir;  // O_RDONLY of big (own offset)
    FDID file_ctl = hg::wire::kInvalidFDID;
    FDID file_open = hg::wire::kInvalidFDID;  // O_RDWR
    FDID churn_ctl = hg::wire::kInvalidFDID;
    FDID big_open = hg::wire::kInvalidFDID;
    std::vector<uint8_t> buf = std::vector<uint8_t>(k1M, 0x5a);
    std::vector<char> dirbuf = std::vector<char>(kDirentBudget);
  };

  Fixture() {
    tree_.MkDir("root");
    tree_.MkDir("root/a");
    tree_.MkDir("root/a/b");
    tree_.MkDir("root/a/b/c");
    tree_.WriteFile("root/a/b/c/d", "d");
    tree_.MkDir("root/big");
    for (int i = 0; i < kDirEntries; ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "root/big/entry-%04d", i);
      tree_.WriteFile(name, "");
    }
    const std::string content(k1M + k4K, 'c');
    for (int i = 0; i < kMaxThreads; ++i) {
      const std::string t = "root/t" + std::to_string(i);
      tree_.MkDir(t);
      tree_.MkDir(t + "/churn");
      tree_.WriteFile(t + "/file", content);
    }
    root_ = UniqueFd(::open(tree_.Path("root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_.valid()) Die("open root");

    hg::fsgofer::FsgoferConfig cfg;
    auto host = hg::fsgofer::HostResources::Open();
    if (!host.ok()) Die("HostResources");
    cfg.host = std::move(host).value();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Die("socketpair");
    hg::server::ConnectionConfig cc;
    cc.mount_path = tree_.Path("root");
    cc.opts = hg::fsgofer::ConnectionOptsFor(cfg.rules);
    cc.limits.max_channels = kMaxThreads;
    auto impl = hg::fsgofer::FsConnectionImpl::Create(std::move(cfg));
    if (!impl.ok()) Die("FsConnectionImpl");
    cc.impl = std::move(impl).value();
    auto conn = server_.StartConnection(UniqueFd(sv[1]), std::move(cc));
    if (!conn.ok()) Die("StartConnection");
    conn_ = std::move(conn).value();
    hg::client::ClientOptions opts;
    opts.channels = kMaxThreads;  // one per client thread: none waits for the socket
    auto c = hg::client::Client::Mount(UniqueFd(sv[0]), opts);
    if (!c.ok()) Die("Mount");
    client_ = std::move(c).value();

    auto big = client_->WalkOne(root(), "big");
    if (!big.ok()) Die("walk big");
    for (int i = 0; i < kMaxThreads; ++i) {
      PerThread& p = per_[i];
      const std::string t = "t" + std::to_string(i);
      p.tdir = UniqueFd(::openat(root_.get(), t.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      p.file = UniqueFd(::openat(p.tdir.get(), "file", O_RDWR | O_CLOEXEC));
      p.churn = UniqueFd(::openat(p.tdir.get(), "churn", O_PATH | O_DIRECTORY | O_CLOEXEC));
      p.bigdir = UniqueFd(::openat(root_.get(), "big", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!p.tdir.valid() || !p.file.valid() || !p.churn.valid() || !p.bigdir.valid()) {
        Die("open per-thread files");
      }
      auto w = client_->Walk(root(), {t, "file"});
      auto ch = client_->Walk(root(), {t, "churn"});
      if (!w.ok() || w->inodes.size() != 2 || !ch.ok() || ch->inodes.size() != 2) Die("walk");
      client_->CloseFd(w->inodes[0].control_fd);
      client_->CloseFd(ch->inodes[0].control_fd);
      p.file_ctl = w->inodes[1].control_fd;
      p.churn_ctl = ch->inodes[1].control_fd;
      auto o = client_->OpenAt(p.file_ctl, O_RDWR);
      auto d = client_->OpenAt(big->control_fd, O_RDONLY);
      if (!o.ok() || !d.ok()) Die("OpenAt");
      p.file_open = o->open_fd;
      p.big_open = d->open_fd;
    }
    client_->CloseFd(big->control_fd);
  }

  ~Fixture() {
    client_.reset();
    server_.Wait();
  }

  hg::client::Client& client() { return *client_; }
  FDID root() const { return client_->root_fd(); }
  int root_fd() const { return root_.get(); }
  PerThread& per(int i) { return per_[i]; }

 private:
  hg::path_walk::testing::TempTree tree_;
  UniqueFd root_;
  hg::server::Server server_;
  std::shared_ptr<hg::server::Connection> conn_;
  std::unique_ptr<hg::client::Client> client_;
  PerThread per_[kMaxThreads];
};

Fixture* g_fx = nullptr;

// ---- Floors -------------------------------------------------------------------

long Futex(std::atomic<uint32_t>* word, int op, uint32_t val) {
  return ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, nullptr, nullptr, 0);
}

// One round trip = hand the turn to a peer thread and wait for it back, with
// non-private FUTEX_WAIT/FUTEX_WAKE as flipcall does. Each benchmark thread
// has its own peer and word: N threads measure N concurrent pairs.
void BM_Futex(benchmark::State& state) {
  alignas(64) std::atomic<uint32_t> turn{0};  // 0: ours, 1: peer's, 2: stop
  std::thread peer([&] {
    for (;;) {
      const uint32_t v = turn.load(std::memory_order_acquire);
      if (v == 2) return;
      if (v != 1) {
        Futex(&turn, FUTEX_WAIT, v);
        continue;
      }
      turn.store(0, std::memory_order_release);
      Futex(&turn, FUTEX_WAKE, 1);
    }
  });
  TimedLoop(state, Key("futex", "RoundTrip", state.threads()), [&] {
    turn.store(1, std::memory_order_release);
    Futex(&turn, FUTEX_WAKE, 1);
    while (turn.load(std::memory_order_acquire) == 1) Futex(&turn, FUTEX_WAIT, 1);
    return true;
  });
  turn.store(2, std::memory_order_release);
  Futex(&turn, FUTEX_WAKE, 1);
  peer.join();
}

// ---- Operations: direct and through RPC ---------------------------------------

#define HG_OP(op) Key(kind, op, state.threads())

void FStat(benchmark::State& state, bool rpc) {
  const char* kind = rpc ? "rpc" : "direct";
  Fixture::PerThread& p = g_fx->per(state.thread_index());
  if (rpc) {
    TimedLoop(state, HG_OP("FStat"), [&] { return g_fx->client().FStat(p.file_ctl).ok(); });
  } else {
    struct statx st;
    TimedLoop(state, HG_OP("FStat"), [&] {
      return ::statx(p.file.get(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
                     STATX_BASIC_STATS | STATX_BTIME, &st) == 0;
    });
  }
}

void WalkStat4(benchmark::State& state, bool rpc) {
  const char* kind = rpc ? "rpc" : "direct";
  if (rpc) {
    TimedLoop(state, HG_OP("WalkStat4"), [&] {
      auto r = g_fx->client().WalkStat(g_fx->root(), {"a", "b", "c", "d"});
      return r.ok() && r->size() == 4;
    });
  } else {
    struct statx st;
    const int root = g_fx->root_fd();
    TimedLoop(state, HG_OP("WalkStat4"), [&] {
      for (const char* p : {"a", "a/b", "a/b/c", "a/b/c/d"}) {
        if (::statx(root, p, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &st) != 0) {
          return false;
        }
      }
      return true;
    });
  }
}

void OpenClose(benchmark::State& state, bool rpc) {
  const char* kind = rpc ? "rpc" : "direct";
  Fixture::PerThread& p = g_fx->per(state.thread_index());
  if (rpc) {
    TimedLoop(state, HG_OP("OpenClose"), [&] {
      auto o = g_fx->client().OpenAt(p.file_ctl, O_RDONLY);  // the donated FD closes here
      if (!o.ok()) return false;
      g_fx->client().CloseFd(o->open_fd);  // batched, as gVisor's client
      return true;
    });
    (void)g_fx->client().FlushCloses();
  } else {
    TimedLoop(state, HG_OP("OpenClose"), [&] {
      UniqueFd fd(::openat(p.tdir.get(), "file", O_RDONLY | O_CLOEXEC));
      return fd.valid();
    });
  }
}

void PRead(benchmark::State& state, bool rpc, size_t size, const char* name) {
  const char* kind = rpc ? "rpc" : "direct";
  Fixture::PerThread& p = g_fx->per(state.thread_index());
  std::span<uint8_t> buf(p.buf.data(), size);
  if (rpc) {
    TimedLoop(state, HG_OP(name), [&] {
      auto r = g_fx->client().PRead(p.file_open, 0, buf);
      return r.ok() && *r == size;
    });
  } else {
    TimedLoop(state, HG_OP(name), [&] {
      return ::pread(p.file.get(), buf.data(), size, 0) == static_cast<ssize_t>(size);
    });
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void PWrite(benchmark::State& state, bool rpc, size_t size, const char* name) {
  const char* kind = rpc ? "rpc" : "direct";
  Fixture::PerThread& p = g_fx->per(state.thread_index());
  std::span<const uint8_t> buf(p.buf.data(), size);
  if (rpc) {
    TimedLoop(state, HG_OP(name), [&] {
      auto r = g_fx->client().PWrite(p.file_open, 0, buf);
      return r.ok() && *r == size;
    });
  } else {
    TimedLoop(state, HG_OP(name), [&] {
      return ::pwrite(p.file.get(), buf.data(), size, 0) == static_cast<ssize_t>(size);
    });
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void Getdents1000(benchmark::State& state, bool rpc) {
  const char* kind = rpc ? "rpc" : "direct";
  Fixture::PerThread& p = g_fx->per(state.thread_index());
  if (rpc) {
    TimedLoop(state, HG_OP("Getdents1000"), [&] {
      size_t n = 0;
      int32_t count = -static_cast<int32_t>(kDirentBudget);  // negative: from the start
      for (;;) {
        auto r = g_fx->client().Getdents64(p.big_open, count);
        if (!r.ok()) return false;
        if (r->empty()) break;
        n += r->size();
        count = static_cast<int32_t>(kDirentBudget);
      }
      return n == kDirEntries + 2;
    });
  } else {
    TimedLoop(state, HG_OP("Getdents1000"), [&] {
      if (::lseek(p.bigdir.get(), 0, SEEK_SET) != 0) return false;
      size_t n = 0;
      for (;;) {
        const long got =
            ::syscall(SYS_getdents64, p.bigdir.get(), p.dirbuf.data(), p.dirbuf.size());
        if (got < 0) return false;
        if (got == 0) break;
        for (long pos = 0; pos < got;) {
          uint16_t reclen;
          std::memcpy(&reclen, p.dirbuf.data() + pos + 16, sizeof(reclen));
          pos += reclen;
          ++n;
        }
      }
      return n == kDirEntries + 2;
    });
  }
}

void MkdirUnlink(benchmark::State& state, bool rpc) {
  const char* kind = rpc ? "rpc" : "direct";
  Fixture::PerThread& p = g_fx->per(state.thread_index());
  if (rpc) {
    TimedLoop(state, HG_OP("MkdirUnlink"), [&] {
      auto m = g_fx->client().MkdirAt(p.churn_ctl, "x", 0755, hg::wire::kNoUID, hg::wire::kNoGID);
      if (!m.ok()) return false;
      g_fx->client().CloseFd(m->control_fd);
      return g_fx->client().UnlinkAt(p.churn_ctl, "x", AT_REMOVEDIR).ok();
    });
    (void)g_fx->client().FlushCloses();
  } else {
    TimedLoop(state, HG_OP("MkdirUnlink"), [&] {
      return ::mkdirat(p.churn.get(), "x", 0755) == 0 &&
             ::unlinkat(p.churn.get(), "x", AT_REMOVEDIR) == 0;
    });
  }
}

#undef HG_OP

// Iteration counts are fixed (no calibration runs), so every sample in the
// table comes from exactly one run per thread count.
void Register() {
  struct Op {
    const char* name;
    std::function<void(benchmark::State&, bool)> fn;
    int64_t iters;
  };
  const Op ops[] = {
      {"FStat", FStat, 20000},
      {"WalkStat4", WalkStat4, 10000},
      {"OpenClose", OpenClose, 10000},
      {"PRead4K", [](benchmark::State& s, bool r) { PRead(s, r, k4K, "PRead4K"); }, 20000},
      {"PRead1M", [](benchmark::State& s, bool r) { PRead(s, r, k1M, "PRead1M"); }, 500},
      {"PWrite4K", [](benchmark::State& s, bool r) { PWrite(s, r, k4K, "PWrite4K"); }, 20000},
      {"PWrite1M", [](benchmark::State& s, bool r) { PWrite(s, r, k1M, "PWrite1M"); }, 500},
      {"Getdents1000", Getdents1000, 1000},
      {"MkdirUnlink", MkdirUnlink, 5000},
  };
  for (int threads : {1, 2, 4}) {
    benchmark::RegisterBenchmark("futex/RoundTrip", BM_Futex)
        ->Threads(threads)
        ->Iterations(20000)
        ->UseRealTime();
  }
  for (const Op& op : ops) {
    for (bool rpc : {false, true}) {
      for (int threads : {1, 2, 4}) {
        const std::string name = std::string(rpc ? "rpc/" : "direct/") + op.name;
        auto fn = op.fn;
        benchmark::RegisterBenchmark(name.c_str(), [fn, rpc](benchmark::State& s) { fn(s, rpc); })
            ->Threads(threads)
            ->Iterations(op.iters)
            ->UseRealTime();
      }
    }
  }
}

// ---- The table ----------------------------------------------------------------

struct Row {
  const char* op;
  int rpcs;        // futex round trips in the floor
  double target;   // 0: none
  bool vs_direct;  // target is against the direct syscall(s), not the floor
};

void PrintTable() {
  const Row rows[] = {
      {"FStat", 1, 1.2, false},   {"WalkStat4", 1, 0, false},     {"OpenClose", 1, 0, false},
      {"PRead4K", 1, 1.2, false}, {"PRead1M", 1, 0, false},       {"PWrite4K", 1, 1.2, false},
      {"PWrite1M", 1, 0, false},  {"Getdents1000", 1, 2.0, true}, {"MkdirUnlink", 2, 1.5, true},
  };
  std::lock_guard<std::mutex> l(g_mu);
  std::printf("\n%-13s %3s %10s %9s %9s | %10s %9s %9s %9s | %6s %6s | %s\n", "op", "thr", "ops/s",
              "p50 ns", "p99 ns", "dir ops/s", "dir p50", "futex", "floor", "xfloor", "xdirect",
              "target (p50)");
  for (const Row& r : rows) {
    for (int t : {1, 2, 4}) {
      auto rpc = g_samples.find(Key("rpc", r.op, t));
      auto dir = g_samples.find(Key("direct", r.op, t));
      auto fut = g_samples.find(Key("futex", "RoundTrip", t));
      if (rpc == g_samples.end() || rpc->second.lat_ns.empty()) continue;
      Sample& s = rpc->second;
      const double secs = static_cast<double>(s.last_ns - s.first_ns) / 1e9;
      const double ops = secs > 0 ? static_cast<double>(s.lat_ns.size()) / secs : 0;
      const uint64_t p50 = Percentile(s.lat_ns, 0.50);
      const uint64_t p99 = Percentile(s.lat_ns, 0.99);
      const uint64_t d50 = dir != g_samples.end() ? Percentile(dir->second.lat_ns, 0.50) : 0;
      double dops = 0;
      if (dir != g_samples.end() && dir->second.last_ns > dir->second.first_ns) {
        dops = static_cast<double>(dir->second.lat_ns.size()) /
               (static_cast<double>(dir->second.last_ns - dir->second.first_ns) / 1e9);
      }
      const uint64_t f50 = fut != g_samples.end() ? Percentile(fut->second.lat_ns, 0.50) : 0;
      const double floor = static_cast<double>(d50 + static_cast<uint64_t>(r.rpcs) * f50);
      const double xfloor = floor > 0 ? static_cast<double>(p50) / floor : 0;
      const double xdirect = d50 > 0 ? static_cast<double>(p50) / static_cast<double>(d50) : 0;
      char target[48] = "";
      if (r.target > 0) {
        const double got = r.vs_direct ? xdirect : xfloor;
        std::snprintf(target, sizeof(target), "<= %.1fx %s: %s", r.target,
                      r.vs_direct ? "direct" : "floor", got <= r.target ? "met" : "MISSED");
      }
      std::printf("%-13s %3d %10.0f %9llu %9llu | %10.0f %9llu %9llu %9.0f | %6.2f %6.2f | %s\n",
                  r.op, t, ops, static_cast<unsigned long long>(p50),
                  static_cast<unsigned long long>(p99), dops, static_cast<unsigned long long>(d50),
                  static_cast<unsigned long long>(f50), floor, xfloor, xdirect, target);
    }
  }
  std::printf(
      "floor = direct p50 + futex round-trip p50 x RPCs (MkdirUnlink: 2); all p50s from the same "
      "run and thread count\n");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Fixture fx;
  g_fx = &fx;
  Register();
  benchmark::RunSpecifiedBenchmarks();
  PrintTable();
  benchmark::Shutdown();
  g_fx = nullptr;
  return 0;
}
