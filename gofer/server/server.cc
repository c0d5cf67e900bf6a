#include "gofer/server/server.h"

#include <cerrno>
#include <string_view>
#include <system_error>

#include "base/thread_name.h"
#include "gofer/server/connection.h"
#include "gofer/server/tree_ops.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/max_message_size.h"
#include "path_walk/name.h"

namespace hg::server {
namespace {

// The smallest max message size we accept: a Mount response with every MID
// (152 + 4 + 2 + 2 × 33 bytes) must fit.
constexpr uint32_t kMinMaxMessageSize = 256;

// Lexical cleaning as Go's path.Clean, for an absolute path. Every remaining
// component must be a valid Name (the mount walk hands them to the tree).
Result<std::string> CleanMountPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return Errno(EINVAL);
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view c = path.substr(i, j - i);
    i = j + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    if (!path_walk::Name::Make(c).ok()) return Errno(EINVAL);
    parts.push_back(c);
  }
  std::string out;
  for (std::string_view c : parts) {
    out += '/';
    out += c;
  }
  return out.empty() ? std::string("/") : out;
}

}  // namespace

Server::Server(ServerOptions opts) : opts_(opts) { root_ = TreeOps::NewRoot(*this); }

Server::~Server() {
  Stop();
  Wait();
  TreeOps::DestroyRoot(root_);
}

bool Server::TryReserveNodes(size_t n) {
  size_t cur = node_count_.load(std::memory_order_relaxed);
  do {
    if (cur + n > opts_.max_nodes || cur + n < cur) return false;
  } while (!node_count_.compare_exchange_weak(cur, cur + n, std::memory_order_acq_rel));
  return true;
}

void Server::ReleaseNodes(size_t n) { node_count_.fetch_sub(n, std::memory_order_acq_rel); }

Result<std::shared_ptr<Connection>> Server::StartConnection(UniqueFd sock, ConnectionConfig cfg) {
  HG_ASSIGN_OR_RETURN(std::string mount_path, CleanMountPath(cfg.mount_path));
  if (cfg.impl == nullptr) return Errno(EINVAL);
  const uint32_t max = cfg.impl->MaxMessageSize();
  if (max < kMinMaxMessageSize || max > wire::MaxMessageSize()) return Errno(EINVAL);
  MidSet supported;
  for (wire::MID m : cfg.impl->SupportedMessages()) supported.Add(m);
  const MidSet served = supported.Intersect(cfg.opts.allowed_mids);
  if (!served.Contains(wire::MID::kMount)) return Errno(EINVAL);

  HG_ASSIGN_OR_RETURN(auto comm, transport::SocketCommunicator::Create(
                                     std::move(sock), transport::Side::kServer, max));
  cfg.mount_path = std::move(mount_path);
  std::unique_ptr<ConnectionImpl> impl = std::move(cfg.impl);
  std::shared_ptr<Connection> conn(
      new Connection(this, std::move(cfg), std::move(impl), std::move(comm), served, max));

  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Errno(ESHUTDOWN);
  ReapFinished();
  auto entry = std::make_unique<Entry>();
  entry->conn = conn;
  Entry* e = entry.get();
  try {
    entry->thread = std::thread([this, e] {
      SetThreadName("hg-conn");
      e->conn->Run();
      std::lock_guard<std::mutex> l(mu_);
      e->done = true;
      cv_.notify_all();
    });
  } catch (const std::system_error&) {
    return Errno(EAGAIN);  // the connection (and its socket) is released here
  }
  entries_.push_back(std::move(entry));
  return conn;
}

void Server::ReapFinished() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if ((*it)->done) {
      if ((*it)->thread.joinable()) (*it)->thread.join();  // already returned: no wait
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::Wait() {
  for (;;) {
    std::thread t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& e : entries_) {
        if (e->thread.joinable()) {
          t = std::move(e->thread);
          break;
        }
      }
      if (!t.joinable()) {
        // Every thread joined; entries whose threads we joined are done.
        entries_.clear();
        return;
      }
    }
    t.join();
  }
}

void Server::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  for (auto& e : entries_) e->conn->Shutdown();
}

size_t Server::active_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& e : entries_) n += e->done ? 0 : 1;
  return n;
}

}  // namespace hg::server
