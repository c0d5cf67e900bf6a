#include "oci/flag_annotations.h"

#include <utility>

#include "oci/go_compat.h"

namespace hg::oci {

namespace {

// runsc config.overrideAllowlist (runsc/config/flags.go): flags a container author may
// set by annotation without --allow-flag-override.
constexpr std::string_view kOverrideAllowlist[] = {
    "debug", "debug-command", "debug-to-user-log", "strace", "strace-syscalls",
    "strace-log-size", "host-uds", "net-disconnect-ok", "reproduce-nftables", "overlay2",
    "oci-seccomp", "pause-external-networking", "allow-connected-on-save", "qdisc",
    "qdisc-tbf-rate", "qdisc-tbf-burst", "mount-cgroup-v2",
};

bool InAllowlist(std::string_view name) {
  for (std::string_view f : kOverrideAllowlist) {
    if (f == name) return true;
  }
  return false;
}

struct BundleFlag {
  std::string_view flag;
  std::string_view value;
};
// runsc config.Bundles (runsc/config/config_bundles.go).
constexpr std::string_view kHighPerformanceBundle = "experimental-high-performance";
constexpr BundleFlag kHighPerformanceFlags[] = {
    {"directfs", "true"}, {"overlay2", "root:self"}, {"platform", "systrap"}};

Error AnnotationError(const std::string& key, const std::string& value, std::string message) {
  Error e;
  e.kind = Error::Kind::kFlagAnnotation;
  e.subject = key;
  e.value = value;
  e.message = std::move(message) + " (annotation " + key + "=" + GoQuote(value) + ")";
  return e;
}

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The current value of a modelled flag, spelled as runsc's flag.Value.String().
std::string CurrentValue(const RuntimeFlags& f, std::string_view flag) {
  if (flag == "directfs") return f.directfs ? "true" : "false";
  if (flag == "host-uds") return HostUdsName(f.host_uds);
  if (flag == "host-fifo") return HostFifoName(f.host_fifo);
  if (flag == "overlay2") return f.overlay2.ToString();
  if (flag == "file-access") return FileAccessName(f.file_access);
  if (flag == "file-access-mounts") return FileAccessName(f.file_access_mounts);
  return "";
}

bool IsModelled(std::string_view flag) {
  return flag == "directfs" || flag == "host-uds" || flag == "host-fifo" || flag == "overlay2" ||
         flag == "file-access" || flag == "file-access-mounts";
}

// flag.Value.Set for a modelled flag. Returns runsc's error text or "".
std::string SetModelled(RuntimeFlags* f, std::string_view flag, const std::string& value) {
  if (flag == "directfs") {
    auto b = ParseGoBool(value);
    if (!b) return "strconv.ParseBool: parsing " + GoQuote(value) + ": invalid syntax";
    f->directfs = *b;
  } else if (flag == "host-uds") {
    auto u = ParseHostUds(value);
    if (!u.ok()) return u.error().message;
    f->host_uds = *u;
  } else if (flag == "host-fifo") {
    auto h = ParseHostFifo(value);
    if (!h.ok()) return h.error().message;
    f->host_fifo = *h;
  } else if (flag == "overlay2") {
    ErrorOr<void> st = f->overlay2.Set(value);
    if (!st.ok()) return st.error().message;
  } else if (flag == "file-access" || flag == "file-access-mounts") {
    auto a = ParseFileAccess(value);
    if (!a.ok()) return a.error().message;
    (flag == "file-access" ? f->file_access : f->file_access_mounts) = *a;
  }
  return "";
}

// runsc isOverrideAllowed's per-flag checks (checkOverlay2, checkOciSeccomp). Returns
// the error text or "". qdisc checks are not modelled (no gofer effect).
std::string AllowlistCheck(std::string_view flag, const std::string& value) {
  if (flag == "overlay2") {
    Overlay2 o = Overlay2::Zero();
    ErrorOr<void> st = o.Set(value);
    if (!st.ok()) return "invalid overlay2 annotation: " + st.error().message;
    auto k = o.medium().kind();
    if (k != OverlayMedium::Kind::kNone && k != OverlayMedium::Kind::kMemory &&
        k != OverlayMedium::Kind::kSelf) {
      return GoQuote(value) + " overlay medium requires flag \"allow-flag-override\" to be enabled";
    }
  } else if (flag == "oci-seccomp") {
    auto b = ParseGoBool(value);
    if (!b) return "strconv.ParseBool: parsing " + GoQuote(value) + ": invalid syntax";
    if (!*b) return "disabling \"oci-seccomp\" requires flag \"allow-flag-override\" to be enabled";
  }
  return "";
}

}  // namespace

ErrorOr<std::vector<Diagnostic>> ApplyFlagAnnotations(
    const std::map<std::string, std::string>& annotations, RuntimeFlags* flags) {
  std::vector<Diagnostic> diags;

  // 1. Bundles.
  std::string bundle_key;  // annotation that enabled the one known bundle
  for (const auto& [key, value] : annotations) {
    if (!HasPrefix(key, kBundleAnnotationPrefix)) continue;
    if (value != "true") {
      return AnnotationError(key, value,
                             "invalid value " + GoQuote(value) + " for annotation " + GoQuote(key) +
                                 " (must be set to 'true' or removed entirely)");
    }
    std::string name = key.substr(kBundleAnnotationPrefix.size());
    if (name != kHighPerformanceBundle) {
      diags.push_back({Diagnostic::Kind::kIgnoredFlagAnnotation, key, value,
                       "Bundle name " + GoQuote(name) + " (from annotation " + GoQuote(key) + "=" +
                           GoQuote(value) +
                           ") does not exist; this bundle may have been deprecated. Skipping."});
      continue;
    }
    bundle_key = key;
  }
  if (!bundle_key.empty()) {
    for (const BundleFlag& bf : kHighPerformanceFlags) {
      const std::string value(bf.value);
      if (!IsModelled(bf.flag)) {
        diags.push_back({Diagnostic::Kind::kIgnoredFlagAnnotation, bundle_key, "true",
                         "bundle " + GoQuote(kHighPerformanceBundle) + " sets --" +
                             std::string(bf.flag) + "=" + GoQuote(value) + "; no effect on the gofer"});
        continue;
      }
      const std::string prev = CurrentValue(*flags, bf.flag);
      if (prev == value) continue;  // runsc skips flags already at the bundle's value
      std::string err = SetModelled(flags, bf.flag, value);
      if (!err.empty()) {  // cannot happen for the built-in bundle; kept for safety
        return AnnotationError(bundle_key, "true",
                               "error setting flag " + std::string(bf.flag) + "=" + GoQuote(value) +
                                   ": " + err);
      }
      diags.push_back({Diagnostic::Kind::kFlagAnnotation, bundle_key, "true",
                       "bundle " + GoQuote(kHighPerformanceBundle) + " overrides --" +
                           std::string(bf.flag) + "=" + prev + " with --" + std::string(bf.flag) +
                           "=" + CurrentValue(*flags, bf.flag) +
                           " (bundles take precedence over command-line flags)"});
    }
    ErrorOr<void> st = flags->Validate();
    if (!st.ok()) {
      Error e = st.error();
      e.message += " (after applying annotation " + bundle_key + "=\"true\")";
      return e;
    }
  }

  // 2. Flag annotations.
  for (const auto& [key, value] : annotations) {
    if (!HasPrefix(key, kFlagAnnotationPrefix)) continue;
    const std::string name = key.substr(kFlagAnnotationPrefix.size());
    const std::string prefix = "error setting flag " + name + "=" + GoQuote(value) + ": ";
    if (!flags->allow_flag_override) {
      if (!InAllowlist(name)) {
        return AnnotationError(key, value,
                               prefix +
                                   "flag override disabled, use --allow-flag-override to enable it"
                                   " (runsc says `flag \"" + name +
                                   "\" not found` instead if it has no such flag)");
      }
      std::string err = AllowlistCheck(name, value);
      if (!err.empty()) return AnnotationError(key, value, prefix + err);
    }
    if (!IsModelled(name)) {
      diags.push_back({Diagnostic::Kind::kIgnoredFlagAnnotation, key, value,
                       "--" + name + " has no effect on the gofer; its value is not checked here"});
      continue;
    }
    const std::string prev = CurrentValue(*flags, name);
    std::string err = SetModelled(flags, name, value);
    if (!err.empty()) return AnnotationError(key, value, prefix + err);
    diags.push_back({Diagnostic::Kind::kFlagAnnotation, key, value,
                     "annotation overrides --" + name + "=" + prev + " with --" + name + "=" +
                         CurrentValue(*flags, name) +
                         (flags->allow_flag_override && !InAllowlist(name)
                              ? " (allowed by --allow-flag-override)"
                              : " (on runsc's override allowlist: no operator consent needed)")});
  }
  ErrorOr<void> st = flags->Validate();
  if (!st.ok()) return st.error();
  return diags;
}

}  // namespace hg::oci
