// `hardgofer run` end to end: the confined gofer process, its confinement as
// the kernel reports it (/proc/PID/status, /proc/PID/fd), the workload through
// the C++ client, signals, logs, and a failure of every confinement step.
//
// Each test starts the real binary in a child (confinement is irreversible);
// the test process itself is never confined and never touches the host's
// mounts (the gofer unshares its own mount namespace).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "gofer/client/client.h"
#include "policy/output_dir.h"
#include "tests/e2e/gofer_process.h"
#include "tests/e2e/workload.h"

namespace hg::e2e {
namespace {

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// An OCI bundle in a fresh temp dir: a rootfs (overlaid by default, so served
// read-only), /data (rw bind) and /etc/app (ro bind), plus a procfs mount the
// gofer does not serve.
class TestBundle {
 public:
  explicit TestBundle(const std::string& annotations = "") {
    char tmpl[] = "/tmp/hg-e2e-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir_ = tmpl;
    bundle = dir_ + "/bundle";
    rootfs = bundle + "/rootfs";
    data = dir_ + "/data";
    appcfg = dir_ + "/appcfg";
    for (const std::string& d : {bundle, rootfs, rootfs + "/etc", data, appcfg}) {
      ::mkdir(d.c_str(), 0755);
    }
    WriteFile(rootfs + "/etc/hello", "hello\n");
    WriteFile(appcfg + "/app.conf", "x=1\n");
    std::string ann = annotations;
    size_t p;
    while ((p = ann.find("$DATA")) != std::string::npos) ann.replace(p, 5, data);
    WriteFile(bundle + "/config.json",
              R"({"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},)"
              R"("root":{"path":"rootfs","readonly":false},"mounts":[)"
              R"({"destination":"/proc","type":"proc","source":"proc"},)"
              R"({"destination":"/data","type":"bind","source":")" +
                  data +
                  R"(","options":["rbind","rw"]},)"
                  R"({"destination":"/etc/app","type":"bind","source":")" +
                  appcfg + R"(","options":["rbind","ro"]}],"annotations":{)" + ann +
                  R"(},"linux":{}})");
  }
  ~TestBundle() { (void)!std::system(("rm -rf '" + dir_ + "'").c_str()); }
  const std::string& dir() const { return dir_; }

  std::string bundle, rootfs, data, appcfg;

 private:
  std::string dir_;
};

constexpr size_t kServedMounts = 3;  // /, /data, /etc/app

const char kOptOutData[] =
    R"("dev.gvisor.spec.mount.data.source":"$DATA","dev.gvisor.spec.mount.data.type":"bind",)"
    R"("dev.gvisor.spec.mount.data.share":"shared","dev.gvisor.spec.mount.data.directfs":"off")";

// The policy the gofer should run with, as `hardgofer policy compile` writes
// it (same binary, so the same registered extensions and digest).
policy::pb::Policy CompileForTest(const TestBundle& b, const std::vector<std::string>& directfs,
                                  bool audit) {
  const std::string out = b.dir() + "/expected-policy";
  std::vector<std::string> args = {"policy", "compile", "--bundle", b.bundle, "--out", out};
  for (const std::string& d : directfs) args.push_back("--directfs=" + d);
  if (audit) args.push_back("--audit");
  GoferProcess c({.args = args, .mounts = 0, .add_io_fds = false, .json_log = false});
  EXPECT_EQ(c.Wait().exit_code, 0) << c.AllOutput();
  auto loaded = policy::ReadPolicyDir(out);
  EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  (void)!std::system(("rm -rf '" + out + "'").c_str());
  return loaded.ok() ? loaded->policy : policy::pb::Policy();
}

