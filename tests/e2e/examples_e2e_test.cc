// Issue 6's last acceptance item: the shipped hardgofer binary, confined by
// the compiled program of EACH example bundle (enforce mode: a syscall
// outside the program kills it with SIGSYS), serves the full client workload
// on every mount it serves and never dies by a signal.
//
// Per example (found at run time under examples/bundles/, so a new example is
// covered without touching this file):
//   1. stage a copy whose missing host paths are fresh temp dirs and key files
//      (staged_example.h) and compile it with `hardgofer policy compile`;
//   2. prove the program is the example's: the staged policy.textproto and
//      explain.txt, with the staging prefix removed and input digests masked,
//      equal the example's goldens, and the running gofer reports the golden's
//      program_sha256;
//   3. `hardgofer run` it with the example's flags and operator policy and
//      drive WritableWorkload / ReadonlyWorkload and, where the mount allows
//      host sockets, HostUdsWorkload on every served mount;
//   4. the messages refused (op_refused lines, and those not advertised at
//      Mount) are exactly those the program forbids (plus, on an extension
//      mount, those its backend does not implement); every step of the
//      workload that was advertised succeeded;
//   5. SIGTERM: a clean exit 0, no signal.
//
// Plain build only (like run_e2e_test): a sanitizer runtime makes syscalls
// outside the policy.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "extensions/encrypted/encrypted_file.h"
#include "extensions/encrypted/key.h"
#include "extensions/host_tree/host_tree.h"
#include "gofer/client/client.h"
#include "gofer/cmd/allowed_ops.h"
#include "policy/output_dir.h"
#include "seccomp/placeholder.h"
#include "tests/e2e/example_bundles.h"
#include "tests/e2e/gofer_process.h"
#include "tests/e2e/staged_example.h"
#include "tests/e2e/workload.h"

