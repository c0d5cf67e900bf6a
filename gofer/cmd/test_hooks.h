// Test-only sabotage for `hardgofer run`, compiled in ONLY for the
// hardgofer_testing binary (-DHARDGOFER_TESTING); in the shipped binary every
// function here is a constant no-op and no environment variable is read.
//
//   HG_TESTING_BREAK_STEP=<step>   make confinement step <step> fail for real
//   HG_TESTING_FORBIDDEN_SYSCALL=1 once confined, call ptrace (outside every
//                                  policy): the kernel must kill us with SIGSYS
//
// "For real": the hook changes the process so the step's own syscall fails
// (drops the capability it needs, starts a thread that TSYNC cannot
// synchronise, passes an invalid range), it never fakes a return value. The
// e2e tests (tests/e2e) use it for steps a test cannot break from outside;
// open_roots and rlimits are broken from outside (a missing root, a lowered
// hard limit).
#ifndef HARDGOFER_GOFER_CMD_TEST_HOOKS_H_
#define HARDGOFER_GOFER_CMD_TEST_HOOKS_H_

#include <string_view>

namespace hg::cmd::testing {

#ifdef HARDGOFER_TESTING
inline constexpr bool kTestingBuild = true;
// True if HG_TESTING_BREAK_STEP names `step`.
bool BreakStep(std::string_view step);
bool CallForbiddenSyscall();
#else
inline constexpr bool kTestingBuild = false;
constexpr bool BreakStep(std::string_view) { return false; }
constexpr bool CallForbiddenSyscall() { return false; }
#endif

}  // namespace hg::cmd::testing

#endif  // HARDGOFER_GOFER_CMD_TEST_HOOKS_H_
