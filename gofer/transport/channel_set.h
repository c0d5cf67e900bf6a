// The flipcall channels of one connection: one sealed memfd of packet windows,
// a limit on how many channels a client may open, and the server ends.
//
//   HG_ASSIGN_OR_RETURN(auto set, ChannelSet::Create({.max_payload = max}));
//   // Channel RPC handler (may run on the socket thread or on a channel thread):
//   Result<NewChannel> nc = set->AddChannel();       // ENOMEM at the limit
//   if (!nc.ok()) reply Error(nc.error());
//   start a thread serving nc->channel (RecvFirst loop) BEFORE replying;
//   reply ChannelResp{nc->data_offset, nc->data_length}
//       donating {nc->data_fd, nc->fd_sock} in that order (then close them).
//   // Connection teardown (socket EOF):
//   set->ShutdownAll();  join the channel threads;  destroy set.
//
// A channel thread blocked in FUTEX_WAIT learns that the client is gone only
// through ShutdownAll: a dead client process never wakes the futex. So the
// connection calls ShutdownAll when its socket reports EOF (what gVisor's
// Connection.close does).
#ifndef HARDGOFER_GOFER_TRANSPORT_CHANNEL_SET_H_
#define HARDGOFER_GOFER_TRANSPORT_CHANNEL_SET_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/transport/flipcall_endpoint.h"
#include "gofer/transport/frame.h"
#include "gofer/transport/packet_window.h"
#include "gofer/transport/server_channel.h"

namespace hg::transport {

// clamp(CPUs this process may run on, 2, 4): what gVisor's client asks for
// (clamp(GOMAXPROCS, 2, 4)), so a default server never refuses a stock client.
size_t DefaultMaxChannels();

// Server-side bounded adaptive spin before FUTEX_WAIT (flipcall_endpoint.h).
// The earlier fixed-iteration spin lost on the 2-core dev machine because it
// spun on every wait, on every channel, even with more waiters than cores;
// the time-bounded, slot-capped, backing-off one wins there (see
// docs/performance.md for the numbers).
inline constexpr uint32_t kDefaultServerSpin = kDefaultSpinNs;

struct ChannelSetOptions {
  uint32_t max_payload = DefaultMaxPayload();
  size_t max_channels = DefaultMaxChannels();
  EndpointOptions endpoint{.spin_ns = kDefaultServerSpin, .wake_spin_ns = kDefaultWakeSpinNs};
};

// The result of AddChannel: what the Channel RPC answers and donates.
struct NewChannel {
  ServerChannel* channel = nullptr;  // owned by the ChannelSet
  int64_t data_offset = 0;           // ChannelResp.dataOffset
  uint64_t data_length = 0;          // ChannelResp.dataLength
  UniqueFd data_fd;                  // 1st donated FD: a dup of the memfd
  UniqueFd fd_sock;                  // 2nd donated FD: client end of the FD socket
};

class ChannelSet {
 public:
  // EINVAL when max_channels is 0, max_payload < 4 (an Error reply must fit)
  // or the window would exceed UINT32_MAX bytes.
  static Result<std::unique_ptr<ChannelSet>> Create(const ChannelSetOptions& opts = {});
  ChannelSet(const ChannelSet&) = delete;
  ChannelSet& operator=(const ChannelSet&) = delete;
  // Precondition: ShutdownAll() was called and every thread serving a channel
  // has returned (the channels are destroyed here).
  ~ChannelSet() = default;

  // Creates a channel. Thread-safe. ENOMEM when max_channels channels were
  // already created (channels are counted for the connection's lifetime:
  // windows are never reused), ENOSYS after ShutdownAll (connection closing),
  // or the errno of a failing memfd/mmap/socketpair/dup.
  Result<NewChannel> AddChannel();

  // Shuts every channel down (threads blocked in them return kShutdown) and
  // refuses new ones. Thread-safe, idempotent.
  void ShutdownAll();

  size_t size() const;
  const ChannelSetOptions& options() const { return opts_; }
  // The connection's memfd (for inspection; donate DupFd()s, never this).
  int memfd() const { return alloc_.fd(); }

 private:
  ChannelSet(const ChannelSetOptions& opts, PacketWindowAllocator alloc)
      : opts_(opts), alloc_(std::move(alloc)) {}

  const ChannelSetOptions opts_;
  mutable std::mutex mu_;
  PacketWindowAllocator alloc_;                           // guarded by mu_
  std::vector<std::unique_ptr<ServerChannel>> channels_;  // guarded by mu_
  bool closed_ = false;                                   // guarded by mu_
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_CHANNEL_SET_H_
