#include "path_walk/testing/mount_ns.h"

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

namespace hg::path_walk::testing {

std::string RunInMountNamespace(const std::function<void(Checker&)>& body) {
  return RunInChild([&](Checker& c) {
    if (::unshare(CLONE_NEWNS) != 0) {
      c.Check(false, std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno));
      return;
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      c.Check(false, std::string("make / rprivate: ") + std::strerror(errno));
      return;
    }
    body(c);
  });
}

}  // namespace hg::path_walk::testing
