// Answers "is this call allowed, and why?" about a compiled program.
//
//   ErrorOr<QueryAnswer> a = Query(filter.program, Arch::kX86_64, Mode::kEnforce,
//                                  rules, DenyExecMappings(),
//                                  SyscallQuery::ByName("fcntl", {3, F_GETFL}));
//   std::cout << a->ToString();
//   // allow (ALLOW after 18 instructions) fcntl
//   //   allowed by fcntl: arg1 == 0x3 | fcntl(fd, F_GETFL) | read file status flags (...) |
//   fsgofer
//
//   // deny (KILL_PROCESS after 23 instructions) mmap
//   //   denied by mmap: arg2 has 0x4 set | mmap with PROT_EXEC | ... | deny_exec_mappings
//   //   overridden mmap: arg3 == 0x22 | mmap(MAP_PRIVATE|MAP_ANONYMOUS) | ... | fsgofer
//
// The verdict comes from running the program on the interpreter, so it is
// about the program that is installed, not the rules it came from. The
// reasons come from the rules (RuleSet + DenyRules) the program was compiled
// from, evaluated on the same arguments; if the two disagree (a program that
// does not belong to these rules) the answer says so instead of guessing.
#ifndef HARDGOFER_SECCOMP_QUERY_H_
#define HARDGOFER_SECCOMP_QUERY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seccomp/arch.h"
#include "seccomp/bpf_program.h"
#include "seccomp/compiler.h"
#include "seccomp/error.h"
#include "seccomp/interpreter.h"
#include "seccomp/placeholder.h"
#include "seccomp/rule.h"

namespace hg::seccomp {

struct SyscallQuery {
  // The syscall by name, or by raw number as seccomp sees it (which may carry
  // the x32 bit, or be a number of a foreign arch). `nr` wins when set.
  std::string name;
  std::optional<uint32_t> nr;
  // Arguments; a placeholder stands for its bound value (e.g. tgkill's own pid).
  std::array<ArgValue, kSyscallArgs> args{0, 0, 0, 0, 0, 0};
  // seccomp_data.arch; default: the program's arch.
  std::optional<uint32_t> audit_arch;
  uint64_t instruction_pointer = 0;

  static SyscallQuery ByName(std::string name, std::vector<ArgValue> args = {});
  static SyscallQuery ByNumber(uint32_t nr, std::vector<ArgValue> args = {});
};

// A source rule that decided (or would have decided) the call.
struct MatchedRule {
  enum class Kind : uint8_t {
    kAllow,       // an alternative whose conditions hold
    kDeny,        // a deny rule that fires
    kOverridden,  // an alternative that holds but a deny rule wins over it
    kErrno,       // the syscall's errno fallback
    kDefault,     // nothing allows it: the violation action
    kBadArch,     // wrong arch or an x32 number: the bad-arch action
    // Not a rule: the kernel does not run seccomp for this syscall at all
    // (x86_64 uretprobe 335 and uprobe 336 on kernels that have them), so
    // whatever the program says, the call proceeds.
    kKernelExempt,
  };
  Kind kind;
  std::string syscall;
  std::string conditions;  // the alternative's or deny rule's conditions
  Reason reason;
};
std::string_view MatchedRuleKindName(MatchedRule::Kind kind);

// What the rules say the program returns for `data`, with the rules that say
// so. The compiled program must agree on every input; tests check that.
struct RulesVerdict {
  uint32_t ret = 0;
  std::vector<MatchedRule> matches;
};
RulesVerdict EvaluateRules(const RuleSet& allow, const DenyRules& deny, Arch arch, Mode mode,
                           const SeccompData& data, const Bindings* bindings);

struct QueryAnswer {
  std::string syscall;  // "fcntl", "x32:getpid", "syscall 999", "i386 syscall 20"
  SeccompData data;     // what the interpreter ran on (placeholders resolved)
  Verdict verdict;      // the program's answer
  uint32_t rules_ret = 0;
  std::vector<MatchedRule> reasons;

  bool allowed() const { return verdict.allowed(); }
  // False if the program and its rules disagree.
  bool agrees() const { return rules_ret == verdict.ret; }
  // First word "allow" or "deny", then the action and one line per reason.
  std::string ToString() const;
};

// kUnknownSyscall for a name the arch does not have; kUnboundPlaceholder if
// `bindings` is given but leaves a hole of the program unbound. With
// `bindings` null, placeholders keep their sentinel values on both sides.
ErrorOr<QueryAnswer> Query(const BpfProgram& program, Arch arch, Mode mode, const RuleSet& allow,
                           const DenyRules& deny, const SyscallQuery& query,
                           const Bindings* bindings = nullptr);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_QUERY_H_
