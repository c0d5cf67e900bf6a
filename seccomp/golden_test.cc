// Goldens for what reviewers read: every set's rules with reasons, and the
// disassembly and PFC text of the stock programs. Regenerate with
//   HG_UPDATE_GOLDENS=1 ./seccomp_test --gtest_filter='GoldenTest.*'
// and review the diff.
#include <gtest/gtest.h>

#include "seccomp/compiler.h"
#include "seccomp/disassembler.h"
#include "seccomp/sets.h"
#include "seccomp/test_util.h"

namespace hg::seccomp {
namespace {

using testing::ExpectGolden;
using testing::MustCompile;

TEST(GoldenTest, Sets) {
  const Arch a = Arch::kX86_64;
  std::string text;
  for (const RuleSet& s : {RuntimeSet(a).value(), FsgoferSet(a), LisafsSet(a), HostUdsCommonSet(a),
                           HostUdsOpenSet(a), HostUdsCreateSet(a), HostFifoSet(a)}) {
    text += s.Describe() + "\n";
  }
  text += DescribeDenyRules(DenyExecMappings());
  ExpectGolden("sets_x86_64.txt", text);
}

TEST(GoldenTest, StockProgram) {
  const CompiledFilter f = MustCompile(testing::StockRules(false), DenyExecMappings());
  ExpectGolden("stock_x86_64.disasm", Disassemble(f.program, Arch::kX86_64));
  ExpectGolden("stock_x86_64.pfc", f.pfc);
}

TEST(GoldenTest, FullProgram) {
  RuleSet all = testing::StockRules(true);
  all.Merge(HostUdsCommonSet(Arch::kX86_64))
      .Merge(HostUdsOpenSet(Arch::kX86_64))
      .Merge(HostUdsCreateSet(Arch::kX86_64));
  const CompiledFilter f = MustCompile(all, DenyExecMappings());
  ExpectGolden("full_x86_64.disasm", Disassemble(f.program, Arch::kX86_64));
}

TEST(GoldenTest, DisassemblyAnnotatesHolesAndArch) {
  const CompiledFilter f = MustCompile(testing::StockRules(false), DenyExecMappings());
  const std::string text = Disassemble(f.program, Arch::kX86_64);
  EXPECT_NE(text.find("; x86_64"), std::string::npos);
  EXPECT_NE(text.find("; self_pid.hi32"), std::string::npos);
  EXPECT_NE(text.find("; self_pid.lo32"), std::string::npos);
  EXPECT_NE(text.find("; x32 syscall bit"), std::string::npos);
  EXPECT_NE(text.find("; KILL_PROCESS"), std::string::npos);
  EXPECT_NE(text.find("; ERRNO(38)"), std::string::npos);
  // One line per instruction.
  EXPECT_EQ(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')), f.program.size());
}

}  // namespace
}  // namespace hg::seccomp
