#include "seccomp/query.h"

#include <linux/seccomp.h>

#include <cstdio>

#include "base/result.h"

namespace hg::seccomp {
namespace {

std::string HexArch(uint32_t a) {
  char buf[16];
  (void)std::snprintf(buf, sizeof(buf), "0x%08x", a);
  return buf;
}

}  // namespace

SyscallQuery SyscallQuery::ByName(std::string name, std::vector<ArgValue> args) {
  SyscallQuery q;
  q.name = std::move(name);
  for (size_t i = 0; i < args.size() && i < q.args.size(); ++i) q.args[i] = args[i];
  return q;
}

SyscallQuery SyscallQuery::ByNumber(uint32_t nr, std::vector<ArgValue> args) {
  SyscallQuery q = ByName("", std::move(args));
  q.nr = nr;
  return q;
}

std::string_view MatchedRuleKindName(MatchedRule::Kind kind) {
  switch (kind) {
    case MatchedRule::Kind::kAllow:
      return "allowed by";
    case MatchedRule::Kind::kDeny:
      return "denied by";
    case MatchedRule::Kind::kOverridden:
      return "overridden";
    case MatchedRule::Kind::kErrno:
      return "fails with errno by";
    case MatchedRule::Kind::kDefault:
      return "default";
    case MatchedRule::Kind::kBadArch:
      return "bad arch";
    case MatchedRule::Kind::kKernelExempt:
      return "note";
  }
  return "?";
}

RulesVerdict EvaluateRules(const RuleSet& allow, const DenyRules& deny, Arch arch, Mode mode,
                           const SeccompData& data, const Bindings* bindings) {
  RulesVerdict v;
  const uint32_t violation = ViolationAction(mode);
  const std::string arch_name(ArchName(arch));
  const auto nr = static_cast<uint32_t>(data.nr);
  if (data.arch != Info(arch).audit_arch) {
    v.ret = violation;
    v.matches.push_back({MatchedRule::Kind::kBadArch, "", "",
                         Reason{"a syscall from arch " + HexArch(data.arch),
                                "the program allows " + arch_name + " syscalls only", "filter"}});
    return v;
  }
  // libseccomp's x86_64 prologue: numbers >= the x32 bit take the bad-arch
  // action, except -1 (a syscall a tracer skipped), which falls through to the
  // rules and matches none.
  if (arch == Arch::kX86_64 && nr >= kX32SyscallBit && nr != 0xffffffffu) {
    v.ret = violation;
    v.matches.push_back({MatchedRule::Kind::kBadArch, "", "",
                         Reason{"syscall number " + HexArch(nr) + " (x32 ABI or out of range)",
                                "x32 syscalls reach the same kernel code under other numbers; "
                                "an x86_64 filter kills them",
                                "filter"}});
    return v;
  }
  if (arch == Arch::kX86_64 && (nr == 335 || nr == 336)) {
    v.matches.push_back(
        {MatchedRule::Kind::kKernelExempt, nr == 335 ? "uretprobe" : "uprobe", "",
         Reason{"the kernel does not consult seccomp for this syscall",
                "kernel/seccomp.c seccomp_uprobe_exception (recent kernels; observed on 6.18): "
                "outside a uprobe trampoline uretprobe raises SIGILL and uprobe fails with ENXIO",
                "kernel"}});
  }
  std::optional<std::string> name = SyscallName(arch, data.nr);
  const SyscallRule* rule = name ? allow.Find(*name) : nullptr;
  const std::string shown = name ? *name : "syscall " + std::to_string(data.nr);

  bool denied = false;
  if (name) {
    for (const DenyRule& d : deny) {
      if (d.syscall != *name) continue;
      if (d.cond.Matches(data.args[static_cast<size_t>(d.cond.arg())], bindings)) {
        denied = true;
        v.matches.push_back({MatchedRule::Kind::kDeny, d.syscall, d.cond.ToString(), d.reason});
      }
    }
  }
  bool allowed = false;
  if (rule != nullptr) {
    for (const Alternative& alt : rule->allow) {
      if (!alt.Matches(data.args, bindings)) continue;
      allowed = true;
      v.matches.push_back({denied ? MatchedRule::Kind::kOverridden : MatchedRule::Kind::kAllow,
                           shown, alt.ConditionsToString(), alt.reason});
    }
  }
  if (denied) {
    v.ret = violation;
  } else if (allowed) {
    v.ret = SECCOMP_RET_ALLOW;
  } else if (rule != nullptr && rule->fallback) {
    v.ret = SECCOMP_RET_ERRNO | static_cast<uint32_t>(rule->fallback->err);
    v.matches.push_back({MatchedRule::Kind::kErrno, shown,
                         "errno " + std::to_string(rule->fallback->err), rule->fallback->reason});
  } else {
    v.ret = violation;
    std::string only;
    if (rule != nullptr) {
      for (const Alternative& alt : rule->allow) {
        only += (only.empty() ? "" : " OR ") + alt.ConditionsToString();
      }
    }
    v.matches.push_back(
        {MatchedRule::Kind::kDefault, shown, "",
         Reason{rule == nullptr ? "no rule allows " + shown
                                : "no rule allows " + shown + " with these arguments",
                rule == nullptr ? "not in any set of this policy" : "allowed only when: " + only,
                "filter"}});
  }
  return v;
}

std::string QueryAnswer::ToString() const {
  std::string out = allowed() ? "allow" : "deny";
  out += " (" + ActionName(verdict.ret) + " after " + std::to_string(verdict.insns_executed) +
         " instructions) " + syscall + "\n";
  for (const MatchedRule& m : reasons) {
    out += "  " + std::string(MatchedRuleKindName(m.kind)) + " ";
    if (!m.syscall.empty()) out += m.syscall + ": ";
    if (!m.conditions.empty()) out += m.conditions + " | ";
    out += m.reason.what + " | " + m.reason.why + " | " + m.reason.source + "\n";
  }
  if (!agrees()) {
    out += "  WARNING: the program and its rules disagree: the rules say " + ActionName(rules_ret) +
           "\n";
  }
  return out;
}

ErrorOr<QueryAnswer> Query(const BpfProgram& program, Arch arch, Mode mode, const RuleSet& allow,
                           const DenyRules& deny, const SyscallQuery& query,
                           const Bindings* bindings) {
  QueryAnswer a;
  a.data.arch = query.audit_arch.value_or(Info(arch).audit_arch);
  a.data.instruction_pointer = query.instruction_pointer;
  for (size_t i = 0; i < query.args.size(); ++i) a.data.args[i] = query.args[i].Resolve(bindings);
  if (query.nr) {
    a.data.nr = static_cast<int32_t>(*query.nr);
    const uint32_t base = *query.nr & ~kX32SyscallBit;
    const std::optional<std::string> name = SyscallName(arch, static_cast<int>(base));
    if (a.data.arch != Info(arch).audit_arch) {
      a.syscall = "syscall " + std::to_string(*query.nr) + " of arch " + HexArch(a.data.arch);
      if (a.data.arch == kAuditArchI386) a.syscall = "i386 syscall " + std::to_string(*query.nr);
    } else if (arch == Arch::kX86_64 && (*query.nr & kX32SyscallBit) != 0 &&
               *query.nr != 0xffffffffu) {
      a.syscall = name ? "x32:" + *name : "x32 syscall " + std::to_string(base);
    } else {
      a.syscall = name ? *name : "syscall " + std::to_string(*query.nr);
    }
  } else {
    HG_ASSIGN_OR_RETURN(int nr, SyscallNumber(arch, query.name));
    a.data.nr = nr;
    a.syscall = query.name;
  }
  if (bindings != nullptr) {
    HG_ASSIGN_OR_RETURN(BpfProgram filled, FillHoles(program, *bindings));
    a.verdict = Interpret(filled, a.data);
  } else {
    a.verdict = Interpret(program, a.data);
  }
  RulesVerdict rv = EvaluateRules(allow, deny, arch, mode, a.data, bindings);
  a.rules_ret = rv.ret;
  a.reasons = std::move(rv.matches);
  return a;
}

}  // namespace hg::seccomp