uint64_t CapMask(const policy::pb::Policy& p, const std::string& set) {
  static const std::map<std::string, int> kNumbers = {
      {"CAP_CHOWN", 0},  {"CAP_DAC_OVERRIDE", 1}, {"CAP_DAC_READ_SEARCH", 2},
      {"CAP_FOWNER", 3}, {"CAP_FSETID", 4},       {"CAP_SETGID", 6},
      {"CAP_SETUID", 7}, {"CAP_SYS_CHROOT", 18}};
  uint64_t m = 0;
  for (const auto& c : p.capability()) {
    for (const auto& s : c.set()) {
      if (s == set) m |= uint64_t{1} << kNumbers.at(c.name());
    }
  }
  return m;
}

uint64_t Hex(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 16); }

std::set<std::string> EventOps(const GoferProcess& g, const std::string& event) {
  std::set<std::string> ops;
  for (const std::string& l : g.Events(event)) ops.insert(JsonField(l, "op"));
  return ops;
}

// LisaFS messages whose syscalls only the LisaFS set allows.
const std::vector<std::string> kLisafsOnlyOps = {"MkdirAt",    "UnlinkAt",  "RenameAt",
                                                 "SymlinkAt",  "FStatFS",   "FAllocate",
                                                 "ReadLinkAt", "Getdents64"};
// Those of them that need nothing else the current program lacks (RenameAt
// also needs renameat, which no set has: docs/running.md "Known gaps").
const std::vector<std::string> kLisafsOnlyAllowedWithSet = {"MkdirAt", "UnlinkAt",  "SymlinkAt",
                                                            "FStatFS", "FAllocate", "ReadLinkAt"};

struct Scenario {
  const char* name;
  const char* annotations;
  std::vector<std::string> directfs;  // --directfs values
  bool data_directfs;                 // expected directfs of /data
  bool lisafs_set;                    // expected: LisaFS syscalls in the program
  bool audit = false;                 // --audit
};

class RunWorkloadTest : public ::testing::TestWithParam<Scenario> {};

