// Round-trip latency of the LisaFS transports, next to their floor.
//
//   transport_bench                       # everything
//   transport_bench --benchmark_filter=Channel --benchmark_repetitions=5
//
// * BM_FutexPingPong/pin: two threads hand a shared (non-private) futex word
//   back and forth, exactly the syscalls flipcall makes; nothing can beat it.
// * BM_SpinIterations: the cost of the server's spin loop, per N iterations.
// * BM_ChannelRoundTrip/spin/adaptive/pin: an empty request and an empty
//   response over a real ChannelSet + ClientChannel pair, both ends polling
//   for up to `spin` ns before FUTEX_WAIT (0: never), with or without the
//   adaptive back-off (EndpointOptions).
// pin (both): 0 = let the scheduler place the two threads, 1 = both on CPU 0,
//   2 = client on CPU 0, server on CPU 1 (needs 2 CPUs).
// * BM_ChannelRoundTripWithFd: the same, the response donating one FD (what
//   OpenAt costs on top).
// * BM_SocketRoundTrip: an empty frame each way over the main-socket
//   communicator (what a client without channels pays).
// Times are wall-clock per round trip (UseRealTime), since the work is split
// across two threads.
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <thread>

#include "benchmark/benchmark.h"
#include "gofer/transport/channel_set.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/socket_communicator.h"

namespace hg::transport {
namespace {

long Futex(uint32_t* addr, int op, uint32_t val) {
  return ::syscall(SYS_futex, addr, op, val, nullptr, nullptr, 0);
}

void PinTo(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void Unpin() {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &set);
  ::pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// pin mode -> {client cpu, server cpu}
std::pair<int, int> Cpus(int64_t pin) {
  if (pin == 1) return {0, 0};
  if (pin == 2) return {0, 1};
  return {-1, -1};
}

void BM_FutexPingPong(benchmark::State& state) {
  const auto [ping_cpu, pong_cpu] = Cpus(state.range(0));
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    state.SkipWithError("mmap failed");
    return;
  }
  uint32_t* word = static_cast<uint32_t*>(page);
  std::atomic_ref<uint32_t> w(*word);
  // 0: ping's turn, 1: pong's turn, 2: stop.
  std::thread pong([&, pong_cpu = pong_cpu] {
    PinTo(pong_cpu);
    for (;;) {
      uint32_t v = w.load(std::memory_order_acquire);
      if (v == 2) return;
      if (v == 0) {
        Futex(word, FUTEX_WAIT, 0);
        continue;
      }
      w.store(0, std::memory_order_release);
      Futex(word, FUTEX_WAKE, 1);
    }
  });
  PinTo(ping_cpu);
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark idiom
    w.store(1, std::memory_order_release);
    Futex(word, FUTEX_WAKE, 1);
    while (w.load(std::memory_order_acquire) == 1) Futex(word, FUTEX_WAIT, 1);
  }
  w.store(2, std::memory_order_release);
  Futex(word, FUTEX_WAKE, 1);
  pong.join();
  Unpin();
  ::munmap(page, 4096);
}
BENCHMARK(BM_FutexPingPong)->ArgName("pin")->Arg(0)->Arg(1)->Arg(2)->UseRealTime();

// What one spin iteration costs here, to read the spin counts as time.
void BM_SpinIterations(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark idiom
    for (int64_t i = 0; i < n; ++i) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield" ::: "memory");
#endif
    }
  }
}
BENCHMARK(BM_SpinIterations)->Arg(100)->Arg(1000);

constexpr uint16_t kEmptyMid = 3;
constexpr uint16_t kFdMid = 7;

void ChannelRoundTrip(benchmark::State& state, uint32_t spin_ns, int64_t pin, bool with_fd,
                      bool adaptive = true) {
  ChannelSetOptions opts;
  opts.endpoint.spin_ns = spin_ns;
  opts.endpoint.adaptive = adaptive;
  auto set = ChannelSet::Create(opts);
  if (!set.ok()) {
    state.SkipWithError("ChannelSet::Create failed");
    return;
  }
  auto nc = (*set)->AddChannel();
  if (!nc.ok()) {
    state.SkipWithError("AddChannel failed");
    return;
  }
  UniqueFd donor(::memfd_create("bench_donor", MFD_CLOEXEC));
  const auto [client_cpu, server_cpu] = Cpus(pin);
  ServerChannel* ch = nc->channel;
  std::thread server([&, server_cpu = server_cpu] {
    PinTo(server_cpu);
    Outcome<Frame> req = ch->RecvFirst();
    while (req.ok()) {
      if (req->mid == kFdMid) {
        int fds[] = {donor.get()};
        req = ch->SendRecv(kFdMid, {}, fds);
      } else {
        req = ch->SendRecv(req->mid, {});
      }
    }
  });
  auto client = ClientChannel::Create(std::move(nc->data_fd), nc->data_offset, nc->data_length,
                                      std::move(nc->fd_sock), opts.endpoint);
  if (!client.ok() || !(*client)->Connect().ok()) {
    state.SkipWithError("client setup failed");
  } else {
    PinTo(client_cpu);
    const uint16_t mid = with_fd ? kFdMid : kEmptyMid;
    const uint8_t want = with_fd ? 1 : 0;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark idiom
      Outcome<Frame> r = (*client)->Call(mid, {}, want);
      if (!r.ok()) {
        state.SkipWithError("call failed");
        break;
      }
      benchmark::DoNotOptimize(r->mid);
    }
    Unpin();
  }
  (*set)->ShutdownAll();
  server.join();
}

void BM_ChannelRoundTrip(benchmark::State& state) {
  ChannelRoundTrip(state, static_cast<uint32_t>(state.range(0)), state.range(2), false,
                   state.range(1) != 0);
}
BENCHMARK(BM_ChannelRoundTrip)
    ->ArgNames({"spin", "adaptive", "pin"})
    ->ArgsProduct({{0, 5000, 20000}, {0, 1}, {0, 1, 2}})
    ->UseRealTime();

void BM_ChannelRoundTripWithFd(benchmark::State& state) {
  ChannelRoundTrip(state, kDefaultServerSpin, 0, true);
}
BENCHMARK(BM_ChannelRoundTripWithFd)->UseRealTime();

void BM_SocketRoundTrip(benchmark::State& state) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    state.SkipWithError("socketpair failed");
    return;
  }
  auto server = SocketCommunicator::Create(UniqueFd(sv[0]), Side::kServer, DefaultMaxPayload());
  auto client = SocketCommunicator::Create(UniqueFd(sv[1]), Side::kClient, DefaultMaxPayload());
  if (!server.ok() || !client.ok()) {
    state.SkipWithError("communicator setup failed");
    return;
  }
  SocketCommunicator* s = server->get();
  std::thread t([s] {
    Outcome<Frame> req = s->Recv();
    while (req.ok()) {
      if (!s->Send(req->mid, {}).ok()) break;
      req = s->Recv();
    }
  });
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark idiom
    Outcome<Frame> r = (*client)->Call(kEmptyMid, {});
    if (!r.ok()) {
      state.SkipWithError("call failed");
      break;
    }
    benchmark::DoNotOptimize(r->mid);
  }
  (*server)->Shutdown();
  t.join();
}
BENCHMARK(BM_SocketRoundTrip)->UseRealTime();

}  // namespace
}  // namespace hg::transport

BENCHMARK_MAIN();
