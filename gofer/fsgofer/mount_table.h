// Which directory entries are mount points, without a stat per entry.
//
//   HG_ASSIGN_OR_RETURN(auto table, MountTable::Open());      // before confinement
//   std::shared_ptr<const MountSnapshot> snap = table->Current();
//   if (snap->HasChildMounts(dir_mnt_id)) {
//     if (const auto* names = snap->MountPointsIn("/srv/vol/a")) ...  // stat only these
//   }
//
// Why: Getdents64 must report each entry's device. gVisor's gofer fstatat()s
// every entry for it (one syscall per name, the 6x of issue 5). All entries
// of a directory share the directory's device except mount points, and the
// kernel already lists those in /proc/self/mountinfo. So a Getdents64 takes
// the directory's device from one fstat and stats only the names the mount
// table says are mount points in it. The table is re-read only when the
// kernel signals a mount-table change (POLLPRI on the open mountinfo file),
// so the steady-state cost is one poll(2) per Getdents64 call.
//
// The table is of this process's mount namespace at the time of the call; a
// mount racing with a Getdents64 may be missed, exactly as a stat racing with
// it would be. Open it before confinement (after a pivot_root /proc may be
// gone) and never share it with a forked child in another namespace: the
// descriptor keeps naming the opener's /proc/<pid>/mountinfo.
#ifndef HARDGOFER_GOFER_FSGOFER_MOUNT_TABLE_H_
#define HARDGOFER_GOFER_FSGOFER_MOUNT_TABLE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace hg::fsgofer {

// One parsed mountinfo.
struct MountSnapshot {
  // Mount IDs that have at least one mount on top of a path inside them.
  std::unordered_set<uint64_t> parents;
  // Directory path -> names of entries in it that are mount points.
  std::unordered_map<std::string, std::vector<std::string>> by_dir;

  bool HasChildMounts(uint64_t mnt_id) const { return parents.count(mnt_id) != 0; }
  // nullptr when no entry of `dir` (an absolute path, as /proc/self/fd shows
  // it) is a mount point.
  const std::vector<std::string>* MountPointsIn(const std::string& dir) const;
};

// Parses /proc/<pid>/mountinfo text (proc(5)): mount ID, parent ID, ...,
// mount point (octal escapes \040 \011 \012 \134 decoded). Malformed lines
// are EINVAL: a table we cannot read must not silently hide mount points.
Result<MountSnapshot> ParseMountInfo(std::string_view text);

class MountTable {
 public:
  // Opens "<proc_mount>/self/mountinfo".
  static Result<std::shared_ptr<MountTable>> Open(std::string_view proc_mount = "/proc");

  // The current table: re-read first if the kernel reported a change since
  // the last read. On a read error the previous snapshot is kept and the
  // error returned (callers fall back to a stat per entry).
  Result<std::shared_ptr<const MountSnapshot>> Current();
  // Times the file was (re)read; for tests.
  uint64_t reads() const;

 private:
  explicit MountTable(UniqueFd fd) : fd_(std::move(fd)) {}
  Status Reread();  // requires mu_

  mutable std::mutex mu_;
  UniqueFd fd_;
  std::shared_ptr<const MountSnapshot> snap_;  // guarded by mu_
  std::string buf_;                            // guarded by mu_
  uint64_t reads_ = 0;                         // guarded by mu_
};

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_MOUNT_TABLE_H_
