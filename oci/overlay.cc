#include "oci/overlay.h"

#include <utility>
#include <vector>

#include "oci/go_compat.h"

namespace hg::oci {

namespace {

constexpr std::string_view kAnonPrefix = "dir=";
constexpr std::string_view kSizeEq = "size=";

Error FlagError(std::string_view v, std::string message) {
  Error e;
  e.kind = Error::Kind::kFlag;
  e.subject = "--overlay2";
  e.value = std::string(v);
  e.message = std::move(message);
  return e;
}

Error FormatError(std::string_view v) {
  return FlagError(v, "expected format is --overlay2={mount}:{medium}[,size={size}], got " + GoQuote(v));
}

}  // namespace

ErrorOr<OverlayMedium> OverlayMedium::Parse(std::string_view v) {
  OverlayMedium m;
  m.text_ = std::string(v);
  if (v.empty()) {
    m.kind_ = Kind::kNone;
  } else if (v == "memory") {
    m.kind_ = Kind::kMemory;
  } else if (v == "self") {
    m.kind_ = Kind::kSelf;
  } else if (v.substr(0, kAnonPrefix.size()) == kAnonPrefix) {
    std::string_view dir = v.substr(kAnonPrefix.size());
    if (!GoPathIsAbs(dir)) {
      Error e;
      e.kind = Error::Kind::kFlag;
      e.subject = "overlay medium";
      e.value = std::string(v);
      e.message = "overlay host file directory should be an absolute path, got " + GoQuote(dir);
      return e;
    }
    m.kind_ = Kind::kAnon;
  } else {
    Error e;
    e.kind = Error::Kind::kFlag;
    e.subject = "overlay medium";
    e.value = std::string(v);
    e.message = "unexpected medium: " + GoQuote(v);
    return e;
  }
  return m;
}

std::string OverlayMedium::HostFileDir() const {
  if (kind_ != Kind::kAnon) return "";
  return text_.substr(kAnonPrefix.size());
}

Overlay2 Overlay2::Default() {
  Overlay2 o;
  o.root_mount_ = true;
  o.sub_mounts_ = false;
  o.medium_ = OverlayMedium::Parse("self").value();
  return o;
}

ErrorOr<Overlay2> Overlay2::Parse(std::string_view v) {
  Overlay2 o = Default();
  ErrorOr<void> st = o.Set(v);
  if (!st.ok()) return st.error();
  return o;
}

ErrorOr<void> Overlay2::Set(std::string_view v) {
  if (v == "none") {
    root_mount_ = false;
    sub_mounts_ = false;
    medium_ = OverlayMedium();
    size_.clear();
    return {};
  }
  std::vector<std::string> parts = GoStringsSplit(v, ",");
  std::vector<std::string> vs = GoStringsSplit(parts[0], ":");
  if (vs.size() != 2) return FormatError(v);
  Overlay2 next = *this;
  if (vs[0] == "root") {
    next.root_mount_ = true;
  } else if (vs[0] == "all") {
    next.root_mount_ = true;
    next.sub_mounts_ = true;
  } else {
    return FlagError(v, "unexpected mount specifier for --overlay2: " + GoQuote(vs[0]));
  }
  ErrorOr<OverlayMedium> medium = OverlayMedium::Parse(vs[1]);
  if (!medium.ok()) {
    Error e = medium.error();
    e.subject = "--overlay2";
    e.value = std::string(v);
    return e;
  }
  next.medium_ = std::move(medium).value();
  if (parts.size() == 1) {
    next.size_.clear();
  } else if (parts.size() == 2) {
    if (parts[1].compare(0, kSizeEq.size(), kSizeEq) != 0) return FormatError(v);
    next.size_ = parts[1].substr(kSizeEq.size());
  } else {
    return FormatError(v);
  }
  *this = std::move(next);
  return {};
}

std::string Overlay2::ToString() const {
  if (!root_mount_ && !sub_mounts_) return "none";
  // runsc panics on sub_mounts without root_mount; Set cannot produce that state.
  std::string res = (root_mount_ && sub_mounts_) ? "all" : "root";
  res += ":" + medium_.ToString();
  if (!size_.empty()) res += "," + std::string(kSizeEq) + size_;
  return res;
}

}  // namespace hg::oci
