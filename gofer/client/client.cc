// Client session: Mount, channels, the communicator pool and the watchdog.
#include "gofer/client/client.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/thread_name.h"
#include "gofer/client/client_rpc.h"
#include "gofer/wire/max_message_size.h"

namespace hg::client {

Result<UniqueFd> ConnectUnixSocket(std::string_view path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.find('\0') != std::string_view::npos) return Errno(EINVAL);
  if (path.size() >= sizeof(addr.sun_path)) return Errno(ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return Errno::Last();
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  int r;
  do {
    r = ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), len);
  } while (r != 0 && errno == EINTR);
  if (r != 0) return Errno::Last();
  return sock;
}

Client::Client(std::unique_ptr<transport::SocketCommunicator> sock) : sock_(std::move(sock)) {
  supported_.set(wire::ToRaw(wire::MID::kMount));
}

Result<std::unique_ptr<Client>> Client::Mount(UniqueFd sock, const Options& opts) {
  HG_ASSIGN_OR_RETURN(
      auto comm, transport::SocketCommunicator::Create(std::move(sock), transport::Side::kClient,
                                                       wire::MaxMessageSize()));
  std::unique_ptr<Client> c(new Client(std::move(comm)));
  // Before Mount the limit is ours; the server's comes back with the response.
  c->max_message_size_ = wire::MaxMessageSize();
  HG_RETURN_IF_ERROR(c->StartWatchdog());

  wire::MountResp resp;
  UniqueFd host_fd;
  HG_RETURN_IF_ERROR(
      c->Rpc(wire::MID::kMount, wire::MountReq{}, 1, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(resp, internal::Decode<wire::MountResp>(f.payload));
        host_fd = std::move(f.fds[0]);
        return Status::Ok();
      }));
  if (resp.max_message_size < kMinMessageSize) return Errno(EIO);
  c->root_ = resp.root;
  // A server may advertise more than our own limit; we never send or accept
  // more than we could on this host.
  c->max_message_size_ = std::min(resp.max_message_size, wire::MaxMessageSize());
  c->sock_->set_max_payload(c->max_message_size_);
  c->supported_.reset();
  for (wire::MID m : resp.supported_mids) {
    if (!c->supported_.test(wire::ToRaw(m))) c->supported_list_.push_back(m);
    c->supported_.set(wire::ToRaw(m));
  }
  {
    std::lock_guard<std::mutex> l(c->mount_fd_mu_);
    c->mount_host_fd_ = std::move(host_fd);
  }
  c->channel_endpoint_ = opts.channel_endpoint;
  if (opts.channels > 0 && c->IsSupported(wire::MID::kChannel)) {
    HG_ASSIGN_OR_RETURN(size_t n, c->StartChannels(opts.channels));
    (void)n;
  }
  return c;
}

Client::~Client() {
  if (wake_.valid()) {
    const uint64_t one = 1;
    // A full eventfd counter (impossible here) would still leave it readable.
    (void)!::write(wake_.get(), &one, sizeof(one));
  }
  if (watchdog_.joinable()) watchdog_.join();
  ShutdownChannels();
  {
    std::lock_guard<std::mutex> l(chan_mu_);
    available_.clear();
    channels_.clear();  // unmaps; the server's channel threads see shutdown
  }
  sock_->Shutdown();  // the server sees EOF and tears the connection down
}

UniqueFd Client::TakeMountHostFd() {
  std::lock_guard<std::mutex> l(mount_fd_mu_);
  return std::move(mount_host_fd_);
}

bool Client::IsSupported(wire::MID mid) const { return supported_.test(wire::ToRaw(mid)); }

size_t Client::channel_count() const {
  std::lock_guard<std::mutex> l(chan_mu_);
  return static_cast<size_t>(std::count_if(channels_.begin(), channels_.end(),
                                           [](const auto& ch) { return !ch->is_shutdown(); }));
}

bool Client::hung_up() const {
  std::lock_guard<std::mutex> l(chan_mu_);
  return hung_up_;
}

// ---- Channels ----------------------------------------------------------------