// The whole acceptance path for one bundle: start confined, check what the
// kernel says about the process, drive the workload on every mount (messages
// the program forbids must be refused with EOPNOTSUPP, never kill the gofer),
// check the logs, dump counters on SIGUSR1, drain on SIGTERM.
//
// Each bundle runs in enforce mode (a syscall outside the program kills the
// gofer: the workload finishing with exit 0 proves the program complete for
// it), and two also in audit mode (SECCOMP_RET_LOG; everything is served and
// audit_would_refuse lines list what enforce would refuse).
TEST_P(RunWorkloadTest, ConfinedGoferServesTheWorkload) {
  const Scenario& sc = GetParam();
  TestBundle b(sc.annotations);
  const policy::pb::Policy want = CompileForTest(b, sc.directfs, sc.audit);
  std::vector<std::string> args = {"run", "--bundle", b.bundle};
  if (sc.audit) args.push_back("--audit");
  for (const std::string& d : sc.directfs) args.push_back("--directfs=" + d);
  GoferProcess g({.args = args, .mounts = kServedMounts});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();

  // Startup lines: the policy digest, one line per served mount.
  auto pol = g.Events("policy");
  ASSERT_EQ(pol.size(), 1u);
  EXPECT_EQ(JsonField(pol[0], "digest"), want.inputs().digest());
  EXPECT_EQ(JsonField(pol[0], "level"), "info");
  auto mounts = g.Events("mount");
  ASSERT_EQ(mounts.size(), kServedMounts) << g.AllOutput();
  EXPECT_EQ(JsonField(mounts[0], "mount"), "/");
  EXPECT_EQ(JsonField(mounts[0], "readonly"), "true");
  EXPECT_EQ(JsonField(mounts[1], "mount"), "/data");
  EXPECT_EQ(JsonField(mounts[1], "readonly"), "false");
  EXPECT_EQ(JsonField(mounts[1], "directfs"), sc.data_directfs ? "true" : "false");
  EXPECT_EQ(JsonField(mounts[2], "mount"), "/etc/app");
  EXPECT_EQ(JsonField(mounts[2], "readonly"), "true");
  for (const auto& m : mounts) EXPECT_EQ(JsonField(m, "backend"), "fsgofer");

  // What the kernel reports about the confined process.
  EXPECT_EQ(Hex(g.StatusField("CapEff")), CapMask(want, "effective"));
  EXPECT_EQ(Hex(g.StatusField("CapPrm")), CapMask(want, "permitted"));
  EXPECT_EQ(Hex(g.StatusField("CapInh")), CapMask(want, "inheritable"));
  EXPECT_EQ(Hex(g.StatusField("CapBnd")), CapMask(want, "bounding"));
  EXPECT_EQ(Hex(g.StatusField("CapAmb")), CapMask(want, "ambient"));
  EXPECT_NE(CapMask(want, "effective"), 0u);
  EXPECT_EQ(g.StatusField("NoNewPrivs"), "1");
  EXPECT_EQ(g.StatusField("Seccomp"), "2");

  // Only the expected descriptors: stdio, the log pipe, the three sockets,
  // the three roots, the signal FDs and the server's /proc handles.
  std::map<int, std::string> fds = g.Fds();
  std::multiset<std::string> roots;
  for (const auto& [fd, target] : fds) {
    if (fd <= 1) {
      EXPECT_EQ(target, "/dev/null") << fd;
    } else if (fd == 2) {
      EXPECT_EQ(target.rfind("pipe:", 0), 0u) << target;
    } else if (target == b.rootfs || target == b.data || target == b.appcfg) {
      roots.insert(target);
    } else {
      EXPECT_TRUE(target.rfind("socket:", 0) == 0 || target == "anon_inode:[signalfd]" ||
                  target == "anon_inode:[eventfd]" || target == "/proc/self/fd" ||
                  target == "/proc/self/mountinfo" ||
                  target.rfind("/memfd:flipcall_packet_windows", 0) == 0)
          << "unexpected FD " << fd << " -> " << target;
    }
  }
  EXPECT_EQ(roots, (std::multiset<std::string>{b.rootfs, b.data, b.appcfg}));
  EXPECT_EQ(fds.count(20), 0u) << "an inherited FD survived close_fds";
  size_t sockets = 0;
  for (int fd = GoferProcess::kFirstIoFd; fd < GoferProcess::kFirstIoFd + 3; ++fd) {
    sockets += fds.count(fd) && fds[fd].rfind("socket:", 0) == 0;
  }
  EXPECT_EQ(sockets, kServedMounts);

  // The workload on every mount.
  {
    auto root = client::Client::Mount(g.TakeClientSocket(0));
    ASSERT_TRUE(root.ok()) << root.error().ToString() << g.AllOutput();
    WorkloadResult r0 = ReadonlyWorkload(**root, "etc/hello", "hello\n");
    auto data = client::Client::Mount(g.TakeClientSocket(1));
    ASSERT_TRUE(data.ok()) << data.error().ToString();
    WorkloadResult r1 = WritableWorkload(**data, b.data);
    auto app = client::Client::Mount(g.TakeClientSocket(2));
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    WorkloadResult r2 = ReadonlyWorkload(**app, "app.conf", "x=1\n");
    EXPECT_FALSE(g.exited()) << g.AllOutput();
    EXPECT_GT(r0.steps_run, 0u);
    EXPECT_GT(r1.steps_run, 0u);

    // What enforce mode refuses: the LisaFS-only messages exactly when the
    // program lacks the LisaFS set; never those when it has it.
    std::set<std::string> refused =
        sc.audit ? EventOps(g, "audit_would_refuse") : EventOps(g, "op_refused");
    if (sc.lisafs_set) {
      for (const std::string& op : kLisafsOnlyAllowedWithSet)
        EXPECT_EQ(refused.count(op), 0u) << op;
    } else {
      for (const std::string& op : kLisafsOnlyOps) EXPECT_EQ(refused.count(op), 1u) << op;
    }
    if (sc.audit) {
      // Audit serves everything.
      EXPECT_TRUE(EventOps(g, "op_refused").empty());
      EXPECT_TRUE(r0.refused.empty() && r1.refused.empty() && r2.refused.empty());
    } else {
      // The workload met exactly the refusals the gofer announced.
      for (const std::string& op : r1.refused) EXPECT_EQ(refused.count(op), 1u) << op;
      // With the LisaFS set the program allows the whole workload; only the
      // host-socket messages stay refused (these bundles keep --host-uds=none,
      // so their syscalls are not in the program).
      if (sc.lisafs_set) {
        const std::set<std::string> sockets = {"Connect", "ConnectWithCreds", "BindAt", "Listen",
                                               "Accept"};
        for (const std::string& op : refused) EXPECT_EQ(sockets.count(op), 1u) << op;
        EXPECT_TRUE(r0.refused.empty() && r1.refused.empty() && r2.refused.empty());
      }
    }

    // SIGUSR1: counters, while serving.
    ASSERT_EQ(::kill(g.pid(), SIGUSR1), 0);
    ASSERT_TRUE(g.WaitForEvent("rpc_counters")) << g.AllOutput();
    auto counters = g.Events("rpc_counters");
    EXPECT_EQ(JsonField(counters[0], "reason"), "sigusr1");
    const std::string ops = JsonField(counters[0], "ops");
    EXPECT_NE(ops.find("Mount:3"), std::string::npos) << ops;
    // One MkdirAt per mount: created on /data, EROFS (or refused) on the others.
    EXPECT_NE(ops.find("MkdirAt:3"), std::string::npos) << ops;
    const std::string errnos = JsonField(counters[0], "errnos");
    // Read-only mounts answer EROFS where the program allows MkdirAt; where
    // it does not (directfs on, enforce) the gofer refuses with EOPNOTSUPP.
    const bool mkdir_allowed = sc.audit || sc.lisafs_set;
    EXPECT_NE(errnos.find(mkdir_allowed ? "EROFS:" : "EOPNOTSUPP:"), std::string::npos) << errnos;

    // SIGTERM with every client still connected: drain and exit 0.
    Exit e = g.Stop(SIGTERM);
    EXPECT_EQ(e.signal, 0) << g.AllOutput();
    EXPECT_EQ(e.exit_code, 0) << g.AllOutput();
  }
  auto counters = g.Events("rpc_counters");
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(JsonField(counters[1], "reason"), "exit");
  EXPECT_EQ(g.Events("stopping").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Bundles, RunWorkloadTest,
    ::testing::Values(Scenario{"DirectfsOn", "", {}, true, false, false},
                      Scenario{"MountOptedOut", kOptOutData, {}, false, true, false},
                      Scenario{"GlobalDirectfsOff", "", {"false"}, false, true, false},
                      Scenario{"AuditDirectfsOn", "", {}, true, false, true},
                      Scenario{"AuditMountOptedOut", kOptOutData, {}, false, true, true}),
    [](const ::testing::TestParamInfo<Scenario>& i) { return std::string(i.param.name); });

// --- confinement failures -------------------------------------------------

struct StepCase {
  const char* step;
  const char* how;  // "env" (test hook), "missing_root", "low_nofile"
};

class ConfinementStepTest : public ::testing::TestWithParam<StepCase> {};

// A failure in any step ends the process before anything is served: exit 1,
// the fixed message naming the step, no later step ran, no connection served.
TEST_P(ConfinementStepTest, FailureStopsBeforeServing) {
  const StepCase& c = GetParam();
  TestBundle b;
  GoferOptions o;
  o.binary = TestingBinary();
  o.args = {"run", "--bundle", b.bundle, "--audit", "--log-level=debug"};
  o.mounts = kServedMounts;
  if (std::string(c.how) == "env") o.env["HG_TESTING_BREAK_STEP"] = c.step;
  if (std::string(c.how) == "missing_root") {
    ASSERT_EQ(::rmdir(b.data.c_str()), 0);
  }
  if (std::string(c.how) == "low_nofile") {
    o.nofile_hard = 1024;
    o.args.push_back("--fd-limit=4096");
  }
  GoferProcess g(std::move(o));
  Exit e = g.Wait();
  EXPECT_EQ(e.signal, 0) << g.AllOutput();
  EXPECT_EQ(e.exit_code, 1) << g.AllOutput();
  const std::string out = g.AllOutput();
  EXPECT_NE(out.find(std::string("hardgofer run: confinement step '") + c.step + "' failed: "),
            std::string::npos)
      << out;
  EXPECT_TRUE(g.Events("serving").empty());
  EXPECT_TRUE(g.Events("confined").empty());
  // Steps before the failing one logged success; it and the later ones did not.
  std::vector<std::string> done;
  for (const std::string& l : g.Events("confine_step")) done.push_back(JsonField(l, "step"));
  const std::vector<std::string> order = {"open_roots", "mount_namespace", "pivot_root",
                                          "close_fds",  "drop_caps",       "no_new_privs",
                                          "rlimits",    "seccomp"};
  std::vector<std::string> before;
  for (const std::string& s : order) {
    if (s == c.step) break;
    before.push_back(s);
  }
  EXPECT_EQ(done, before);
  // Nobody serves the sockets: Mount fails (EOF).
  auto cl = client::Client::Mount(g.TakeClientSocket(0), {.channels = 0});
  EXPECT_FALSE(cl.ok());
}

INSTANTIATE_TEST_SUITE_P(
    Steps, ConfinementStepTest,
    ::testing::Values(StepCase{"open_roots", "missing_root"}, StepCase{"mount_namespace", "env"},
                      StepCase{"pivot_root", "env"}, StepCase{"close_fds", "env"},
                      StepCase{"drop_caps", "env"}, StepCase{"no_new_privs", "env"},
                      StepCase{"rlimits", "low_nofile"}, StepCase{"seccomp", "env"}),
    [](const ::testing::TestParamInfo<StepCase>& i) { return std::string(i.param.step); });

// The shipped binary has no test hooks: the variables that break steps in
// hardgofer_testing change nothing there.
TEST(ConfinementTest, ShippedBinaryIgnoresTestHooks) {
  TestBundle b;
  GoferProcess g(
      {.args = {"run", "--bundle", b.bundle},
       .mounts = kServedMounts,
       .env = {{"HG_TESTING_BREAK_STEP", "drop_caps"}, {"HG_TESTING_FORBIDDEN_SYSCALL", "1"}}});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  EXPECT_EQ(g.Stop(SIGTERM).exit_code, 0);
}

// Enforce mode: a confined gofer made (by the testing build) to call a
// syscall outside its policy is killed by SIGSYS.
TEST(ConfinementTest, ForbiddenSyscallKillsWithSigsys) {
  TestBundle b;
  GoferProcess g({.binary = TestingBinary(),
                  .args = {"run", "--bundle", b.bundle},
                  .mounts = kServedMounts,
                  .env = {{"HG_TESTING_FORBIDDEN_SYSCALL", "1"}}});
  Exit e = g.Wait();
  EXPECT_EQ(e.signal, SIGSYS) << g.AllOutput();
  EXPECT_EQ(g.Events("confined").size(), 1u) << g.AllOutput();
  EXPECT_TRUE(g.Events("serving").empty());
}

// Enforce mode end to end as far as the current programs allow: every step
// succeeds under the real KILL_PROCESS program and the process never dies by
// a signal — it serves (and exits 0 when its peers leave), or, while the
// program forbids what Mount needs, exits 1 saying so.
TEST(ConfinementTest, EnforceModeConfinesAndNeverDiesBySignal) {
  TestBundle b;
  GoferProcess g({.args = {"run", "--bundle", b.bundle}, .mounts = kServedMounts});
  ASSERT_TRUE(g.WaitForEvent("confined")) << g.AllOutput();
  if (g.WaitForEvent("serving", 2)) {
    for (size_t i = 0; i < kServedMounts; ++i) g.CloseClientSocket(i);
    Exit e = g.Wait();
    EXPECT_EQ(e.signal, 0);
    EXPECT_EQ(e.exit_code, 0);
  } else {
    Exit e = g.Wait();
    EXPECT_EQ(e.signal, 0) << g.AllOutput();
    EXPECT_EQ(e.exit_code, 1);
    EXPECT_NE(g.AllOutput().find("forbids what Mount needs"), std::string::npos);
    EXPECT_EQ(EventOps(g, "op_refused").count("Mount"), 1u);
  }
}

// An extension-served mount under `run`, confined in enforce mode: /data by
// tiered_cache (its private cache directory is opened in PrepareGofer, before
// confinement; its write-back thread starts after). A pre-existing backing
// file is read through a cache fill, a new file is written and fsync'ed, and
// after SIGTERM the backing tier holds the acknowledged bytes. Before the
// extensions' descriptors were kept through close_fds (Extension::FdsToKeep)
// and /proc/self/fd came from the confined root (MountRequest::proc), the
// tier's directories were closed under it and its numbers reused.
TEST(RunExtensionE2eTest, TieredCacheMountServedConfined) {
  TestBundle b(std::string(kOptOutData) +
               R"(,"dev.hardgofer.mount.data.extension":"tiered_cache")");
  WriteFile(b.data + "/before", "on the backing tier\n");
  // The private cache directory goes under TMPDIR; it must be gone at exit
  // (removed through descriptors: its host path is not visible once confined).
  const std::string tmp = b.dir() + "/tmp";
  ASSERT_EQ(::mkdir(tmp.c_str(), 0700), 0);
  GoferProcess g({.args = {"run", "--bundle", b.bundle},
                  .mounts = kServedMounts,
                  .env = {{"TMPDIR", tmp}}});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  const auto mounts = g.Events("mount");
  ASSERT_EQ(mounts.size(), kServedMounts) << g.AllOutput();
  EXPECT_EQ(JsonField(mounts[1], "backend"), "extension:tiered_cache") << mounts[1];
  EXPECT_EQ(g.StatusField("Seccomp"), "2");
  const std::string text = "acknowledged through the cache\n";
  {
    auto c = client::Client::Mount(g.TakeClientSocket(1));
    ASSERT_TRUE(c.ok()) << c.error().ToString() << "\n" << g.AllOutput();
    client::Client& cl = **c;
    const wire::FDID root = cl.root_fd();
    // A miss: the backing file is copied into the cache tier, then read.
    auto w = cl.Walk(root, {"before"});
    ASSERT_TRUE(w.ok()) << w.error().ToString() << "\n" << g.AllOutput();
    ASSERT_EQ(w->inodes.size(), 1u);
    auto o = cl.OpenAt(w->inodes[0].control_fd, O_RDONLY);
    ASSERT_TRUE(o.ok()) << o.error().ToString() << "\n" << g.AllOutput();
    std::vector<uint8_t> buf(256);
    auto r = cl.PRead(o->open_fd, 0, buf);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(std::string(buf.begin(), buf.begin() + static_cast<long>(*r)),
              "on the backing tier\n");
    cl.CloseFd(o->open_fd, true);
    // A new file, written and fsync'ed: acknowledged.
    ASSERT_TRUE(cl.IsSupported(wire::MID::kOpenCreateAt)) << g.AllOutput();
    auto f = cl.OpenCreateAt(root, "written", O_RDWR, 0644, ::getuid(), ::getgid());
    ASSERT_TRUE(f.ok()) << f.error().ToString() << "\n" << g.AllOutput();
    auto n = cl.PWrite(f->open_fd, 0,
                       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()),
                                                text.size()));
    ASSERT_TRUE(n.ok() && *n == text.size()) << g.AllOutput();
    const wire::FDID ofd = f->open_fd;
    ASSERT_TRUE(cl.FSync(std::span<const wire::FDID>(&ofd, 1)).ok()) << g.AllOutput();
    cl.CloseFd(f->open_fd, true);
    cl.CloseFd(f->child.control_fd, true);
    ASSERT_TRUE(g.Alive()) << g.AllOutput();
  }
  Exit e = g.Stop(SIGTERM);
  EXPECT_EQ(e.signal, 0) << g.AllOutput();
  EXPECT_EQ(e.exit_code, 0) << g.AllOutput();
  std::ifstream in(b.data + "/written", std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, text) << "the acknowledged write did not reach the backing tier\n"
                       << g.AllOutput();
  // While serving, the cache existed under TMPDIR; now nothing is left.
  EXPECT_EQ(::rmdir(tmp.c_str()), 0) << "TMPDIR is not empty after exit: " << std::strerror(errno);
}

