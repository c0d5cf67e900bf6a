// Bounded writer into a caller-provided buffer, and the three ways to encode a
// message with it.
//
//   // Server, response written in place in the flipcall window (no copy):
//   Writer w(window.subspan(kChannelPayloadOffset));
//   resp.EncodeTo(w);
//   if (!w.ok()) reply_error(ToErrno(w.error())); else send(w.size());
//
//   Encoded n = EncodeInto(req, buf);              // span with a capacity bound
//   Encoded n = EncodeAppend(req, &vec);           // grows a vector
//   auto bytes = Encode(req);                      // fresh vector
//
// Writes never go past the buffer: the first write that does not fit (or a
// string/array too long for its u16 prefix) sets a sticky error and every later
// write is a no-op, so an encoder can write a whole message and check ok() once.
// Padding is always written as zero.
//
// Every message type M provides:
//   size_t EncodedSize() const;          // exact byte count EncodeTo writes
//   void EncodeTo(Writer& w) const;
//   static Decoded<M> Decode(std::span<const uint8_t> payload);
#ifndef HARDGOFER_GOFER_WIRE_WRITER_H_
#define HARDGOFER_GOFER_WIRE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/errors.h"

namespace hg::wire {

class Writer {
 public:
  explicit Writer(std::span<uint8_t> dst) : begin_(dst.data()), cap_(dst.size()) {}

  bool ok() const { return error_ == EncodeError{}; }
  // Precondition: !ok().
  EncodeError error() const { return error_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  size_t remaining() const { return cap_ - size_; }
  std::span<uint8_t> written() const { return {begin_, size_}; }

  void Fail(EncodeError e) {
    if (ok()) error_ = e;
  }

  // Returns the next n bytes to fill and advances, or nullptr (kNoSpace) if
  // they do not fit or an earlier write failed. For n == 0 the pointer may be
  // null even on success (empty buffer): callers with a variable n test n too.
  uint8_t* Reserve(size_t n) {
    if (!ok()) return nullptr;
    if (n > remaining()) {
      Fail(EncodeError::kNoSpace);
      return nullptr;
    }
    uint8_t* at = begin_ + size_;
    size_ += n;
    return at;
  }

  // Shrinks what was written to `size` bytes (e.g. after a short pread into a
  // reserved region). Never grows.
  void Truncate(size_t size) {
    if (size < size_) size_ = size;
  }

  void U8(uint8_t v) {
    if (uint8_t* p = Reserve(1)) *p = v;
  }
  void U16(uint16_t v) {
    if (uint8_t* p = Reserve(2)) StoreU16(p, v);
  }
  void U32(uint32_t v) {
    if (uint8_t* p = Reserve(4)) StoreU32(p, v);
  }
  void U64(uint64_t v) {
    if (uint8_t* p = Reserve(8)) StoreU64(p, v);
  }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Zeros(size_t n) {
    if (uint8_t* p = Reserve(n); p && n) std::memset(p, 0, n);
  }
  void Bytes(std::span<const uint8_t> b) {
    if (uint8_t* p = Reserve(b.size()); p && !b.empty()) std::memcpy(p, b.data(), b.size());
  }
  void Bytes(std::string_view s) {
    Bytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }

  // u16 element count; kTooLong above 65535.
  void Count(size_t n) {
    if (n > UINT16_MAX) {
      Fail(EncodeError::kTooLong);
      return;
    }
    U16(static_cast<uint16_t>(n));
  }
  // SizedString: u16 length + bytes; kTooLong above 65535 bytes.
  void SizedString(std::string_view s) {
    Count(s.size());
    Bytes(s);
  }
  void StringArray(std::span<const std::string_view> strings) {
    Count(strings.size());
    for (std::string_view s : strings) SizedString(s);
  }

 private:
  uint8_t* begin_;
  size_t cap_;
  size_t size_ = 0;
  EncodeError error_{};  // 0 = no error
};

// Encoded size of a SizedString / StringArray (for EncodedSize()).
inline size_t SizedStringSize(std::string_view s) { return 2 + s.size(); }
inline size_t StringArraySize(std::span<const std::string_view> a) {
  size_t n = 2;
  for (std::string_view s : a) n += SizedStringSize(s);
  return n;
}

// Encodes `m` at the start of `dst`; returns the byte count. On error the
// contents of dst are unspecified.
template <typename M>
Encoded EncodeInto(const M& m, std::span<uint8_t> dst) {
  Writer w(dst);
  m.EncodeTo(w);
  if (!w.ok()) return w.error();
  return w.size();
}

// Appends the encoding of `m` to *out; on error *out is left as it was.
template <typename M>
Encoded EncodeAppend(const M& m, std::vector<uint8_t>* out) {
  const size_t old = out->size();
  out->resize(old + m.EncodedSize());
  Writer w(std::span<uint8_t>(*out).subspan(old));
  m.EncodeTo(w);
  if (!w.ok()) {
    out->resize(old);
    return w.error();
  }
  out->resize(old + w.size());
  return w.size();
}

// Encodes `m` into a new vector.
template <typename M>
Outcome<std::vector<uint8_t>, EncodeError> Encode(const M& m) {
  std::vector<uint8_t> out;
  Encoded r = EncodeAppend(m, &out);
  if (!r.ok()) return r.error();
  return out;
}

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_WRITER_H_
