#include "policy/capabilities.h"

namespace hg::policy {

namespace {

constexpr char kGoferCapsSource[] = "runsc goferCaps (runsc/cmd/gofer.go)";

pb::Capability Cap(const char* name, bool all_sets, const std::string& source, const char* why) {
  pb::Capability c;
  c.set_name(name);
  c.add_set("bounding");
  c.add_set("effective");
  c.add_set("permitted");
  if (all_sets) {
    c.add_set("inheritable");
    c.add_set("ambient");
  }
  pb::Reason* r = c.add_reason();
  r->set_source(source);
  r->set_why(why);
  return c;
}

}  // namespace

std::vector<pb::Capability> KeptCapabilities(bool host_uds_open, const std::string& uds_source) {
  std::vector<pb::Capability> caps = {
      Cap("CAP_CHOWN", true, kGoferCapsSource,
          "SetStat changes owner and group (fchownat), and created files and sockets get the "
          "sandbox caller's uid/gid"),
      Cap("CAP_DAC_OVERRIDE", true, kGoferCapsSource,
          "the gofer acts as the filesystem: it opens, creates and removes files whatever their "
          "mode bits; the sentry enforces the container's permissions"),
      Cap("CAP_DAC_READ_SEARCH", true, kGoferCapsSource,
          "walk and read directories whatever their mode bits"),
      Cap("CAP_FOWNER", true, kGoferCapsSource,
          "chmod, utimensat and xattr calls on files the gofer's uid does not own"),
      Cap("CAP_FSETID", true, kGoferCapsSource,
          "keep set-user-ID/set-group-ID bits when the sentry changes a file's mode or owner"),
      Cap("CAP_SYS_CHROOT", true, kGoferCapsSource,
          "chroot into the container rootfs during confinement, after capabilities are applied"),
  };
  if (host_uds_open) {
    caps.push_back(Cap("CAP_SETUID", false, uds_source,
                       "ConnectWithCreds connects to a host socket as the sandbox caller "
                       "(setreuid), runsc goferUdsOpenCaps"));
    caps.push_back(Cap("CAP_SETGID", false, uds_source,
                       "ConnectWithCreds connects to a host socket as the sandbox caller "
                       "(setregid), runsc goferUdsOpenCaps"));
  }
  return caps;
}

}  // namespace hg::policy
