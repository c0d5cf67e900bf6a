// The capabilities the confined gofer keeps, each with its reasons.
//
//   std::vector<pb::Capability> caps = policy::KeptCapabilities(uds_open, "--host-uds=open");
//   // CAP_CHOWN ... CAP_SYS_CHROOT (runsc goferCaps), + CAP_SETUID/CAP_SETGID
//
// runsc's gofer keeps goferCaps in every set (bounding, effective, permitted,
// inheritable, ambient) and adds CAP_SETUID/CAP_SETGID (bounding, effective,
// permitted) when host UDS "open" is allowed, for ConnectWithCreds'
// setreuid/setregid (runsc/cmd/gofer.go). Everything else, notably
// CAP_SYS_ADMIN and CAP_MKNOD, is dropped. `run` applies exactly this list.
#ifndef HARDGOFER_POLICY_CAPABILITIES_H_
#define HARDGOFER_POLICY_CAPABILITIES_H_

#include <string>
#include <vector>

#include "policy/policy.pb.h"

namespace hg::policy {

// In a fixed order (goferCaps as runsc lists them, then SETUID, SETGID).
// `uds_source` names where host-UDS open comes from (used in the reason).
std::vector<pb::Capability> KeptCapabilities(bool host_uds_open, const std::string& uds_source);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_CAPABILITIES_H_
