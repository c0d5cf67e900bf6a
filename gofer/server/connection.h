// One LisaFS connection: a mount socket, its flipcall channels and its FD
// table (gVisor pkg/lisafs/connection.go). Made by Server::StartConnection.
//
//   auto c = server.StartConnection(std::move(sock), std::move(cfg));
//   (*c)->mount_path();          // "/srv/vol"
//   (*c)->open_fd_count();       // FDIDs the client holds
//   (*c)->Shutdown();            // stop reading; the connection tears down
//
// Backends reach it through ControlFd::connection() for the trusted mount path
// and the options. FDIDs come from a counter starting at 1 and are never
// reused, so a stale FDID can never name someone else's file.
#ifndef HARDGOFER_GOFER_SERVER_CONNECTION_H_
#define HARDGOFER_GOFER_SERVER_CONNECTION_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/server/connection_opts.h"
#include "gofer/server/control_fd.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/types.h"

namespace hg::transport {
class ChannelSet;
class ServerChannel;
class SocketCommunicator;
}  // namespace hg::transport

namespace hg::server {

class ConnectionImpl;
class Server;
class TreeOps;
struct Handlers;
struct ConnectionConfig;
class ResponseSpace;

class Connection {
 public:
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The host path this connection serves (trusted configuration).
  const std::string& mount_path() const { return mount_path_; }
  const ConnectionOpts& opts() const { return opts_; }
  const ConnectionLimits& limits() const { return limits_; }
  uint32_t max_message_size() const { return max_message_size_; }
  // The MIDs advertised at Mount and dispatched, in increasing order.
  const std::vector<wire::MID>& served_mids() const { return served_list_; }
  Server& server() const { return *server_; }
  // The node of the mount root while mounted (nullptr before Mount and after
  // teardown). The connection holds a reference on it meanwhile.
  const Node* mount_node() const { return mount_node_.load(std::memory_order_acquire); }

  // FDIDs currently in the table.
  size_t open_fd_count() const;
  // Channels created so far.
  size_t channel_count() const;
  // True once teardown has finished (all FDs released, channel threads joined).
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // Stops reading requests; the serving thread finishes the request in hand,
  // then tears the connection down. Any thread; idempotent.
  void Shutdown();

 private:
  friend class Server;
  friend class TreeOps;
  friend struct Handlers;

  // One FDID's object: exactly one pointer is set in the table; all empty
  // means "no FD" (RemoveFd of an unknown FDID). (A struct rather than a
  // std::variant: GCC 12 reports false maybe-uninitialized errors for
  // variants of shared_ptrs inside Result.)
  struct FdEntry {
    FdEntry() = default;
    FdEntry(std::shared_ptr<ControlFd> p) : control(std::move(p)) {}    // NOLINT
    FdEntry(std::shared_ptr<OpenFd> p) : open(std::move(p)) {}          // NOLINT
    FdEntry(std::shared_ptr<BoundSocketFd> p) : bound(std::move(p)) {}  // NOLINT
    bool empty() const { return !control && !open && !bound; }
    std::shared_ptr<ControlFd> control;
    std::shared_ptr<OpenFd> open;
    std::shared_ptr<BoundSocketFd> bound;
  };

  // What a handler answers: the payload is already in the ResponseSpace.
  struct Reply {
    uint16_t mid = 0;
    uint32_t len = 0;
    std::vector<UniqueFd> fds;  // donated, then closed
    int err = 0;                // the errno of an Error reply (for the RpcObserver)
  };

  // Room in the FD table, taken before a backend op that creates FDs so the
  // op never runs when its result could not be stored. Unused room is given
  // back on destruction.
  class FdReservation {
   public:
    FdReservation() = default;
    FdReservation(FdReservation&& o) noexcept : conn_(o.conn_), n_(o.n_) { o.n_ = 0; }
    FdReservation& operator=(FdReservation&&) = delete;
    ~FdReservation();
    size_t remaining() const { return n_; }

   private:
    friend class Connection;
    FdReservation(Connection* c, size_t n) : conn_(c), n_(n) {}
    Connection* conn_ = nullptr;
    size_t n_ = 0;
  };

  Connection(Server* server, ConnectionConfig&& cfg, std::unique_ptr<ConnectionImpl> impl,
             std::unique_ptr<transport::SocketCommunicator> comm, MidSet served,
             uint32_t max_message_size);

  // --- serving ----------------------------------------------------------
  // The main-socket loop; returns after teardown.
  void Run();
  void ServeChannel(transport::ServerChannel* ch);
  // Dispatch one request (gVisor handleMsg order of checks, plus ours).
  Reply Dispatch(uint16_t mid, std::span<const uint8_t> payload, ResponseSpace& out);
  // Dispatch without telling the server's RpcObserver.
  Reply DispatchRequest(uint16_t mid, std::span<const uint8_t> payload, ResponseSpace& out);
  // The path below the mount of the FD a request names first ("" if none).
  std::string RequestPath(uint16_t mid, std::span<const uint8_t> payload) const;
  Reply ErrorReply(Errno e, ResponseSpace& out);
  void Teardown();
  // Channel RPC: creates a channel and its serving thread.
  Result<Reply> StartChannel(ResponseSpace& out);

  // --- FD table -----------------------------------------------------------
  Result<FdReservation> ReserveFds(size_t n);
  wire::FDID InsertFd(FdEntry fd, FdReservation& r);
  // The caller gains a reference. EBADF unknown, EINVAL wrong kind.
  Result<FdEntry> LookupFd(wire::FDID id) const;
  Result<std::shared_ptr<ControlFd>> LookupControlFd(wire::FDID id) const;
  Result<std::shared_ptr<OpenFd>> LookupOpenFd(wire::FDID id) const;
  Result<std::shared_ptr<BoundSocketFd>> LookupBoundSocketFd(wire::FDID id) const;
  // Removes and returns the table's reference (empty if unknown). The caller
  // drops it outside every lock: the last reference to a ControlFd takes the
  // rename lock when it goes.
  FdEntry RemoveFd(wire::FDID id);

  Server* const server_;
  const std::string mount_path_;
  const ConnectionOpts opts_;
  const ConnectionLimits limits_;
  const std::unique_ptr<ConnectionImpl> impl_;
  const MidSet served_;
  const std::vector<wire::MID> served_list_;
  const uint32_t max_message_size_;

  // Main socket. comm_mu_ only orders Shutdown() against its release at
  // teardown; the serving thread uses comm_ without it.
  mutable std::mutex comm_mu_;
  std::unique_ptr<transport::SocketCommunicator> comm_;

  // Channels and their serving threads.
  mutable std::mutex channels_mu_;
  std::unique_ptr<transport::ChannelSet> channels_;  // created by the first Channel RPC
  std::vector<std::thread> channel_threads_;

  // 0 = not mounted, 1 = Mount in progress, 2 = mounted.
  std::atomic<int> mount_state_{0};
  std::atomic<const Node*> mount_node_{nullptr};
  std::atomic<bool> closing_{false};
  std::atomic<bool> closed_{false};

  mutable std::mutex fds_mu_;
  std::unordered_map<wire::FDID, FdEntry> fds_;  // guarded by fds_mu_
  wire::FDID next_fdid_ = 1;                     // guarded by fds_mu_
  size_t reserved_fds_ = 0;                      // guarded by fds_mu_
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_CONNECTION_H_