// --- serving behaviour ----------------------------------------------------

// A peer that disconnects ends its own connection only; the process exits 0
// when the last one is gone.
TEST(RunTest, PeerDisconnectEndsOnlyItsConnection) {
  TestBundle b;
  GoferProcess g({.args = {"run", "--bundle", b.bundle}, .mounts = kServedMounts});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  auto root = client::Client::Mount(g.TakeClientSocket(0));
  ASSERT_TRUE(root.ok());
  {
    auto data = client::Client::Mount(g.TakeClientSocket(1));
    ASSERT_TRUE(data.ok());
    ASSERT_TRUE((*data)->WalkStat((*data)->root_fd(), {""}).ok());
  }  // /data's client hangs up
  ASSERT_TRUE((*root)->WalkStat((*root)->root_fd(), {"etc", "hello"}).ok());
  EXPECT_FALSE(g.exited());
  g.CloseClientSocket(2);
  root->reset();
  Exit e = g.Wait();
  EXPECT_EQ(e.exit_code, 0) << g.AllOutput();
  EXPECT_EQ(g.Events("rpc_counters").size(), 1u);
}

// --access-log: one line per RPC with message, mount, path and result.
TEST(RunTest, AccessLogNamesMessageMountPathAndResult) {
  TestBundle b;
  GoferProcess g(
      {.args = {"run", "--bundle", b.bundle, "--audit", "--access-log"}, .mounts = kServedMounts});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  {
    auto data = client::Client::Mount(g.TakeClientSocket(1));
    ASSERT_TRUE(data.ok());
    auto d = (*data)->MkdirAt((*data)->root_fd(), "sub", 0755, 0, 0);
    ASSERT_TRUE(d.ok());
    Status st = (*data)->UnlinkAt(d->control_fd, "missing", 0);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error(), Errno(ENOENT));
  }
  EXPECT_EQ(g.Stop(SIGTERM).exit_code, 0);
  bool mkdir = false, missing = false;
  for (const std::string& l : g.Events("rpc")) {
    if (JsonField(l, "op") == "MkdirAt") {
      mkdir = JsonField(l, "mount") == "/data" && JsonField(l, "path") == "/" &&
              JsonField(l, "result") == "ok";
    }
    if (JsonField(l, "op") == "UnlinkAt" && JsonField(l, "path") == "/sub") {
      missing = JsonField(l, "result") == "ENOENT";
    }
  }
  EXPECT_TRUE(mkdir) << g.AllOutput();
  EXPECT_TRUE(missing) << g.AllOutput();
}

