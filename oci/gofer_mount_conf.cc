#include "oci/gofer_mount_conf.h"

#include <utility>

#include "oci/go_compat.h"

namespace hg::oci {

namespace {

constexpr std::string_view kSizeEq = "size=";

Error ConfError(std::string_view v, std::string message) {
  Error e;
  e.kind = Error::Kind::kGoferMountConf;
  e.subject = "--gofer-mount-confs";
  e.value = std::string(v);
  e.message = std::move(message);
  return e;
}

}  // namespace

const char* LowerTypeName(LowerType t) {
  switch (t) {
    case LowerType::kNone: return "none";
    case LowerType::kLisafs: return "lisafs";
    case LowerType::kErofs: return "erofs";
  }
  return "?";
}

const char* UpperTypeName(UpperType t) {
  switch (t) {
    case UpperType::kNone: return "none";
    case UpperType::kMemory: return "memory";
    case UpperType::kSelf: return "self";
    case UpperType::kAnon: return "anon";
  }
  return "?";
}

ErrorOr<GoferMountConf> GoferMountConf::Parse(std::string_view v) {
  std::vector<std::string> parts = GoStringsSplit(v, ":");
  if (parts.size() < 2 || parts.size() > 3) {
    return ConfError(v, "invalid gofer mount config format: " + GoQuote(v));
  }
  GoferMountConf c;
  if (parts[0] == "none") c.lower = LowerType::kNone;
  else if (parts[0] == "lisafs") c.lower = LowerType::kLisafs;
  else if (parts[0] == "erofs") c.lower = LowerType::kErofs;
  else return ConfError(v, "invalid gofer mount config lower layer type: " + parts[0]);
  if (parts[1] == "none") c.upper = UpperType::kNone;
  else if (parts[1] == "memory") c.upper = UpperType::kMemory;
  else if (parts[1] == "self") c.upper = UpperType::kSelf;
  else if (parts[1] == "anon") c.upper = UpperType::kAnon;
  else return ConfError(v, "invalid gofer mount config upper layer type: " + parts[1]);
  if (parts.size() == 3) {
    if (parts[2].compare(0, kSizeEq.size(), kSizeEq) != 0) {
      return ConfError(v, "invalid gofer mount config format: " + GoQuote(v));
    }
    c.size = parts[2].substr(kSizeEq.size());
  }
  if (!c.Valid()) return ConfError(v, "invalid gofer mount config: " + GoQuote(v));
  return c;
}

std::string GoferMountConf::ToString() const {
  std::string s = std::string(LowerTypeName(lower)) + ":" + UpperTypeName(upper);
  if (!size.empty()) s += ":size=" + size;
  return s;
}

ErrorOr<void> AppendGoferMountConfs(std::string_view v, std::vector<GoferMountConf>* out) {
  std::vector<GoferMountConf> parsed;
  for (const std::string& item : GoStringsSplit(v, ",")) {
    ErrorOr<GoferMountConf> c = GoferMountConf::Parse(item);
    if (!c.ok()) {
      Error e = c.error();
      e.value = std::string(v);
      e.message = "invalid GoferMountConf value (" + item + "): " + e.message;
      return e;
    }
    parsed.push_back(std::move(c).value());
  }
  // All or nothing: runsc's error is fatal, and a half-appended list must not be used.
  out->insert(out->end(), parsed.begin(), parsed.end());
  return {};
}

ErrorOr<std::vector<GoferMountConf>> ParseGoferMountConfs(std::string_view v) {
  std::vector<GoferMountConf> out;
  ErrorOr<void> st = AppendGoferMountConfs(v, &out);
  if (!st.ok()) return st.error();
  return out;
}

std::string FormatGoferMountConfs(const std::vector<GoferMountConf>& confs) {
  std::string s;
  for (size_t i = 0; i < confs.size(); ++i) {
    if (i) s += ",";
    s += confs[i].ToString();
  }
  return s;
}

}  // namespace hg::oci
