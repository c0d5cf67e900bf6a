#include "policy/error.h"

namespace hg::policy {

const char* Error::KindName(Kind k) {
  switch (k) {
    case Kind::kUsage: return "usage";
    case Kind::kSpec: return "spec";
    case Kind::kHint: return "hint";
    case Kind::kFlag: return "flag";
    case Kind::kOperatorPolicy: return "operator-policy";
    case Kind::kExtension: return "extension";
    case Kind::kSeccomp: return "seccomp";
    case Kind::kOutput: return "output";
  }
  return "?";
}

std::string Error::ToString() const {
  if (file.empty()) return message;
  return file + ": " + message;
}

Error FromOci(const oci::Error& e, const std::string& file) {
  Error out;
  switch (e.kind) {
    case oci::Error::Kind::kIo:
    case oci::Error::Kind::kJson:
    case oci::Error::Kind::kSpec:
    case oci::Error::Kind::kSpecRejected:
    case oci::Error::Kind::kMountConf:
      out.kind = Error::Kind::kSpec;
      break;
    case oci::Error::Kind::kMountHint:
    case oci::Error::Kind::kRootfsHint:
    case oci::Error::Kind::kFlagAnnotation:
      out.kind = Error::Kind::kHint;
      break;
    case oci::Error::Kind::kFlag:
    case oci::Error::Kind::kGoferMountConf:
      out.kind = Error::Kind::kFlag;
      break;
  }
  out.file = file;
  out.key = e.subject;
  out.value = e.value;
  out.message = e.message;
  // runsc's wording sometimes names only part of the key ("invalid rootfs
  // annotation (key = \"directfs\" ...)"); the reader needs the whole key.
  if (!e.subject.empty() && out.message.find(e.subject) == std::string::npos) {
    out.message += " (" + e.subject + ")";
  }
  return out;
}

}  // namespace hg::policy
