// The example bundles under examples/bundles/, found at run time (a new
// example is covered without touching a test), and what `hardgofer` is given
// for each.
//
//   for (const ExampleBundle& ex : DiscoverExamples()) {
//     std::vector<std::string> args = {"policy", "compile", "--bundle", ex.dir};
//     AppendInputArgs(ex, ex.operator_policy, &args);   // flags + --operator-policy
//   }
//
// A bundle is a directory holding config.json, plus optionally:
//   flags               one runtime flag per line (`--directfs=false`); '#' comments
//   operator.textproto  the operator policy (`--operator-policy`)
//   golden/             policy.textproto and explain.txt (tests/policy_goldens)
// Extensions are not listed per bundle: the shipped binary registers its
// built-in ones and the spec's annotations select them.
#ifndef HARDGOFER_TESTS_E2E_EXAMPLE_BUNDLES_H_
#define HARDGOFER_TESTS_E2E_EXAMPLE_BUNDLES_H_

#include <ostream>
#include <string>
#include <vector>

namespace hg::e2e {

struct ExampleBundle {
  std::string name;                // directory name
  std::string dir;                 // absolute path in the source tree
  std::vector<std::string> flags;  // the flags file's lines, comments dropped
  std::string operator_policy;     // dir + "/operator.textproto", or ""
};

// gtest prints a parameter by its name.
inline void PrintTo(const ExampleBundle& ex, std::ostream* os) { *os << ex.name; }

// examples/bundles in the source tree.
std::string ExamplesDir();

// Every bundle, sorted by name; empty if the directory cannot be read (the
// callers fail on an empty list).
std::vector<ExampleBundle> DiscoverExamples();

// Appends the example's flags and, if `operator_policy` is not empty,
// `--operator-policy=<operator_policy>` (the staged copy may live elsewhere).
void AppendInputArgs(const ExampleBundle& ex, const std::string& operator_policy,
                     std::vector<std::string>* args);

// Small file helpers shared by the example tests.
std::string ReadFileOrEmpty(const std::string& path);
bool WriteFileBytes(const std::string& path, const std::string& data, int mode = 0644);
bool PathExists(const std::string& path);

// Masks every 64-hex-digit run (sha256 values) on lines that do not mention
// "program": input digests change with any byte of the inputs (a staged copy
// has other paths), the program's hash must not.
std::string MaskInputDigests(const std::string& text);

}  // namespace hg::e2e

#endif  // HARDGOFER_TESTS_E2E_EXAMPLE_BUNDLES_H_
