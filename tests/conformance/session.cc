#include "tests/conformance/session.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>

namespace hg::conformance {

Result<std::unique_ptr<Session>> Session::Start(const Backend& backend, const std::string& root) {
  if (!backend.factory) return Errno(EINVAL);
  HG_ASSIGN_OR_RETURN(server::ConnectionConfig cc, backend.factory(root));
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Errno::Last();
  UniqueFd ours(sv[0]);
  UniqueFd theirs(sv[1]);
  std::unique_ptr<Session> s(new Session());
  HG_ASSIGN_OR_RETURN(s->conn_, s->server_.StartConnection(std::move(theirs), std::move(cc)));
  HG_ASSIGN_OR_RETURN(s->client_, client::Client::Mount(std::move(ours)));
  return s;
}

Session::~Session() {
  client_.reset();  // the socket closes: the connection tears down
  server_.Wait();
}

void Session::ExpectNoLeaks() {
  EXPECT_TRUE(client_->FlushCloses().ok());
  EXPECT_EQ(conn_->open_fd_count(), 1u) << "FDIDs left open besides the root's";
  client_.reset();
  server_.Wait();
  EXPECT_EQ(server_.node_count(), 1u) << "nodes outlived the connection";
}

}  // namespace hg::conformance
