// What one served mount allows, given by the caller (`serve` flags today, the
// policy compiler for `run`).
//
//   MountRules rules;
//   rules.readonly = true;                       // every mutating RPC: EROFS
//   rules.host_uds = HostUds::kOpen;             // connect to host sockets
//   rules.xattr_namespaces = {"user.", "trusted."};
//   HG_ASSIGN_OR_RETURN(HostUds m, ParseHostUds("create"));
//
// Each rule is a reason to refuse; every refusal has its own errno so a test
// (or an operator reading a client's error) can tell which rule fired:
//   readonly           EROFS
//   host_uds/host_fifo EPERM   (as gVisor's stock gofer)
//   xattr namespaces   EOPNOTSUPP for names outside the list (what the kernel
//                      answers for an unknown namespace; gVisor's sentry maps it)
//   max_file_size      EFBIG   (write/allocate/truncate past the limit)
//   deny_patterns      EACCES  (names matching a pattern; deny_list.h)
// Defaults are the stock gofer's: read-write, no host sockets or FIFOs,
// user.* xattrs only, no size limit.
#ifndef HARDGOFER_GOFER_FSGOFER_MOUNT_RULES_H_
#define HARDGOFER_GOFER_FSGOFER_MOUNT_RULES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace hg::fsgofer {

// gVisor's --host-uds: which host unix-socket operations a mount allows.
enum class HostUds : uint8_t { kNone, kOpen, kCreate, kAll };
// gVisor's --host-fifo.
enum class HostFifo : uint8_t { kNone, kOpen };

inline bool AllowsOpen(HostUds m) { return m == HostUds::kOpen || m == HostUds::kAll; }
inline bool AllowsCreate(HostUds m) { return m == HostUds::kCreate || m == HostUds::kAll; }
inline bool AllowsOpen(HostFifo m) { return m == HostFifo::kOpen; }

struct MountRules {
  bool readonly = false;
  HostUds host_uds = HostUds::kNone;
  HostFifo host_fifo = HostFifo::kNone;
  // Allowed xattr name prefixes, each ending in '.' ("user.", "trusted.",
  // "security."). Names outside every prefix are refused before any syscall.
  std::vector<std::string> xattr_namespaces = {"user."};
  // Largest file size a client may produce (0: no limit).
  uint64_t max_file_size = 0;
  // RE2 patterns matched against the whole path from the mount root; a
  // matching name cannot be walked, opened, created, removed or renamed to,
  // and is left out of directory listings (deny_list.h for the limits).
  std::vector<std::string> deny_patterns;
  // Donate the mount point's host FD at Mount and OpenAt (gVisor's directfs,
  // DonateMountPointFD).
  bool donate_mount_fd = false;

  bool XattrAllowed(std::string_view name) const;
};

// "none" | "open" | "create" | "all"; EINVAL otherwise.
Result<HostUds> ParseHostUds(std::string_view s);
// "none" | "open"; EINVAL otherwise.
Result<HostFifo> ParseHostFifo(std::string_view s);
// "user,trusted" -> {"user.", "trusted."}; only user, trusted and security
// are known (EINVAL otherwise); an empty string allows none.
Result<std::vector<std::string>> ParseXattrNamespaces(std::string_view s);

std::string_view HostUdsName(HostUds m);
std::string_view HostFifoName(HostFifo m);

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_MOUNT_RULES_H_
