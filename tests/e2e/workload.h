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
#include <set>
#include <string>

#include "gofer/client/client.h"

namespace hg::e2e {

struct WorkloadResult {
  size_t steps_run = 0;           // steps whose messages were all served
  std::set<std::string> refused;  // messages answered EOPNOTSUPP instead
};

// On a writable mount whose host directory is `host_dir` (left empty):
// OpenCreateAt, PWrite, PRead, FSync, OpenAt, FAllocate, SetStat (mode, size,
// times), FStat, FSetXattr/FGetXattr/FListXattr/FRemoveXattr (user.*; trusted.*
// refused), MkdirAt, SymlinkAt, ReadLinkAt, LinkAt, RenameAt, RenameAt2,
// WalkStat, Walk, Getdents64, FStatFS, MknodAt of a device (EPERM), UnlinkAt.
WorkloadResult WritableWorkload(client::Client& c, const std::string& host_dir);

// On a read-only mount: walk to `file` ("a/b"), read it (== `contents`),
// list the root, FStatFS, FListXattr; every mutating message is EROFS.
WorkloadResult ReadonlyWorkload(client::Client& c, const std::string& file,
                                const std::string& contents);

}  // namespace hg::e2e

#endif  // HARDGOFER_TESTS_E2E_WORKLOAD_H_
