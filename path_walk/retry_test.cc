#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "path_walk/internal/syscalls.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::path_walk {
namespace {

using internal::kOpenat2MaxRetries;
using internal::RetryOnEagain;

// A syscall-shaped callable failing with `err` for the first `failures` calls.
struct FailingCall {
  int failures;
  int err;
  int calls = 0;
  long operator()() {
    ++calls;
    if (calls <= failures) {
      errno = err;
      return -1;
    }
    return 7;
  }
};

TEST(RetryOnEagainTest, SucceedsFirstTime) {
  FailingCall f{0, EAGAIN};
  int attempts = 0;
  EXPECT_EQ(RetryOnEagain(f, &attempts), 7);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryOnEagainTest, RetriesExactly128TimesThenReportsEagain) {
  FailingCall last_chance{kOpenat2MaxRetries, EAGAIN};
  int attempts = 0;
  EXPECT_EQ(RetryOnEagain(last_chance, &attempts), 7);
  EXPECT_EQ(attempts, 1 + kOpenat2MaxRetries);

  FailingCall never{1000, EAGAIN};
  EXPECT_EQ(RetryOnEagain(never, &attempts), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(attempts, 1 + kOpenat2MaxRetries);
  EXPECT_EQ(never.calls, 1 + kOpenat2MaxRetries);
  EXPECT_EQ(kOpenat2MaxRetries, 128);
}

TEST(RetryOnEagainTest, OtherErrorsAreNotRetried) {
  FailingCall f{5, EXDEV};
  int attempts = 0;
  EXPECT_EQ(RetryOnEagain(f, &attempts), -1);
  EXPECT_EQ(errno, EXDEV);
  EXPECT_EQ(attempts, 1);
}

// The real kernel: a scoped lookup that walks ".." returns EAGAIN when any
// rename happens meanwhile. Our wrapper must turn those into successes (or,
// after 129 straight EAGAINs, an EAGAIN), never into anything else.
TEST(RetryOnEagainTest, RealOpenat2EagainUnderARenameStormIsRetried) {
  open_how probe{};
  probe.flags = O_PATH | O_CLOEXEC;
  long pfd = internal::RawOpenat2(AT_FDCWD, "/", &probe);
  if (pfd < 0 && errno == ENOSYS) GTEST_SKIP() << "kernel lacks openat2(2) (Linux < 5.6)";
  ::close(static_cast<int>(pfd));

  testing::TempTree t;
  t.MkDir("a");
  t.MkDir("a/b");
  t.MkDir("a/b/c");
  t.MkDir("r1");
  UniqueFd root(::open(t.base().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(root.valid());
  std::atomic<bool> stop{false};
  std::thread renamer([&] {
    for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      (void)::renameat(root.get(), (i & 1) ? "r2" : "r1", root.get(), (i & 1) ? "r1" : "r2");
    }
  });
  std::string path;
  for (int i = 0; i < 20; ++i) path += "a/b/c/../../../";
  path += "a";
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;

  int raw_eagain = 0;
  int wrapped_ok = 0;
  int wrapped_eagain = 0;
  int wrapped_other = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 2000 || (raw_eagain == 0 && std::chrono::steady_clock::now() < deadline);
       ++i) {
    long fd = internal::RawOpenat2(root.get(), path.c_str(), &how);
    if (fd >= 0) {
      ::close(static_cast<int>(fd));
    } else if (errno == EAGAIN) {
      ++raw_eagain;
    }
    auto w = internal::Openat2(root.get(), path.c_str(), O_PATH, 0, RESOLVE_BENEATH);
    if (w.ok()) {
      ++wrapped_ok;
    } else if (w.error() == Errno(EAGAIN)) {
      ++wrapped_eagain;
    } else {
      ++wrapped_other;
    }
  }
  stop = true;
  renamer.join();
  std::printf("raw EAGAIN %d; wrapped: ok %d, EAGAIN after retries %d\n", raw_eagain, wrapped_ok,
              wrapped_eagain);
  EXPECT_GT(raw_eagain, 0) << "the rename storm never produced EAGAIN: race not exercised";
  EXPECT_GT(wrapped_ok, 0);
  EXPECT_EQ(wrapped_other, 0);
}

}  // namespace
}  // namespace hg::path_walk
