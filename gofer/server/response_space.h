// Server-internal: where a handler writes its response payload, so the hot
// paths encode in place instead of building a message and copying it.
//
//   std::span<uint8_t> buf = call.out.Get(8 + count);   // count checked first
//   HG_ASSIGN_OR_RETURN(size_t n, impl.Read(buf.subspan(8), offset));
//
// On a channel this is the shared packet window: handlers only write to it and
// never read back what they wrote (the client can change it at any time).
// On the socket it is a private buffer that grows to the largest response so
// far (bounded by the max message size) and is reused.
#ifndef HARDGOFER_GOFER_SERVER_RESPONSE_SPACE_H_
#define HARDGOFER_GOFER_SERVER_RESPONSE_SPACE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gofer/transport/server_channel.h"

namespace hg::server {

class ResponseSpace {
 public:
  // n bytes to write the payload into. Precondition: n <= max message size
  // (every handler checks its bound against the connection's limit first).
  virtual std::span<uint8_t> Get(size_t n) = 0;

 protected:
  ~ResponseSpace() = default;
};

class SocketResponseSpace final : public ResponseSpace {
 public:
  std::span<uint8_t> Get(size_t n) override {
    if (buf_.size() < n) buf_.resize(n);
    return {buf_.data(), n};
  }
  std::span<const uint8_t> bytes(size_t n) const { return {buf_.data(), n}; }

 private:
  std::vector<uint8_t> buf_;
};

class ChannelResponseSpace final : public ResponseSpace {
 public:
  explicit ChannelResponseSpace(transport::ServerChannel* ch) : ch_(ch) {}
  std::span<uint8_t> Get(size_t n) override { return ch_->response_buffer().first(n); }

 private:
  transport::ServerChannel* ch_;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_RESPONSE_SPACE_H_
