// The mounts `hardgofer run` serves, one per --io-fds socket, as the policy
// decided them.
//
//   HG_ASSIGN_OR_RETURN(std::vector<ServedMount> ms,
//                       PlanServedMounts(policy, "/run/bundle"));
//   ms[0].container_path;   // "/" (the rootfs is always first)
//   ms[0].host_source;      // "/run/bundle/rootfs"
//   ms[0].rules;            // fsgofer::MountRules: read-only, host UDS, xattrs, deny, ...
//
// The rules come from the policy only (runsc's decisions, tightened by the
// operator policy), never from anything the tenant controls at serve time.
// Order is the policy's io_fd_index, which is runsc's --io-fds order.
#ifndef HARDGOFER_GOFER_CMD_SERVED_MOUNTS_H_
#define HARDGOFER_GOFER_CMD_SERVED_MOUNTS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "gofer/fsgofer/mount_rules.h"
#include "policy/policy.pb.h"

namespace hg::cmd {

struct ServedMount {
  size_t index = 0;                  // slot in --io-fds
  std::string container_path;        // "/" for the rootfs, else the spec destination
  std::string host_source;           // absolute host path (bundle-relative sources resolved)
  std::optional<size_t> spec_index;  // index in config.json mounts; nullopt for the rootfs
  std::string extension;             // "" = fsgofer serves it
  bool readonly = false;
  bool directfs = false;
  fsgofer::MountRules rules;
};

// EINVAL if the policy's served mounts do not have io_fd_index 0..n-1 exactly
// once, or a mount's host_uds/host_fifo value is unknown.
Result<std::vector<ServedMount>> PlanServedMounts(const policy::pb::Policy& p,
                                                  const std::string& abs_bundle);

// Where mount `index` is visible once confined (the pivot_root layout):
// "/mounts/<index>". Without confinement the host path is served directly.
std::string ConfinedMountPath(size_t index);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_SERVED_MOUNTS_H_