Result<ChannelGrant> Client::Channel() {
  ChannelGrant g;
  HG_RETURN_IF_ERROR(
      Rpc(wire::MID::kChannel, wire::ChannelReq{}, 2, [&](transport::Frame& f) -> Status {
        HG_ASSIGN_OR_RETURN(wire::ChannelResp r, internal::Decode<wire::ChannelResp>(f.payload));
        g.data_offset = r.data_offset;
        g.data_length = r.data_length;
        g.data_fd = std::move(f.fds[0]);
        g.fd_sock = std::move(f.fds[1]);
        return Status::Ok();
      }));
  if (!g.data_fd.valid() || !g.fd_sock.valid()) return Errno(EIO);  // "insufficient FDs"
  return g;
}

Status Client::AddChannel() {
  HG_ASSIGN_OR_RETURN(ChannelGrant g, Channel());
  HG_ASSIGN_OR_RETURN(
      auto ch, transport::ClientChannel::Create(std::move(g.data_fd), g.data_offset, g.data_length,
                                                std::move(g.fd_sock), channel_endpoint_));
  if (!ch->Connect().ok()) return Errno(EIO);
  std::lock_guard<std::mutex> l(chan_mu_);
  if (hung_up_) return Errno(EIO);  // ~ClientChannel tells the server it is gone
  available_.push_back(ch.get());
  channels_.push_back(std::move(ch));
  return Status::Ok();
}

Result<size_t> Client::StartChannels(size_t n) {
  std::vector<Status> results(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([this, &results, i] { results[i] = AddChannel(); });
  }
  for (auto& t : threads) t.join();
  size_t added = 0;
  Errno first(ENOMEM);
  bool have_first = false;
  for (const Status& s : results) {
    if (s.ok()) {
      ++added;
    } else if (!have_first) {
      first = s.error();
      have_first = true;
    }
  }
  if (n > 0 && added == 0) return first;
  return added;
}

transport::ClientChannel* Client::PopChannel() {
  std::lock_guard<std::mutex> l(chan_mu_);
  if (available_.empty()) return nullptr;
  transport::ClientChannel* ch = available_.back();
  available_.pop_back();
  ++active_;
  return ch;
}

void Client::PushChannel(transport::ClientChannel* ch) {
  std::lock_guard<std::mutex> l(chan_mu_);
  // After a hang-up (or a transport failure on this channel) it stays out.
  if (!hung_up_ && !ch->is_shutdown()) available_.push_back(ch);
  --active_;
  chan_idle_.notify_all();
}

void Client::ShutdownChannels() {
  std::lock_guard<std::mutex> l(chan_mu_);
  for (auto& ch : channels_) ch->Shutdown();
}

// ---- Watchdog ----------------------------------------------------------------

Status Client::StartWatchdog() {
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) return Errno::Last();
  watchdog_ = std::thread([this] {
    SetThreadName("hg-client-wd");
    Watchdog();
  });
  return Status::Ok();
}

