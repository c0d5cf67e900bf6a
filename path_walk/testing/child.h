// Test support: run a check in a forked child and get its failures back.
//
//   std::string failures = RunInChild([&](Checker& c) {
//     c.Check(InstallSomeFilter(), "filter");      // process-wide, dies with the child
//     c.CheckErrno(err, ENOSYS, "openat2 hidden");
//   });
//   EXPECT_EQ(failures, "");
//
// For checks that change process-wide state (seccomp filters, namespaces,
// mounts) which must not leak into the test binary. GoogleTest assertions do
// not cross fork(), so the body reports through the Checker.
#ifndef HARDGOFER_PATH_WALK_TESTING_CHILD_H_
#define HARDGOFER_PATH_WALK_TESTING_CHILD_H_

#include <functional>
#include <string>
#include <string_view>

namespace hg::path_walk::testing {

class Checker {
 public:
  // Records `what` when `ok` is false; returns ok.
  bool Check(bool ok, std::string_view what);
  // Records "what: got X, want Y" (errno names; 0 = success) when they differ.
  bool CheckErrno(int got, int want, std::string_view what);
  const std::string& failures() const { return failures_; }

 private:
  std::string failures_;
};

// "" when the body recorded no failure; otherwise the failures, or why the
// child could not run or how it died.
std::string RunInChild(const std::function<void(Checker&)>& body);

}  // namespace hg::path_walk::testing

#endif  // HARDGOFER_PATH_WALK_TESTING_CHILD_H_
