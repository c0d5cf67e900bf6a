// A deterministic stand-in for the host stat() the OCI mount planner asks.
//
//   auto plan = oci::PlanGoferMounts(spec, flags, hints, rootfs, hg::fuzz::FakeDirectoryProbe());
//
// Why not HostDirectoryProbe: a fuzz input must mean the same thing on every
// machine and every run, and must not make the target stat arbitrary host
// paths. The answer depends only on the path: paths ending in "/err" fail (the
// planner's error path), others are directories or not by a hash.
#ifndef HARDGOFER_FUZZ_SUPPORT_FAKE_PROBE_H_
#define HARDGOFER_FUZZ_SUPPORT_FAKE_PROBE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "oci/gofer_mounts.h"

namespace hg::fuzz {

inline oci::DirectoryProbe FakeDirectoryProbe() {
  return [](const std::string& path) -> oci::ErrorOr<bool> {
    if (std::string_view(path).ends_with("/err")) {
      oci::Error e;
      e.kind = oci::Error::Kind::kMountConf;
      e.subject = path;
      e.message = "failed to stat mount " + path + ": injected by the fuzz probe";
      return e;
    }
    uint32_t h = 2166136261u;
    for (char c : path) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
    return (h & 1) == 0;
  };
}

}  // namespace hg::fuzz

#endif  // HARDGOFER_FUZZ_SUPPORT_FAKE_PROBE_H_
