// Concurrency (issue 5): 8 client threads creating, renaming, walking and
// unlinking in shared directories through one client (channels and socket)
// for 10 seconds; afterwards the host tree and the server's view agree, and
// nothing leaked.
//
// Length: every thread first does a minimum number of operations (the
// deterministic part, so a slow machine still does real work), and only then
// does the clock stop it: it keeps going until the duration has passed too.
// Under TSan (5-15x slower, and run in its own stage) the duration is 3 s;
// HG_STRESS_SECONDS overrides it for local soak runs.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gofer/client/client_test_util.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::client {
namespace {

using path_walk::testing::TempTree;
using testing::ClientServer;
using testing::ServeOptions;

size_t CountEntries(const char* dir) {
  size_t n = 0;
  DIR* d = ::opendir(dir);
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

std::map<std::string, ino_t> HostEntries(const std::string& dir) {
  std::map<std::string, ino_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out[n] = e->d_ino;
  }
  ::closedir(d);
  return out;
}

#if defined(__SANITIZE_THREAD__)
constexpr int kDefaultSeconds = 3;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr int kDefaultSeconds = 3;
#else
constexpr int kDefaultSeconds = 10;
#endif
#else
constexpr int kDefaultSeconds = 10;
#endif

std::chrono::seconds StressDuration() {
  if (const char* env = std::getenv("HG_STRESS_SECONDS")) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v > 0 && v <= 3600) return std::chrono::seconds(v);
  }
  return std::chrono::seconds(kDefaultSeconds);
}

// Errnos the races of this test legitimately produce (a name taken or gone,
// a directory not empty); anything else is a failure.
bool Expected(Errno e) {
  const int v = e.value();
  return v == ENOENT || v == EEXIST || v == ENOTEMPTY || v == ENOTDIR || v == EISDIR;
}

TEST(ClientStressTest, CreatesRenamesWalksAndUnlinksStayConsistent) {
  constexpr int kThreads = 8;
  constexpr int kMinOpsPerThread = 250;
  const std::chrono::seconds duration = StressDuration();
  constexpr int kDirs = 3;
  constexpr int kNames = 12;
  TempTree t;
  t.MkDir("root");
  for (int d = 0; d < kDirs; ++d) t.MkDir("root/d" + std::to_string(d));
  const size_t fds_before = CountEntries("/proc/self/fd");
  {
    ServeOptions o;
    o.limits.max_channels = 4;
    o.client.channels = 4;
    ClientServer cs(t.Path("root"), o);
    ASSERT_TRUE(cs.mounted());
    Client& c = cs.client();
    std::vector<FDID> dirs;
    for (int d = 0; d < kDirs; ++d) {
      auto in = c.WalkOne(c.root_fd(), "d" + std::to_string(d));
      ASSERT_TRUE(in.ok());
      dirs.push_back(in->control_fd);
    }
    const size_t base_fds = cs.connection().open_fd_count();

    std::atomic<int> unexpected{0};
    std::atomic<int> succeeded{0};
    std::atomic<uint64_t> total_ops{0};
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + duration;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        std::mt19937 rng(1000 + i);
        auto pick_dir = [&] { return dirs[rng() % kDirs]; };
        auto pick_name = [&] { return "n" + std::to_string(rng() % kNames); };
        auto note = [&](const Status& s) {
          if (s.ok()) {
            ++succeeded;
          } else if (!Expected(s.error())) {
            ++unexpected;
          }
        };
        int k = 0;
        for (; k < kMinOpsPerThread || std::chrono::steady_clock::now() < deadline; ++k) {
          switch (rng() % 5) {
            case 0: {  // create a file
              auto r =
                  c.OpenCreateAt(pick_dir(), pick_name(), O_RDWR, 0644, wire::kNoUID, wire::kNoGID);
              if (r.ok()) {
                c.CloseFd(r->open_fd);
                c.CloseFd(r->child.control_fd);
                note(Status::Ok());
              } else {
                note(r.error());
              }
              break;
            }
            case 1: {  // make a directory
              auto r = c.MkdirAt(pick_dir(), pick_name() + "d", 0755, wire::kNoUID, wire::kNoGID);
              if (r.ok()) c.CloseFd(r->control_fd);
              note(r.ok() ? Status::Ok() : Status(r.error()));
              break;
            }
            case 2:  // rename across the shared directories
              note(c.RenameAt(pick_dir(), pick_name(), pick_dir(), pick_name()));
              break;
            case 3: {  // walk and stat what is there
              auto r = c.WalkOne(pick_dir(), pick_name());
              if (r.ok()) {
                ScopedFdId f(&c, r->control_fd);
                auto st = c.FStat(f.get());
                note(st.ok() ? Status::Ok() : Status(st.error()));
              } else {
                note(r.error());
              }
              break;
            }
            case 4: {  // unlink a file or an (empty) directory
              const FDID d = pick_dir();
              const std::string n = pick_name();
              Status s = c.UnlinkAt(d, n, 0);
              if (!s.ok() && s.error().value() == EISDIR) s = c.UnlinkAt(d, n, AT_REMOVEDIR);
              Status sd = c.UnlinkAt(d, n + "d", AT_REMOVEDIR);
              note(s);
              note(sd);
              break;
            }
          }
        }
        total_ops += static_cast<uint64_t>(k);
      });
    }
    for (auto& th : threads) th.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[stress] %d threads, %llu ops in %.1fs (%.0f ops/s), %d succeeded\n", kThreads,
                static_cast<unsigned long long>(total_ops.load()), secs, total_ops.load() / secs,
                succeeded.load());
    RecordProperty("ops", std::to_string(total_ops.load()));
    EXPECT_EQ(unexpected.load(), 0);
    EXPECT_GE(total_ops.load(), static_cast<uint64_t>(kThreads) * kMinOpsPerThread);
    EXPECT_GT(succeeded.load(), static_cast<int>(total_ops.load() / 10))
        << "the races did real work";

    // The server's view of every directory equals the host's.
    for (int d = 0; d < kDirs; ++d) {
      auto o2 = c.OpenAt(dirs[d], O_RDONLY);
      ASSERT_TRUE(o2.ok());
      std::map<std::string, uint64_t> served;
      for (;;) {
        auto ents = c.Getdents64(o2->open_fd, 65536);
        ASSERT_TRUE(ents.ok());
        if (ents->empty()) break;
        for (const Dirent& e : *ents) {
          if (e.name != "." && e.name != "..") served[e.name] = e.ino;
        }
      }
      c.CloseFd(o2->open_fd);
      auto host = HostEntries(t.Path("root/d" + std::to_string(d)));
      ASSERT_EQ(served.size(), host.size()) << "d" << d;
      for (const auto& [name, ino] : host) {
        ASSERT_TRUE(served.count(name)) << name;
        EXPECT_EQ(served[name], ino) << name;
        auto st = c.WalkStat(dirs[d], {name});
        ASSERT_TRUE(st.ok());
        ASSERT_EQ(st->size(), 1u);
        EXPECT_EQ(st->front().ino, ino) << name;
      }
    }
    ASSERT_TRUE(c.FlushCloses().ok());
    EXPECT_EQ(cs.connection().open_fd_count(), base_fds) << "every FDID the threads got was closed";
    cs.DisconnectClient();
    EXPECT_EQ(cs.server().node_count(), 1u) << "no node outlives its FDs";
  }
  EXPECT_EQ(CountEntries("/proc/self/fd"), fds_before) << "no host fd leaked";
}

}  // namespace
}  // namespace hg::client
