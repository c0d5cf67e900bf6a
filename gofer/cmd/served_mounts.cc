#include "gofer/cmd/served_mounts.h"

#include <cerrno>

#include "oci/go_compat.h"

namespace hg::cmd {

Result<std::vector<ServedMount>> PlanServedMounts(const policy::pb::Policy& p,
                                                  const std::string& abs_bundle) {
  std::vector<ServedMount> out(p.served_mounts());
  std::vector<bool> seen(p.served_mounts(), false);
  for (const policy::pb::Mount& m : p.mount()) {
    if (m.io_fd_index() < 0) continue;
    const size_t i = static_cast<size_t>(m.io_fd_index());
    if (i >= out.size() || seen[i]) return Errno(EINVAL);
    seen[i] = true;
    ServedMount& s = out[i];
    s.index = i;
    s.container_path = m.path();
    s.host_source = m.source_in_bundle() ? oci::GoPathJoin(abs_bundle, m.source()) : m.source();
    if (m.spec_index() >= 0) s.spec_index = static_cast<size_t>(m.spec_index());
    if (m.backend() == policy::pb::Mount::EXTENSION) s.extension = m.extension();
    s.readonly = m.read_only();
    s.directfs = m.directfs();
    fsgofer::MountRules& r = s.rules;
    r.readonly = m.read_only();
    HG_ASSIGN_OR_RETURN(r.host_uds,
                        fsgofer::ParseHostUds(m.host_uds().empty() ? "none" : m.host_uds()));
    HG_ASSIGN_OR_RETURN(r.host_fifo,
                        fsgofer::ParseHostFifo(m.host_fifo().empty() ? "none" : m.host_fifo()));
    r.xattr_namespaces.assign(m.xattr_namespace().begin(), m.xattr_namespace().end());
    r.max_file_size = m.max_file_size();
    for (const policy::pb::PathRule& pr : m.path_rule()) {
      if (pr.action() != "deny") return Errno(EINVAL);  // the only action the compiler emits
      r.deny_patterns.push_back(pr.pattern());
    }
    r.donate_mount_fd = m.donate_mount_fd();
  }
  for (bool b : seen) {
    if (!b) return Errno(EINVAL);
  }
  return out;
}

std::string ConfinedMountPath(size_t index) { return "/mounts/" + std::to_string(index); }

}  // namespace hg::cmd
