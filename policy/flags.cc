#include "policy/flags.h"

#include "oci/go_compat.h"
#include "oci/gofer_mount_conf.h"

namespace hg::policy {

namespace {

Error FlagError(const std::string& flag, const std::string& value, const std::string& message) {
  Error e;
  e.kind = Error::Kind::kUsage;
  e.file = "command line";
  e.key = flag;
  e.value = value;
  e.message = flag + "=" + oci::GoQuote(value) + ": " + message;
  return e;
}

}  // namespace

ErrorOr<oci::RuntimeFlags> ParseRuntimeFlags(const RuntimeFlagArgs& args) {
  oci::RuntimeFlags f;
  for (const std::string& v : args.directfs) {
    oci::ErrorOr<bool> b = oci::ParseBoolFlag("--directfs", v);
    if (!b.ok()) return FlagError("--directfs", v, b.error().message);
    f.directfs = *b;
  }
  for (const std::string& v : args.host_uds) {
    oci::ErrorOr<oci::HostUds> u = oci::ParseHostUds(v);
    if (!u.ok()) return FlagError("--host-uds", v, u.error().message);
    f.host_uds = *u;
  }
  for (const std::string& v : args.host_fifo) {
    oci::ErrorOr<oci::HostFifo> h = oci::ParseHostFifo(v);
    if (!h.ok()) return FlagError("--host-fifo", v, h.error().message);
    f.host_fifo = *h;
  }
  for (const std::string& v : args.overlay2) {
    oci::ErrorOr<void> st = f.overlay2.Set(v);
    if (!st.ok()) return FlagError("--overlay2", v, st.error().message);
  }
  for (const std::string& v : args.file_access) {
    oci::ErrorOr<oci::FileAccess> a = oci::ParseFileAccess(v);
    if (!a.ok()) return FlagError("--file-access", v, a.error().message);
    f.file_access = *a;
  }
  for (const std::string& v : args.file_access_mounts) {
    oci::ErrorOr<oci::FileAccess> a = oci::ParseFileAccess(v);
    if (!a.ok()) return FlagError("--file-access-mounts", v, a.error().message);
    f.file_access_mounts = *a;
  }
  if (!args.gofer_mount_confs.empty()) {
    std::vector<oci::GoferMountConf> confs;
    for (const std::string& v : args.gofer_mount_confs) {
      oci::ErrorOr<void> st = oci::AppendGoferMountConfs(v, &confs);
      if (!st.ok()) return FlagError("--gofer-mount-confs", v, st.error().message);
    }
    f.gofer_mount_confs = std::move(confs);
  }
  f.allow_flag_override = args.allow_flag_override;
  oci::ErrorOr<void> valid = f.Validate();
  if (!valid.ok()) {
    const oci::Error& e = valid.error();
    Error out = FlagError(e.subject.empty() ? "flags" : e.subject, e.value, e.message);
    out.message = e.message;  // already names the flags involved
    return out;
  }
  return f;
}

std::string CanonicalFlags(const oci::RuntimeFlags& f) {
  std::string s;
  s += std::string("directfs=") + (f.directfs ? "true" : "false") + "\n";
  s += std::string("host-uds=") + oci::HostUdsName(f.host_uds) + "\n";
  s += std::string("host-fifo=") + oci::HostFifoName(f.host_fifo) + "\n";
  s += "overlay2=" + f.overlay2.ToString() + "\n";
  s += std::string("file-access=") + oci::FileAccessName(f.file_access) + "\n";
  s += std::string("file-access-mounts=") + oci::FileAccessName(f.file_access_mounts) + "\n";
  s += std::string("allow-flag-override=") + (f.allow_flag_override ? "true" : "false") + "\n";
  s += "gofer-mount-confs=" +
       (f.gofer_mount_confs ? oci::FormatGoferMountConfs(*f.gofer_mount_confs) : "<unset>") + "\n";
  return s;
}

pb::RuntimeFlags FlagsToProto(const oci::RuntimeFlags& f) {
  pb::RuntimeFlags p;
  p.set_directfs(f.directfs);
  p.set_host_uds(oci::HostUdsName(f.host_uds));
  p.set_host_fifo(oci::HostFifoName(f.host_fifo));
  p.set_overlay2(f.overlay2.ToString());
  p.set_file_access(oci::FileAccessName(f.file_access));
  p.set_file_access_mounts(oci::FileAccessName(f.file_access_mounts));
  p.set_allow_flag_override(f.allow_flag_override);
  if (f.gofer_mount_confs) p.set_gofer_mount_confs(oci::FormatGoferMountConfs(*f.gofer_mount_confs));
  return p;
}

}  // namespace hg::policy
