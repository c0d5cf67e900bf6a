// seccomp_runtime_probe: the C++/glibc workload the runtime set is measured on
// and proven against.
//
//   strace -f -o trace.txt seccomp_runtime_probe            # measure
//   seccomp_runtime_probe --filter-fd 3 3<seccomp.bpf        # prove: exit 0 = complete
//
// It exercises what hardgofer's own runtime does after confinement: more
// than 8 threads (so glibc malloc hits its arena limit and counts CPUs),
// std::mutex contention, condition variables (untimed, steady and system
// clock timeouts), new/delete of small and large blocks, realloc of a mapped
// block, exceptions, sleep_for, yield, clocks, a handled signal sent to
// another thread and to itself, join, exit. With --filter-fd it first
// installs the given program (already filled in) with raw prctl/seccomp calls
// and no library, so this binary stays free of sanitizer runtimes.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 12;  // > 8: glibc malloc's arena_test on 64-bit
std::atomic<int> g_signals{0};

void OnSignal(int) { g_signals.fetch_add(1, std::memory_order_relaxed); }

bool ReadAll(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

int InstallFrom(int fd) {
  std::string bytes;
  if (!ReadAll(fd, bytes) || bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
    (void)std::fprintf(stderr, "runtime probe: bad program on fd %d\n", fd);
    return 2;
  }
  close(fd);
  std::vector<sock_filter> insns(bytes.size() / sizeof(sock_filter));
  std::memcpy(insns.data(), bytes.data(), bytes.size());
  sock_fprog prog{static_cast<unsigned short>(insns.size()), insns.data()};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
    std::perror("runtime probe: install");
    return 2;
  }
  return 0;
}

int Workload() {
  std::mutex mu;
  std::condition_variable cv;
  int counter = 0;
  int done = 0;
  const pthread_t main_thread = pthread_self();
  // Containers grow by reallocation on purpose: that is allocator traffic
  // the runtime set must cover.
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    // NOLINTNEXTLINE(performance-inefficient-vector-operation): see above.
    threads.emplace_back([&, i] {
      for (int j = 0; j < 200; ++j) {
        std::unique_lock<std::mutex> l(mu);
        ++counter;
        cv.notify_all();
        cv.wait_for(l, std::chrono::microseconds(50), [&] { return counter % kThreads == i; });
      }
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait_until(l, std::chrono::system_clock::now() + std::chrono::microseconds(20));
      }
      auto big = std::make_unique<char[]>(8 << 20);
      std::memset(big.get(), 1, 8 << 20);
      std::vector<char*> small;
      // NOLINTNEXTLINE(performance-inefficient-vector-operation): see above.
      for (int k = 0; k < 5000; ++k) small.push_back(new char[64 + (k % 4000)]);
      for (char* p : small) delete[] p;
      void* r = std::malloc(1 << 20);
      void* r2 = std::realloc(r, 4 << 20);
      std::free(r2 != nullptr ? r2 : r);
      try {
        throw std::runtime_error("probe");
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      std::this_thread::yield();
      timespec t{};
      clock_gettime(CLOCK_MONOTONIC, &t);
      clock_gettime(CLOCK_REALTIME, &t);
      (void)std::chrono::steady_clock::now();
      if (i == 0) pthread_kill(main_thread, SIGUSR1);
      {
        std::lock_guard<std::mutex> l(mu);
        ++done;
      }
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return done == kThreads; });
  }
  for (auto& t : threads) t.join();
  (void)raise(SIGUSR1);
  if (g_signals.load() != 2) {
    (void)std::fprintf(stderr, "runtime probe: %d of 2 signals handled\n", g_signals.load());
    return 3;
  }
  static const char kOk[] = "runtime probe: ok\n";
  if (write(STDERR_FILENO, kOk, sizeof(kOk) - 1) < 0) return 4;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Handlers are installed before confinement, as hardgofer does.
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, nullptr) != 0) return 2;
  if (argc == 3 && std::strcmp(argv[1], "--filter-fd") == 0) {
    if (int rc = InstallFrom(std::atoi(argv[2])); rc != 0) return rc;
  } else if (argc != 1) {
    (void)std::fprintf(stderr, "usage: %s [--filter-fd N]\n", argv[0]);
    return 2;
  }
  return Workload();
}
