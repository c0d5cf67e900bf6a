// `hardgofer run`: the gofer process a runtime starts for one sandbox.
//
//   hardgofer run --bundle DIR --io-fds A,B,... [--spec-fd N] [runtime flags]
//                 [--policy OUTDIR] [--operator-policy FILE] [--log-format ...]
//
// Order (runsc's, gofer-policy.md §3.3, with our policy in the middle):
// parse flags -> log setup -> policy (compiled or OUTDIR, digest checked) ->
// served mounts from the policy, --io-fds mapped to them -> extensions'
// PrepareGofer -> signals blocked -> allowed operations derived from the
// program -> confinement (confine.h) -> one connection per mount on one
// Server -> serve until every peer is gone or SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/thread_name.h"
#include "gofer/cmd/allowed_ops.h"
#include "gofer/cmd/builtin_extensions.h"
#include "gofer/cmd/commands.h"
#include "gofer/cmd/confine.h"
#include "gofer/cmd/exit_codes.h"
#include "gofer/cmd/rpc_log.h"
#include "gofer/cmd/run_options.h"
#include "gofer/cmd/run_policy.h"
#include "gofer/cmd/served_mounts.h"
#include "gofer/cmd/test_hooks.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/server/connection_impl.h"
#include "gofer/server/server.h"
#include "gofer/transport/socket_communicator.h"
#include "oci/spec.h"
#include "policy/extension_adapter.h"
#include "policy/files.h"
#include "seccomp/arch.h"
#include "seccomp/placeholder.h"

namespace hg::cmd {
namespace {

int Fatal(const std::string& what) {
  (void)std::fprintf(stderr, "hardgofer run: %s\n", what.c_str());
  return kExitRuntime;
}

const char* Bool(bool b) { return b ? "true" : "false"; }

// SIGINT/SIGTERM/SIGHUP (stop) and SIGUSR1 (dump counters) as an FD, blocked
// before any thread exists so no thread is ever interrupted by them. The FDs
// are made before confinement: signalfd4 and eventfd2 are not in the policy.
struct RunSignals {
  UniqueFd sigfd;
  UniqueFd wake;  // eventfd: ends the watcher thread
  static Result<RunSignals> Block() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set, s);
    if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return Errno(EINVAL);
    RunSignals r;
    r.sigfd.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!r.sigfd.valid()) return Errno::Last();
    r.wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!r.wake.valid()) return Errno::Last();
    return r;
  }
};

