// Built only into hardgofer_testing (see test_hooks.h).
#include "gofer/cmd/test_hooks.h"

#include <cstdlib>
#include <string_view>

namespace hg::cmd::testing {

#ifndef HARDGOFER_TESTING
#error "test_hooks.cc belongs to the hardgofer_testing binary only"
#endif

bool BreakStep(std::string_view step) {
  const char* v = std::getenv("HG_TESTING_BREAK_STEP");
  return v != nullptr && step == v;
}

bool CallForbiddenSyscall() {
  const char* v = std::getenv("HG_TESTING_FORBIDDEN_SYSCALL");
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace hg::cmd::testing
