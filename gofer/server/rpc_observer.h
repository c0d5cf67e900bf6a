// A hook the server calls once per answered RPC: counters and the access log
// (gofer/cmd/rpc_log.h) are built on it.
//
//   class Counter final : public hg::server::RpcObserver {
//     void OnRpc(const hg::server::RpcEvent& e) override { ++n[e.mid]; }
//   };
//   Counter c;
//   hg::server::Server srv({.observer = &c});   // must outlive the server
//
// Called on the serving thread right after the handler returned (before the
// response is sent), with no server lock held, so it must be cheap and
// thread-safe (several connections and channels call it concurrently). It
// must not block: a slow observer is a slow gofer.
#ifndef HARDGOFER_GOFER_SERVER_RPC_OBSERVER_H_
#define HARDGOFER_GOFER_SERVER_RPC_OBSERVER_H_

#include <cstdint>
#include <string_view>

namespace hg::server {

struct RpcEvent {
  std::string_view mount_path;  // the connection's (trusted) mount path
  uint16_t mid = 0;             // the request's MID as received (may be unknown)
  int err = 0;                  // 0: answered normally; else the errno answered
  // The path below the mount root of the FD the request names (its first
  // FDID), "" when the message names none or the FD is unknown. Filled only
  // when WantsPaths(): computing it takes the rename lock shared.
  std::string_view path;
};

class RpcObserver {
 public:
  virtual ~RpcObserver() = default;
  virtual bool WantsPaths() const { return false; }
  virtual void OnRpc(const RpcEvent& event) = 0;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_RPC_OBSERVER_H_