// Without --access-log there is no per-RPC line.
TEST(RunTest, AccessLogIsOffByDefault) {
  TestBundle b;
  GoferProcess g({.args = {"run", "--bundle", b.bundle}, .mounts = kServedMounts});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  {
    auto data = client::Client::Mount(g.TakeClientSocket(1));
    ASSERT_TRUE(data.ok());
  }
  EXPECT_EQ(g.Stop(SIGTERM).exit_code, 0);
  EXPECT_TRUE(g.Events("rpc").empty());
}

// --io-fds is mapped exactly as runsc maps it: too few or too many is fatal.
TEST(RunTest, IoFdCountMustMatchTheServedMounts) {
  TestBundle b;
  {
    GoferProcess g({.args = {"run", "--bundle", b.bundle}, .mounts = 2});
    EXPECT_EQ(g.Wait().exit_code, 1);
    EXPECT_NE(g.AllOutput().find("no FD found for mount '/etc/app'"), std::string::npos)
        << g.AllOutput();
  }
  {
    GoferProcess g({.args = {"run", "--bundle", b.bundle}, .mounts = 4});
    EXPECT_EQ(g.Wait().exit_code, 1);
    EXPECT_NE(g.AllOutput().find("too many FDs passed for mounts"), std::string::npos)
        << g.AllOutput();
  }
  {
    // An FD that is not a connected socket.
    GoferProcess g({.args = {"run", "--bundle", b.bundle, "--io-fds=10,11,0"},
                    .mounts = 0,
                    .add_io_fds = false});
    EXPECT_EQ(g.Wait().exit_code, 2);  // 0 is stdio: a usage error
  }
}

