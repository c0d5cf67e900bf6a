// The BPF interpreter against the kernel on sampled syscalls and arguments, for
// the compiled program of every example bundle. No sampled call executes: a
// guard filter turns every verdict into an errno (test_util.h KernelVerdicts).
#include <gtest/gtest.h>
#include <linux/seccomp.h>

#include <random>
#include <sstream>

#include "policy/commands.h"
#include "policy/output_dir.h"
#include "policy/testing/examples.h"
#include "policy/testing/test_util.h"
#include "seccomp/interpreter.h"
#include "seccomp/query.h"

#if defined(__x86_64__)

namespace hg::policy {
namespace {

using testing::Sample;

// Calls that must not be sampled: exit_group and seccomp pass the guard;
// uretprobe/uprobe are not decided by seccomp on recent kernels.
bool Skip(uint32_t nr) { return nr == 231 || nr == 317 || nr == 335 || nr == 336; }

uint64_t RandomArg(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0: return rng() % 8;
    case 1: return rng() % 0x100000;
    case 2: return static_cast<uint64_t>(-static_cast<int64_t>(rng() % 200));
    default: return rng();
  }
}

// Samples: each alternative of each allowed syscall satisfied, then with one
// conditioned argument perturbed; random numbers with random arguments; x32.
std::vector<Sample> Samples(const pb::Seccomp& s, std::mt19937_64& rng) {
  std::vector<Sample> out;
  for (const pb::SyscallRule& r : s.syscall()) {
    if (r.nr() < 0 || Skip(static_cast<uint32_t>(r.nr()))) continue;
    for (const pb::Alternative& a : r.alternative()) {
      for (int variant = 0; variant < 4; ++variant) {
        Sample smp;
        smp.nr = static_cast<uint32_t>(r.nr());
        for (uint64_t& v : smp.args) v = RandomArg(rng);
        for (const pb::ArgCond& c : a.cond()) {
          if (!c.placeholder().empty()) {
            smp.self_pid[c.arg()] = true;
            continue;
          }
          // Satisfy it: keep the bits outside the mask random.
          smp.args[c.arg()] = (smp.args[c.arg()] & ~c.mask()) | (c.value() & c.mask());
        }
        if (variant > 0 && a.cond_size() > 0) {
          // Break one condition by flipping a bit it looks at.
          const pb::ArgCond& c = a.cond(static_cast<int>(rng() % a.cond_size()));
          uint64_t m = c.mask();
          int bit = 0;
          for (int tries = 0; tries < 64; ++tries) {
            bit = static_cast<int>(rng() % 64);
            if (m & (1ull << bit)) break;
          }
          smp.self_pid[c.arg()] = false;
          smp.args[c.arg()] ^= (1ull << bit);
        }
        out.push_back(smp);
      }
    }
  }
  for (int i = 0; i < 1200; ++i) {
    Sample smp;
    smp.nr = static_cast<uint32_t>(rng() % 460);
    if (Skip(smp.nr)) continue;
    for (uint64_t& v : smp.args) v = RandomArg(rng);
    out.push_back(smp);
  }
  for (int i = 0; i < 100; ++i) {
    Sample smp;
    smp.nr = 0x40000000u | static_cast<uint32_t>(rng() % 550);
    out.push_back(smp);
  }
  return out;
}

long Expected(const seccomp::Verdict& v) {
  if (v.action() == SECCOMP_RET_ALLOW) return -testing::kGuardErrno;
  if (v.action() == SECCOMP_RET_KILL_PROCESS) return -testing::kDeniedErrno;
  if (v.action() == SECCOMP_RET_ERRNO) return -static_cast<long>(v.data());
  return 1;  // nothing else is expected of a compiled policy
}

TEST(DifferentialTest, InterpreterAndRulesAgreeWithTheKernel) {
  ErrorOr<std::vector<testing::Example>> examples = testing::Examples();
  ASSERT_TRUE(examples.ok());
  testing::TempDir tmp;
  std::mt19937_64 rng(0x6a0fe2);
  size_t total = 0;
  for (const testing::Example& ex : *examples) {
    SCOPED_TRACE(ex.name);
    const std::string out = tmp.Join(ex.name);
    std::ostringstream o, e;
    ASSERT_EQ(RunCompile(testing::CommandFor(ex, out), o, e), kExitOk) << e.str();
    ErrorOr<LoadedPolicy> p = ReadPolicyDir(out);
    ASSERT_TRUE(p.ok());
    const std::vector<Sample> samples = Samples(p->policy.seccomp(), rng);
    ASSERT_GT(samples.size(), 1000u);
    const testing::KernelRun run = testing::KernelVerdicts(*p->program, samples);
    ASSERT_TRUE(run.ok) << "child status 0x" << std::hex << run.status;
    seccomp::Bindings b;
    b.Set(seccomp::Placeholder::kSelfPid, static_cast<uint64_t>(run.pid));
    seccomp::ErrorOr<seccomp::BpfProgram> filled = seccomp::FillHoles(*p->program, b);
    ASSERT_TRUE(filled.ok());
    int mismatches = 0;
    for (size_t i = 0; i < samples.size() && mismatches < 10; ++i) {
      seccomp::SeccompData d = seccomp::SeccompData::For(seccomp::Arch::kX86_64, 0, samples[i].args);
      d.nr = static_cast<int32_t>(samples[i].nr);
      for (size_t k = 0; k < seccomp::kSyscallArgs; ++k) {
        if (samples[i].self_pid[k]) d.args[k] = static_cast<uint64_t>(run.pid);
      }
      const seccomp::Verdict v = seccomp::Interpret(*filled, d);
      const seccomp::RulesVerdict rv = seccomp::EvaluateRules(
          p->rules.allow, p->rules.deny, p->rules.arch, p->rules.mode, d, &b);
      if (Expected(v) != run.returns[i] || rv.ret != v.ret) {
        ++mismatches;
        ADD_FAILURE() << "nr " << samples[i].nr << " args " << std::hex << d.args[0] << " "
                      << d.args[1] << " " << d.args[2] << " " << d.args[3] << " " << d.args[4]
                      << " " << d.args[5] << std::dec << ": interpreter "
                      << seccomp::ActionName(v.ret) << ", rules " << seccomp::ActionName(rv.ret)
                      << ", kernel returned " << run.returns[i];
      }
    }
    total += samples.size();
  }
  EXPECT_GT(total, 9000u);
}

}  // namespace
}  // namespace hg::policy

#endif  // __x86_64__
