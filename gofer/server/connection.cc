#include "gofer/server/connection.h"

#include <fcntl.h>

#include <cerrno>
#include <shared_mutex>
#include <system_error>

#include "base/thread_name.h"
#include "gofer/server/connection_impl.h"
#include "gofer/server/handlers.h"
#include "gofer/server/response_space.h"
#include "gofer/server/server.h"
#include "gofer/server/tree_ops.h"
#include "gofer/transport/channel_set.h"
#include "gofer/transport/server_channel.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/byte_order.h"

namespace hg::server {
namespace {

std::vector<wire::MID> ListOf(const MidSet& s) {
  std::vector<wire::MID> out;
  for (uint16_t m = 1; m < wire::kNumMids; ++m) {
    if (s.Contains(m)) out.push_back(static_cast<wire::MID>(m));
  }
  return out;
}

// Raw FD numbers of the donated FDs, for the transport (which borrows them).
std::vector<int> RawFds(const std::vector<UniqueFd>& fds) {
  std::vector<int> raw;
  raw.reserve(fds.size());
  for (const UniqueFd& fd : fds) raw.push_back(fd.get());
  return raw;
}

}  // namespace

Connection::Connection(Server* server, ConnectionConfig&& cfg, std::unique_ptr<ConnectionImpl> impl,
                       std::unique_ptr<transport::SocketCommunicator> comm, MidSet served,
                       uint32_t max_message_size)
    : server_(server),
      mount_path_(std::move(cfg.mount_path)),
      opts_(cfg.opts),
      limits_(cfg.limits),
      impl_(std::move(impl)),
      served_(served.Intersect(Handlers::Handled())),
      served_list_(ListOf(served_)),
      max_message_size_(max_message_size),
      comm_(std::move(comm)) {}

Connection::~Connection() {
  // Normally Run() tore everything down already. A connection that never ran
  // (thread creation failed) still releases its FDs and channels here.
  if (!closed_.load(std::memory_order_acquire)) Teardown();
}

size_t Connection::open_fd_count() const {
  std::lock_guard<std::mutex> lock(fds_mu_);
  return fds_.size();
}

size_t Connection::channel_count() const {
  std::lock_guard<std::mutex> lock(channels_mu_);
  return channels_ == nullptr ? 0 : channels_->size();
}

void Connection::Shutdown() {
  closing_.store(true, std::memory_order_release);
  std::lock_guard<std::mutex> lock(comm_mu_);
  if (comm_ != nullptr) comm_->Shutdown();
}

void Connection::Run() {
  SocketResponseSpace space;
  for (;;) {
    transport::Outcome<transport::Frame> req = comm_->Recv();
    Reply reply;
    if (!req.ok()) {
      // kTooLarge: the payload was discarded and the stream is still framed;
      // answer EIO like gVisor. Anything else (EOF, peer died mid-frame,
      // Shutdown, socket error) ends the connection.
      if (!req.error().must_reply()) break;
      reply = ErrorReply(req.error().ToErrno(), space);
    } else {
      reply = Dispatch(req->mid, req->payload, space);
    }
    std::vector<int> raw = RawFds(reply.fds);
    if (!comm_->Send(reply.mid, space.bytes(reply.len), raw).ok()) break;
    // reply.fds closes our copies of the donated FDs here.
  }
  Teardown();
}

void Connection::ServeChannel(transport::ServerChannel* ch) {
  ChannelResponseSpace space(ch);
  transport::Outcome<transport::Frame> req = ch->RecvFirst();
  for (;;) {
    if (!req.ok()) {
      // A malformed request (numFDs != 0, bad dataLen, oversize payload) is
      // still ours to answer: reply instead of abandoning the client, which
      // gVisor's server does (its client then blocks until shutdown).
      if (req.error().must_reply()) {
        req = ch->ReplyError(static_cast<uint32_t>(req.error().ToErrno().value()));
        continue;
      }
      break;  // shut down, or the peer broke the protocol (channel already shut)
    }
    Reply reply = Dispatch(req->mid, req->payload, space);
    std::vector<int> raw = RawFds(reply.fds);
    req = ch->SendRecvInPlace(reply.mid, reply.len, raw);
  }
}

Connection::Reply Connection::ErrorReply(Errno e, ResponseSpace& out) {
  std::span<uint8_t> buf = out.Get(4);
  wire::StoreU32(buf.data(), static_cast<uint32_t>(e.value()));
  return Reply{wire::ToRaw(wire::MID::kError), 4, {}, e.value()};
}

Result<Connection::Reply> Connection::StartChannel(ResponseSpace& out) {
  std::lock_guard<std::mutex> lock(channels_mu_);
  // ENOSYS once the connection is closing, as gVisor's createChannel.
  if (closing_.load(std::memory_order_acquire)) return Errno(ENOSYS);
  if (channels_ == nullptr) {
    transport::ChannelSetOptions o;
    o.max_payload = max_message_size_;
    o.max_channels = limits_.max_channels;
    o.endpoint = limits_.channel_endpoint;
    HG_ASSIGN_OR_RETURN(channels_, transport::ChannelSet::Create(o));
  }
  HG_ASSIGN_OR_RETURN(transport::NewChannel nc, channels_->AddChannel());
  // The serving thread starts before the reply (gVisor does the same): the
  // client connects as soon as it has the FDs.
  transport::ServerChannel* ch = nc.channel;
  try {
    channel_threads_.emplace_back([this, ch] {
      SetThreadName("hg-chan");
      ServeChannel(ch);
    });
  } catch (const std::system_error&) {
    ch->Shutdown();
    return Errno(EAGAIN);
  }
  Reply reply;
  reply.mid = wire::ToRaw(wire::MID::kChannel);
  reply.fds.push_back(std::move(nc.data_fd));
  reply.fds.push_back(std::move(nc.fd_sock));
  wire::ChannelResp resp{nc.data_offset, nc.data_length};
  wire::Writer w(out.Get(wire::ChannelResp::kSize));
  resp.EncodeTo(w);
  reply.len = static_cast<uint32_t>(w.size());
  return reply;
}

void Connection::Teardown() {
  closing_.store(true, std::memory_order_release);
  // 1. Channels: wake their threads and wait for them (an in-flight request
  //    finishes first; its answer may not be delivered).
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(channels_mu_);
    if (channels_ != nullptr) channels_->ShutdownAll();
    threads.swap(channel_threads_);
  }
  for (std::thread& t : threads) t.join();
  std::unique_ptr<transport::ChannelSet> channels;
  {
    std::lock_guard<std::mutex> lock(channels_mu_);
    channels.swap(channels_);
  }
  channels.reset();  // unmaps the windows, closes the memfd and FD sockets
  // 2. The socket.
  std::unique_ptr<transport::SocketCommunicator> comm;
  {
    std::lock_guard<std::mutex> lock(comm_mu_);
    comm.swap(comm_);
  }
  if (comm != nullptr) comm->Shutdown();
  comm.reset();
  // 3. Every FD the client still held, dropped outside fds_mu_ (a control FD
  //    takes the rename lock when it goes).
  std::unordered_map<wire::FDID, FdEntry> fds;
  {
    std::lock_guard<std::mutex> lock(fds_mu_);
    fds.swap(fds_);
  }
  fds.clear();
  // 4. The connection's own reference on its mount node.
  if (const Node* mount = mount_node_.exchange(nullptr, std::memory_order_acq_rel)) {
    std::shared_lock<std::shared_mutex> rename(TreeOps::RenameMu(*server_));
    TreeOps::DecRef(TreeOps::Mut(*mount));
  }
  closed_.store(true, std::memory_order_release);
}

