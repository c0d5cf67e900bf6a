// Private to gofer/client: the typed request/response plumbing shared by the
// files that implement the RPC methods (client_*.cc).
//
//   return Rpc(wire::MID::kFStat, wire::StatReq{fd}, 0, [&](transport::Frame& f) -> Status {
//     HG_ASSIGN_OR_RETURN(out, Decode<wire::Statx>(f.payload));
//     return Status::Ok();
//   });
//
// The response handler runs while the communicator is still held, so views
// into its payload are valid inside it and must be copied out before it
// returns (types.h).
#ifndef HARDGOFER_GOFER_CLIENT_CLIENT_RPC_H_
#define HARDGOFER_GOFER_CLIENT_CLIENT_RPC_H_

#include <cerrno>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "gofer/client/client.h"

namespace hg::client {

template <typename Req, typename OnResponse>
Status Client::Rpc(wire::MID mid, const Req& req, uint8_t want_fds, OnResponse&& on_response) {
  RequestEncoder enc;
  enc.len = req.EncodedSize();
  enc.obj = &req;
  enc.encode = [](const void* obj, wire::Writer& w) { static_cast<const Req*>(obj)->EncodeTo(w); };
  using Fn = std::remove_reference_t<OnResponse>;
  ResponseHandler h;
  h.obj = const_cast<void*>(static_cast<const void*>(&on_response));
  h.handle = [](void* obj, transport::Frame& f) -> Status { return (*static_cast<Fn*>(obj))(f); };
  return Send(wire::ToRaw(mid), enc, want_fds, /*check_mid=*/true, h);
}

namespace internal {

// Decodes a response payload; a malformed one is EIO, as in gVisor's client.
template <typename M, typename... Args>
Result<M> Decode(std::span<const uint8_t> payload, Args... args) {
  wire::Decoded<M> d = M::Decode(payload, args...);
  if (!d.ok()) return Errno(EIO);
  return std::move(d).value();
}

// Handler for responses with an empty payload (a lambda object, so Rpc can
// take its address like any other handler).
inline constexpr auto kIgnoreResponse = [](transport::Frame&) -> Status { return Status::Ok(); };

inline std::string Copy(std::string_view v) { return std::string(v.data(), v.size()); }

}  // namespace internal
}  // namespace hg::client

#endif  // HARDGOFER_GOFER_CLIENT_CLIENT_RPC_H_
