// A value or a rich error: the shape of each room's ErrorOr<T>.
//
//   namespace hg::oci { template <typename T> using ErrorOr = Expected<T, Error>; }
//
//   oci::ErrorOr<Spec> s = ParseSpec(text);
//   if (!s.ok()) return s.error();        // an oci::Error naming the JSON path
//   Use(*s);
//
// Why not hg::Result: an errno cannot say which annotation, flag or syscall rule
// was wrong, and compliance reviewers read these messages. Why not std::expected:
// C++20 (our standard) does not have it. Reading the wrong alternative aborts: it
// is a caller bug, and reading garbage instead would turn it into a policy bug.
#ifndef HARDGOFER_BASE_EXPECTED_H_
#define HARDGOFER_BASE_EXPECTED_H_

#include <cstdlib>
#include <optional>
#include <utility>
#include <variant>

namespace hg {

template <typename T, typename E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Expected(E err) : v_(std::in_place_index<1>, std::move(err)) {}      // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<0>(Checked(true)); }
  const T& value() const& { return std::get<0>(Checked(true)); }
  T&& value() && { return std::get<0>(std::move(Checked(true))); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  const E& error() const { return std::get<1>(Checked(false)); }

 private:
  std::variant<T, E>& Checked(bool want_value) {
    if (ok() != want_value) std::abort();
    return v_;
  }
  const std::variant<T, E>& Checked(bool want_value) const {
    if (ok() != want_value) std::abort();
    return v_;
  }
  std::variant<T, E> v_;
};

// A step with no value.
template <typename E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(E err) : err_(std::move(err)) {}  // NOLINT: implicit

  bool ok() const { return !err_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Precondition: !ok().
  const E& error() const {
    if (ok()) std::abort();
    return *err_;
  }

 private:
  std::optional<E> err_;
};

}  // namespace hg

#endif  // HARDGOFER_BASE_EXPECTED_H_
