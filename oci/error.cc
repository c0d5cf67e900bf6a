#include "oci/error.h"

#include "oci/go_compat.h"

namespace hg::oci {

const char* Diagnostic::KindName(Kind k) {
  switch (k) {
    case Kind::kIgnoredHintField: return "ignored-hint-field";
    case Kind::kFilteredMountOption: return "filtered-mount-option";
    case Kind::kDroppedHint: return "dropped-hint";
    case Kind::kUnmatchedHint: return "unmatched-hint";
    case Kind::kSelfOverlayFallback: return "self-overlay-fallback";
    case Kind::kFlagAnnotation: return "flag-annotation";
    case Kind::kIgnoredFlagAnnotation: return "ignored-flag-annotation";
    case Kind::kSpecWarning: return "spec-warning";
  }
  return "?";
}

std::string Diagnostic::ToString() const {
  std::string out = KindName(kind);
  out += ": ";
  out += key;
  if (!value.empty()) {
    out += "=";
    out += GoQuote(value);
  }
  out += ": ";
  out += reason;
  return out;
}

}  // namespace hg::oci
