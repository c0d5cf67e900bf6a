#include "oci/runtime_flags.h"

#include <utility>

#include "oci/go_compat.h"

namespace hg::oci {

namespace {

Error FlagError(std::string_view flag, std::string_view v, std::string message) {
  Error e;
  e.kind = Error::Kind::kFlag;
  e.subject = std::string(flag);
  e.value = std::string(v);
  e.message = std::move(message);
  return e;
}

}  // namespace

ErrorOr<HostUds> ParseHostUds(std::string_view v) {
  if (v.empty() || v == "none") return HostUds::kNone;
  if (v == "open") return HostUds::kOpen;
  if (v == "create") return HostUds::kCreate;
  if (v == "all") return HostUds::kAll;
  return FlagError("--host-uds", v, "invalid host UDS type " + GoQuote(v));
}

const char* HostUdsName(HostUds u) {
  switch (u) {
    case HostUds::kNone: return "none";
    case HostUds::kOpen: return "open";
    case HostUds::kCreate: return "create";
    case HostUds::kAll: return "all";
  }
  return "?";
}

ErrorOr<HostFifo> ParseHostFifo(std::string_view v) {
  if (v.empty() || v == "none") return HostFifo::kNone;
  if (v == "open") return HostFifo::kOpen;
  return FlagError("--host-fifo", v, "invalid host fifo type " + GoQuote(v));
}

const char* HostFifoName(HostFifo f) {
  switch (f) {
    case HostFifo::kNone: return "none";
    case HostFifo::kOpen: return "open";
  }
  return "?";
}

ErrorOr<FileAccess> ParseFileAccess(std::string_view v) {
  if (v == "shared") return FileAccess::kShared;
  if (v == "exclusive") return FileAccess::kExclusive;
  return FlagError("--file-access", v, "invalid file access type " + GoQuote(v));
}

const char* FileAccessName(FileAccess f) {
  return f == FileAccess::kShared ? "shared" : "exclusive";
}

ErrorOr<bool> ParseBoolFlag(std::string_view flag, std::string_view v) {
  if (auto b = ParseGoBool(v)) return *b;
  return FlagError(flag, v, "invalid boolean value " + GoQuote(v) + " for " + std::string(flag));
}

ErrorOr<void> RuntimeFlags::Validate() const {
  if (file_access == FileAccess::kShared && overlay2.Enabled()) {
    return FlagError("--overlay2", overlay2.ToString(),
                     "overlay flag is incompatible with shared file access for rootfs "
                     "(--file-access=shared with --overlay2=" + overlay2.ToString() + ")");
  }
  return {};
}

}  // namespace hg::oci
