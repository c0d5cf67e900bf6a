#include "gofer/transport/channel_set.h"

#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace hg::transport {

size_t DefaultMaxChannels() {
  cpu_set_t set;
  size_t cpus = 1;
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    cpus = static_cast<size_t>(CPU_COUNT(&set));
  }
  return std::clamp<size_t>(cpus, 2, 4);
}

Result<std::unique_ptr<ChannelSet>> ChannelSet::Create(const ChannelSetOptions& opts) {
  if (opts.max_channels == 0 || opts.max_payload < kErrorPayloadSize ||
      WindowSizeFor(opts.max_payload) > std::numeric_limits<uint32_t>::max()) {
    return Errno(EINVAL);
  }
  HG_ASSIGN_OR_RETURN(PacketWindowAllocator alloc, PacketWindowAllocator::Create());
  return std::unique_ptr<ChannelSet>(new ChannelSet(opts, std::move(alloc)));
}

Result<NewChannel> ChannelSet::AddChannel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Errno(ENOSYS);
  if (channels_.size() >= opts_.max_channels) return Errno(ENOMEM);
  HG_ASSIGN_OR_RETURN(PacketWindow w, alloc_.Allocate(WindowSizeFor(opts_.max_payload)));
  HG_ASSIGN_OR_RETURN(Mapping m, Mapping::Map(alloc_.fd(), w.offset, w.length));
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return Errno::Last();
  UniqueFd server_sock(pair[0]);
  UniqueFd client_sock(pair[1]);
  HG_ASSIGN_OR_RETURN(UniqueFd data_fd, alloc_.DupFd());

  auto ch = std::make_unique<ServerChannel>(std::move(m), std::move(server_sock), opts_.max_payload,
                                            opts_.endpoint);
  NewChannel nc;
  nc.channel = ch.get();
  nc.data_offset = w.offset;
  nc.data_length = w.length;
  nc.data_fd = std::move(data_fd);
  nc.fd_sock = std::move(client_sock);
  channels_.push_back(std::move(ch));
  return nc;
}

void ChannelSet::ShutdownAll() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (auto& ch : channels_) ch->Shutdown();
}

size_t ChannelSet::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return channels_.size();
}

}  // namespace hg::transport
