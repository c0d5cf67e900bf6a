// CacheTier against real directories: fills, validation, LRU eviction, the
// journal and its replay; and option parsing.
#include "extensions/tiered_cache/cache_tier.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "base/thread_name.h"
#include "extensions/tiered_cache/tiered_cache_extension.h"
#include "path_walk/mount_root.h"
#include "path_walk/proc_self_fd.h"
#include "path_walk/testing/temp_tree.h"
#include "path_walk/walk.h"

namespace hg::tiered_cache {
namespace {

std::string Slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class CacheTierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.MkDir("backing");
    t_.MkDir("cache");
    proc_.emplace(path_walk::ProcSelfFd::Open().value());
    root_.emplace(path_walk::OpenMountRoot(t_.Path("backing"), {}).value());
  }
  // No periodic pass unless a test asks: write-backs happen where tests say.
  std::shared_ptr<CacheTier> NewTier(uint64_t cap = 1 << 20, TierConfig cfg = {}) {
    UniqueFd d(::open(t_.Path("cache").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    cfg.cache_size = cap;
    if (cfg.writeback_interval == TierConfig{}.writeback_interval) {
      cfg.writeback_interval = std::chrono::milliseconds(0);
    }
    return CacheTier::Open(std::move(d), std::move(cfg)).value();
  }
  path_walk::Handle H(const std::string& name) {
    path_walk::Name n = path_walk::Name::Make(name).value();
    auto w = path_walk::Walk(root_->handle(), std::span<const path_walk::Name>(&n, 1)).value();
    return std::move(w.steps.at(0).handle);
  }
  std::string CachePath(const path_walk::Handle& h) {
    return t_.Path("cache/data/" + KeyFor(h.dev(), h.ino()));
  }

  path_walk::testing::TempTree t_;
  std::optional<path_walk::ProcSelfFd> proc_;
  std::optional<path_walk::MountRoot> root_;
};

TEST_F(CacheTierTest, MissFillsHitReusesStaleRefills) {
  t_.WriteFile("backing/f", "version one", 0644);
  auto tier = NewTier();
  path_walk::Handle h = H("f");
  {
    auto e = tier->Acquire(*proc_, h, true);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(Slurp(CachePath(h)), "version one");
  }
  EXPECT_TRUE(tier->IsCached(h.dev(), h.ino()));
  // A change behind the cache (size differs): the next acquire refills.
  t_.WriteFile("backing/f", "version two, longer", 0644);
  {
    auto e = tier->Acquire(*proc_, h, true);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(Slurp(CachePath(h)), "version two, longer");
  }
  // Same size, new mtime: refilled too.
  ::usleep(20000);
  t_.WriteFile("backing/f", "version TWO, longer", 0644);
  {
    auto e = tier->Acquire(*proc_, h, true);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(Slurp(CachePath(h)), "version TWO, longer");
  }
}

TEST_F(CacheTierTest, LruEvictsOldestIdleCopiesBeyondTheCap) {
  std::string blob(4000, 'x');
  for (int i = 0; i < 5; ++i) t_.WriteFile("backing/f" + std::to_string(i), blob, 0644);
  auto tier = NewTier(/*cap=*/10000);  // room for two copies
  std::vector<path_walk::Handle> hs;
  for (int i = 0; i < 5; ++i) {
    hs.push_back(H("f" + std::to_string(i)));
    ASSERT_TRUE(tier->Acquire(*proc_, hs.back(), true).ok());
  }
  EXPECT_LE(tier->cached_bytes(), 10000u);
  EXPECT_FALSE(tier->IsCached(hs[0].dev(), hs[0].ino()));
  EXPECT_FALSE(tier->IsCached(hs[1].dev(), hs[1].ino()));
  EXPECT_TRUE(tier->IsCached(hs[3].dev(), hs[3].ino()));
  EXPECT_TRUE(tier->IsCached(hs[4].dev(), hs[4].ino()));
  // An entry in use is never evicted, even over the cap.
  auto held = tier->Acquire(*proc_, hs[0], true).value();
  for (int i = 1; i < 5; ++i) ASSERT_TRUE(tier->Acquire(*proc_, hs[i], true).ok());
  EXPECT_TRUE(tier->IsCached(hs[0].dev(), hs[0].ino()));
}

TEST_F(CacheTierTest, WriteBackCopiesAndClearsJournal) {
  t_.WriteFile("backing/f", "old", 0644);
  auto tier = NewTier();
  path_walk::Handle h = H("f");
  auto e = tier->Acquire(*proc_, h, true).value();
  tier->AddWriter(*e);
  ASSERT_TRUE(tier->MarkDirty(e, "/f").ok());
  const std::string jpath = t_.Path("cache/journal/" + e->key);
  EXPECT_EQ(Slurp(jpath), std::to_string(h.ino()) + "\n/f\n");
  ASSERT_EQ(::pwrite(e->cache.get(), "new data", 8, 0), 8);
  // A writer is open: written back, but the journal stays.
  ASSERT_TRUE(tier->WriteBack(*e).ok());
  EXPECT_EQ(Slurp(t_.Path("backing/f")), "new data");
  EXPECT_EQ(::access(jpath.c_str(), F_OK), 0);
  tier->RemoveWriter(*e);
  ASSERT_TRUE(tier->WriteBack(*e).ok());
  EXPECT_NE(::access(jpath.c_str(), F_OK), 0);
  // The copy is now marked equal to the backing version: a hit, not a refill.
  e.reset();
  auto again = tier->Acquire(*proc_, h, true).value();
  EXPECT_EQ(Slurp(CachePath(h)), "new data");
}

TEST_F(CacheTierTest, ReplayFinishesJournalAfterCrash) {
  t_.MkDir("backing/d");
  t_.WriteFile("backing/d/f", "before", 0644);
  t_.WriteFile("backing/gone", "x", 0644);
  path_walk::Name d = path_walk::Name::Make("d").value(), f = path_walk::Name::Make("f").value();
  std::vector<path_walk::Name> p{d, f};
  path_walk::Handle h = std::move(path_walk::Walk(root_->handle(), p).value().steps.at(1).handle);
  path_walk::Handle g = H("gone");
  // A real crash: a child process journals and writes, then dies without
  // running any destructor (a clean exit would write everything back).
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto tier = NewTier();
    auto e = tier->Acquire(*proc_, h, true).value();
    tier->AddWriter(*e);
    bool ok = tier->MarkDirty(e, "/d/f").ok();
    ok = ok && ::pwrite(e->cache.get(), "after!!", 7, 0) == 7 && ::fsync(e->cache.get()) == 0;
    auto e2 = tier->Acquire(*proc_, g, true).value();
    tier->AddWriter(*e2);
    ok = ok && tier->MarkDirty(e2, "/gone").ok();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(Slurp(t_.Path("backing/d/f")), "before");
  ASSERT_EQ(::unlink(t_.Path("backing/gone").c_str()), 0);
  auto tier = NewTier();
  ASSERT_TRUE(tier->Replay(*proc_, *root_).ok());
  EXPECT_EQ(Slurp(t_.Path("backing/d/f")), "after!!");
  EXPECT_EQ(::access(t_.Path("cache/journal/" + KeyFor(h.dev(), h.ino())).c_str(), F_OK), -1);
  EXPECT_EQ(::access(t_.Path("cache/journal/" + KeyFor(g.dev(), g.ino())).c_str(), F_OK), -1);
}

// The write-back thread copies a dirty file that nobody fsyncs or closes (a
// writer kept open for hours must still reach the backing tier).
TEST_F(CacheTierTest, PeriodicPassWritesBackOpenWritersWithoutFsyncOrClose) {
  t_.WriteFile("backing/f", "old", 0644);
  const size_t threads_before = CountThreadsNamed("hg-tc-writeback");
  {
    TierConfig cfg;
    cfg.writeback_interval = std::chrono::milliseconds(10);
    auto tier = NewTier(1 << 20, cfg);
    path_walk::Handle h = H("f");
    auto e = tier->Acquire(*proc_, h, true).value();
    tier->AddWriter(*e);
    ASSERT_TRUE(tier->MarkDirty(e, "/f").ok());
    const std::string data = "written, never synced";
    ASSERT_EQ(::pwrite(e->cache.get(), data.data(), data.size(), 0),
              static_cast<ssize_t>(data.size()));
    // Waits for the event (bounded by a count, then a generous cap), asserts
    // nothing about how long it took.
    bool reached = false;
    const auto cap = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int i = 0; i < 100000 && !reached; ++i) {
      reached = Slurp(t_.Path("backing/f")) == data;
      if (!reached && i >= 100 && std::chrono::steady_clock::now() > cap) break;
      if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(reached) << Slurp(t_.Path("backing/f"));
    EXPECT_TRUE(tier->IsDirty(*e)) << "a writer is open: the journal entry stays";
    // The pass ran on the tier's own named thread (named before its first pass).
    EXPECT_EQ(CountThreadsNamed("hg-tc-writeback"), threads_before + 1);
    tier->RemoveWriter(*e);
  }
  // The destructor joined it (RAII), after a final pass.
  EXPECT_EQ(CountThreadsNamed("hg-tc-writeback"), threads_before);
}

// The tier's destructor (a clean exit) writes back what was never closed.
TEST_F(CacheTierTest, CleanShutdownWritesBackEveryDirtyFile) {
  t_.WriteFile("backing/f", "old", 0644);
  {
    auto tier = NewTier();  // no periodic pass
    auto e = tier->Acquire(*proc_, H("f"), true).value();
    tier->AddWriter(*e);
    ASSERT_TRUE(tier->MarkDirty(e, "/f").ok());
    ASSERT_EQ(::pwrite(e->cache.get(), "at exit", 7, 0), 7);
    tier->RemoveWriter(*e);
    EXPECT_EQ(Slurp(t_.Path("backing/f")), "old");
  }
  EXPECT_EQ(Slurp(t_.Path("backing/f")), "at exit");
}

// Two misses on different files fill at the same time: each fill waits (in
// on_fill) until the other one has started, so serialised fills would
// never meet and the barrier would give up.
TEST_F(CacheTierTest, MissesOnDifferentFilesFillInParallel) {
  t_.WriteFile("backing/a", "aaaa", 0644);
  t_.WriteFile("backing/b", "bbbb", 0644);
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  std::atomic<int> met{0};
  TierConfig cfg;
  cfg.backing_latency = std::chrono::milliseconds(1);
  cfg.on_fill = [&](const std::string&) {
    std::unique_lock<std::mutex> lock(mu);
    ++arrived;
    cv.notify_all();
    if (cv.wait_for(lock, std::chrono::seconds(20), [&] { return arrived >= 2; })) ++met;
  };
  auto tier = NewTier(1 << 20, cfg);
  path_walk::Handle a = H("a"), b = H("b");
  std::shared_ptr<Entry> ea, eb;
  std::thread ta([&] { ea = tier->Acquire(*proc_, a, true).value(); });
  std::thread tb([&] { eb = tier->Acquire(*proc_, b, true).value(); });
  ta.join();
  tb.join();
  EXPECT_EQ(met.load(), 2) << "the fills did not overlap";
  EXPECT_EQ(tier->max_concurrent_fills(), 2u);
  EXPECT_EQ(tier->fills(), 2u);
  EXPECT_EQ(Slurp(CachePath(a)), "aaaa");
  EXPECT_EQ(Slurp(CachePath(b)), "bbbb");
}

// Concurrent misses on one file fill it once: the later ones wait for the
// fill in progress and get the same entry.
TEST_F(CacheTierTest, ConcurrentMissesOnOneFileFillOnce) {
  t_.WriteFile("backing/f", "contents", 0644);
  std::mutex mu;
  std::condition_variable cv;
  bool open_gate = false;
  std::atomic<int> in_fill{0};
  TierConfig cfg;
  cfg.on_fill = [&](const std::string&) {
    ++in_fill;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return open_gate; });
  };
  auto tier = NewTier(1 << 20, cfg);
  path_walk::Handle h = H("f");
  constexpr int kThreads = 4;
  std::vector<std::shared_ptr<Entry>> got(kThreads);
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i) {
    ts.emplace_back([&, i] { got[i] = tier->Acquire(*proc_, h, true).value(); });
  }
  while (in_fill.load() == 0) std::this_thread::yield();  // one fill is in progress
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the others queue up
  {
    std::lock_guard<std::mutex> lock(mu);
    open_gate = true;
  }
  cv.notify_all();
  for (auto& t : ts) t.join();
  EXPECT_EQ(tier->fills(), 1u);
  EXPECT_EQ(in_fill.load(), 1);
  for (int i = 1; i < kThreads; ++i) EXPECT_EQ(got[i], got[0]);
  EXPECT_EQ(Slurp(CachePath(h)), "contents");
}

