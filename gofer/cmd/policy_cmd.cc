// `hardgofer policy`: flag parsing only; the logic is hg::policy::Run* (policy/commands.h).
//
//   hardgofer policy compile --bundle DIR [runtime flags] [--operator-policy FILE] [--audit] --out OUTDIR
//   hardgofer policy explain OUTDIR
//   hardgofer policy query OUTDIR SYSCALL [ARGn=VALUE ...]
//   hardgofer policy diff OUTDIR_A OUTDIR_B
//   hardgofer policy check --bundle DIR [runtime flags] [--operator-policy FILE]
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "gofer/cmd/builtin_extensions.h"
#include "gofer/cmd/commands.h"
#include "gofer/cmd/exit_codes.h"
#include "gofer/cmd/flags.h"
#include "policy/commands.h"
#include "policy/extension_adapter.h"

namespace hg::cmd {
namespace {

constexpr char kPolicyHelp[] =
    "usage: hardgofer policy <verb> [args]\n"
    "\n"
    "Compile, explain, query, diff and check per-container gofer policies.\n"
    "\n"
    "verbs:\n"
    "  compile --bundle DIR [runtime flags] [--operator-policy FILE] [--audit] --out OUTDIR\n"
    "          write OUTDIR/{policy.textproto,policy.pb,seccomp.bpf,seccomp.pfc,explain.txt}\n"
    "  explain OUTDIR                       print every decision with its reasons\n"
    "  query OUTDIR SYSCALL [ARGn=VALUE ...]  run the compiled program: allow or deny, and why\n"
    "  diff OUTDIR_A OUTDIR_B               what changed between two policies, with reasons\n"
    "  check --bundle DIR [runtime flags] [--operator-policy FILE]   validate only\n"
    "\n"
    "run 'hardgofer policy <verb> --help' for a verb's flags.\n"
    "exit codes: 0 ok, 1 runtime error (bad spec, hint, operator policy...), 2 usage error\n";

constexpr char kRuntimeFlagsEpilog[] =
    "Runtime flags mirror runsc's and take runsc's values; a flag may be repeated and the\n"
    "values apply in order, as with runsc (--gofer-mount-confs appends). Annotations in\n"
    "config.json (dev.gvisor.flag.*, dev.gvisor.bundle.*) are applied on top, as runsc does.";

// The descriptors of the extensions compiled into this binary, so a policy
// compiled here has the digest `hardgofer run` computes (the registry lives
// for the whole process: the descriptors call into it).
std::vector<policy::ExtensionDescriptor> RegisteredExtensions() {
  static const server::ExtensionRegistry* registry =
      new server::ExtensionRegistry(BuiltinExtensions());
  return policy::DescriptorsFor(*registry);
}

// The flags compile and check share.
void AddCompileFlags(FlagSet& fs, policy::CompileCommand& c) {
  c.extensions = RegisteredExtensions();
  fs.String("bundle", &c.bundle, "DIR", "OCI bundle directory (config.json)");
  fs.List("directfs", &c.flags.directfs, "BOOL", "runsc --directfs (default true)");
  fs.List("host-uds", &c.flags.host_uds, "none|open|create|all", "runsc --host-uds (default none)");
  fs.List("host-fifo", &c.flags.host_fifo, "none|open", "runsc --host-fifo (default none)");
  fs.List("overlay2", &c.flags.overlay2, "SPEC", "runsc --overlay2 (default root:self)");
  fs.List("gofer-mount-confs", &c.flags.gofer_mount_confs, "LOWER:UPPER,...",
          "runsc's per-mount gofer confs; when given they win over the spec");
  fs.List("file-access", &c.flags.file_access, "exclusive|shared", "runsc --file-access");
  fs.List("file-access-mounts", &c.flags.file_access_mounts, "exclusive|shared",
          "runsc --file-access-mounts");
  fs.Bool("allow-flag-override", &c.flags.allow_flag_override,
          "runsc --allow-flag-override: any dev.gvisor.flag.* annotation may change flags");
  fs.String("operator-policy", &c.operator_policy, "FILE",
            "operator policy textproto (schema: policy/policy.proto OperatorPolicy)");
  fs.Epilog(kRuntimeFlagsEpilog);
}

int Compile(int argc, char** argv) {
  FlagSet fs("policy compile", "Compile a bundle's policy into OUTDIR (atomically).");
  policy::CompileCommand c;
  AddCompileFlags(fs, c);
  fs.Bool("audit", &c.audit, "audit mode: seccomp violations are logged (RET_LOG), not killed");
  fs.String("out", &c.out, "OUTDIR", "output directory (replaced only if it holds a policy)");
  if (auto rc = fs.Parse(argc, argv)) return *rc;
  if (c.bundle.empty()) return fs.UsageError("--bundle is required");
  if (c.out.empty()) return fs.UsageError("--out is required");
  return policy::RunCompile(c, std::cout, std::cerr);
}

int Check(int argc, char** argv) {
  FlagSet fs("policy check", "Validate a bundle as compile would, writing nothing.");
  policy::CompileCommand c;
  AddCompileFlags(fs, c);
  fs.Bool("audit", &c.audit, "check the audit-mode program");
  if (auto rc = fs.Parse(argc, argv)) return *rc;
  if (c.bundle.empty()) return fs.UsageError("--bundle is required");
  return policy::RunCheck(c, std::cout, std::cerr);
}

int Explain(int argc, char** argv) {
  FlagSet fs("policy explain", "Print a compiled policy with every reason (explain.txt).");
  std::vector<std::string> args;
  fs.Positional("OUTDIR", &args);
  if (auto rc = fs.Parse(argc, argv)) return *rc;
  if (args.size() != 1) return fs.UsageError("want exactly one OUTDIR");
  return policy::RunExplain(args[0], std::cout, std::cerr);
}

int Query(int argc, char** argv) {
  FlagSet fs("policy query",
             "Run a syscall through the compiled seccomp program (BPF interpreter). Prints\n"
             "'allow' or 'deny' first, then the rules behind the verdict; exits 0 either way.");
  std::vector<std::string> args;
  std::string arch;
  fs.String("arch", &arch, "x86_64|aarch64|i386",
            "seccomp_data.arch of the call (default: the program's; i386 needs a number)");
  fs.Positional("OUTDIR SYSCALL [ARGn=VALUE ...]", &args);
  fs.Epilog(
      "SYSCALL: a name (openat), a number (257), or x32:NAME / x32:NUMBER.\n"
      "VALUE: an integer (42, 0x2a, -100), symbols joined with | (PROT_READ|PROT_EXEC,\n"
      "O_RDONLY|O_CLOEXEC, AT_FDCWD, MAP_PRIVATE|MAP_ANONYMOUS, FUTEX_WAKE_PRIVATE, AF_UNIX),\n"
      "or self_pid (the gofer's own pid). Arguments not given are 0.");
  if (auto rc = fs.Parse(argc, argv)) return *rc;
  if (args.size() < 2) return fs.UsageError("want OUTDIR SYSCALL [ARGn=VALUE ...]");
  return policy::RunQuery(args[0], std::vector<std::string>(args.begin() + 1, args.end()),
                          std::cout, std::cerr, arch);
}

int Diff(int argc, char** argv) {
  FlagSet fs("policy diff", "Show what changed between two compiled policies, with reasons.");
  std::vector<std::string> args;
  fs.Positional("OUTDIR_A OUTDIR_B", &args);
  if (auto rc = fs.Parse(argc, argv)) return *rc;
  if (args.size() != 2) return fs.UsageError("want exactly two OUTDIRs");
  return policy::RunDiff(args[0], args[1], std::cout, std::cerr);
}

}  // namespace

int PolicyMain(int argc, char** argv) {
  if (argc < 1) {
    std::fputs(kPolicyHelp, stderr);
    return kExitUsage;
  }
  const std::string verb = argv[0];
  if (verb == "--help" || verb == "-h" || verb == "help") {
    std::fputs(kPolicyHelp, stdout);
    return kExitOk;
  }
  if (verb == "compile") return Compile(argc - 1, argv + 1);
  if (verb == "check") return Check(argc - 1, argv + 1);
  if (verb == "explain") return Explain(argc - 1, argv + 1);
  if (verb == "query") return Query(argc - 1, argv + 1);
  if (verb == "diff") return Diff(argc - 1, argv + 1);
  std::fprintf(stderr, "hardgofer policy: unknown verb '%s'\n\n%s", verb.c_str(), kPolicyHelp);
  return kExitUsage;
}

}  // namespace hg::cmd