// A precompiled OUTDIR is used when its digest matches, refused otherwise.
TEST(RunTest, PrecompiledPolicyMustMatchTheInputs) {
  TestBundle b;
  const std::string out = b.dir() + "/policy";
  {
    GoferProcess c({.args = {"policy", "compile", "--bundle", b.bundle, "--audit", "--out", out},
                    .mounts = 0,
                    .add_io_fds = false,
                    .json_log = false});
    ASSERT_EQ(c.Wait().exit_code, 0) << c.AllOutput();
  }
  {
    GoferProcess g({.args = {"run", "--bundle", b.bundle, "--audit", "--policy", out},
                    .mounts = kServedMounts});
    ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
    EXPECT_EQ(JsonField(g.Events("policy")[0], "source"), out);
    EXPECT_EQ(g.Stop(SIGTERM).exit_code, 0);
  }
  {
    // Same bundle, other flags: another digest.
    GoferProcess g(
        {.args = {"run", "--bundle", b.bundle, "--audit", "--directfs=false", "--policy", out},
         .mounts = kServedMounts});
    EXPECT_EQ(g.Wait().exit_code, 1);
    EXPECT_NE(g.AllOutput().find("was compiled from other inputs"), std::string::npos)
        << g.AllOutput();
  }
}

// --spec-fd: config.json comes from the FD (runsc's way), not the bundle.
TEST(RunTest, SpecFromSpecFd) {
  TestBundle b;
  const policy::pb::Policy want = CompileForTest(b, {}, /*audit=*/true);
  const std::string moved = b.dir() + "/spec.json";
  ASSERT_EQ(::rename((b.bundle + "/config.json").c_str(), moved.c_str()), 0);
  UniqueFd spec(::open(moved.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(spec.valid());
  GoferProcess g({.args = {"run", "--bundle", b.bundle, "--audit", "--spec-fd=30"},
                  .mounts = kServedMounts,
                  .extra_fds = {{spec.get(), 30}}});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  EXPECT_EQ(JsonField(g.Events("policy")[0], "digest"), want.inputs().digest());
  // The spec FD is not kept once confined.
  EXPECT_EQ(g.Fds().count(30), 0u);
  EXPECT_EQ(g.Stop(SIGTERM).exit_code, 0);
}

// --no-confine: a warning-level line first, and the kernel confirms nothing
// was confined.
TEST(RunTest, NoConfineIsLoggedLoudly) {
  TestBundle b;
  GoferProcess g({.args = {"run", "--bundle", b.bundle, "--no-confine"}, .mounts = kServedMounts});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  auto w = g.Events("no_confine");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(JsonField(w[0], "level"), "warning");
  EXPECT_EQ(JsonField(g.Lines()[0], "event"), "no_confine");
  EXPECT_EQ(g.StatusField("Seccomp"), "0");
  auto data = client::Client::Mount(g.TakeClientSocket(1));
  ASSERT_TRUE(data.ok());
  EXPECT_TRUE(WritableWorkload(**data, b.data).refused.empty());
  data->reset();
  EXPECT_EQ(g.Stop(SIGTERM).exit_code, 0);
}

}  // namespace
}  // namespace hg::e2e
