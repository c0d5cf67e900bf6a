// One scenario's world: a Server serving a backend on one end of a
// socketpair, our C++ client mounted on the other (gVisor's testsuite RunTest).
//
//   HG_ASSIGN_OR_RETURN(auto s, Session::Start(backend, tree.Path("root")));
//   client::Client& c = s->client();
//   ... c.MkdirAt(s->root(), "d", 0777, uid, gid) ...
//   s->ExpectNoLeaks();          // every FDID closed, every node released
//
// The leak check is gVisor's refs.DoRepeatedLeakCheck in our terms: after the
// scenario closed what it opened, the connection holds no FDID but the
// root's, and once the client is gone the server keeps no node but its root.
#ifndef HARDGOFER_TESTS_CONFORMANCE_SESSION_H_
#define HARDGOFER_TESTS_CONFORMANCE_SESSION_H_

#include <memory>
#include <string>

#include "base/result.h"
#include "gofer/client/client.h"
#include "gofer/server/server.h"
#include "tests/conformance/backend.h"

namespace hg::conformance {

class Session {
 public:
  // Serves `root` with backend.factory(root) and mounts a client with
  // flipcall channels (as gVisor's testsuite: StartChannels).
  static Result<std::unique_ptr<Session>> Start(const Backend& backend, const std::string& root);
  ~Session();

  client::Client& client() { return *client_; }
  wire::FDID root() const { return client_->root_fd(); }
  server::Connection& connection() { return *conn_; }

  // Sends the queued Closes and checks (gtest EXPECTs) that only the root's
  // FDID is left; then disconnects and checks that only the server's root
  // node remains. The session is unusable afterwards.
  void ExpectNoLeaks();

 private:
  Session() = default;
  server::Server server_;
  std::shared_ptr<server::Connection> conn_;
  std::unique_ptr<client::Client> client_;
};

}  // namespace hg::conformance

#endif  // HARDGOFER_TESTS_CONFORMANCE_SESSION_H_
