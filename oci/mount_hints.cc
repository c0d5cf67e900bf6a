#include "oci/mount_hints.h"

#include <algorithm>
#include <utility>

#include "oci/go_compat.h"
#include "oci/mount_class.h"

namespace hg::oci {

const char* ShareTypeName(ShareType s) {
  switch (s) {
    case ShareType::kInvalid: return "invalid";
    case ShareType::kContainer: return "container";
    case ShareType::kPod: return "pod";
    case ShareType::kShared: return "shared";
  }
  return "invalid";
}

bool MountHint::ShouldShareMount() const {
  return mount.type == kMountTypeTmpfs &&
         (share == ShareType::kContainer || share == ShareType::kPod);
}

bool MountHint::IsSandboxLocal() const {
  return share == ShareType::kContainer || share == ShareType::kPod;
}

FileAccess MountHint::FileAccessType() const {
  if (share == ShareType::kShared) return FileAccess::kShared;
  if (ShouldShareMount()) return FileAccess::kExclusive;
  if (share == ShareType::kContainer) return FileAccess::kExclusive;
  return FileAccess::kShared;
}

namespace {

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Error HintError(Error::Kind kind, const std::string& key, const std::string& value,
                std::string message) {
  Error e;
  e.kind = kind;
  e.subject = key;
  e.value = value;
  e.message = std::move(message);
  return e;
}

// runsc MountHint.setField. Returns runsc's error text for an ignored field, or "".
// Filtered options become diagnostics here because only this step knows them.
std::string SetPodField(MountHint& m, const std::string& field, const std::string& val,
                        const std::string& annotation_key, std::vector<Diagnostic>* diags) {
  if (field == "source") {
    if (val.empty()) return "source cannot be empty";
    m.mount.source = val;
  } else if (field == "type") {
    if (val != kMountTypeTmpfs && val != kMountTypeBind) return "invalid type " + GoQuote(val);
    m.mount.type = val;
  } else if (field == "share") {
    if (val == "container") m.share = ShareType::kContainer;
    else if (val == "pod") m.share = ShareType::kPod;
    else if (val == "shared") m.share = ShareType::kShared;
    else return "invalid share value " + GoQuote(val);
  } else if (field == "options") {
    FilteredOptions f = FilterMountOptions(GoStringsSplit(val, ","));
    for (size_t i = 0; i < f.dropped.size(); ++i) {
      diags->push_back({Diagnostic::Kind::kFilteredMountOption, annotation_key, f.dropped[i],
                        f.reasons[i]});
    }
    m.mount.options = std::move(f.kept);
  } else if (field == "directfs") {
    if (val == "default") m.suppress_directfs = false;
    else if (val == "off") m.suppress_directfs = true;
    else return "invalid directfs value " + GoQuote(val) + ", want \"default\" or \"off\"";
  } else {
    return "invalid mount annotation: " + field + "=" + val;
  }
  return "";
}

std::string MissingFields(const MountHint& m) {
  std::vector<std::string> missing;
  if (m.share == ShareType::kInvalid) missing.push_back("share");
  if (m.mount.source.empty()) missing.push_back("source");
  if (m.mount.type.empty()) missing.push_back("type");
  std::string s;
  for (size_t i = 0; i < missing.size(); ++i) s += (i ? ", " : "") + missing[i];
  return s;
}

}  // namespace

ErrorOr<PodMountHints> PodMountHints::Parse(const std::map<std::string, std::string>& annotations) {
  PodMountHints out;
  std::map<std::string, MountHint> by_name;  // sorted: deterministic validation order
  for (const auto& [key, value] : annotations) {
    if (!HasPrefix(key, kMountHintPrefix)) continue;
    std::vector<std::string> parts = GoStringsSplit(std::string_view(key).substr(kMountHintPrefix.size()), ".");
    if (parts.size() != 2) {
      return HintError(Error::Kind::kMountHint, key, value,
                       "invalid mount annotation: " + key + "=" + value);
    }
    const std::string& name = parts[0];
    if (name.empty()) {
      return HintError(Error::Kind::kMountHint, key, value,
                       "invalid mount name: " + name + " (annotation " + GoQuote(key) + " = " +
                           GoQuote(value) + ": the name between \"" + std::string(kMountHintPrefix) +
                           "\" and the key is empty)");
    }
    MountHint& m = by_name[name];
    m.name = name;
    m.annotation_keys.push_back(key);
    std::string err = SetPodField(m, parts[1], value, key, &out.diagnostics_);
    if (!err.empty()) {
      out.diagnostics_.push_back(
          {Diagnostic::Kind::kIgnoredHintField, key, value,
           "ignoring invalid mount annotation (name = " + GoQuote(name) + ", key = " +
               GoQuote(parts[1]) + ", value = " + GoQuote(value) + "): " + err});
    }
  }

  // Drop incomplete hints (runsc logs and deletes them).
  std::vector<const MountHint*> all;  // every hint, complete or not, by name
  for (const auto& [name, m] : by_name) all.push_back(&m);
  for (const MountHint* m : all) {
    if (m->share == ShareType::kInvalid || m->mount.source.empty() || m->mount.type.empty()) {
      std::string keys;
      for (size_t i = 0; i < m->annotation_keys.size(); ++i) {
        keys += (i ? ", " : "") + m->annotation_keys[i];
      }
      out.diagnostics_.push_back(
          {Diagnostic::Kind::kDroppedHint, std::string(kMountHintPrefix) + m->name, "",
           "ignoring mount annotations for " + GoQuote(m->name) +
               " because of missing required field(s): " + MissingFields(*m) +
               "; its annotations have no effect (" + keys + ")"});
    }
  }

  // Duplicate sources. Any complete hint sharing its source with another hint, complete
  // or not, is an error in at least one of runsc's iteration orders (see header).
  for (const MountHint* m : all) {
    const bool complete = m->share != ShareType::kInvalid && !m->mount.source.empty() &&
                          !m->mount.type.empty();
    if (!complete) continue;
    for (const MountHint* m2 : all) {
      if (m2 == m || m2->mount.source != m->mount.source) continue;
      const std::string key = std::string(kMountHintPrefix) + m->name + ".source";
      const std::string key2 = std::string(kMountHintPrefix) + m2->name + ".source";
      return HintError(Error::Kind::kMountHint, key, m->mount.source,
                       "mounts " + GoQuote(m->name) + " and " + GoQuote(m2->name) +
                           " have the same mount source " + GoQuote(m->mount.source) +
                           " (annotations " + key + " and " + key2 + ")");
    }
  }

  for (const MountHint* m : all) {
    if (m->share == ShareType::kInvalid || m->mount.source.empty() || m->mount.type.empty()) continue;
    MountHint h = *m;
    std::sort(h.annotation_keys.begin(), h.annotation_keys.end());
    out.hints_.push_back(std::move(h));
  }
  return out;
}

const MountHint* PodMountHints::FindMount(std::string_view source) const {
  for (const MountHint& h : hints_) {
    if (h.mount.source == source) return &h;
  }
  return nullptr;
}

namespace {

// runsc RootfsHint.setField. Returns runsc's error text, or "".
std::string SetRootfsField(RootfsHint& r, const std::string& field, const std::string& val) {
  if (field == "source") {
    if (!GoPathIsAbs(val)) return "source should be an absolute path, got " + GoQuote(val);
    r.mount.source = val;
  } else if (field == "type") {
    if (val != kMountTypeErofs && val != kMountTypeBind) return "invalid type " + GoQuote(val);
    r.mount.type = val;
  } else if (field == "overlay") {
    ErrorOr<OverlayMedium> m = OverlayMedium::Parse(val);
    if (!m.ok()) return m.error().message;
    r.overlay = std::move(m).value();
  } else if (field == "options") {
    for (const std::string& option : GoStringsSplit(val, ",")) {
      size_t eq = option.find('=');
      if (eq == std::string::npos) return "rootfs options must be key=value: " + option;
      std::string k = option.substr(0, eq);
      std::string v = option.substr(eq + 1);
      if (k != "size") return "invalid rootfs option: " + k + "=" + v;
      r.size = v;
    }
  } else if (field == "directfs") {
    if (val == "default") r.suppress_directfs = false;
    else if (val == "off") r.suppress_directfs = true;
    else return "invalid directfs value " + GoQuote(val) + ", want \"default\" or \"off\"";
  } else {
    return "invalid rootfs annotation: " + field + "=" + val;
  }
  return "";
}

}  // namespace

ErrorOr<std::optional<RootfsHint>> ParseRootfsHint(const std::map<std::string, std::string>& annotations) {
  std::optional<RootfsHint> hint;
  for (const auto& [key, value] : annotations) {
    if (!HasPrefix(key, kRootfsHintPrefix)) continue;
    const std::string field = key.substr(kRootfsHintPrefix.size());
    if (!hint) hint.emplace();
    hint->annotation_keys.push_back(key);
    std::string err = SetRootfsField(*hint, field, value);
    if (!err.empty()) {
      return HintError(Error::Kind::kRootfsHint, key, value,
                       "invalid rootfs annotation (key = " + GoQuote(field) + ", value = " +
                           GoQuote(value) + "): " + err);
    }
  }
  if (hint && (hint->mount.source.empty() || hint->mount.type.empty())) {
    std::string missing;
    if (hint->mount.source.empty()) missing = "source";
    if (hint->mount.type.empty()) missing += std::string(missing.empty() ? "" : ", ") + "type";
    std::string given;
    for (size_t i = 0; i < hint->annotation_keys.size(); ++i) {
      given += (i ? ", " : "") + hint->annotation_keys[i] + "=" +
               GoQuote(annotations.at(hint->annotation_keys[i]));
    }
    return HintError(Error::Kind::kRootfsHint, hint->annotation_keys.front(),
                     annotations.at(hint->annotation_keys.front()),
                     "rootfs annotations missing required field(s): " + missing +
                         " (given: " + given + "); " + std::string(kRootfsHintPrefix) +
                         "source and " + std::string(kRootfsHintPrefix) +
                         "type are required once any rootfs annotation is present");
  }
  return hint;
}

}  // namespace hg::oci
