// The client workload the e2e tests drive through a confined gofer: every
// message a sandbox kernel sends for ordinary file work, each checked against
// the host directory the mount serves.
//
//   auto c = client::Client::Mount(std::move(sock)).value();
//   WorkloadResult r = WritableWorkload(*c, "/tmp/x/data");
//   r.refused;   // {"MkdirAt", ...}: messages the gofer does not serve
//   ReadonlyWorkload(*c, "etc/hello", "hello\n");
//
// Policy-aware: a step whose messages the gofer serves (advertised at Mount)
// must succeed and match the host; for a step it does not serve, the first
// such message is sent anyway (RawCall) and must be answered EOPNOTSUPP, and
// the gofer must keep serving. Failures are gtest failures naming the
// message; nothing aborts.
#ifndef HARDGOFER_TESTS_E2E_WORKLOAD_H_
#define HARDGOFER_TESTS_E2E_WORKLOAD_H_

#include <cstddef>
#include <functional>
#include <set>
#include <string>

#include "gofer/client/client.h"

namespace hg::e2e {

struct WorkloadResult {
  size_t steps_run = 0;           // steps whose messages were all served
  std::set<std::string> refused;  // messages answered EOPNOTSUPP instead
};

struct WorkloadOptions {
  // The host file holds exactly the bytes the client wrote (fsgofer). False
  // for a backend that transforms contents (the `encrypted` extension): file
  // contents, sizes and modes are then checked through the client instead
  // (a fresh OpenAt + PRead, FStat), and the host copy must *not* contain the
  // plaintext; names, links and directories are still checked on the host.
  bool host_contents = true;
  // With host_contents false: how to put `text` into a new host file at
  // `path` in the backend's own format when the gofer cannot create files
  // (OpenCreateAt not served). Without it those steps cannot run.
  std::function<bool(const std::string& path, const std::string& text)> seed_file;
};

// On a writable mount whose host directory is `host_dir` (left empty):
// OpenCreateAt, PWrite, PRead, FSync, OpenAt, FAllocate, SetStat (mode, size,
// times), FStat, FSetXattr/FGetXattr/FListXattr/FRemoveXattr (user.*; trusted.*
// refused), MkdirAt, SymlinkAt, ReadLinkAt, LinkAt, RenameAt, RenameAt2,
// WalkStat, Walk, Getdents64, FStatFS, MknodAt of a device (EPERM), UnlinkAt.
WorkloadResult WritableWorkload(client::Client& c, const std::string& host_dir,
                                WorkloadOptions opts = {});

// On a read-only mount: walk to `file` ("a/b"), read it (== `contents`),
// list the root, FStatFS, FListXattr; every mutating message is EROFS.
WorkloadResult ReadonlyWorkload(client::Client& c, const std::string& file,
                                const std::string& contents);

// Host unix sockets through the gofer, as far as the mount's host-UDS mode
// (`none|open|create|all`, from the compiled policy) allows:
//   create/all: BindAt + Listen in the mount root; a host client connects to
//     the socket file; Accept hands the gofer's side over (EROFS instead on a
//     read-only mount);
//   open/all: a socket the host listens on in `host_dir` is reached with
//     Connect and ConnectWithCreds (the host sees our uid in SO_PEERCRED).
// Bytes cross every connection both ways. Messages not advertised are sent
// anyway and must be refused EOPNOTSUPP, as in the other workloads.
WorkloadResult HostUdsWorkload(client::Client& c, const std::string& host_dir,
                               const std::string& host_uds, bool readonly);

}  // namespace hg::e2e

#endif  // HARDGOFER_TESTS_E2E_WORKLOAD_H_
