// The runsc runtime flags the policy compiler takes, from their command-line
// spellings, and their canonical text (the form that goes into the digest).
//
//   policy::RuntimeFlagArgs args;
//   args.directfs = {"false"};            // --directfs=false
//   args.host_uds = {"create"};           // --host-uds=create
//   policy::ErrorOr<oci::RuntimeFlags> flags = policy::ParseRuntimeFlags(args);
//   if (!flags.ok()) return Usage(flags.error());   // names the flag and the value
//   policy::CanonicalFlags(*flags);       // "directfs=false\nhost-uds=create\n..."
//
// Each flag may be given several times and the values are applied in order,
// as Go's flag package does: the last --directfs wins, --gofer-mount-confs
// appends, and --overlay2 is applied statefully exactly as runsc's
// Overlay2.Set (a later "root:..." keeps an earlier "all:"'s sub-mount
// setting).
#ifndef HARDGOFER_POLICY_FLAGS_H_
#define HARDGOFER_POLICY_FLAGS_H_

#include <string>
#include <vector>

#include "oci/runtime_flags.h"
#include "policy/error.h"
#include "policy/policy.pb.h"

namespace hg::policy {

struct RuntimeFlagArgs {
  std::vector<std::string> directfs;            // --directfs=BOOL (strconv.ParseBool)
  std::vector<std::string> host_uds;            // --host-uds=none|open|create|all
  std::vector<std::string> host_fifo;           // --host-fifo=none|open
  std::vector<std::string> overlay2;            // --overlay2=none|{root|all}:{medium}[,size=S]
  std::vector<std::string> file_access;         // --file-access=exclusive|shared
  std::vector<std::string> file_access_mounts;  // --file-access-mounts=exclusive|shared
  std::vector<std::string> gofer_mount_confs;   // --gofer-mount-confs=lower:upper,...
  bool allow_flag_override = false;             // --allow-flag-override
};

// runsc's parse of each flag, then RuntimeFlags::Validate. Errors are kUsage
// with file "command line", key the flag and value the offending value.
ErrorOr<oci::RuntimeFlags> ParseRuntimeFlags(const RuntimeFlagArgs& args);

// One "name=value" line per flag in a fixed order, runsc spellings;
// gofer-mount-confs is "<unset>" when not given.
std::string CanonicalFlags(const oci::RuntimeFlags& flags);

pb::RuntimeFlags FlagsToProto(const oci::RuntimeFlags& flags);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_FLAGS_H_
