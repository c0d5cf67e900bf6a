// seccomp_differential: the policy compiler's output against its input. For
// any rule set the fuzzer builds, the compiled classic-BPF program, run on
// hardgofer's interpreter, must return exactly what the source rules say
// (EvaluateRules), for any syscall number, arch and arguments; and so must the
// program after its placeholders are filled for a concrete pid.
//
// Input (consumed with FuzzedDataProvider):
//   u8 stock sets to merge in (bit 0 fsgofer, 1 lisafs "via" a mount,
//      2 runtime, 3 host UDS common+open+create, 4 host FIFO)
//   u8 mode (bit 0 audit), deny selector (none, runsc's DenyExecMappings, a
//      fuzzed single-bit deny, a fuzzed invalid deny)
//   0..8 syscalls, each with 0..3 alternatives of 0..3 conditions
//      (Any/Eq/MaskedEq/NonNegFd/FlagsSet, arg 0..6 so invalid indexes occur,
//      values from the edges the stock sets use or raw, sometimes the
//      self_pid placeholder) and maybe an errno fallback
//   a pid to bind self_pid to
//   then queries until the input ends: syscall (one of the rules', any
//      number, x32, -1), audit arch (mostly x86_64), 6 arguments drawn from
//      the rules' own values and masks with bits flipped, or raw
//
// Oracle: Interpret(program).ret == EvaluateRules(...).ret for every query,
// with placeholders unbound (sentinels on both sides) and bound. Rule sets
// the compiler refuses are fine (that is its job); a program it produces must
// agree with its rules everywhere.
#include <fuzzer/FuzzedDataProvider.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "seccomp/arch.h"
#include "seccomp/compiler.h"
#include "seccomp/interpreter.h"
#include "seccomp/placeholder.h"
#include "seccomp/query.h"
#include "seccomp/rule.h"
#include "seccomp/sets.h"

namespace {

namespace sc = hg::seccomp;

constexpr sc::Arch kArch = sc::Arch::kX86_64;

// Values on the edges of the conditions in the stock sets, and bit patterns
// around the 32-bit halves the BPF compares separately.
constexpr uint64_t kInteresting[] = {
    0,          1,           2,          3,          4,           7,
    0x22,       0x80,        0x800,      0x1000,     0x4040,      0x80000,
    0x3d0f00,   0x7fffffff,  0x80000000, 0xffffffff, 0x100000000, 0xffffffff00000000,
    0xffffffffffffff9c,      ~uint64_t{0}};

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "seccomp_differential: %s\n", what);
  std::abort();
}

uint64_t PickValue(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return in.PickValueInArray(kInteresting);
  return in.ConsumeIntegral<uint64_t>();
}

struct Pools {
  std::vector<int> syscalls;    // numbers the rules name
  std::vector<uint64_t> values;  // condition values and masks
};

sc::ArgCond MakeCond(FuzzedDataProvider& in, Pools& pools) {
  const int arg = in.ConsumeIntegralInRange<int>(0, in.ConsumeIntegralInRange<int>(0, 9) == 0 ? 6 : 5);
  const uint64_t value = PickValue(in);
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return sc::ArgCond::Any(arg);
    case 1:
      pools.values.push_back(value);
      return sc::ArgCond::Eq(arg, value);
    case 2: {
      const uint64_t mask = PickValue(in);
      // Mostly valid (value inside the mask); sometimes not, to reach the error path.
      const uint64_t v = in.ConsumeBool() ? value & mask : value;
      pools.values.push_back(mask);
      pools.values.push_back(v);
      return sc::ArgCond::MaskedEq(arg, mask, v);
    }
    case 3:
      return sc::ArgCond::NonNegFd(arg);
    case 4:
      pools.values.push_back(value);
      return sc::ArgCond::FlagsSet(arg, value);
    default:
      return sc::ArgCond::Eq(arg, sc::ArgValue::Of(sc::Placeholder::kSelfPid));
  }
}

