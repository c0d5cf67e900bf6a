// hardgofer: a policy-driven, security-hardened LisaFS filesystem server.
#include <cstdio>
#include <cstring>
#include <string>

#include "gofer/cmd/commands.h"
#include "gofer/cmd/exit_codes.h"

#ifndef HARDGOFER_VERSION
#define HARDGOFER_VERSION "unknown"
#endif

namespace hg::cmd {
namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*main)(int, char**);
};

constexpr Subcommand kSubcommands[] = {
    {"serve", "serve one directory over LisaFS on an inherited socket or a listening socket",
     ServeMain},
    {"run", "run the confined gofer for an OCI bundle (what a runtime starts)", RunMain},
    {"policy", "compile, explain, query, diff and check per-container policies", PolicyMain},
    {"client", "debugging client: ls, stat, cat, put, mkdir, rm, mv over LisaFS", ClientMain},
};

void PrintHelp(FILE* out) {
  std::fprintf(out,
               "usage: hardgofer [--version] [--help] <command> [args]\n\n"
               "hardgofer is a security-hardened filesystem server (gofer) that speaks\n"
               "gVisor's LisaFS protocol.\n\ncommands:\n");
  for (const auto& s : kSubcommands) std::fprintf(out, "  %-8s %s\n", s.name, s.summary);
  std::fprintf(out,
               "\nrun 'hardgofer <command> --help' for a command's flags.\n"
               "exit codes: 0 ok, 1 runtime error, 2 usage error\n");
}

}  // namespace
}  // namespace hg::cmd

int main(int argc, char** argv) {
  using namespace hg::cmd;
  if (argc < 2) {
    PrintHelp(stderr);
    return kExitUsage;
  }
  std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    PrintHelp(stdout);
    return kExitOk;
  }
  if (first == "--version" || first == "version") {
    std::printf("hardgofer %s (LisaFS, 34 message IDs)\n", HARDGOFER_VERSION);
    return kExitOk;
  }
  for (const auto& s : kSubcommands) {
    if (first == s.name) return s.main(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "hardgofer: unknown command '%s'\n\n", first.c_str());
  PrintHelp(stderr);
  return kExitUsage;
}
