// Test helpers for gofer/transport: FD/mapping/thread counting and a raw
// flipcall peer.
//
//   size_t before = CountOpenFds();
//   ... exercise ...
//   EXPECT_EQ(CountOpenFds(), before);
//
//   RawFlipcallPeer client(memfd, offset, length, /*server=*/false);
//   client.WriteData("{}\n"); client.GiveTurn(3); client.WaitTurn();
//
// RawFlipcallPeer is written straight from the protocol description
// (lisafs-protocol.md §2) and shares no code with FlipcallEndpoint, so tests
// that pair the two check our endpoint against the spec, not against itself.
// It validates nothing: it is also how tests play a hostile peer.
#ifndef HARDGOFER_GOFER_TRANSPORT_TRANSPORT_TEST_UTIL_H_
#define HARDGOFER_GOFER_TRANSPORT_TRANSPORT_TEST_UTIL_H_

#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace hg::transport::testing {

inline size_t CountDirEntries(const char* path) {
  size_t n = 0;
  DIR* d = ::opendir(path);
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

inline size_t CountOpenFds() { return CountDirEntries("/proc/self/fd"); }
inline size_t CountThreads() { return CountDirEntries("/proc/self/task"); }

// Mappings whose /proc/self/maps line contains `needle`.
inline size_t CountMappings(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  size_t n = 0;
  while (std::getline(maps, line)) {
    if (line.find(needle) != std::string::npos) ++n;
  }
  return n;
}

inline bool SameFile(int a, int b) {
  struct stat sa, sb;
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

inline bool IsCloexec(int fd) {
  int f = ::fcntl(fd, F_GETFD);
  return f >= 0 && (f & FD_CLOEXEC);
}

inline std::vector<uint8_t> Hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Sends `data` on a socket with `fds` attached in one SCM_RIGHTS message.
inline ssize_t SendWithFds(int sock, std::span<const uint8_t> data, std::vector<int> fds) {
  iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_iov = data.empty() ? nullptr : &iov;
  msg.msg_iovlen = data.empty() ? 0 : 1;
  std::vector<uint8_t> control(CMSG_SPACE(sizeof(int) * fds.size()));
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL);
}

class RawFlipcallPeer {
 public:
  static constexpr uint32_t kClientActive = 0;
  static constexpr uint32_t kServerActive = 1;
  static constexpr uint32_t kShutdown = 2;

  // Maps its own view of the window, so it never shares a virtual address
  // with the endpoint under test (as a peer process would not).
  RawFlipcallPeer(int memfd, int64_t offset, uint64_t length, bool server)
      : length_(length),
        mine_(server ? kServerActive : kClientActive),
        theirs_(server ? kClientActive : kServerActive) {
    void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, offset);
    base_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  ~RawFlipcallPeer() {
    if (base_ != nullptr) ::munmap(base_, length_);
  }
  RawFlipcallPeer(const RawFlipcallPeer&) = delete;
  RawFlipcallPeer& operator=(const RawFlipcallPeer&) = delete;

  bool ok() const { return base_ != nullptr; }
  uint8_t* data() const { return base_ + 16; }
  uint32_t data_cap() const { return static_cast<uint32_t>(length_ - 16); }
  std::atomic_ref<uint32_t> state() const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(base_));
  }
  std::atomic_ref<uint32_t> data_len() const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(base_ + 4));
  }
  void WriteData(std::span<const uint8_t> bytes) {
    std::memcpy(data(), bytes.data(), bytes.size());
  }
  void WriteData(const std::string& s) { std::memcpy(data(), s.data(), s.size()); }
  std::vector<uint8_t> ReadData(uint32_t len) const {
    return std::vector<uint8_t>(data(), data() + len);
  }

  // Publishes dataLen and hands control over: CAS(mine -> theirs) + FUTEX_WAKE.
  bool GiveTurn(uint32_t len) {
    data_len().store(len, std::memory_order_relaxed);
    uint32_t expected = mine_;
    if (!state().compare_exchange_strong(expected, theirs_)) return false;
    Futex(FUTEX_WAKE, 1);
    return true;
  }
  // Sleeps until control comes back; false when the connection was shut down
  // (or the word holds garbage).
  bool WaitTurn() {
    for (;;) {
      uint32_t s = state().load();
      if (s == mine_) return true;
      if (s != theirs_) return false;
      Futex(FUTEX_WAIT, theirs_);
    }
  }
  // WaitTurn with a deadline per FUTEX_WAIT: false also when a wait timed out,
  // i.e. the peer switched control without waking us (or never switched).
  bool WaitTurnWithin(long seconds) {
    for (;;) {
      uint32_t s = state().load();
      if (s == mine_) return true;
      if (s != theirs_) return false;
      struct timespec ts = {seconds, 0};
      if (::syscall(SYS_futex, base_, FUTEX_WAIT, theirs_, &ts, nullptr, 0) != 0 &&
          errno == ETIMEDOUT) {
        return state().load() == mine_;
      }
    }
  }
  // The 8 reserved header bytes: our endpoint keeps its waiter flags there.
  std::atomic_ref<uint32_t> client_flag() const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(base_ + 8));
  }
  std::atomic_ref<uint32_t> server_flag() const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(base_ + 12));
  }
  // One full exchange; returns the peer's dataLen, or nullopt on shutdown.
  std::optional<uint32_t> RoundTrip(uint32_t len) {
    if (!GiveTurn(len) || !WaitTurn()) return std::nullopt;
    return data_len().load(std::memory_order_relaxed);
  }
  void WakeAll() { Futex(FUTEX_WAKE, INT_MAX); }
  void Shutdown() {
    state().exchange(kShutdown);
    Futex(FUTEX_WAKE, INT_MAX);
  }

 private:
  long Futex(int op, uint32_t val) {
    return ::syscall(SYS_futex, base_, op, val, nullptr, nullptr, 0);
  }

  uint8_t* base_ = nullptr;
  uint64_t length_;
  uint32_t mine_;
  uint32_t theirs_;
};

}  // namespace hg::transport::testing

#endif  // HARDGOFER_GOFER_TRANSPORT_TRANSPORT_TEST_UTIL_H_