// Serves signals until `wake` is written: SIGUSR1 dumps the counters, a stop
// signal drains the server (in-flight RPCs finish) so Wait() returns.
void WatchSignals(const RunSignals& sig, server::Server& srv, RpcLog& rpc_log) {
  SetThreadName("hg-signals");
  pollfd fds[2] = {{sig.sigfd.get(), POLLIN, 0}, {sig.wake.get(), POLLIN, 0}};
  for (;;) {
    int n = ::ppoll(fds, 2, nullptr, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || fds[1].revents != 0) return;
    signalfd_siginfo info{};
    while (::read(sig.sigfd.get(), &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
      if (info.ssi_signo == SIGUSR1) {
        rpc_log.DumpCounters("sigusr1");
        continue;
      }
      HG_LOG(kInfo, "stopping", {{"signal", std::to_string(info.ssi_signo)}});
      srv.Stop();
    }
  }
}

// Everything RunMain learns before serving.
struct Plan {
  RunOptions opts;
  server::ExtensionRegistry registry;
  std::string spec_bytes;
  std::optional<RunPolicy> policy;
  std::string abs_bundle;
  oci::Spec spec;
  std::vector<ServedMount> mounts;
  std::vector<std::string> serve_paths;  // per mount: /mounts/<i>, or the host path unconfined
  std::vector<server::ExtensionOptions> ext_options;  // per registered extension
};

// Policy (compiled or OUTDIR), spec, served mounts. "" or the fatal message.
std::string LoadPlan(Plan& p) {
  auto spec_bytes = ReadSpecBytes(p.opts.bundle, p.opts.spec_fd);
  if (!spec_bytes.ok()) return spec_bytes.error().ToString();
  p.spec_bytes = std::move(spec_bytes).value();
  RunPolicyInputs in;
  in.bundle = p.opts.bundle;
  in.spec_bytes = p.spec_bytes;
  in.spec_file = p.opts.spec_fd ? "--spec-fd " + std::to_string(*p.opts.spec_fd)
                                : p.opts.bundle + "/config.json";
  in.flags = p.opts.flags;
  in.operator_policy = p.opts.operator_policy;
  in.audit = p.opts.audit;
  in.extensions = policy::DescriptorsFor(p.registry);
  auto rp = ObtainRunPolicy(in, p.opts.policy_dir);
  if (!rp.ok()) return rp.error().ToString();
  p.policy = std::move(rp).value();
  auto abs = policy::AbsolutePath(p.opts.bundle);
  if (!abs.ok()) return abs.error().ToString();
  p.abs_bundle = *abs;
  auto spec = oci::ParseSpec(p.spec_bytes);
  if (!spec.ok()) return "config.json: " + spec.error().message;
  p.spec = std::move(spec).value();
  oci::ResolveBundlePaths(p.spec, p.abs_bundle);
  auto mounts = PlanServedMounts(p.policy->policy, p.abs_bundle);
  if (!mounts.ok()) return "the policy's mount list is inconsistent: " + mounts.error().ToString();
  p.mounts = std::move(mounts).value();
  for (const ServedMount& m : p.mounts) {
    p.serve_paths.push_back(p.opts.no_confine ? m.host_source : ConfinedMountPath(m.index));
  }
  return "";
}

// --io-fds exactly as runsc maps them (gofer-policy.md §2.2). "" or the error.
std::string CheckIoFds(const Plan& p) {
  const std::vector<int>& fds = p.opts.io_fds;
  const size_t n = p.mounts.size();
  if (fds.size() < n) {
    return "--io-fds: no FD found for mount '" + p.mounts[fds.size()].container_path + "' (" +
           std::to_string(fds.size()) + " FDs for " + std::to_string(n) + " gofer-served mounts)";
  }
  if (fds.size() > n) {
    return "--io-fds: too many FDs passed for mounts (" + std::to_string(fds.size()) + " FDs for " +
           std::to_string(n) + " gofer-served mounts)";
  }
  for (int fd : fds) {
    if (Status s = transport::CheckConnectedUnixStream(fd); !s.ok()) {
      return "--io-fds: FD " + std::to_string(fd) + " is not a connected unix stream socket (" +
             s.error().ToString() + ")";
    }
    // Ours now; never inherited by anything we might start.
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return "--io-fds: " + Errno::Last().ToString();
  }
  return "";
}

// The startup lines: the policy (digest), its loosenings, one per mount.
void LogPlan(const Plan& p) {
  const policy::pb::Policy& pol = p.policy->policy;
  HG_LOG(kInfo, "policy",
         {{"digest", pol.inputs().digest()},
          {"source", p.policy->from_outdir ? p.opts.policy_dir : "compiled"},
          {"mode", pol.seccomp().mode()},
          {"program_sha256", pol.seccomp().program_sha256()}});
  for (const std::string& l : pol.loosening()) HG_LOG(kWarning, "loosening", {{"detail", l}});
  for (const ServedMount& m : p.mounts) {
    const std::string backend = m.extension.empty() ? "fsgofer" : "extension:" + m.extension;
    HG_LOG(kInfo, "mount",
           {{"mount", m.container_path},
            {"backend", backend},
            {"readonly", Bool(m.readonly)},
            {"directfs", Bool(m.directfs)},
            {"source", m.host_source},
            {"io_fd", std::to_string(p.opts.io_fds[m.index])}});
  }
}

// Every registered extension's PrepareGofer, with its operator-given
// options (key files come only from the operator policy). "" or the error.
std::string PrepareExtensions(Plan& p) {
  p.ext_options.assign(p.registry.extensions().size(), {});
  for (size_t i = 0; i < p.registry.extensions().size(); ++i) {
    server::Extension& e = *p.registry.extensions()[i];
    for (const policy::pb::ExtensionUse& u : p.policy->policy.extension()) {
      if (u.name() != e.Name()) continue;
      // One rule for both sides (server::KeyFileOption): key_file, key_file_1, ...
      for (int k = 0; k < u.key_file_size(); ++k) {
        p.ext_options[i][server::KeyFileOption(static_cast<size_t>(k))] = u.key_file(k);
      }
    }
    std::string why;
    server::PrepareContext ctx{p.spec, p.abs_bundle, p.ext_options[i], &why};
    if (Status s = e.PrepareGofer(ctx); !s.ok()) {
      return "extension '" + std::string(e.Name()) +
             "': PrepareGofer failed: " + s.error().ToString() +
             (why.empty() ? "" : " (" + why + ")");
    }
  }
  return "";
}

// The messages the program lets us serve, each refusal logged.
AllowedOps DeriveAndLogOps(const Plan& p, const seccomp::BpfProgram& filled) {
  AllowedOps ops;
  if (p.opts.no_confine) {
    ops.allowed = server::MidSet::All();
    return ops;
  }
  const bool audit = p.policy->policy.seccomp().mode() == "audit";
  ops = DeriveAllowedOps(filled, seccomp::Arch::kX86_64, audit);
  for (const RefusedOp& r : ops.refused) {
    HG_LOG(kWarning, "op_refused",
           {{"op", wire::MidName(r.mid)},
            {"syscall", r.syscall},
            {"verdict", r.verdict},
            {"why", r.why}});
  }
  if (audit) {
    // Audit mode serves everything; say what enforce mode would refuse, so
    // an operator rehearsing a policy sees it before it bites.
    for (const RefusedOp& r : DeriveAllowedOps(filled, seccomp::Arch::kX86_64, false).refused) {
      HG_LOG(kWarning, "audit_would_refuse",
             {{"op", wire::MidName(r.mid)}, {"syscall", r.syscall}, {"why", r.why}});
    }
  }
  return ops;
}

// One connection per mount on `srv`: the first extension that takes the
// mount, else fsgofer with the policy's rules. "" or the error.
std::string StartConnections(const Plan& p, const AllowedOps& ops,
                             const fsgofer::HostResources& host, server::Server& srv) {
  for (const ServedMount& m : p.mounts) {
    server::ConnectionConfig cc;
    cc.mount_path = p.serve_paths[m.index];
    const oci::Mount* spec_mount = m.spec_index && *m.spec_index < p.spec.mounts.size()
                                       ? &p.spec.mounts[*m.spec_index]
                                       : nullptr;
    std::string claimed_by;
    for (size_t i = 0; i < p.registry.extensions().size() && claimed_by.empty(); ++i) {
      server::Extension& e = *p.registry.extensions()[i];
      std::string why;
      server::MountRequest req{p.spec,     spec_mount,       cc.mount_path,
                               m.readonly, p.ext_options[i], &why,
                               host.proc};
      auto h = e.TryHandleMount(req);
      if (!h.ok()) {
        return "extension '" + std::string(e.Name()) + "' failed on mount '" + m.container_path +
               "': " + h.error().ToString() + (why.empty() ? "" : " (" + why + ")");
      }
      if (!h->has_value()) continue;
      claimed_by = std::string(e.Name());
      cc.impl = std::move((*h)->impl);
      cc.opts = (*h)->opts;
    }
    // The policy was compiled for one backend per mount; serving with
    // another would run code under a program not decided for it.
    if (claimed_by != m.extension) {
      return "mount '" + m.container_path + "': the policy assigns it to " +
             (m.extension.empty() ? std::string("fsgofer") : "extension " + m.extension) + " but " +
             (claimed_by.empty() ? std::string("no extension") : claimed_by) + " claimed it";
    }
    if (claimed_by.empty()) {
      fsgofer::FsgoferConfig fc;
      fc.rules = m.rules;
      fc.host = host;
      auto impl = fsgofer::FsConnectionImpl::Create(std::move(fc));
      if (!impl.ok()) return "mount '" + m.container_path + "': " + impl.error().ToString();
      cc.impl = std::move(impl).value();
      cc.opts = fsgofer::ConnectionOptsFor(m.rules);
    }
    cc.opts.allowed_mids = cc.opts.allowed_mids.Intersect(ops.allowed);
    auto conn = srv.StartConnection(UniqueFd(p.opts.io_fds[m.index]), std::move(cc));
    if (!conn.ok())
      return "mount '" + m.container_path + "': cannot serve: " + conn.error().ToString();
  }
  return "";
}

}  // namespace

