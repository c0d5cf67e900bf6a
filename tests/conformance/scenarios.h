// The scenarios of gVisor's pkg/lisafs/testsuite (Stat, RegularFileIO,
// RegularFileOpen, SetStat, Allocate, StatFS, Unlink, Symlink, HardLink,
// Walk, Rename, Mknod, UDS, Getdents), written for our C++ client, with the
// same expectations, plus host cross-checks where the backend has a host view
// and clean-refusal checks where it lacks a capability (backend.h).
//
//   for (const Scenario& sc : Scenarios()) {
//     Context ctx{backend.caps, session->client(), session->root(), root_dir};
//     sc.run(ctx);                      // gtest EXPECT/ASSERT inside
//   }
//
// Scenarios use gtest assertions and run on the test thread with umask 0 (as
// gVisor's RunTest sets it: modes must arrive exactly as requested). Each one
// closes every FDID it opened, so the session's leak check can follow.
#ifndef HARDGOFER_TESTS_CONFORMANCE_SCENARIOS_H_
#define HARDGOFER_TESTS_CONFORMANCE_SCENARIOS_H_

#include <span>
#include <string>
#include <string_view>

#include "gofer/client/client.h"
#include "tests/conformance/backend.h"

namespace hg::conformance {

struct Context {
  const Capabilities& caps;
  client::Client& client;
  wire::FDID root;
  std::string host_root;  // the served directory on the host

  std::string HostPath(std::string_view rel) const { return host_root + "/" + std::string(rel); }
};

struct Scenario {
  std::string_view name;
  void (*run)(Context& ctx);
};

// Every scenario, in gVisor's list order.
std::span<const Scenario> Scenarios();

}  // namespace hg::conformance

#endif  // HARDGOFER_TESTS_CONFORMANCE_SCENARIOS_H_
