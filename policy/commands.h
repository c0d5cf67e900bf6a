// The logic of `hardgofer policy compile|explain|query|diff|check`, with the
// arguments already parsed, so it is tested directly (gofer/cmd/policy_cmd.cc
// only parses flags and calls these).
//
//   policy::CompileCommand c;
//   c.bundle = "examples/bundles/runc-default";
//   c.out = "/tmp/p";
//   int rc = policy::RunCompile(c, std::cout, std::cerr);   // 0, 1 (bad input) or 2 (usage)
//   rc = policy::RunQuery("/tmp/p", {"ptrace"}, std::cout, std::cerr);  // prints "deny ..."
//
// Every error is one line "hardgofer policy <verb>: error: <file>: <message>"
// on `err` and a non-zero code; compile writes nothing on error.
#ifndef HARDGOFER_POLICY_COMMANDS_H_
#define HARDGOFER_POLICY_COMMANDS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "oci/gofer_mounts.h"
#include "policy/extension.h"
#include "policy/flags.h"

namespace hg::policy {

// The same values as gofer/cmd/exit_codes.h (which this room may not include).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

struct CompileCommand {
  std::string bundle;           // --bundle (required)
  RuntimeFlagArgs flags;        // runsc runtime flags
  std::string operator_policy;  // --operator-policy ("" = none)
  bool audit = false;           // --audit: violations logged, not killed
  std::string out;              // --out (required for compile; ignored by check)
  // Registered extensions (issue 8 fills these in for the binary; tests use fakes).
  std::vector<ExtensionDescriptor> extensions;
  // Directory probe override for tests (default: the host's stat).
  std::optional<oci::DirectoryProbe> probe;
};

// Compiles and writes OUTDIR atomically; prints a one-line summary to `out`.
int RunCompile(const CompileCommand& c, std::ostream& out, std::ostream& err);
// Compiles in memory only and prints a summary; writes nothing.
int RunCheck(const CompileCommand& c, std::ostream& out, std::ostream& err);
// Prints explain.txt as rendered from OUTDIR/policy.pb.
int RunExplain(const std::string& dir, std::ostream& out, std::ostream& err);
// args[0] = SYSCALL, then ARGn=VALUE; `arch` as ParseQueryArgs. Exit 0 for
// allow and deny alike.
int RunQuery(const std::string& dir, const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err, const std::string& arch = "");
// Prints the differences ("no differences" when there are none); exit 0.
int RunDiff(const std::string& a, const std::string& b, std::ostream& out, std::ostream& err);

}  // namespace hg::policy

#endif  // HARDGOFER_POLICY_COMMANDS_H_
