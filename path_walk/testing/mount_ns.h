// Test support: run a check in a forked child with its own mount namespace.
//
//   std::string failures = RunInMountNamespace([&](Checker& c) {
//     c.Check(::mount("none", dir.c_str(), "tmpfs", 0, nullptr) == 0, "mount tmpfs");
//     ...
//   });
//   EXPECT_EQ(failures, "");
//
// The child unshares CLONE_NEWNS and makes every mount private before the body
// runs, so nothing it mounts is ever visible to the host; the namespace dies
// with the child.
#ifndef HARDGOFER_PATH_WALK_TESTING_MOUNT_NS_H_
#define HARDGOFER_PATH_WALK_TESTING_MOUNT_NS_H_

#include <functional>
#include <string>

#include "path_walk/testing/child.h"

namespace hg::path_walk::testing {

std::string RunInMountNamespace(const std::function<void(Checker&)>& body);

}  // namespace hg::path_walk::testing

#endif  // HARDGOFER_PATH_WALK_TESTING_MOUNT_NS_H_
