// The bundles under policy/testdata/bundles/ (the examples that need no
// extension, as symlinks to examples/bundles/, plus fake-extension variants of
// extension-claimed and operator-policy), as tests and benchmarks use them.
//
//   for (const policy::testing::Example& ex : policy::testing::Examples()) {
//     policy::CompileCommand c = policy::testing::CommandFor(ex, "/tmp/out");
//     policy::RunCompile(c, out, err);
//   }
//
// Each bundle directory holds config.json and optionally:
//   flags               one command-line flag per line (e.g. --directfs=false);
//                       '#' starts a comment line
//   operator.textproto  the operator policy (--operator-policy)
//   extensions          fake extension names, one per line (fake_extensions.h),
//                       in registration order
//   golden/             policy.textproto and explain.txt as compiled
#ifndef HARDGOFER_POLICY_TESTING_EXAMPLES_H_
#define HARDGOFER_POLICY_TESTING_EXAMPLES_H_

#include <string>
#include <vector>

#include "policy/commands.h"
#include "policy/error.h"
#include "policy/flags.h"

namespace hg::policy::testing {

struct Example {
  std::string name;             // directory name
  std::string dir;              // absolute path of the bundle
  std::vector<std::string> flag_lines;
  RuntimeFlagArgs flags;
  std::string operator_policy;  // path, or ""
  std::vector<std::string> extension_names;
};

// The examples directory (examples/bundles in the source tree).
std::string ExamplesDir();

// Every example, sorted by name. Aborts the caller's test (via the returned
// error) if a bundle's flags or extensions file is malformed.
ErrorOr<std::vector<Example>> Examples();

// Parses a flags file into RuntimeFlagArgs (+ --audit).
ErrorOr<RuntimeFlagArgs> ParseFlagLines(const std::vector<std::string>& lines, bool* audit);

// The compile command for `ex` writing to `out`, with its fake extensions.
CompileCommand CommandFor(const Example& ex, const std::string& out);

}  // namespace hg::policy::testing

#endif  // HARDGOFER_POLICY_TESTING_EXAMPLES_H_
