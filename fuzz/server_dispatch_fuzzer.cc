// server_dispatch: decode + dispatch of the real LisaFS server (gofer/server)
// against a do-nothing backend (support/null_backend.h), over a real socket
// and real flipcall channels, one fresh Server per input.
//
// Input:  byte 0  config: bit 0 read-only connection; bit 1 walk_stat_supported
//                 (backend WalkStat instead of the server's walk); bit 2 small
//                 limits (8 FDIDs, 8 walk components, 2 channels); bit 3 no
//                 implicit Mount first; bit 4 allowed_mids leaves out the MID
//                 in byte 1
//         byte 1  a MID (for bit 4)
//         then records, each:
//           u8  MID (raw: 0..33 and unknown ones)
//           u8  route: 0 = main socket, k = flipcall channel (k-1) % channels
//               made so far (the socket when there is none)
//           u16 payload length (little-endian), then the payload
// FDIDs in payloads are raw: the server hands them out from 1 upwards (the
// Mount root is 1), so small values name real files.
//
// Oracles, for every request:
//   * the answer has the request's MID or MID 0 (Error), never another;
//   * Error carries a positive errno below 4096; any other answer decodes
//     with gofer/wire's response decoder for that MID (the server never sends
//     a malformed response);
//   * FDs come only with the MIDs that donate them (Mount, Channel, OpenAt,
//     OpenCreateAt, Connect, ConnectWithCreds, BindAt, Accept), and are
//     close-on-exec;
//   * after the client hangs up, the server tears the connection down
//     (Server::Wait returns) and the process holds exactly the descriptors it
//     held before the input.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "base/unique_fd.h"
#include "fuzz/support/fd_table.h"
#include "fuzz/support/null_backend.h"
#include "gofer/server/server.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/decode_any.h"
#include "gofer/wire/max_message_size.h"
#include "gofer/wire/messages.h"

