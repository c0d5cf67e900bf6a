// What the conformance suite needs to know about a backend: how to serve a
// host directory with it, and which optional features it has.
//
//   conformance::Backend b;
//   b.name = "encrypted";
//   b.caps.host_fds = false;          // never donates host FDs
//   b.caps.host_view = false;         // host files hold ciphertext
//   b.factory = [](const std::string& root) -> Result<server::ConnectionConfig> {
//     server::ConnectionConfig cc;
//     cc.mount_path = root;
//     HG_ASSIGN_OR_RETURN(cc.impl, MakeEncryptedImpl(root, TestKey()));
//     cc.opts.walk_stat_supported = true;
//     return cc;
//   };
//   conformance::RegisterConformanceTests(b);   // register.h
//
// The capability set is what makes one suite fit every backend: a scenario
// that needs a feature the backend lacks does not skip. It checks instead
// that the backend refuses the RPC cleanly (an errno, nothing created, the
// connection still serving), because "unsupported" must never mean "crashes"
// or "half-works". Declaring a capability the backend does not have fails
// the scenario; that is the point.
#ifndef HARDGOFER_TESTS_CONFORMANCE_BACKEND_H_
#define HARDGOFER_TESTS_CONFORMANCE_BACKEND_H_

#include <functional>
#include <string>

#include "base/result.h"
#include "gofer/server/server.h"

namespace hg::conformance {

struct Capabilities {
  // OpenAt/OpenCreateAt of a regular file donate a host FD that reads and
  // writes the same bytes as PRead/PWrite (gVisor's testsuite expects one).
  bool host_fds = true;
  // The host directory shows what the client made: same names, same bytes,
  // same inode numbers. Enables cross-checks against plain syscalls on the
  // host (an encrypting backend turns this off).
  bool host_view = true;
  // LinkAt (gVisor's LinkSupported).
  bool link = true;
  // Owner ids given at creation and by SetStat are applied
  // (gVisor's SetUserGroupIDSupported).
  bool set_owner = true;
  // MknodAt of regular files.
  bool mknod = true;
  // BindAt, Listen, Accept and Connect on host unix sockets (gVisor's
  // BindSupported).
  bool uds = false;
};

// Given the absolute path of an empty host directory, everything needed to
// serve it on one connection: mount path, impl, opts, limits. Called once per
// scenario, on the test thread. An error fails the scenario.
using BackendFactory = std::function<Result<server::ConnectionConfig>(const std::string& root)>;

struct Backend {
  std::string name;  // [A-Za-z0-9_]+: part of the test names
  BackendFactory factory;
  Capabilities caps;
};

}  // namespace hg::conformance

#endif  // HARDGOFER_TESTS_CONFORMANCE_BACKEND_H_
