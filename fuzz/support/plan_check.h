// Invariants of a gofer mount plan, shared by the OCI fuzz targets.
//
//   auto a = oci::AnalyzeSpec(spec, flags, FakeDirectoryProbe());
//   if (a.ok()) hg::fuzz::CheckPlan(a->plan);      // aborts on a broken invariant
//
// The plan decides which host directories a gofer serves, read-only or not,
// and with or without directfs; an inconsistent plan is a policy bug even
// when nothing crashes. Checked: served_count = mounts served; io_fd_index
// 0..n-1 in conf order and only on served mounts; readonly/directfs only on
// served mounts, directfs never where a hint suppressed it; every conf
// re-parses from ToString() (sizes with ',' or ':' excepted: copied verbatim
// from a hint, as runsc does, the flag syntax cannot carry them) and so does
// the whole list; AssignIoFds accepts exactly served_count FDs.
#ifndef HARDGOFER_FUZZ_SUPPORT_PLAN_CHECK_H_
#define HARDGOFER_FUZZ_SUPPORT_PLAN_CHECK_H_

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "oci/gofer_mount_conf.h"
#include "oci/gofer_mounts.h"

namespace hg::fuzz {

[[noreturn]] inline void PlanFail(const char* what) {
  std::fprintf(stderr, "gofer mount plan: %s\n", what);
  std::abort();
}

inline void CheckPlan(const hg::oci::GoferMountPlan& plan) {
  size_t served = 0;
  bool all_plain = true;
  std::vector<hg::oci::GoferMountConf> confs;
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    const hg::oci::GoferMount& m = plan.mounts[i];
    if (m.conf_index != i) PlanFail("plan not in conf order");
    if ((i == 0) != !m.spec_index.has_value()) PlanFail("only the rootfs has no spec index");
    if (m.served != m.conf.ShouldUseLisafs()) PlanFail("served differs from the conf's lower layer");
    if (m.served) {
      if (m.io_fd_index != served) PlanFail("io_fd_index not consecutive over served mounts");
      ++served;
    } else {
      if (m.io_fd_index.has_value()) PlanFail("an unserved mount has an io fd");
      if (m.readonly || m.directfs) PlanFail("an unserved mount is readonly/directfs");
    }
    if (m.directfs && m.directfs_suppressed) PlanFail("directfs on although a hint suppressed it");
    // A size is copied verbatim from a hint or flag (runsc does not check it
    // either); with a ',' or ':' in it the flag syntax cannot carry it, so
    // only delimiter-free sizes must round-trip.
    const bool plain_size = m.conf.size.find_first_of(",:") == std::string::npos;
    all_plain &= plain_size;
    auto again = hg::oci::GoferMountConf::Parse(m.conf.ToString());
    if (m.conf.Valid() && plain_size && (!again.ok() || !(*again == m.conf))) {
      PlanFail("a gofer mount conf does not re-parse from ToString()");
    }
    confs.push_back(m.conf);
  }
  if (served != plan.served_count) PlanFail("served_count differs from the served mounts");
  bool all_valid = !confs.empty() && all_plain;
  for (const auto& c : confs) all_valid &= c.Valid();
  if (all_valid) {
    auto reparsed = hg::oci::ParseGoferMountConfs(hg::oci::FormatGoferMountConfs(confs));
    if (!reparsed.ok() || *reparsed != confs) PlanFail("conf list does not round-trip");
  }
  std::vector<int> fds(plan.served_count, 3);
  auto assigned = hg::oci::AssignIoFds(plan, fds);
  if (!assigned.ok() || assigned->size() != plan.served_count) PlanFail("AssignIoFds refused served_count FDs");
  fds.push_back(4);
  if (hg::oci::AssignIoFds(plan, fds).ok()) PlanFail("AssignIoFds accepted one FD too many");
  if (plan.served_count > 0) {
    fds.resize(plan.served_count - 1);
    if (hg::oci::AssignIoFds(plan, fds).ok()) PlanFail("AssignIoFds accepted one FD too few");
  }
}

}  // namespace hg::fuzz

#endif  // HARDGOFER_FUZZ_SUPPORT_PLAN_CHECK_H_