void Client::Watchdog() {
  pollfd fds[2] = {{sock_->fd(), POLLRDHUP, 0}, {wake_.get(), POLLIN, 0}};
  for (;;) {
    int n = ::ppoll(fds, 2, nullptr, nullptr);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return;                // cannot watch; callers still see transport errors
    if (fds[1].revents != 0) return;  // Client is being destroyed
    if (fds[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) break;
  }
  // The server is gone: no channel will ever be answered again. Wake every
  // caller blocked on one and stop handing channels out.
  std::lock_guard<std::mutex> l(chan_mu_);
  hung_up_ = true;
  available_.clear();
  for (auto& ch : channels_) ch->Shutdown();
}

// ---- Sending -----------------------------------------------------------------

Status Client::HandleFrame(uint16_t mid, transport::Frame& frame, bool check_mid,
                           const ResponseHandler& on_response) const {
  if (frame.payload.size() > max_message_size_) return Errno(EIO);
  if (check_mid) {
    if (frame.mid == wire::ToRaw(wire::MID::kError)) {
      HG_ASSIGN_OR_RETURN(wire::ErrorResp e, internal::Decode<wire::ErrorResp>(frame.payload));
      return e.AsErrno();  // donated FDs, if any, close with the frame
    }
    if (frame.mid != mid) return Errno(EINVAL);
  }
  return on_response.handle(on_response.obj, frame);
}

Status Client::Send(uint16_t mid, const RequestEncoder& req, uint8_t want_fds, bool check_mid,
                    const ResponseHandler& on_response) {
  if (check_mid && !supported_.test(mid)) return Errno(EOPNOTSUPP);
  if (req.len > max_message_size_) return Errno(EIO);

  if (transport::ClientChannel* ch = PopChannel()) {
    struct Release {
      Client* c;
      transport::ClientChannel* ch;
      ~Release() { c->PushChannel(ch); }
    } release{this, ch};
    if (req.len <= ch->max_payload()) {
      wire::Writer w(ch->request_buffer().first(req.len));
      req.encode(req.obj, w);
      if (!w.ok() || w.size() != req.len) return Errno(EIO);
      transport::Outcome<transport::Frame> r =
          ch->CallInPlace(mid, static_cast<uint32_t>(req.len), want_fds);
      if (!r.ok()) return r.error().ToErrno();
      return HandleFrame(mid, *r, check_mid, on_response);
    }
    // A window smaller than the negotiated size: use the socket.
  }

  std::lock_guard<std::mutex> l(sock_mu_);
  sock_buf_.resize(req.len);
  wire::Writer w(sock_buf_);
  req.encode(req.obj, w);
  if (!w.ok() || w.size() != req.len) return Errno(EIO);
  transport::Outcome<transport::Frame> r = sock_->Call(mid, sock_buf_, want_fds);
  if (!r.ok()) return r.error().ToErrno();
  return HandleFrame(mid, *r, check_mid, on_response);
}

Result<Client::RawResponse> Client::RawCall(uint16_t mid, std::span<const uint8_t> payload,
                                            uint8_t want_fds) {
  RequestEncoder enc;
  enc.len = payload.size();
  enc.obj = &payload;
  enc.encode = [](const void* obj, wire::Writer& w) {
    w.Bytes(*static_cast<const std::span<const uint8_t>*>(obj));
  };
  RawResponse out;
  auto copy = [&](transport::Frame& f) -> Status {
    out.mid = f.mid;
    out.payload.assign(f.payload.begin(), f.payload.end());
    out.fds = std::move(f.fds);
    return Status::Ok();
  };
  ResponseHandler h{&copy, [](void* obj, transport::Frame& f) -> Status {
                      return (*static_cast<decltype(copy)*>(obj))(f);
                    }};
  HG_RETURN_IF_ERROR(Send(mid, enc, want_fds, /*check_mid=*/false, h));
  return out;
}

// ---- Closing -----------------------------------------------------------------

void ScopedFdId::reset() {
  wire::FDID id = std::exchange(id_, wire::kInvalidFDID);
  if (owned_ && client_ != nullptr && id != wire::kInvalidFDID) client_->CloseFd(id);
}

void Client::CloseFd(FDID fd, bool flush) {
  std::vector<FDID> batch;
  {
    std::lock_guard<std::mutex> l(close_mu_);
    to_close_.push_back(fd);
    if (!flush && to_close_.size() < kCloseBatchSize) return;
    batch.swap(to_close_);
  }
  // Not holding close_mu_ across the RPC: other threads keep queueing.
  (void)Close(batch);
}

Status Client::FlushCloses() {
  std::vector<FDID> batch;
  {
    std::lock_guard<std::mutex> l(close_mu_);
    batch.swap(to_close_);
  }
  if (batch.empty()) return Status::Ok();
  return Close(batch);
}

size_t Client::pending_closes() const {
  std::lock_guard<std::mutex> l(close_mu_);
  return to_close_.size();
}

Status Client::Close(std::span<const FDID> fds) {
  // A CloseReq holds at most 65535 FDIDs (u16 count).
  while (!fds.empty()) {
    const size_t n = std::min<size_t>(fds.size(), UINT16_MAX);
    wire::CloseReq req;
    req.fds.assign(fds.begin(), fds.begin() + static_cast<std::ptrdiff_t>(n));
    HG_RETURN_IF_ERROR(Rpc(wire::MID::kClose, req, 0, internal::kIgnoreResponse));
    fds = fds.subspan(n);
  }
  return Status::Ok();
}

}  // namespace hg::client