namespace {

using hg::UniqueFd;
using hg::wire::MID;

[[noreturn]] void Fail(const char* what, unsigned mid) {
  std::fprintf(stderr, "server_dispatch: %s (MID %u)\n", what, mid);
  std::abort();
}

bool Donates(uint16_t mid) {
  switch (static_cast<MID>(mid)) {
    case MID::kMount:
    case MID::kChannel:
    case MID::kOpenAt:
    case MID::kOpenCreateAt:
    case MID::kConnect:
    case MID::kConnectWithCreds:
    case MID::kBindAt:
    case MID::kAccept:
      return true;
    default:
      return false;
  }
}

void CheckAnswer(uint16_t req_mid, const hg::transport::Frame& f) {
  if (f.mid == hg::wire::ToRaw(MID::kError)) {
    auto e = hg::wire::ErrorResp::Decode(f.payload);
    if (!e.ok() || f.payload.size() != 4) Fail("malformed Error answer", req_mid);
    if (e->errnum == 0 || e->errnum >= 4096) Fail("Error answer with a bad errno", req_mid);
    for (const UniqueFd& fd : f.fds) {
      if (fd.valid()) Fail("FDs donated with an Error answer", req_mid);
    }
    return;
  }
  if (f.mid != req_mid) Fail("answer MID is neither the request's nor Error", req_mid);
  auto d = hg::wire::DecodeAnyResponse(static_cast<MID>(f.mid), f.payload);
  if (!d.ok()) Fail("the server sent a response its own wire decoder refuses", req_mid);
  for (const UniqueFd& fd : f.fds) {
    if (!fd.valid()) continue;
    if (!Donates(req_mid)) Fail("FDs donated by a MID that never donates", req_mid);
    if (!hg::fuzz::IsCloexec(fd.get())) Fail("donated FD without FD_CLOEXEC", req_mid);
  }
}

class Input {
 public:
  explicit Input(std::span<const uint8_t> in) : in_(in) {}
  bool empty() const { return pos_ >= in_.size(); }
  uint8_t U8() { return pos_ < in_.size() ? in_[pos_++] : 0; }
  std::span<const uint8_t> Take(size_t n) {
    n = std::min(n, in_.size() - pos_);
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

void Run(Input& in) {
  const uint8_t cfg = in.U8();
  const uint8_t left_out = in.U8();

  hg::server::Server server;
  hg::server::ConnectionConfig cc;
  cc.mount_path = "/null";
  cc.opts.readonly = cfg & 1;
  cc.opts.walk_stat_supported = cfg & 2;
  if (cfg & 4) {
    cc.limits.max_open_fds = 8;
    cc.limits.max_walk_components = 8;
    cc.limits.max_channels = 2;
  }
  if (cfg & 16) cc.opts.allowed_mids.Remove(static_cast<MID>(left_out % hg::wire::kNumMids));
  cc.impl = std::make_unique<hg::fuzz::NullBackend>();

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Fail("socketpair", 0);
  UniqueFd ours(sv[0]);
  auto conn = server.StartConnection(UniqueFd(sv[1]), std::move(cc));
  if (!conn.ok()) {
    // Only a config without Mount is refused; the harness never makes one
    // unless byte 1 removed Mount itself.
    if ((cfg & 16) && left_out % hg::wire::kNumMids == hg::wire::ToRaw(MID::kMount)) return;
    Fail("StartConnection refused a valid config", 0);
  }
  const uint32_t max = hg::wire::MaxMessageSize();
  auto comm = hg::transport::SocketCommunicator::Create(std::move(ours),
                                                        hg::transport::Side::kClient, max);
  if (!comm.ok()) Fail("SocketCommunicator::Create", 0);

  std::vector<std::unique_ptr<hg::transport::ClientChannel>> channels;
  auto call = [&](uint16_t mid, std::span<const uint8_t> payload, uint8_t route) {
    hg::transport::ClientChannel* ch =
        route == 0 || channels.empty() ? nullptr : channels[(route - 1) % channels.size()].get();
    auto f = ch != nullptr ? ch->Call(mid, payload, 2) : (*comm)->Call(mid, payload, 2);
    if (!f.ok()) {
      // The transport refuses oversize payloads before sending.
      if (f.error().kind == hg::transport::ErrorKind::kTooLarge && payload.size() > max) return;
      if (ch != nullptr && payload.size() > ch->max_payload()) return;
      std::fprintf(stderr, "transport: %s\n", f.error().ToString().c_str());
      Fail("the server did not answer", mid);
    }
    CheckAnswer(mid, *f);
    if (f->mid == hg::wire::ToRaw(MID::kChannel) && f->fds.size() == 2 && f->fds[0].valid() &&
        f->fds[1].valid()) {
      auto resp = hg::wire::ChannelResp::Decode(f->payload);
      auto c = hg::transport::ClientChannel::Create(std::move(f->fds[0]), resp->data_offset,
                                                     resp->data_length, std::move(f->fds[1]));
      if (!c.ok()) Fail("the server's channel does not map", mid);
      if (!(*c)->Connect().ok()) Fail("the server's channel refuses the handshake", mid);
      channels.push_back(std::move(c).value());
    }
  };

  if (!(cfg & 8)) call(hg::wire::ToRaw(MID::kMount), {}, 0);
  while (!in.empty()) {
    const uint16_t mid = in.U8();
    const uint8_t route = in.U8();
    const size_t len = in.U8() | (size_t{in.U8()} << 8);
    const std::span<const uint8_t> payload = in.Take(len);
    call(mid, payload, route);
  }
  channels.clear();
  comm->reset();  // EOF: the connection tears down
  server.Wait();
  if (!(*conn)->closed()) Fail("connection not torn down after the client left", 0);
  if ((*conn)->open_fd_count() != 0) Fail("FDIDs left in a closed connection's table", 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)hg::fuzz::NullFileFd();  // makes the one memfd before the baseline
  const size_t baseline = hg::fuzz::CountOpenFds();
  Input in(std::span<const uint8_t>(data, size));
  Run(in);
  hg::fuzz::ExpectFdCount(baseline, "after the input");
  return 0;
}
