#include "policy/commands.h"

#include "policy/compiler.h"
#include "policy/diff.h"
#include "policy/explain.h"
#include "policy/output_dir.h"
#include "policy/query.h"
#include "policy/query_args.h"

namespace hg::policy {

namespace {

int Fail(std::ostream& err, const char* verb, const Error& e) {
  err << "hardgofer policy " << verb << ": error: " << e.ToString() << "\n";
  return e.kind == Error::Kind::kUsage ? kExitUsage : kExitRuntime;
}

int Usage(std::ostream& err, const char* verb, const std::string& message) {
  err << "hardgofer policy " << verb << ": " << message << "\n"
      << "run 'hardgofer policy --help' for usage\n";
  return kExitUsage;
}

ErrorOr<CompiledPolicy> CompileFor(const CompileCommand& c) {
  ErrorOr<oci::RuntimeFlags> flags = ParseRuntimeFlags(c.flags);
  if (!flags.ok()) return flags.error();
  ErrorOr<CompileInputs> in = LoadInputs(c.bundle, *flags, c.operator_policy);
  if (!in.ok()) return in.error();
  in->extensions = c.extensions;
  in->audit = c.audit;
  if (c.probe) in->probe = *c.probe;
  return CompilePolicy(*in);
}

std::string Summary(const pb::Policy& p) {
  std::string sets;
  for (const pb::SetUse& s : p.seccomp().set()) {
    if (s.included()) sets += (sets.empty() ? "" : "+") + s.name();
  }
  return std::to_string(p.mount_size()) + " mounts (" + std::to_string(p.served_mounts()) +
         " served), " + std::to_string(p.capability_size()) + " capabilities, seccomp " +
         p.seccomp().mode() + " " + sets + ": " + std::to_string(p.seccomp().syscall_size()) +
         " syscalls, " + std::to_string(p.seccomp().instructions()) + " instructions; " +
         p.inputs().digest();
}

}  // namespace

int RunCompile(const CompileCommand& c, std::ostream& out, std::ostream& err) {
  if (c.bundle.empty()) return Usage(err, "compile", "--bundle is required");
  if (c.out.empty()) return Usage(err, "compile", "--out is required");
  ErrorOr<CompiledPolicy> p = CompileFor(c);
  if (!p.ok()) return Fail(err, "compile", p.error());
  ErrorOr<void> w = WritePolicyDir(c.out, RenderFiles(*p));
  if (!w.ok()) return Fail(err, "compile", w.error());
  for (const std::string& l : p->policy.loosening()) err << "hardgofer policy compile: warning: " << l << "\n";
  out << "wrote " << c.out << ": " << Summary(p->policy) << "\n";
  return kExitOk;
}

int RunCheck(const CompileCommand& c, std::ostream& out, std::ostream& err) {
  if (c.bundle.empty()) return Usage(err, "check", "--bundle is required");
  ErrorOr<CompiledPolicy> p = CompileFor(c);
  if (!p.ok()) return Fail(err, "check", p.error());
  out << "ok: " << Summary(p->policy) << "\n";
  for (const pb::Diagnostic& d : p->policy.diagnostic()) {
    out << "  note: " << d.kind() << ": " << d.key() << ": " << d.reason() << "\n";
  }
  return kExitOk;
}

int RunExplain(const std::string& dir, std::ostream& out, std::ostream& err) {
  ErrorOr<LoadedPolicy> p = ReadPolicyDir(dir);
  if (!p.ok()) return Fail(err, "explain", p.error());
  out << RenderExplain(p->policy);
  return kExitOk;
}

int RunQuery(const std::string& dir, const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err, const std::string& arch) {
  if (args.empty()) return Usage(err, "query", "want OUTDIR SYSCALL [ARGn=VALUE ...]");
  ErrorOr<LoadedPolicy> p = ReadPolicyDir(dir);
  if (!p.ok()) return Fail(err, "query", p.error());
  ErrorOr<seccomp::SyscallQuery> q =
      ParseQueryArgs(p->rules.arch, args[0], std::vector<std::string>(args.begin() + 1, args.end()), arch);
  if (!q.ok()) return Fail(err, "query", q.error());
  ErrorOr<seccomp::QueryAnswer> a = QueryPolicy(*p, *q);
  if (!a.ok()) return Fail(err, "query", a.error());
  out << a->ToString();
  return kExitOk;
}

int RunDiff(const std::string& a, const std::string& b, std::ostream& out, std::ostream& err) {
  ErrorOr<LoadedPolicy> pa = ReadPolicyDir(a);
  if (!pa.ok()) return Fail(err, "diff", pa.error());
  ErrorOr<LoadedPolicy> pb = ReadPolicyDir(b);
  if (!pb.ok()) return Fail(err, "diff", pb.error());
  const std::string d = DiffPolicies(pa->policy, pb->policy);
  out << "--- " << a << " (" << pa->policy.inputs().digest() << ")\n"
      << "+++ " << b << " (" << pb->policy.inputs().digest() << ")\n";
  out << (d.empty() ? std::string("no differences\n") : d);
  return kExitOk;
}

}  // namespace hg::policy
