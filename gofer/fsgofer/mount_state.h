// Everything one served mount's files share: the mount root (where every
// path_walk operation of the mount starts), the process's /proc/self/fd,
// the mount table and the mount's rules.
//
//   auto m = std::make_shared<const MountState>(std::move(root), host, rules);
//   HG_ASSIGN_OR_RETURN(UniqueFd rd, path_walk::Reopen(m->proc(), handle, O_RDONLY));
//
// Held by a shared_ptr from every control and open FD of the mount, so it
// lives exactly as long as something of the mount is in use. Immutable.
#ifndef HARDGOFER_GOFER_FSGOFER_MOUNT_STATE_H_
#define HARDGOFER_GOFER_FSGOFER_MOUNT_STATE_H_

#include <memory>
#include <string_view>

#include "base/result.h"
#include "gofer/fsgofer/deny_list.h"
#include "gofer/fsgofer/mount_rules.h"
#include "gofer/fsgofer/mount_table.h"
#include "path_walk/mount_root.h"
#include "path_walk/proc_self_fd.h"

namespace hg::fsgofer {

// Host resources fsgofer needs, opened once per process before confinement
// (a confined server may no longer be able to open /proc).
struct HostResources {
  std::shared_ptr<const path_walk::ProcSelfFd> proc;  // required
  // Optional: without it, Getdents64 stats every entry (correct, slower).
  std::shared_ptr<MountTable> mounts;

  // Opens "<proc_mount>/self/fd" and "<proc_mount>/self/mountinfo".
  static Result<HostResources> Open(std::string_view proc_mount = "/proc");
};

class MountState {
 public:
  MountState(path_walk::MountRoot root, HostResources host, MountRules rules,
             std::shared_ptr<const DenyList> deny)
      : root_(std::move(root)),
        host_(std::move(host)),
        rules_(std::move(rules)),
        deny_(std::move(deny)) {}

  const path_walk::MountRoot& root() const { return root_; }
  const path_walk::ProcSelfFd& proc() const { return *host_.proc; }
  MountTable* mounts() const { return host_.mounts.get(); }
  const MountRules& rules() const { return rules_; }
  // nullptr when the mount has no deny patterns.
  const DenyList* deny() const { return deny_ && !deny_->empty() ? deny_.get() : nullptr; }

 private:
  path_walk::MountRoot root_;
  HostResources host_;
  MountRules rules_;
  std::shared_ptr<const DenyList> deny_;
};

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_MOUNT_STATE_H_
