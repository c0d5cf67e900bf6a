// Subcommands whose rooms have not landed yet. Each parses and documents its
// final flags (so scripts can be written against them) and then refuses to run
// with a runtime error; the issue that delivers the room replaces the entry here
// with its own file.
#include <cstdio>
#include <string>
#include <vector>

#include "gofer/cmd/commands.h"
#include "gofer/cmd/exit_codes.h"
#include "gofer/cmd/flags.h"

namespace hg::cmd {
namespace {

int Refuse(const char* command, const char* issue) {
  std::fprintf(stderr, "hardgofer %s: this build does not include '%s' yet (see %s)\n", command,
               command, issue);
  return kExitRuntime;
}

}  // namespace

int RunMain(int argc, char** argv) {
  FlagSet fs("run", "Run the confined gofer for an OCI bundle.");
  std::string bundle, io_fds;
  fs.String("bundle", &bundle, "DIR", "OCI bundle directory");
  fs.String("io-fds", &io_fds, "A,B,...", "one connected socket per gofer-served mount");
  if (auto rc = fs.Parse(argc, argv)) return *rc;
  return Refuse("run", "issue #7");
}

}  // namespace hg::cmd
