// The runsc runtime flags that change what the gofer does, with runsc's spellings.
//
//   oci::RuntimeFlags flags;                              // runsc defaults
//   auto uds = oci::ParseHostUds("create");               // --host-uds=create
//   if (!uds.ok()) return Usage(uds.error().message);     // `invalid host UDS type "x"`
//   flags.host_uds = *uds;
//   if (auto v = flags.Validate(); !v.ok()) return Usage(v.error().message);
//
// Mirrors runsc/config/config.go and flags.go: --directfs (default true), --host-uds
// none|open|create|all, --host-fifo none|open, --overlay2 (default root:self),
// --file-access / --file-access-mounts, and the gofer's --gofer-mount-confs. Values
// parse exactly as runsc's flag.Value.Set does, including the empty string meaning
// "none" for --host-uds and --host-fifo.
#ifndef HARDGOFER_OCI_RUNTIME_FLAGS_H_
#define HARDGOFER_OCI_RUNTIME_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"
#include "oci/gofer_mount_conf.h"
#include "oci/overlay.h"

namespace hg::oci {

// Bit values as runsc: open = 1, create = 2, all = open|create.
enum class HostUds : uint8_t { kNone = 0, kOpen = 1, kCreate = 2, kAll = 3 };
// "", "none", "open", "create", "all". Error: `invalid host UDS type "x"`.
ErrorOr<HostUds> ParseHostUds(std::string_view v);
const char* HostUdsName(HostUds u);  // "none", "open", "create", "all"
// connect(2) to host sockets (and the setreuid/setregid of ConnectWithCreds).
inline bool HostUdsAllowOpen(HostUds u) { return (static_cast<uint8_t>(u) & 1) != 0; }
// bind(2)/listen(2) of host sockets.
inline bool HostUdsAllowCreate(HostUds u) { return (static_cast<uint8_t>(u) & 2) != 0; }

enum class HostFifo : uint8_t { kNone = 0, kOpen = 1 };
// "", "none", "open". Error: `invalid host fifo type "x"`.
ErrorOr<HostFifo> ParseHostFifo(std::string_view v);
const char* HostFifoName(HostFifo f);  // "none", "open"
inline bool HostFifoAllowOpen(HostFifo f) { return f == HostFifo::kOpen; }

// How the sentry caches a gofer mount: exclusive (only the sandbox changes it) or
// shared (revalidated, because something outside may change it).
enum class FileAccess : uint8_t { kExclusive, kShared };
// "exclusive", "shared" (no empty spelling). Error: `invalid file access type "x"`.
ErrorOr<FileAccess> ParseFileAccess(std::string_view v);
const char* FileAccessName(FileAccess f);

// --directfs and other Go bool flags: strconv.ParseBool spellings.
// Error: `invalid boolean value "x" for --<flag>`.
ErrorOr<bool> ParseBoolFlag(std::string_view flag, std::string_view v);

struct RuntimeFlags {
  bool directfs = true;                           // --directfs
  HostUds host_uds = HostUds::kNone;              // --host-uds
  HostFifo host_fifo = HostFifo::kNone;           // --host-fifo
  Overlay2 overlay2 = Overlay2::Default();        // --overlay2
  FileAccess file_access = FileAccess::kExclusive;     // --file-access (rootfs)
  FileAccess file_access_mounts = FileAccess::kShared; // --file-access-mounts
  // --allow-flag-override: lets any dev.gvisor.flag.* annotation override any flag.
  bool allow_flag_override = false;
  // --gofer-mount-confs as given to the gofer; when set it wins over the confs that
  // runsc would build from the spec, hints and --overlay2.
  std::optional<std::vector<GoferMountConf>> gofer_mount_confs;

  // The runsc Config.Validate checks these flags take part in:
  // `overlay flag is incompatible with shared file access for rootfs`.
  ErrorOr<void> Validate() const;
};

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_RUNTIME_FLAGS_H_
