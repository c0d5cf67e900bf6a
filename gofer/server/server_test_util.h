// Test helpers for gofer/server: a small backend over a temp directory with
// plain syscalls (TestBackend), and a raw LisaFS client built only from
// gofer/wire + gofer/transport (RawClient), so the server is tested without
// gofer/client.
//
//   TempDir dir;
//   Server server;
//   auto stats = std::make_shared<BackendStats>();
//   RawClient c = RawClient::Start(server, dir.path(), {}, stats);
//   wire::MountResp m = c.MountOk();
//   auto walk = c.Walk(m.root.control_fd, {"a", "b"});
#ifndef HARDGOFER_GOFER_SERVER_SERVER_TEST_UTIL_H_
#define HARDGOFER_GOFER_SERVER_SERVER_TEST_UTIL_H_

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/server/connection_impl.h"
#include "gofer/server/server.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/decode_any.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/writer.h"

namespace hg::server::testing {

// What the backend was asked to do, for "refused before any backend call"
// checks, and knobs to make it fail.
struct BackendStats {
  std::atomic<int> calls{0};       // every backend op (Mount included)
  std::atomic<int> renamed{0};     // Renamed() notifications (control + open)
  std::atomic<int> destroyed{0};   // impl destructors
  std::atomic<int> live_impls{0};  // impls alive now
  // Walk of a component with this name fails with walk_errno (not ENOENT).
  std::string fail_walk_name;
  int walk_errno = EACCES;
  // Sync of a file with this name fails with EIO.
  std::string fail_sync_name;
  // Blocks every Read until released (to test draining in-flight RPCs).
  std::atomic<bool> block_reads{false};
  std::atomic<int> reads_blocked{0};
  // ControlFd::PathInMount() and HostPath() as seen by the last control-FD Stat.
  std::string LastStatPath() {
    std::lock_guard<std::mutex> l(mu);
    return last_stat_path;
  }
  std::string LastHostPath() {
    std::lock_guard<std::mutex> l(mu);
    return last_host_path;
  }
  // ControlFd::ChildPathInMount() of the last walked name.
  std::string LastWalkPath() {
    std::lock_guard<std::mutex> l(mu);
    return last_walk_path;
  }
  std::mutex mu;
  std::string last_walk_path;
  std::string last_stat_path;
  std::string last_host_path;
};

struct BackendOptions {
  std::vector<wire::MID> supported;  // empty: every MID except Flush
  uint32_t max_message_size = 0;     // 0: the default
};

// ConnectionImpl over a host directory (the mount path).
std::unique_ptr<ConnectionImpl> MakeTestBackend(std::shared_ptr<BackendStats> stats,
                                                BackendOptions opts = {});

// A temporary directory, removed (recursively) at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& rel) const { return path_ + "/" + rel; }
  void Mkdir(const std::string& rel) const;
  void WriteFile(const std::string& rel, const std::string& content) const;
  std::string ReadFile(const std::string& rel) const;
  bool Exists(const std::string& rel) const;

 private:
  std::string path_;
};

// A decoded response: the MID and payload copied out, donated FDs.
struct Resp {
  uint16_t mid = 0;
  std::vector<uint8_t> payload;
  std::vector<UniqueFd> fds;
  bool transport_ok = true;

  bool is_error() const { return mid == 0; }
  // The errno of an Error response; 0 for success; -1 for a transport failure.
  int err() const;
  template <typename T>
  T As() const {
    auto d = T::Decode(payload);
    if (!d.ok()) return T{};
    return std::move(d).value();
  }
};

// Something that carries one request and its response.
class Caller {
 public:
  virtual ~Caller() = default;
  virtual Resp CallRaw(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds) = 0;

  template <typename Req>
  Resp Call(wire::MID mid, const Req& req, uint8_t want_fds = 0) {
    std::vector<uint8_t> bytes(req.EncodedSize());
    wire::Writer w(bytes);
    req.EncodeTo(w);
    return CallRaw(wire::ToRaw(mid), bytes, want_fds);
  }

  // Typed helpers. Each returns the errno (0 on success) and fills *out.
  int Walk(wire::FDID dir, std::vector<std::string> names, wire::WalkResp* out);
  int WalkStat(wire::FDID dir, std::vector<std::string> names, wire::WalkStatResp* out);
  int Stat(wire::FDID fd, wire::Statx* out = nullptr);
  int OpenAt(wire::FDID fd, uint32_t flags, wire::FDID* out);
  int OpenCreate(wire::FDID dir, const std::string& name, uint32_t flags, wire::FDID* cfd,
                 wire::FDID* ofd);
  int Mkdir(wire::FDID dir, const std::string& name, wire::FDID* out = nullptr);
  int Unlink(wire::FDID dir, const std::string& name, uint32_t flags = 0);
  int Rename(wire::FDID old_dir, const std::string& old_name, wire::FDID new_dir,
             const std::string& new_name, uint32_t flags = 0);
  int PRead(wire::FDID fd, uint64_t off, uint32_t count, std::string* out);
  int PWrite(wire::FDID fd, uint64_t off, const std::string& data, uint64_t* written = nullptr);
  int Getdents(wire::FDID fd, int32_t count, std::vector<std::string>* names);
  int Close(std::vector<wire::FDID> fds);
  int FSync(std::vector<wire::FDID> fds);
  // A new channel (Channel RPC through this caller) and its client end.
  int OpenChannel(std::unique_ptr<transport::ClientChannel>* out, UniqueFd* memfd_dup = nullptr,
                  wire::ChannelResp* where = nullptr);
};

class ChannelCaller final : public Caller {
 public:
  explicit ChannelCaller(std::unique_ptr<transport::ClientChannel> ch) : ch_(std::move(ch)) {}
  Resp CallRaw(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds) override;
  transport::ClientChannel& channel() { return *ch_; }

 private:
  std::unique_ptr<transport::ClientChannel> ch_;
};

// The client end of one connection, over its main socket.
class RawClient final : public Caller {
 public:
  // Starts a connection on `server` serving `mount_path` with the test backend.
  static RawClient Start(Server& server, const std::string& mount_path, ConnectionOpts opts = {},
                         std::shared_ptr<BackendStats> stats = nullptr,
                         BackendOptions backend = {}, ConnectionLimits limits = {});
  RawClient() = default;
  RawClient(RawClient&&) = default;
  RawClient& operator=(RawClient&&) = default;

  Resp CallRaw(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds) override;
  // Mount and expect success.
  wire::MountResp MountOk();

  std::shared_ptr<Connection> conn;  // the server's handle
  std::shared_ptr<BackendStats> stats;
  std::unique_ptr<transport::SocketCommunicator> comm;
  int fd() const { return comm->fd(); }
  // Closes the client end of the socket (the server sees EOF).
  void Hangup() { comm.reset(); }
};

// /proc/self counts.
size_t CountOpenFds();
size_t CountThreads();

// Waits (bounded) until pred() or ~5 s passed; returns pred().
template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 5000; ++i) {
    if (pred()) return true;
    ::usleep(1000);
  }
  return pred();
}

}  // namespace hg::server::testing

#endif  // HARDGOFER_GOFER_SERVER_SERVER_TEST_UTIL_H_
