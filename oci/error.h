// Errors and diagnostics of the oci room.
//
//   oci::ErrorOr<oci::Spec> spec = oci::ParseSpec(text);
//   if (!spec.ok()) {
//     std::cerr << "config.json: " << spec.error().message << "\n";  // names the JSON path
//     return 1;
//   }
//   for (const oci::Diagnostic& d : hints->diagnostics()) explain << d.ToString() << "\n";
//
// Why not hg::Result: a spec or hint problem must reach a compliance reviewer as one
// sentence naming the JSON path, annotation key or flag and the offending value; an
// errno cannot carry that. The policy compiler prints Error::message verbatim.
//
// Diagnostics are the other half: runsc *logs and ignores* some bad inputs (an invalid
// pod-hint value, an incomplete hint, a filtered mount option). Those are not errors,
// but a reviewer must see them, or a hint that silently did nothing (say a typo in
// `directfs: of`) looks like it took effect. Every function that ignores something
// returns a Diagnostic for it, in a deterministic order.
#ifndef HARDGOFER_OCI_ERROR_H_
#define HARDGOFER_OCI_ERROR_H_

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/expected.h"

namespace hg::oci {

struct Error {
  enum class Kind {
    kIo,             // reading the spec file failed
    kJson,           // not well-formed JSON, invalid UTF-8, or too large
    kSpec,           // well-formed JSON with a wrong type or value at a JSON path
    kSpecRejected,   // a spec runsc refuses to run (runsc ValidateSpec)
    kMountHint,      // a pod mount hint runsc rejects (hard error)
    kRootfsHint,     // a rootfs hint runsc rejects
    kFlag,           // a runtime flag value runsc rejects
    kFlagAnnotation, // a dev.gvisor.flag./dev.gvisor.bundle. annotation runsc rejects
    kGoferMountConf, // a --gofer-mount-confs entry or count runsc cannot use
    kMountConf,      // building the mount configuration failed (e.g. stat of a source)
  };
  Kind kind = Kind::kSpec;
  // What the error is about: a JSON path ("mounts[3].options[1]"), an annotation
  // key, or a flag name ("--overlay2").
  std::string subject;
  // The offending value, when there is one (annotation or flag value).
  std::string value;
  // One complete sentence; always names `subject` and, when set, `value`.
  std::string message;
};

struct Diagnostic {
  enum class Kind {
    kIgnoredHintField,     // invalid pod-hint key or value: logged and ignored by runsc
    kFilteredMountOption,  // "shared"/"rshared" removed from a hint's options
    kDroppedHint,          // pod hint missing source/type/share: dropped by runsc
    kUnmatchedHint,        // valid pod hint whose source no mount of this container has
    kSelfOverlayFallback,  // overlay medium "self" on a non-directory: memory instead
    kFlagAnnotation,       // a flag/bundle annotation changed a modelled flag
    kIgnoredFlagAnnotation,// a flag/bundle annotation with no effect on the gofer
    kSpecWarning,          // something runsc logs about the spec (e.g. AppArmor ignored)
  };
  Kind kind = Kind::kIgnoredHintField;
  std::string key;     // annotation key, flag name, or mount source it is about
  std::string value;   // the value involved (may be empty)
  std::string reason;  // runsc's reason, in runsc's words where it has them

  // "<kind>: <key>=<value>: <reason>", stable for golden files.
  std::string ToString() const;
  static const char* KindName(Kind k);
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

// Value-or-Error (base/expected.h).
template <typename T>
using ErrorOr = Expected<T, Error>;

}  // namespace hg::oci

#endif  // HARDGOFER_OCI_ERROR_H_
