// Errors of the policy compiler: one sentence naming the file, the key and the
// offending value, so an operator can fix the input without reading code.
//
//   policy::ErrorOr<CompiledPolicy> p = CompilePolicy(inputs);
//   if (!p.ok()) {
//     std::cerr << "error: " << p.error().ToString() << "\n";
//     // error: ops.textproto: path_deny[1].pattern="(": invalid RE2 pattern: missing ): (
//     return 1;
//   }
//
// Why not hg::Result: an errno cannot say which annotation was wrong. Why not
// oci::Error: the policy compiler also reports operator-policy, extension and
// output-directory problems, and converts oci/seccomp errors into this one
// shape (ToString is what every command prints).
#ifndef HARDGOFER_POLICY_ERROR_H_
#define HARDGOFER_POLICY_ERROR_H_

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

#include "base/expected.h"

#include "oci/error.h"
#include "seccomp/error.h"

namespace hg::policy {

struct Error {
  enum class Kind {
    kUsage,           // a command-line flag value is invalid (exit 2)
    kSpec,            // config.json: unreadable, malformed, or refused as runsc would
    kHint,            // a mount hint or flag annotation runsc rejects, or conflicting hints
    kFlag,            // a runtime flag value or --gofer-mount-confs count runsc rejects
    kOperatorPolicy,  // the operator policy file
    kExtension,       // an extension descriptor or an extension/mount conflict
    kSeccomp,         // composing or compiling the seccomp program
    kOutput,          // writing or reading an output directory
  };
  Kind kind = Kind::kSpec;
  std::string file;     // "/b/config.json", "ops.textproto", "command line", an OUTDIR
  std::string key;      // annotation key, JSON path, flag, textproto field path, mount
  std::string value;    // the offending value ("" when there is none)
  std::string message;  // one sentence; names key and value where they exist

  // "<file>: <message>".
  std::string ToString() const;
  static const char* KindName(Kind k);
};

// Converts an oci error about `file` (config.json, or "command line" for flags).
Error FromOci(const oci::Error& e, const std::string& file);

// Value-or-Error (base/expected.h).
template <typename T>
using ErrorOr = Expected<T, Error>;

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_ERROR_H_