int RunMain(int argc, char** argv) {
  Plan p;
  if (auto rc = ParseRunOptions(argc, argv, &p.opts)) return *rc;
  const RunOptions& o = p.opts;
  log::Configure({.fd = o.log_fd, .min_level = o.log_level, .format = o.log_format});
  if (o.no_confine) {
    HG_LOG(kWarning, "no_confine",
           {{"detail",
             "DEVELOPMENT ONLY: serving with the host's mounts, every capability, no "
             "no_new_privs, no rlimits and NO seccomp program; never use in production"}});
  }
  p.registry = BuiltinExtensions();
  if (std::string e = LoadPlan(p); !e.empty()) return Fatal(e);
  if (std::string e = CheckIoFds(p); !e.empty()) return Fatal(e);
  LogPlan(p);
  if (std::string e = PrepareExtensions(p); !e.empty()) return Fatal(e);
  auto sig = RunSignals::Block();
  if (!sig.ok()) return Fatal("cannot block signals: " + sig.error().ToString());
  auto filled = seccomp::FillHoles(*p.policy->program, seccomp::Bindings::ForThisProcess());
  if (!filled.ok()) return Fatal(filled.error().ToString());
  const AllowedOps ops = DeriveAndLogOps(p, *filled);

  // --- confinement ------------------------------------------------------------
  fsgofer::HostResources host;
  // Holds the roots' O_PATH handles for as long as we serve.
  ConfineResult confined;
  if (!o.no_confine) {
    ConfineInput in;
    in.mounts = &p.mounts;
    in.keep_fds = o.io_fds;
    in.keep_fds.push_back(o.log_fd);
    in.keep_fds.push_back(sig->sigfd.get());
    in.keep_fds.push_back(sig->wake.get());
    // What the extensions opened in PrepareGofer and serve with (a cache
    // tier's directories): closing them would leave their numbers to be
    // reused by unrelated files under the extension's feet.
    for (const auto& e : p.registry.extensions()) {
      for (int fd : e->FdsToKeep()) in.keep_fds.push_back(fd);
    }
    in.caps.assign(p.policy->policy.capability().begin(), p.policy->policy.capability().end());
    in.program = &*p.policy->program;
    if (o.fd_limit) {
      in.fd_limit = *o.fd_limit;
      in.fd_limit_explicit = true;
    }
    if (!RunConfinement(in, &confined)) return kExitRuntime;
    host = confined.host;
    std::string steps;
    for (std::string_view s : ConfinementStepNames())
      steps += (steps.empty() ? "" : ",") + std::string(s);
    HG_LOG(kInfo, "confined", {{"steps", steps}, {"fd_limit", std::to_string(confined.fd_limit)}});
    if (testing::CallForbiddenSyscall()) {
      // Not in any policy: the kernel kills the process with SIGSYS here.
      ::syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
      return Fatal("test hook: the forbidden syscall returned");
    }
  } else {
    auto h = fsgofer::HostResources::Open();
    if (!h.ok()) return Fatal("cannot open /proc: " + h.error().ToString());
    host = *h;
  }
  // Checked once confined (the log above names every refused message): with
  // Mount forbidden no connection could ever be served.
  if (!ops.allowed.Contains(wire::MID::kMount)) {
    const RefusedOp& r = ops.refused.front();  // Mount is MID 1: always first
    return Fatal("the policy's seccomp program forbids what Mount needs (" + r.syscall + ": " +
                 r.verdict + ", " + r.why + "); nothing can be served");
  }

  // --- serve ------------------------------------------------------------------
  std::vector<std::pair<std::string, std::string>> names;
  for (const ServedMount& m : p.mounts)
    names.emplace_back(p.serve_paths[m.index], m.container_path);
  RpcLog rpc_log(std::move(names), o.access_log);
  server::Server srv({.observer = &rpc_log});
  if (std::string e = StartConnections(p, ops, host, srv); !e.empty()) {
    srv.Stop();
    srv.Wait();
    return Fatal(e);
  }
  HG_LOG(kInfo, "serving",
         {{"mounts", std::to_string(p.mounts.size())},
          {"allowed_ops", std::to_string(ops.allowed.size())},
          {"pid", std::to_string(::getpid())}});
  std::thread watcher([&] { WatchSignals(*sig, srv, rpc_log); });
  srv.Wait();  // every peer gone, or a stop signal drained the connections
  const uint64_t one = 1;
  (void)!::write(sig->wake.get(), &one, sizeof(one));
  watcher.join();
  rpc_log.DumpCounters("exit");
  HG_LOG(kInfo, "exit", {{"code", "0"}});
  return kExitOk;
}

}  // namespace hg::cmd
