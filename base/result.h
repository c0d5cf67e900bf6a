// Errors as values: an errno-carrying result type used across every room.
//
//   Result<UniqueFd> r = OpenSomething();
//   if (!r.ok()) return r.error();          // propagate the errno
//   UniqueFd fd = std::move(r).value();
//
// Why not exceptions: the RPC path must never unwind through a handler; every
// failure becomes exactly one errno reply at the RPC boundary. Why not
// std::expected: C++20 (our standard) does not have it.
#ifndef HARDGOFER_BASE_RESULT_H_
#define HARDGOFER_BASE_RESULT_H_

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace hg {

// A positive Linux errno. Constructed only from a non-zero value: an Errno of 0
// would read as "success" on the wire and hide the failure.
class Errno {
 public:
  constexpr explicit Errno(int value) : value_(value > 0 ? value : EIO) {}
  // The errno left by the last failing libc call.
  static Errno Last() { return Errno(errno); }
  constexpr int value() const { return value_; }
  std::string ToString() const { return std::strerror(value_); }
  friend constexpr bool operator==(Errno a, Errno b) { return a.value_ == b.value_; }

 private:
  int value_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Errno err) : v_(err) {}             // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). Violations abort rather than read garbage.
  T& value() & { Check(); return std::get<T>(v_); }
  const T& value() const& { Check(); return std::get<T>(v_); }
  T&& value() && { Check(); return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  Errno error() const {
    if (ok()) std::abort();
    return std::get<Errno>(v_);
  }

 private:
  void Check() const {
    if (!ok()) std::abort();
  }
  std::variant<T, Errno> v_;
};

// Result of an operation with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errno err) : err_(err.value()) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }
  bool ok() const { return err_ == 0; }
  explicit operator bool() const { return ok(); }
  Errno error() const {
    if (ok()) std::abort();
    return Errno(err_);
  }

 private:
  int err_ = 0;
};

// Status from a libc-style return value (-1 and errno on failure).
inline Status StatusFromRet(long ret) {
  return ret < 0 ? Status(Errno::Last()) : Status::Ok();
}

}  // namespace hg

// Propagates a failed Status or Result from the enclosing function.
#define HG_RETURN_IF_ERROR(expr)              \
  do {                                        \
    auto hg_status_ = (expr);                 \
    if (!hg_status_.ok()) return hg_status_.error(); \
  } while (0)

#define HG_CONCAT_INNER_(a, b) a##b
#define HG_CONCAT_(a, b) HG_CONCAT_INNER_(a, b)
// `HG_ASSIGN_OR_RETURN(auto fd, Open());` binds the value or propagates the errno.
#define HG_ASSIGN_OR_RETURN(lhs, expr)                          \
  auto HG_CONCAT_(hg_result_, __LINE__) = (expr);               \
  if (!HG_CONCAT_(hg_result_, __LINE__).ok())                   \
    return HG_CONCAT_(hg_result_, __LINE__).error();            \
  lhs = std::move(HG_CONCAT_(hg_result_, __LINE__)).value()

#endif  // HARDGOFER_BASE_RESULT_H_
