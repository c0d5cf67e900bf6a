#include "gofer/cmd/rpc_log.h"

#include <cstring>

#include "base/log.h"

namespace hg::cmd {
namespace {

std::string ErrnoName(int e) {
  if (const char* n = ::strerrorname_np(e)) return n;
  return "errno" + std::to_string(e);
}

}  // namespace

RpcLog::RpcLog(std::vector<std::pair<std::string, std::string>> mounts, bool access_log)
    : mounts_(std::move(mounts)), access_log_(access_log) {}

std::string_view RpcLog::ContainerPath(std::string_view mount_path) const {
  for (const auto& [served, container] : mounts_) {
    if (served == mount_path) return container;
  }
  return mount_path;
}

void RpcLog::OnRpc(const server::RpcEvent& e) {
  total_.fetch_add(1, std::memory_order_relaxed);
  by_mid_[e.mid < wire::kNumMids ? e.mid : kMidSlots - 1].fetch_add(1, std::memory_order_relaxed);
  if (e.err != 0) {
    const size_t slot = e.err > 0 && static_cast<size_t>(e.err) < kErrnoSlots - 1
                            ? static_cast<size_t>(e.err)
                            : kErrnoSlots - 1;
    by_errno_[slot].fetch_add(1, std::memory_order_relaxed);
  }
  if (!access_log_) return;
  const std::string op = wire::IsKnownMid(e.mid)
                             ? std::string(wire::MidName(static_cast<wire::MID>(e.mid)))
                             : "mid" + std::to_string(e.mid);
  const std::string result = e.err == 0 ? "ok" : ErrnoName(e.err);
  HG_LOG(
      kInfo, "rpc",
      {{"mount", ContainerPath(e.mount_path)}, {"op", op}, {"path", e.path}, {"result", result}});
}

uint64_t RpcLog::count(uint16_t mid) const {
  return by_mid_[mid < wire::kNumMids ? mid : kMidSlots - 1].load(std::memory_order_relaxed);
}

uint64_t RpcLog::errno_count(int err) const {
  if (err <= 0) return 0;
  const size_t slot =
      static_cast<size_t>(err) < kErrnoSlots - 1 ? static_cast<size_t>(err) : kErrnoSlots - 1;
  return by_errno_[slot].load(std::memory_order_relaxed);
}

std::string RpcLog::OpsText() const {
  std::string s;
  for (size_t m = 0; m < kMidSlots; ++m) {
    const uint64_t n = by_mid_[m].load(std::memory_order_relaxed);
    if (n == 0) continue;
    if (!s.empty()) s += ',';
    s += m < wire::kNumMids ? std::string(wire::MidName(static_cast<wire::MID>(m))) : "unknown";
    s += ':' + std::to_string(n);
  }
  return s;
}

std::string RpcLog::ErrnosText() const {
  std::string s;
  for (size_t e = 1; e < kErrnoSlots; ++e) {
    const uint64_t n = by_errno_[e].load(std::memory_order_relaxed);
    if (n == 0) continue;
    if (!s.empty()) s += ',';
    s += (e < kErrnoSlots - 1 ? ErrnoName(static_cast<int>(e)) : "other") + ':' + std::to_string(n);
  }
  return s;
}

void RpcLog::DumpCounters(std::string_view reason) const {
  const std::string total = std::to_string(this->total());
  const std::string ops = OpsText();
  const std::string errnos = ErrnosText();
  HG_LOG(kInfo, "rpc_counters",
         {{"reason", reason}, {"total", total}, {"ops", ops}, {"errnos", errnos}});
}

}  // namespace hg::cmd
