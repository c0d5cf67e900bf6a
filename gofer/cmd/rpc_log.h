// Counters per message type and errno, and the access log, for `hardgofer run`.
//
//   RpcLog rpc_log({{"/mounts/0", "/"}, {"/mounts/1", "/data"}}, /*access_log=*/true);
//   server::Server srv({.observer = &rpc_log});
//   ...
//   rpc_log.DumpCounters("sigusr1");
//   // info rpc_counters reason=sigusr1 total=42 ops=Mount:1,WalkStat:30,... errnos=ENOENT:3
//   // with the access log on, one line per RPC:
//   // info rpc mount=/data op=MkdirAt path=/a result=ok
//
// Counting is a relaxed atomic increment per RPC (no lock, no allocation);
// the access log costs a path lookup under the shared rename lock and one
// write(2) per RPC, which is why it is off by default. Paths in the access
// log are tenant-controlled and are escaped by base/log.
#ifndef HARDGOFER_GOFER_CMD_RPC_LOG_H_
#define HARDGOFER_GOFER_CMD_RPC_LOG_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gofer/server/rpc_observer.h"
#include "gofer/wire/mid.h"

namespace hg::cmd {

class RpcLog final : public server::RpcObserver {
 public:
  // `mounts`: (server mount path, container path) pairs, for log lines.
  RpcLog(std::vector<std::pair<std::string, std::string>> mounts, bool access_log);

  bool WantsPaths() const override { return access_log_; }
  void OnRpc(const server::RpcEvent& e) override;

  // One info line "rpc_counters" with every non-zero counter.
  void DumpCounters(std::string_view reason) const;

  uint64_t total() const { return total_.load(std::memory_order_relaxed); }
  uint64_t count(uint16_t mid) const;
  uint64_t errno_count(int err) const;
  // "Mount:1,WalkStat:30" / "ENOENT:3" (what DumpCounters logs).
  std::string OpsText() const;
  std::string ErrnosText() const;

 private:
  static constexpr size_t kMidSlots = wire::kNumMids + 1;  // last: unknown MIDs
  static constexpr size_t kErrnoSlots = 136;               // last: errno >= 135
  std::string_view ContainerPath(std::string_view mount_path) const;

  const std::vector<std::pair<std::string, std::string>> mounts_;
  const bool access_log_;
  std::atomic<uint64_t> total_{0};
  std::array<std::atomic<uint64_t>, kMidSlots> by_mid_{};
  std::array<std::atomic<uint64_t>, kErrnoSlots> by_errno_{};
};

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_RPC_LOG_H_
