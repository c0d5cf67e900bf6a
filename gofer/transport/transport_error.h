// Errors of the transport layer (socket communicator and flipcall channels).
//
//   Outcome<Frame> r = comm->Recv();
//   if (!r.ok()) {
//     const TransportError& e = r.error();
//     if (e.must_reply()) { /* answer Error(e.ToErrno()) and keep serving */ }
//     else { /* kEof, kShutdown, ...: tear the connection or channel down */ }
//   }
//
// Why not hg::Result: a bare errno cannot tell "the peer hung up between two
// frames" (a normal end of a connection) from "the peer died mid-frame", "we were
// asked to stop", "the payload was too large but the stream is still framed" and
// "a channel request was malformed but the channel is still ours to answer". The
// server reacts differently to each, so each is its own kind; ToErrno() is the one
// place that turns a kind into the errno of an Error reply.
#ifndef HARDGOFER_GOFER_TRANSPORT_TRANSPORT_ERROR_H_
#define HARDGOFER_GOFER_TRANSPORT_TRANSPORT_ERROR_H_

#include <cstdint>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/result.h"

namespace hg::transport {

enum class ErrorKind : uint8_t {
  // Socket: the peer closed the connection cleanly, between two frames.
  kEof,
  // Socket: the peer closed the connection in the middle of a frame (it died
  // mid-header or mid-payload). Nothing of the partial frame is returned.
  kTruncated,
  // Shutdown() was called on this end, or (channels) the peer shut down.
  kShutdown,
  // A frame's payload exceeds the maximum message size. On Recv the payload
  // was read and discarded without being stored, so the stream is still framed
  // and the caller answers Error(EIO) and keeps serving (what gVisor's server
  // does, minus its up-front allocation). On Send nothing was sent.
  kTooLarge,
  // Channel: the request is malformed (dataLen > dataCap, dataLen < 4, a
  // request claiming FDs, or a payload over the maximum message size). The
  // server still holds control of the channel and must answer, normally with
  // ReplyError(EIO); otherwise the client stays blocked forever.
  kMalformed,
  // The peer broke the protocol in a way that cannot be answered (bad futex
  // state, bad handshake, malformed FD control message, call out of turn). A
  // channel has been shut down by the time this is returned.
  kProtocol,
  // A system call failed; sys_errno says which errno.
  kSystem,
};

struct TransportError {
  ErrorKind kind;
  int sys_errno = 0;    // kSystem only
  uint16_t mid = 0;     // kTooLarge/kMalformed: the MID of the offending frame, when known
  uint64_t length = 0;  // kTooLarge/kMalformed: the offending length

  static TransportError Of(ErrorKind kind) { return TransportError{kind}; }
  static TransportError System(int err) { return TransportError{ErrorKind::kSystem, err}; }
  static TransportError LastSystem();  // from errno

  // True when the caller still owns the turn and must send an Error reply
  // (kTooLarge, kMalformed). Everything else ends the connection or channel.
  bool must_reply() const { return kind == ErrorKind::kTooLarge || kind == ErrorKind::kMalformed; }
  // The errno for an Error reply (server) or for the failed RPC (client): EIO
  // for every kind, as gVisor's server (oversize payload) and client (any
  // transport failure) use. sys_errno stays available for logs.
  Errno ToErrno() const;
  const char* KindName() const;
  std::string ToString() const;
};

// Value-or-TransportError. Outcome<> is the "no value" flavour.
template <typename T = std::monostate>
class [[nodiscard]] Outcome {
 public:
  Outcome() requires std::is_same_v<T, std::monostate> : v_(std::monostate{}) {}
  Outcome(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Outcome(TransportError err) : v_(std::move(err)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // Precondition: ok(). Violations abort rather than read garbage.
  T& value() & {
    Check(true);
    return std::get<0>(v_);
  }
  const T& value() const& {
    Check(true);
    return std::get<0>(v_);
  }
  T&& value() && {
    Check(true);
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // Precondition: !ok().
  const TransportError& error() const {
    Check(false);
    return std::get<1>(v_);
  }

 private:
  void Check(bool want_ok) const {
    if (ok() != want_ok) std::abort();
  }
  std::variant<T, TransportError> v_;
};

}  // namespace hg::transport

#endif  // HARDGOFER_GOFER_TRANSPORT_TRANSPORT_ERROR_H_
