// Bounds-checked cursor over an untrusted payload.
//
//   Reader r(payload);
//   req.dir_fd = r.U64();
//   req.path = ...; r.StringArray(&req.path);
//   if (!r.ok()) return r.error();          // first failure wins, later reads are no-ops
//
// Every read checks the remaining length *before* touching memory; after the
// first failure the reader is "stuck": further reads return zero/empty and do
// not move, so a decoder can read a whole message and check ok() once without
// ever reading past the end. Strings and byte ranges are views into the payload
// (no copy): the payload must outlive the decoded message. That is the point on
// the hot path (PWrite data is never copied), and it is safe because the server
// copies a channel request out of the shared window once before decoding it.
//
// Trailing bytes are not an error (gVisor's CheckedUnmarshal ignores them).
#ifndef HARDGOFER_GOFER_WIRE_READER_H_
#define HARDGOFER_GOFER_WIRE_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "gofer/wire/byte_order.h"
#include "gofer/wire/errors.h"

namespace hg::wire {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> src)
      : begin_(src.data()), p_(src.data()), end_(src.data() + src.size()) {}

  bool ok() const { return error_ == DecodeError{}; }
  // Precondition: !ok().
  DecodeError error() const { return error_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  size_t consumed() const { return static_cast<size_t>(p_ - begin_); }

  // Records the first failure; the reader then stays stuck.
  void Fail(DecodeError e) {
    if (ok()) error_ = e;
    p_ = end_;
  }

  // Returns a pointer to the next n bytes and advances, or nullptr (and
  // kTruncated) when fewer remain. Used for fixed-size groups of fields.
  const uint8_t* Fixed(size_t n) {
    if (!ok()) return nullptr;
    if (remaining() < n) {
      Fail(DecodeError::kTruncated);
      return nullptr;
    }
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }

  uint8_t U8() {
    const uint8_t* p = Fixed(1);
    return p ? *p : 0;
  }
  uint16_t U16() {
    const uint8_t* p = Fixed(2);
    return p ? LoadU16(p) : 0;
  }
  uint32_t U32() {
    const uint8_t* p = Fixed(4);
    return p ? LoadU32(p) : 0;
  }
  uint64_t U64() {
    const uint8_t* p = Fixed(8);
    return p ? LoadU64(p) : 0;
  }
  int32_t I32() { return static_cast<int32_t>(U32()); }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  // Padding: must be present, its value is ignored (as gVisor).
  void Skip(size_t n) { Fixed(n); }

  // `n` bytes whose length came from the peer: kLengthOverrun if they are not
  // all there. n is 64-bit so a u64 length is compared without truncation.
  std::span<const uint8_t> Bytes(uint64_t n) {
    if (!ok()) return {};
    if (n > remaining()) {
      Fail(DecodeError::kLengthOverrun);
      return {};
    }
    std::span<const uint8_t> out(p_, static_cast<size_t>(n));
    p_ += n;
    return out;
  }

  // SizedString: u16 length, then that many opaque bytes (no NUL, no UTF-8 check).
  std::string_view SizedString() {
    uint16_t len = U16();
    std::span<const uint8_t> b = Bytes(len);
    if (b.empty()) return {};
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  // u16 array count whose elements take at least `min_element_size` bytes each.
  // Fails with kCountOverrun (and returns 0) when even minimal elements cannot
  // fit, so callers may size an allocation by the result.
  uint16_t Count(size_t min_element_size) {
    uint16_t n = U16();
    if (!ok()) return 0;
    if (static_cast<uint64_t>(n) * min_element_size > remaining()) {
      Fail(DecodeError::kCountOverrun);
      return 0;
    }
    return n;
  }

  // StringArray: u16 count, then count SizedStrings back to back.
  void StringArray(std::vector<std::string_view>* out) {
    uint16_t n = Count(2);
    out->clear();
    out->reserve(n);
    for (uint16_t i = 0; i < n && ok(); ++i) out->push_back(SizedString());
    if (!ok()) out->clear();
  }

 private:
  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  DecodeError error_{};  // 0 = no error (no enumerator has value 0)
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_READER_H_
