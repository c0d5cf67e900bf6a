// Registers the conformance scenarios as gtest cases for one backend.
//
//   // extensions/encrypted/conformance_test.cc (any test binary linking
//   // hg_conformance and GTest::gtest_main):
//   static const bool registered = [] {
//     hg::conformance::RegisterConformanceTests(MakeEncryptedBackend());
//     return true;
//   }();
//
// Tests are named "Conformance/<backend>.<Scenario>", e.g.
// "Conformance/fsgofer.Getdents", so `--gtest_filter='Conformance/*.UDS'`
// picks one scenario across backends. Each case: umask 0, a fresh temp
// directory, Session::Start, the scenario, Session::ExpectNoLeaks, and a check
// that no host descriptor of this process leaked. Registration happens at
// static-initialisation time or in main() before RUN_ALL_TESTS (gtest's
// RegisterTest), which is why this is a function and not TEST_P: a TEST_P in
// a static library is dropped by the linker unless something references its
// object file.
#ifndef HARDGOFER_TESTS_CONFORMANCE_REGISTER_H_
#define HARDGOFER_TESTS_CONFORMANCE_REGISTER_H_

#include "tests/conformance/backend.h"

namespace hg::conformance {

void RegisterConformanceTests(const Backend& backend);

}  // namespace hg::conformance

#endif  // HARDGOFER_TESTS_CONFORMANCE_REGISTER_H_
