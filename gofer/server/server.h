// The LisaFS server of one sandbox: the node tree and rename lock shared by
// all its connections (mounts), and the threads that serve them.
//
//   hg::server::Server server;                                  // one per sandbox
//   for (auto& m : mounts) {
//     auto c = server.StartConnection(std::move(m.sock),
//         {.mount_path = m.path, .opts = m.opts, .impl = MakeBackend(m)});
//     if (!c.ok()) ...;                                         // EINVAL: bad config
//   }
//   // On SIGTERM (from a signal-handling thread, not the handler itself):
//   server.Stop();
//   server.Wait();                      // every connection torn down, threads joined
//
// Each connection is served by its own thread (the main socket) plus one
// thread per flipcall channel. When a peer goes away (socket EOF or error) its
// connection shuts its channels down, joins their threads and releases every
// FD it held; nothing is left behind. Sharing one Server between the mounts of
// a sandbox is what keeps renames consistent: a rename through one mount moves
// the node every other mount sees at that position.
#ifndef HARDGOFER_GOFER_SERVER_SERVER_H_
#define HARDGOFER_GOFER_SERVER_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/server/connection.h"
#include "gofer/server/connection_impl.h"
#include "gofer/server/connection_opts.h"
#include "gofer/server/node.h"
#include "gofer/server/rpc_observer.h"

namespace hg::server {

struct ServerOptions {
  // Nodes (tree positions some FD or walk refers to) across all connections,
  // the server root included: ENFILE beyond. Each costs ~200 bytes plus a
  // backend handle, so this bounds a client's memory use together with
  // ConnectionLimits::max_open_fds.
  size_t max_nodes = size_t{1} << 20;
  // Told about every answered RPC (counters, access log); nullptr: nobody.
  // Not owned; must outlive the Server.
  RpcObserver* observer = nullptr;
};

// Everything a connection is made of. The mount path is trusted configuration.
struct ConnectionConfig {
  std::string mount_path;  // absolute; cleaned lexically ("/a/./b/../c" → "/a/c")
  ConnectionOpts opts;
  ConnectionLimits limits;
  std::unique_ptr<ConnectionImpl> impl;
};

class NodeReservation;

class Server {
 public:
  explicit Server(ServerOptions opts = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Stop() and Wait().
  ~Server();

  // Serves `sock` (a connected AF_UNIX SOCK_STREAM socket; owned) on a new
  // thread. EINVAL for a relative mount path, a path with a component Name
  // rejects, no impl, a MaxMessageSize() out of range, or a served MID set
  // without Mount; ESHUTDOWN after Stop(). The returned handle is for
  // inspection and Shutdown(); the server keeps the connection alive until Wait.
  Result<std::shared_ptr<Connection>> StartConnection(UniqueFd sock, ConnectionConfig cfg);

  // Blocks until every connection started so far has ended, and joins their
  // threads. Connections started meanwhile are waited for too.
  void Wait();

  // Stops every connection: no new request is read, in-flight requests run to
  // completion (their answers may not be delivered), then each connection
  // tears down as if its peer had gone. Later StartConnection calls fail.
  // Any thread; idempotent; does not block (Wait() does).
  void Stop();

  // Live nodes, the root included (1 when no FD is open anywhere).
  size_t node_count() const { return node_count_.load(std::memory_order_acquire); }
  // Connections whose serving thread has not finished.
  size_t active_connections() const;
  const ServerOptions& options() const { return opts_; }

 private:
  friend class Connection;
  friend class Node;
  friend class NodeReservation;
  friend class TreeOps;

  struct Entry {
    std::shared_ptr<Connection> conn;
    std::thread thread;
    bool done = false;
  };

  // Node budget (reserved before a backend op that may create nodes).
  bool TryReserveNodes(size_t n);
  void ReleaseNodes(size_t n);
  // Joins threads of finished connections (keeps the list short for
  // long-running listeners).
  void ReapFinished();

  const ServerOptions opts_;
  // The rename lock: shared for read/write guarantees, exclusive for global.
  std::shared_mutex rename_mu_;
  Node* root_;
  std::atomic<size_t> node_count_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Entry>> entries_;  // guarded by mu_
  bool stopped_ = false;                         // guarded by mu_
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_SERVER_H_