sc::DenyRules MakeDeny(FuzzedDataProvider& in, uint8_t sel, Pools& pools) {
  switch (sel % 4) {
    case 0:
      return {};
    case 1:
      return sc::DenyExecMappings();
    default: {
      const int nr = in.ConsumeIntegralInRange<int>(0, 460);
      auto name = sc::SyscallName(kArch, nr);
      if (!name) return {};
      pools.syscalls.push_back(nr);
      const int arg = in.ConsumeIntegralInRange<int>(0, 5);
      const uint64_t bit = uint64_t{1} << in.ConsumeIntegralInRange<int>(0, 63);
      // sel 2: one bit (valid); sel 3: whatever mask came out (often invalid).
      const uint64_t mask = sel % 4 == 2 ? bit : PickValue(in) | bit;
      pools.values.push_back(mask);
      sc::ArgCond cond = in.ConsumeBool() ? sc::ArgCond::FlagsSet(arg, mask)
                                          : sc::ArgCond::MaskedEq(arg, mask, in.ConsumeBool() ? mask : 0);
      return {sc::DenyRule{*name, cond, {"fuzz deny", "fuzzed", "fuzz"}}};
    }
  }
}

sc::SeccompData MakeQuery(FuzzedDataProvider& in, const Pools& pools, uint64_t pid) {
  sc::SeccompData d;
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0:
      d.nr = in.ConsumeIntegral<int32_t>();
      break;
    case 1:
      d.nr = static_cast<int32_t>(sc::kX32SyscallBit | in.ConsumeIntegralInRange<uint32_t>(0, 600));
      break;
    case 2:
      d.nr = -1;
      break;
    case 3:
      d.nr = in.ConsumeIntegralInRange<int32_t>(0, 470);
      break;
    default:
      d.nr = pools.syscalls.empty() ? in.ConsumeIntegralInRange<int32_t>(0, 470)
                                    : pools.syscalls[in.ConsumeIntegralInRange<size_t>(
                                          0, pools.syscalls.size() - 1)];
      break;
  }
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
    case 0:
      d.arch = sc::kAuditArchI386;
      break;
    case 1:
      d.arch = sc::kAuditArchAarch64;
      break;
    case 2:
      d.arch = in.ConsumeIntegral<uint32_t>();
      break;
    default:
      d.arch = sc::kAuditArchX86_64;
      break;
  }
  d.instruction_pointer = in.ConsumeIntegral<uint64_t>();
  for (uint64_t& a : d.args) {
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        a = in.ConsumeIntegral<uint64_t>();
        break;
      case 1:
        a = in.PickValueInArray(kInteresting);
        break;
      case 2:
        a = in.ConsumeBool() ? pid : sc::SentinelValue(sc::Placeholder::kSelfPid);
        break;
      default: {
        a = pools.values.empty() ? 0
                                 : pools.values[in.ConsumeIntegralInRange<size_t>(
                                       0, pools.values.size() - 1)];
        if (in.ConsumeBool()) a ^= uint64_t{1} << in.ConsumeIntegralInRange<int>(0, 63);
        break;
      }
    }
  }
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Pools pools;
  sc::RuleSet rules("fuzz");
  const uint8_t stock = in.ConsumeIntegral<uint8_t>();
  if (stock & 1) rules.Merge(sc::FsgoferSet(kArch));
  if (stock & 2) rules.Merge(sc::LisafsSet(kArch), "mount /fuzz: directfs off");
  if (stock & 4) {
    auto runtime = sc::RuntimeSet(kArch);
    if (!runtime.ok()) Fail("RuntimeSet(x86_64) failed");
    rules.Merge(*runtime);
  }
  if (stock & 8) {
    rules.Merge(sc::HostUdsCommonSet(kArch)).Merge(sc::HostUdsOpenSet(kArch));
    rules.Merge(sc::HostUdsCreateSet(kArch));
  }
  if (stock & 16) rules.Merge(sc::HostFifoSet(kArch));
  for (const auto& [name, rule] : rules.rules()) {
    auto nr = sc::SyscallNumber(kArch, name);
    if (nr.ok()) pools.syscalls.push_back(*nr);
    for (const auto& alt : rule.allow) {
      for (const auto& c : alt.conds) {
        pools.values.push_back(c.mask());
        if (!c.value().is_placeholder()) pools.values.push_back(c.value().literal());
      }
    }
  }
  const uint8_t mode_sel = in.ConsumeIntegral<uint8_t>();
  const sc::Mode mode = (mode_sel & 1) ? sc::Mode::kAudit : sc::Mode::kEnforce;

  const int nsys = in.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < nsys; ++i) {
    const int nr = in.ConsumeIntegralInRange<int>(0, 460);
    auto name = sc::SyscallName(kArch, nr);
    if (!name) continue;
    pools.syscalls.push_back(nr);
    const int nalt = in.ConsumeIntegralInRange<int>(0, 3);
    for (int a = 0; a < nalt; ++a) {
      std::vector<sc::ArgCond> conds;
      const int nc = in.ConsumeIntegralInRange<int>(0, 3);
      for (int c = 0; c < nc; ++c) conds.push_back(MakeCond(in, pools));
      rules.Allow(*name, conds, {"fuzz rule " + std::to_string(a), "fuzzed", "fuzz"});
    }
    if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
      rules.FailWith(*name, in.ConsumeIntegralInRange<int>(1, 4095), {"fuzz errno", "fuzzed", "fuzz"});
    }
  }
  const sc::DenyRules deny = MakeDeny(in, mode_sel >> 1, pools);
  const uint64_t pid = in.ConsumeIntegralInRange<uint32_t>(1, 0x3fffff);

  // HG_FUZZ_DUMP=1 prints the rules of each input (reproducing a finding).
  static const bool dump = std::getenv("HG_FUZZ_DUMP") != nullptr;
  if (dump) {
    std::fprintf(stderr, "rules:\n%sdeny:\n%s", rules.Describe().c_str(),
                 sc::DescribeDenyRules(deny).c_str());
  }
  auto compiled = sc::Compile(rules, deny, {.arch = kArch, .mode = mode});
  if (dump && !compiled.ok()) std::fprintf(stderr, "compile: %s\n", compiled.error().message().c_str());
  if (!compiled.ok()) return 0;
  sc::Bindings bindings;
  bindings.Set(sc::Placeholder::kSelfPid, pid);
  auto filled = sc::FillHoles(compiled->program, bindings);
  if (!filled.ok()) Fail("FillHoles failed on a compiled program with every placeholder bound");

  do {
    const sc::SeccompData d = MakeQuery(in, pools, pid);
    const sc::Verdict v = sc::Interpret(compiled->program, d);
    const sc::RulesVerdict r = sc::EvaluateRules(rules, deny, kArch, mode, d, nullptr);
    const sc::Verdict vf = sc::Interpret(*filled, d);
    const sc::RulesVerdict rf = sc::EvaluateRules(rules, deny, kArch, mode, d, &bindings);
    if (v.ret != r.ret || vf.ret != rf.ret) {
      std::fprintf(stderr,
                   "nr=%d arch=%#x args=%#llx,%#llx,%#llx,%#llx,%#llx,%#llx\n"
                   "unbound: program %s rules %s; bound (pid %llu): program %s rules %s\n",
                   d.nr, d.arch, static_cast<unsigned long long>(d.args[0]),
                   static_cast<unsigned long long>(d.args[1]),
                   static_cast<unsigned long long>(d.args[2]),
                   static_cast<unsigned long long>(d.args[3]),
                   static_cast<unsigned long long>(d.args[4]),
                   static_cast<unsigned long long>(d.args[5]), sc::ActionName(v.ret).c_str(),
                   sc::ActionName(r.ret).c_str(), static_cast<unsigned long long>(pid),
                   sc::ActionName(vf.ret).c_str(), sc::ActionName(rf.ret).c_str());
      std::fprintf(stderr, "rules:\n%s", rules.Describe().c_str());
      Fail("the compiled program and its rules disagree");
    }
  } while (in.remaining_bytes() > 0);
  return 0;
}