TEST_F(CacheTierTest, ReplayDropsAMalformedJournalWithoutCrashing) {
  auto tier = NewTier();
  t_.WriteFile("cache/journal/1-2", "not a journal", 0600);
  t_.WriteFile("cache/journal/1-3", "12\n../../etc/passwd\n", 0600);
  EXPECT_TRUE(tier->Replay(*proc_, *root_).ok());
  EXPECT_NE(::access(t_.Path("cache/journal/1-2").c_str(), F_OK), 0);
  EXPECT_NE(::access(t_.Path("cache/journal/1-3").c_str(), F_OK), 0);
}

TEST(TieredOptionsTest, ParsesAndNamesTheKey) {
  std::string why;
  auto o = ParseTieredOptions(
      {{"cache_size", "64M"}, {"backing_latency_ms", "5"}, {"writeback_interval_ms", "250"}}, &why);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->cache_size, 64u << 20);
  EXPECT_EQ(o->backing_latency.count(), 5);
  EXPECT_EQ(o->writeback_interval.count(), 250);
  auto d = ParseTieredOptions({}, &why);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->writeback_interval.count(), 1000) << "the documented default";
  auto off = ParseTieredOptions({{"writeback_interval_ms", "0"}}, &why);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->writeback_interval.count(), 0);
  for (auto [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"cache_size", "lots"},
                                                        {"cache_size", "-1"},
                                                        {"cache_size", "99999999999999999999T"},
                                                        {"backing_latency_ms", "1e3"},
                                                        {"backing_latency_ms", "70000"},
                                                        {"writeback_interval_ms", "-5"},
                                                        {"writeback_interval_ms", "3600001"},
                                                        {"writeback_interval_ms", "1s"},
                                                        {"cache", "relative/dir"},
                                                        {"backing", ""}}) {
    why.clear();
    auto bad = ParseTieredOptions({{k, v}}, &why);
    EXPECT_FALSE(bad.ok()) << k << "=" << v;
    EXPECT_NE(why.find("'" + k + "'"), std::string::npos) << why;
  }
}

TEST(TieredOptionsTest, HostPathsOnlyFromTheOperator) {
  TieredCacheExtension e;
  oci::Spec spec;
  spec.annotations["dev.hardgofer.rootfs.extension"] = "tiered_cache";
  spec.annotations["dev.hardgofer.rootfs.cache"] = "/tmp/evil";
  std::string why;
  server::ExtensionOptions none;
  server::PrepareContext pc{spec, "", none, &why};
  Status s = e.PrepareGofer(pc);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().value(), EPERM);
  EXPECT_NE(why.find("dev.hardgofer.rootfs.cache"), std::string::npos) << why;
  spec.annotations.erase("dev.hardgofer.rootfs.cache");
  spec.annotations["dev.hardgofer.extension.tiered_cache.cache_size"] = "bogus";
  s = e.PrepareGofer(pc);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(why.find("cache_size"), std::string::npos) << why;
}

}  // namespace
}  // namespace hg::tiered_cache
