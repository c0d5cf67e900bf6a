// Test harness for gofer/client: a real Server with fsgofer on one end of a
// socketpair and a Client on the other.
//
//   ClientServer cs(tree.Path("root"));            // default channels
//   Client& c = cs.client();
//   auto w = c.Walk(c.root_fd(), {"a"});
//   cs.connection().open_fd_count();               // the server's view
#ifndef HARDGOFER_GOFER_CLIENT_CLIENT_TEST_UTIL_H_
#define HARDGOFER_GOFER_CLIENT_CLIENT_TEST_UTIL_H_

#include <sys/socket.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "gofer/client/client.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/server/server.h"

namespace hg::client::testing {

struct ServeOptions {
  fsgofer::MountRules rules;
  server::ConnectionLimits limits;
  ClientOptions client;
  // Overrides ConnectionOpts::allowed_mids (e.g. to hide an RPC).
  std::optional<server::MidSet> allowed_mids;
};

class ClientServer {
 public:
  explicit ClientServer(const std::string& root, ServeOptions o = {}) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    UniqueFd ours(sv[0]);
    UniqueFd theirs(sv[1]);
    fsgofer::FsgoferConfig cfg;
    cfg.rules = o.rules;
    cfg.host = fsgofer::HostResources::Open().value();
    server::ConnectionConfig cc;
    cc.mount_path = root;
    cc.opts = fsgofer::ConnectionOptsFor(o.rules);
    if (o.allowed_mids) cc.opts.allowed_mids = *o.allowed_mids;
    cc.limits = o.limits;
    cc.impl = fsgofer::FsConnectionImpl::Create(std::move(cfg)).value();
    conn_ = server_.StartConnection(std::move(theirs), std::move(cc)).value();
    auto c = Client::Mount(std::move(ours), o.client);
    if (!c.ok()) {
      mount_error_ = c.error().value();
      return;
    }
    client_ = std::move(c).value();
  }
  ~ClientServer() {
    client_.reset();
    server_.Wait();
  }

  bool mounted() const { return client_ != nullptr; }
  int mount_error() const { return mount_error_; }
  Client& client() { return *client_; }
  server::Server& server() { return server_; }
  server::Connection& connection() { return *conn_; }
  // Drops the client (its socket closes) and waits for the server to finish.
  void DisconnectClient() {
    client_.reset();
    server_.Wait();
  }

 private:
  server::Server server_;
  std::shared_ptr<server::Connection> conn_;
  std::unique_ptr<Client> client_;
  int mount_error_ = 0;
};

}  // namespace hg::client::testing

#endif  // HARDGOFER_GOFER_CLIENT_CLIENT_TEST_UTIL_H_