namespace hg::e2e {
namespace {

using wire::MID;

std::set<std::string> EventOps(const GoferProcess& g, const std::string& event) {
  std::set<std::string> ops;
  for (const std::string& l : g.Events(event)) ops.insert(JsonField(l, "op"));
  return ops;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& x : s) out += (out.empty() ? "" : ",") + x;
  return out;
}

// The program_sha256 a golden policy.textproto records.
std::string ProgramSha256(const std::string& textproto) {
  static const std::regex kSha(R"re(program_sha256: "([0-9a-f]{64})")re");
  std::smatch m;
  return std::regex_search(textproto, m, kSha) ? m[1].str() : "";
}

// Messages a backend does not implement at all (never advertised, whatever
// the program). fsgofer serves everything but Flush; both shipped extensions
// serve through host_tree::TreeConnection, so its list is theirs. An
// unknown extension fails the test rather than guessing.
std::set<std::string> BackendUnsupported(const policy::pb::Mount& m) {
  std::vector<MID> supported;
  if (m.backend() == policy::pb::Mount::FSGOFER) {
    for (uint16_t raw = 1; raw < wire::kNumMids; ++raw) {
      if (static_cast<MID>(raw) != MID::kFlush) supported.push_back(static_cast<MID>(raw));
    }
  } else if (m.extension() == "encrypted" || m.extension() == "tiered_cache") {
    // SupportedMessages() reads neither the host resources nor the file data.
    supported =
        host_tree::TreeConnection(fsgofer::HostResources{}, nullptr, false).SupportedMessages();
  } else {
    ADD_FAILURE() << m.path() << ": no known message list for backend " << m.extension();
  }
  std::set<std::string> out;
  for (uint16_t raw = 1; raw < wire::kNumMids; ++raw) {
    const MID mid = static_cast<MID>(raw);
    if (std::find(supported.begin(), supported.end(), mid) == supported.end()) {
      out.insert(std::string(wire::MidName(mid)));
    }
  }
  return out;
}

std::string TestName(const ::testing::TestParamInfo<ExampleBundle>& i) {
  std::string n = i.param.name;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

// How the gofer ended (a SIGSYS names the syscall in the kernel's audit
// log: `dmesg | grep type=1326`), with its log.
std::string DescribeExit(GoferProcess& g) {
  if (g.Alive()) return "the gofer is still running; its log:\n" + g.AllOutput();
  const Exit e = g.exit_status();
  return (e.signal != 0 ? "the gofer was killed by signal " + std::to_string(e.signal) + " (" +
                              strsignal(e.signal) + ")"
                        : "the gofer exited with " + std::to_string(e.exit_code)) +
         "; its log:\n" + g.AllOutput();
}

// Writes an encrypted file as the `encrypted` extension would have created
// it, under the key file the (staged) policy names: the workload's fallback
// when the program refuses OpenCreateAt, so the I/O messages still run
// through the real backend under the real program.
std::function<bool(const std::string&, const std::string&)> EncryptedSeeder(
    const policy::pb::Policy& pol) {
  std::string key_file;
  for (const auto& e : pol.extension()) {
    if (e.name() == "encrypted" && e.key_file_size() > 0) key_file = e.key_file(0);
  }
  return [key_file](const std::string& path, const std::string& text) {
    auto key = encrypted::Key::LoadFromFile(key_file);
    if (!key.ok()) return false;
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return false;
    auto f = encrypted::EncryptedFile::Create(*key, std::move(fd));
    if (!f.ok()) return false;
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    auto n = (*f)->Write(0, bytes);
    return n.ok() && *n == text.size();
  };
}

TEST(ExamplesE2eTest, ExamplesAreFound) {
  EXPECT_FALSE(DiscoverExamples().empty()) << "no example bundle under " << ExamplesDir();
}

class ExampleRunTest : public ::testing::TestWithParam<ExampleBundle> {};

TEST_P(ExampleRunTest, ShippedBinaryServesTheFullWorkloadUnderTheExamplesProgram) {
  const ExampleBundle& ex = GetParam();
  StagedExample s(ex);
  ASSERT_EQ(s.error(), "");

  // 1. The staged bundle, compiled by the shipped binary.
  const std::string out = s.root() + "/policy";
  std::vector<std::string> compile = {"policy", "compile", "--bundle", s.bundle(), "--out", out};
  AppendInputArgs(ex, s.operator_policy(), &compile);
  {
    GoferProcess c({.args = compile, .mounts = 0, .add_io_fds = false, .json_log = false});
    Exit e = c.Wait(60);
    ASSERT_EQ(e.exit_code, 0) << c.AllOutput();
  }
  auto loaded = policy::ReadPolicyDir(out);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const policy::pb::Policy& pol = loaded->policy;

  // 2. It is the example's program: the goldens, modulo staging.
  const std::string golden = ReadFileOrEmpty(ex.dir + "/golden/policy.textproto");
  ASSERT_FALSE(golden.empty()) << "no golden for " << ex.name << " (tests/policy_goldens)";
  EXPECT_EQ(MaskInputDigests(s.Unstage(ReadFileOrEmpty(out + "/policy.textproto"))),
            MaskInputDigests(golden));
  EXPECT_EQ(MaskInputDigests(s.Unstage(ReadFileOrEmpty(out + "/explain.txt"))),
            MaskInputDigests(ReadFileOrEmpty(ex.dir + "/golden/explain.txt")));
  const std::string golden_program = ProgramSha256(golden);
  ASSERT_FALSE(golden_program.empty());
  EXPECT_EQ(pol.seccomp().program_sha256(), golden_program);

  // The served mounts in --io-fds order; read-only fsgofer mounts get a file
  // to read.
  std::vector<const policy::pb::Mount*> served(pol.served_mounts(), nullptr);
  for (const auto& m : pol.mount()) {
    if (m.io_fd_index() < 0) continue;
    ASSERT_LT(static_cast<size_t>(m.io_fd_index()), served.size());
    served[static_cast<size_t>(m.io_fd_index())] = &m;
  }
  std::vector<std::string> host_dirs;
  for (const policy::pb::Mount* m : served) {
    ASSERT_NE(m, nullptr);
    host_dirs.push_back(s.HostDirFor(m->source(), m->source_in_bundle()));
    if (m->read_only() && m->backend() == policy::pb::Mount::FSGOFER) {
      ASSERT_TRUE(WriteFileBytes(host_dirs.back() + "/hello", "hello from " + m->path() + "\n"));
    }
  }

  // 3. The confined gofer, in the example's mode.
  std::vector<std::string> run = {"run", "--bundle", s.bundle()};
  AppendInputArgs(ex, s.operator_policy(), &run);
  GoferProcess g({.args = run, .mounts = served.size()});
  ASSERT_TRUE(g.WaitForEvent("serving")) << g.AllOutput();
  const auto pol_lines = g.Events("policy");
  ASSERT_EQ(pol_lines.size(), 1u);
  EXPECT_EQ(JsonField(pol_lines[0], "digest"), pol.inputs().digest());
  EXPECT_EQ(JsonField(pol_lines[0], "program_sha256"), golden_program);
  EXPECT_EQ(JsonField(pol_lines[0], "mode"), pol.seccomp().mode());
  EXPECT_EQ(g.StatusField("Seccomp"), "2");
  EXPECT_EQ(g.StatusField("NoNewPrivs"), "1");
  const auto mount_lines = g.Events("mount");
  ASSERT_EQ(mount_lines.size(), served.size()) << g.AllOutput();
  for (size_t i = 0; i < served.size(); ++i) {
    const policy::pb::Mount& m = *served[i];
    EXPECT_EQ(JsonField(mount_lines[i], "mount"), m.path());
    EXPECT_EQ(JsonField(mount_lines[i], "backend"), m.backend() == policy::pb::Mount::EXTENSION
                                                        ? "extension:" + m.extension()
                                                        : "fsgofer");
    EXPECT_EQ(JsonField(mount_lines[i], "readonly"), m.read_only() ? "true" : "false");
  }

  // 4. What the program forbids, decided on the program itself.
  seccomp::Bindings bindings;
  bindings.Set(seccomp::Placeholder::kSelfPid, static_cast<uint64_t>(g.pid()));
  auto filled = seccomp::FillHoles(*loaded->program, bindings);
  ASSERT_TRUE(filled.ok());
  const bool audit = pol.seccomp().mode() == "audit";
  std::set<std::string> forbidden;
  for (const cmd::RefusedOp& r :
       cmd::DeriveAllowedOps(*filled, seccomp::Arch::kX86_64, audit).refused) {
    forbidden.insert(std::string(wire::MidName(r.mid)));
  }
  EXPECT_EQ(Join(EventOps(g, "op_refused")), Join(forbidden)) << g.AllOutput();
  std::string why;
  for (const std::string& l : g.Events("op_refused")) {
    why += " " + JsonField(l, "op") + "(" + JsonField(l, "syscall") + ")";
  }
  std::printf("[ %s ] the program refuses:%s\n", ex.name.c_str(),
              why.empty() ? " nothing" : why.c_str());

  std::vector<std::unique_ptr<client::Client>> clients;
  for (size_t i = 0; i < served.size(); ++i) {
    const policy::pb::Mount& m = *served[i];
    SCOPED_TRACE("mount " + m.path());
    auto c = client::Client::Mount(g.TakeClientSocket(i));
    ASSERT_TRUE(c.ok()) << c.error().ToString() << "\n" << DescribeExit(g);
    std::set<std::string> not_advertised;
    for (uint16_t raw = 1; raw < wire::kNumMids; ++raw) {
      if (!(*c)->IsSupported(static_cast<MID>(raw))) {
        not_advertised.insert(std::string(wire::MidName(static_cast<MID>(raw))));
      }
    }
    std::set<std::string> want = forbidden;
    for (const std::string& n : BackendUnsupported(m)) want.insert(n);
    EXPECT_EQ(Join(not_advertised), Join(want));

    const bool fsgofer = m.backend() == policy::pb::Mount::FSGOFER;
    WorkloadResult r;
    if (m.read_only()) {
      if (fsgofer) {
        r = ReadonlyWorkload(**c, "hello", "hello from " + m.path() + "\n");
      } else {
        ADD_FAILURE() << "no workload for a read-only extension mount yet";
      }
    } else {
      WorkloadOptions wo;
      wo.host_contents = fsgofer;
      if (m.extension() == "encrypted") wo.seed_file = EncryptedSeeder(pol);
      r = WritableWorkload(**c, host_dirs[i], wo);
    }
    EXPECT_GT(r.steps_run, 0u);
    for (const std::string& op : r.refused) EXPECT_EQ(want.count(op), 1u) << op;
    if (m.host_uds() != "none" && !m.host_uds().empty()) {
      WorkloadResult u = HostUdsWorkload(**c, host_dirs[i], m.host_uds(), m.read_only());
      for (const std::string& op : u.refused) EXPECT_EQ(want.count(op), 1u) << op;
      r.steps_run += u.steps_run;
      r.refused.insert(u.refused.begin(), u.refused.end());
    }
    // One line per mount for whoever reads the log: what ran, what was refused.
    std::printf("[ %s %s ] %s, %s: %zu workload steps served; refused: %s\n", ex.name.c_str(),
                m.path().c_str(), m.read_only() ? "read-only" : "writable",
                fsgofer ? "fsgofer" : ("extension " + m.extension()).c_str(), r.steps_run,
                Join(r.refused).c_str());
    ASSERT_TRUE(g.Alive()) << "the gofer died serving " << m.path() << ": " << DescribeExit(g);
    clients.push_back(std::move(c).value());
  }

  // 5. Drain with every client still connected: exit 0, no signal (a SIGSYS
  // would show here: the kernel's audit log names the syscall).
  Exit e = g.Stop(SIGTERM);
  EXPECT_EQ(e.signal, 0) << "killed by signal " << e.signal << " (" << strsignal(e.signal) << "):\n"
                         << g.AllOutput();
  EXPECT_EQ(e.exit_code, 0) << g.AllOutput();
  EXPECT_EQ(g.Events("stopping").size(), 1u);
  if (HasFailure()) std::printf("the gofer's log:\n%s", g.AllOutput().c_str());
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleRunTest, ::testing::ValuesIn(DiscoverExamples()),
                         TestName);

}  // namespace
}  // namespace hg::e2e
