#include "seccomp/rule.h"

#include <algorithm>
#include <bit>
#include <cstdio>

#include "base/result.h"

namespace hg::seccomp {
namespace {

std::string Hex(uint64_t v) {
  if (v == 0) return "0";
  char buf[24];
  (void)std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string ArgName(int arg) { return "arg" + std::to_string(arg); }

std::string WithVia(const std::string& source, std::string_view via) {
  if (via.empty()) return source;
  return source + " via " + std::string(via);
}

// Combines two conditions on the same argument into one that holds iff both
// hold; an error if that cannot be expressed or can never hold.
ErrorOr<ArgCond> Combine(const ArgCond& a, const ArgCond& b) {
  if (a == b) return a;
  if (a.value().is_placeholder() || b.value().is_placeholder()) {
    return Error(ErrorCode::kInvalidRule, ArgName(a.arg()) + ": cannot combine \"" + a.ToString() +
                                              "\" with \"" + b.ToString() + "\"");
  }
  const uint64_t overlap = a.mask() & b.mask();
  if (((a.value().literal() ^ b.value().literal()) & overlap) != 0) {
    return Error(ErrorCode::kInvalidRule, ArgName(a.arg()) + ": \"" + a.ToString() + "\" and \"" +
                                              b.ToString() + "\" can never both hold");
  }
  const uint64_t mask = a.mask() | b.mask();
  const uint64_t value = a.value().literal() | b.value().literal();
  if (mask == ~uint64_t{0}) return ArgCond::Eq(a.arg(), value);
  return ArgCond::MaskedEq(a.arg(), mask, value);
}

ErrorOr<std::vector<ArgCond>> NormalizeImpl(const std::vector<ArgCond>& conds) {
  std::array<std::optional<ArgCond>, kSyscallArgs> by_arg;
  for (const ArgCond& c : conds) {
    if (c.arg() < 0 || c.arg() >= kSyscallArgs) {
      return Error(ErrorCode::kInvalidRule,
                   "argument index " + std::to_string(c.arg()) + " is not in 0..5");
    }
    if (c.value().is_placeholder() && c.kind() != CondKind::kEq) {
      return Error(ErrorCode::kInvalidRule,
                   ArgName(c.arg()) + ": a placeholder is only allowed in an equality");
    }
    if (!c.value().is_placeholder() && (c.value().literal() & ~c.mask()) != 0) {
      return Error(ErrorCode::kInvalidRule,
                   ArgName(c.arg()) + ": \"" + c.ToString() +
                       "\" can never hold (value has bits outside the mask)");
    }
    if (c.mask() == 0) continue;  // kAny, or a mask that tests nothing
    auto& slot = by_arg[static_cast<size_t>(c.arg())];
    if (!slot) {
      slot = c;
    } else {
      HG_ASSIGN_OR_RETURN(ArgCond combined, Combine(*slot, c));
      slot = combined;
    }
  }
  std::vector<ArgCond> out;
  for (const auto& slot : by_arg) {
    if (slot) out.push_back(*slot);
  }
  return out;
}

bool IsSingleBit(uint64_t v) { return std::popcount(v) == 1; }

}  // namespace

ErrorOr<std::vector<ArgCond>> NormalizeConditions(const std::vector<ArgCond>& conds) {
  return NormalizeImpl(conds);
}

std::string ArgValue::ToString() const {
  if (placeholder_) return "<" + std::string(PlaceholderName(*placeholder_)) + ">";
  return Hex(literal_);
}

std::string ArgCond::ToString() const {
  const std::string a = ArgName(arg_);
  switch (kind_) {
    case CondKind::kAny:
      return a + " any";
    case CondKind::kEq:
      return a + " == " + value_.ToString();
    case CondKind::kMaskedEq:
      return a + " & " + Hex(mask_) + " == " + value_.ToString();
    case CondKind::kNonNegFd:
      return a + " is a non-negative fd";
    case CondKind::kFlagsSet:
      return a + " has " + Hex(mask_) + " set";
  }
  return a + " ?";
}

bool Alternative::Matches(const SyscallArgs& args, const Bindings* bindings) const {
  return std::all_of(conds.begin(), conds.end(), [&](const ArgCond& c) {
    return c.Matches(args[static_cast<size_t>(c.arg())], bindings);
  });
}

std::string Alternative::ConditionsToString() const {
  if (conds.empty()) return "any arguments";
  std::string out;
  for (const ArgCond& c : conds) {
    if (!out.empty()) out += " && ";
    out += c.ToString();
  }
  return out;
}

bool SyscallRule::AllowsUnconditionally() const {
  return std::any_of(allow.begin(), allow.end(),
                     [](const Alternative& a) { return a.conds.empty(); });
}

void RuleSet::Fail(Error e) {
  if (status_.ok()) status_ = std::move(e);
}

RuleSet& RuleSet::Allow(std::string_view syscall, const std::vector<ArgCond>& conds,
                        Reason reason) {
  if (syscall.empty()) {
    Fail(Error(ErrorCode::kInvalidRule, "empty syscall name (from " + reason.source + ")"));
    return *this;
  }
  ErrorOr<std::vector<ArgCond>> normal = NormalizeImpl(conds);
  if (!normal.ok()) {
    Fail(Error(ErrorCode::kInvalidRule, std::string(syscall) + ": " + normal.error().message() +
                                            " (from " + reason.source + ")"));
    return *this;
  }
  Alternative alt{std::move(normal).value(), std::move(reason)};
  SyscallRule& rule = rules_[std::string(syscall)];
  if (std::find(rule.allow.begin(), rule.allow.end(), alt) == rule.allow.end()) {
    rule.allow.push_back(std::move(alt));
  }
  return *this;
}

RuleSet& RuleSet::FailWith(std::string_view syscall, int err, Reason reason) {
  if (err <= 0 || err > 4095) {
    Fail(Error(ErrorCode::kInvalidRule, std::string(syscall) + ": errno " + std::to_string(err) +
                                            " is not in 1..4095 (from " + reason.source + ")"));
    return *this;
  }
  SyscallRule& rule = rules_[std::string(syscall)];
  if (!rule.fallback) {
    rule.fallback = ErrnoFallback{err, std::move(reason)};
  } else if (rule.fallback->err != err) {
    Fail(Error(ErrorCode::kInvalidRule, std::string(syscall) + ": errno " + std::to_string(err) +
                                            " (from " + reason.source + ") conflicts with errno " +
                                            std::to_string(rule.fallback->err) + " (from " +
                                            rule.fallback->reason.source + ")"));
  }
  return *this;
}

RuleSet& RuleSet::Merge(const RuleSet& other, std::string_view via) {
  if (!other.status().ok()) Fail(other.status().error());
  for (const auto& [name, rule] : other.rules_) {
    for (const Alternative& alt : rule.allow) {
      Alternative copy = alt;
      copy.reason.source = WithVia(alt.reason.source, via);
      SyscallRule& mine = rules_[name];
      if (std::find(mine.allow.begin(), mine.allow.end(), copy) == mine.allow.end()) {
        mine.allow.push_back(std::move(copy));
      }
    }
    if (rule.fallback) {
      Reason r = rule.fallback->reason;
      r.source = WithVia(r.source, via);
      FailWith(name, rule.fallback->err, std::move(r));
    }
  }
  return *this;
}

const SyscallRule* RuleSet::Find(std::string_view syscall) const {
  auto it = rules_.find(syscall);
  return it == rules_.end() ? nullptr : &it->second;
}

std::string RuleSet::Describe() const {
  std::string out = "# set " + name_ + ": " + std::to_string(rules_.size()) + " syscalls\n";
  for (const auto& [name, rule] : rules_) {
    for (const Alternative& alt : rule.allow) {
      out += name + ": " + alt.ConditionsToString() + " | " + alt.reason.what + " | " +
             alt.reason.why + " | " + alt.reason.source + "\n";
    }
    if (rule.fallback) {
      out += name + ": otherwise errno " + std::to_string(rule.fallback->err) + " | " +
             rule.fallback->reason.what + " | " + rule.fallback->reason.why + " | " +
             rule.fallback->reason.source + "\n";
    }
  }
  return out;
}

ErrorOr<void> ValidateDenyRules(const DenyRules& deny) {
  for (const DenyRule& d : deny) {
    const ArgCond& c = d.cond;
    const bool one_bit = (c.kind() == CondKind::kFlagsSet || c.kind() == CondKind::kMaskedEq) &&
                         !c.value().is_placeholder() && IsSingleBit(c.mask()) &&
                         (c.value().literal() & ~c.mask()) == 0;
    if (d.syscall.empty() || c.arg() < 0 || c.arg() >= kSyscallArgs || !one_bit) {
      return Error(ErrorCode::kInvalidRule, "deny rule " + d.syscall + ": \"" + c.ToString() +
                                                "\" must test a single bit of arg 0..5 (from " +
                                                d.reason.source + ")");
    }
  }
  return {};
}

std::string DescribeDenyRules(const DenyRules& deny) {
  std::string out = "# deny rules: " + std::to_string(deny.size()) + "\n";
  for (const DenyRule& d : deny) {
    out += d.syscall + ": " + d.cond.ToString() + " | " + d.reason.what + " | " + d.reason.why +
           " | " + d.reason.source + "\n";
  }
  return out;
}

}  // namespace hg::seccomp