// --- FD table ---------------------------------------------------------------

Connection::FdReservation::~FdReservation() {
  if (conn_ != nullptr && n_ > 0) {
    std::lock_guard<std::mutex> lock(conn_->fds_mu_);
    conn_->reserved_fds_ -= n_;
  }
}

Result<Connection::FdReservation> Connection::ReserveFds(size_t n) {
  std::lock_guard<std::mutex> lock(fds_mu_);
  if (n > limits_.max_open_fds || fds_.size() + reserved_fds_ > limits_.max_open_fds - n) {
    return Errno(EMFILE);
  }
  // FDIDs are never reused; refuse before the counter could wrap (it cannot
  // in practice: 2^64 allocations).
  if (next_fdid_ > UINT64_MAX - n - reserved_fds_) return Errno(EMFILE);
  reserved_fds_ += n;
  return FdReservation(this, n);
}

wire::FDID Connection::InsertFd(FdEntry fd, FdReservation& r) {
  std::lock_guard<std::mutex> lock(fds_mu_);
  const wire::FDID id = next_fdid_++;
  if (fd.control) TreeOps::SetId(*fd.control, id);
  if (fd.open) TreeOps::SetId(*fd.open, id);
  if (fd.bound) TreeOps::SetId(*fd.bound, id);
  fds_.emplace(id, std::move(fd));
  if (r.n_ > 0) {
    --r.n_;
    --reserved_fds_;
  }
  return id;
}

Result<Connection::FdEntry> Connection::LookupFd(wire::FDID id) const {
  std::lock_guard<std::mutex> lock(fds_mu_);
  auto it = fds_.find(id);
  if (it == fds_.end()) return Errno(EBADF);
  return it->second;
}

Result<std::shared_ptr<ControlFd>> Connection::LookupControlFd(wire::FDID id) const {
  HG_ASSIGN_OR_RETURN(FdEntry e, LookupFd(id));
  if (e.control) return std::move(e.control);
  return Errno(EINVAL);  // a live FDID of another kind
}

Result<std::shared_ptr<OpenFd>> Connection::LookupOpenFd(wire::FDID id) const {
  HG_ASSIGN_OR_RETURN(FdEntry e, LookupFd(id));
  if (e.open) return std::move(e.open);
  return Errno(EINVAL);
}

Result<std::shared_ptr<BoundSocketFd>> Connection::LookupBoundSocketFd(wire::FDID id) const {
  HG_ASSIGN_OR_RETURN(FdEntry e, LookupFd(id));
  if (e.bound) return std::move(e.bound);
  return Errno(EINVAL);
}

Connection::FdEntry Connection::RemoveFd(wire::FDID id) {
  std::lock_guard<std::mutex> lock(fds_mu_);
  auto it = fds_.find(id);
  if (it == fds_.end()) return FdEntry();
  FdEntry e = std::move(it->second);
  fds_.erase(it);
  return e;
}

}  // namespace hg::server
