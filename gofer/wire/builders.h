// Build the large responses directly in the output buffer (the flipcall window
// or the socket send buffer), one element at a time, without an intermediate
// vector and without ever writing past the buffer.
//
//   Writer w(window_payload);                  // capacity = max message size
//   Getdents64RespBuilder b(w);
//   while (auto d = NextKernelDirent()) {
//     if (!b.Add(*d)) break;                   // full: keep it for the next call
//   }
//   b.Finish();                                // writes the count
//   send(w.size());
//
//   PReadRespBuilder b(w, req.count);
//   ssize_t n = pread(fd, b.buffer().data(), b.buffer().size(), req.offset);
//   b.Finish(n);                               // NumBytes = n, payload = 8 + n
//
// Add() returns false and writes nothing when the element does not fit (or the
// u16 count is full), leaving the response valid; Finish() patches the header.
// If the writer could not even hold the header, Add() is always false and the
// writer reports kNoSpace.
#ifndef HARDGOFER_GOFER_WIRE_BUILDERS_H_
#define HARDGOFER_GOFER_WIRE_BUILDERS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gofer/wire/messages.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {

// u16 count header followed by elements; the shared machinery of the builders.
class CountedArrayBuilder {
 public:
  // Reserves `prefix` bytes before the u16 count (WalkResp's status byte).
  CountedArrayBuilder(Writer& w, size_t prefix);
  uint16_t count() const { return count_; }
  // True if an element of `size` bytes fits; the caller then writes it.
  bool Fits(size_t size) const {
    return header_ != nullptr && count_ < UINT16_MAX && w_.ok() && size <= w_.remaining();
  }
  void Added() { ++count_; }
  // Writes the count; returns the byte the prefix starts at (nullptr if none).
  uint8_t* Finish();
  Writer& writer() { return w_; }

 private:
  Writer& w_;
  uint8_t* header_;
  size_t prefix_;
  uint16_t count_ = 0;
};

class WalkRespBuilder {
 public:
  explicit WalkRespBuilder(Writer& w) : b_(w, 1) {}
  bool Add(const Inode& inode);
  uint16_t count() const { return b_.count(); }
  void Finish(WalkStatus status);

 private:
  CountedArrayBuilder b_;
};

class WalkStatRespBuilder {
 public:
  explicit WalkStatRespBuilder(Writer& w) : b_(w, 0) {}
  bool Add(const Statx& stat);
  uint16_t count() const { return b_.count(); }
  void Finish() { b_.Finish(); }

 private:
  CountedArrayBuilder b_;
};

class Getdents64RespBuilder {
 public:
  explicit Getdents64RespBuilder(Writer& w) : b_(w, 0) {}
  // False (nothing written) if the dirent does not fit, the count is full, or
  // the name is longer than 65535 bytes.
  bool Add(const Dirent64& d);
  uint16_t count() const { return b_.count(); }
  void Finish() { b_.Finish(); }

 private:
  CountedArrayBuilder b_;
};

// FListXattrResp (a StringArray).
class StringArrayBuilder {
 public:
  explicit StringArrayBuilder(Writer& w) : b_(w, 0) {}
  bool Add(std::string_view s);
  uint16_t count() const { return b_.count(); }
  void Finish() { b_.Finish(); }

 private:
  CountedArrayBuilder b_;
};

class PReadRespBuilder {
 public:
  // Reserves the 8-byte header and min(max_bytes, what remains) data bytes.
  PReadRespBuilder(Writer& w, size_t max_bytes);
  // Where to read into (empty if the header did not fit).
  std::span<uint8_t> buffer() const { return data_; }
  // n <= buffer().size() (larger values are clamped): sets NumBytes and trims
  // the writer to header + n bytes.
  void Finish(size_t n);

 private:
  Writer& w_;
  uint8_t* header_ = nullptr;
  size_t start_ = 0;  // writer offset of the header
  std::span<uint8_t> data_;
};

}  // namespace hg::wire

#endif  // HARDGOFER_GOFER_WIRE_BUILDERS_H_
