#include "policy/rules_proto.h"

namespace hg::policy {

namespace {

const char* KindName(seccomp::CondKind k) {
  switch (k) {
    case seccomp::CondKind::kAny: return "any";
    case seccomp::CondKind::kEq: return "eq";
    case seccomp::CondKind::kMaskedEq: return "masked_eq";
    case seccomp::CondKind::kNonNegFd: return "non_neg_fd";
    case seccomp::CondKind::kFlagsSet: return "flags_set";
  }
  return "?";
}

std::optional<seccomp::CondKind> KindFromName(const std::string& n) {
  if (n == "any") return seccomp::CondKind::kAny;
  if (n == "eq") return seccomp::CondKind::kEq;
  if (n == "masked_eq") return seccomp::CondKind::kMaskedEq;
  if (n == "non_neg_fd") return seccomp::CondKind::kNonNegFd;
  if (n == "flags_set") return seccomp::CondKind::kFlagsSet;
  return std::nullopt;
}

void CondToProto(const seccomp::ArgCond& c, pb::ArgCond* p) {
  p->set_arg(static_cast<uint32_t>(c.arg()));
  p->set_kind(KindName(c.kind()));
  p->set_mask(c.mask());
  if (c.value().is_placeholder()) {
    p->set_placeholder(std::string(seccomp::PlaceholderName(c.value().placeholder())));
  } else {
    p->set_value(c.value().literal());
  }
  p->set_text(c.ToString());
}

Error Bad(const std::string& key, const std::string& why) {
  Error e;
  e.kind = Error::Kind::kOutput;
  e.file = "policy.pb";
  e.key = key;
  e.message = "seccomp." + key + ": " + why;
  return e;
}

ErrorOr<seccomp::ArgCond> CondFromProto(const pb::ArgCond& p, const std::string& key) {
  std::optional<seccomp::CondKind> kind = KindFromName(p.kind());
  if (!kind) return Bad(key, "unknown condition kind \"" + p.kind() + "\"");
  if (p.arg() >= static_cast<uint32_t>(seccomp::kSyscallArgs)) {
    return Bad(key, "argument index " + std::to_string(p.arg()) + " out of range");
  }
  seccomp::ArgValue v(p.value());
  if (!p.placeholder().empty()) {
    std::optional<seccomp::Placeholder> ph = seccomp::PlaceholderFromName(p.placeholder());
    if (!ph) return Bad(key, "unknown placeholder \"" + p.placeholder() + "\"");
    v = seccomp::ArgValue::Of(*ph);
  }
  return seccomp::ArgCond::FromParts(static_cast<int>(p.arg()), *kind, p.mask(), v);
}

seccomp::Reason ReasonOf(const std::string& what, const std::string& why,
                         const std::string& source) {
  return seccomp::Reason{what, why, source};
}

}  // namespace

void RulesToProto(const seccomp::RuleSet& allow, const seccomp::DenyRules& deny,
                  seccomp::Arch arch, pb::Seccomp* s) {
  s->clear_syscall();
  s->clear_deny();
  for (const auto& [name, rule] : allow.rules()) {
    pb::SyscallRule* r = s->add_syscall();
    r->set_name(name);
    seccomp::ErrorOr<int> nr = seccomp::SyscallNumber(arch, name);
    r->set_nr(nr.ok() ? *nr : -1);
    for (const seccomp::Alternative& alt : rule.allow) {
      pb::Alternative* a = r->add_alternative();
      for (const seccomp::ArgCond& c : alt.conds) CondToProto(c, a->add_cond());
      a->set_what(alt.reason.what);
      a->set_why(alt.reason.why);
      a->set_source(alt.reason.source);
    }
    if (rule.fallback) {
      pb::ErrnoFallback* f = r->mutable_fallback();
      f->set_errno_value(rule.fallback->err);
      f->set_what(rule.fallback->reason.what);
      f->set_why(rule.fallback->reason.why);
      f->set_source(rule.fallback->reason.source);
    }
  }
  for (const seccomp::DenyRule& d : deny) {
    pb::DenyRule* p = s->add_deny();
    p->set_syscall(d.syscall);
    CondToProto(d.cond, p->mutable_cond());
    p->set_what(d.reason.what);
    p->set_why(d.reason.why);
    p->set_source(d.reason.source);
  }
}

ErrorOr<PolicyRules> RulesFromProto(const pb::Seccomp& s) {
  PolicyRules out;
  std::optional<seccomp::Arch> arch = seccomp::ArchFromName(s.arch());
  if (!arch) return Bad("arch", "unknown arch \"" + s.arch() + "\"");
  out.arch = *arch;
  if (s.mode() == "enforce") {
    out.mode = seccomp::Mode::kEnforce;
  } else if (s.mode() == "audit") {
    out.mode = seccomp::Mode::kAudit;
  } else {
    return Bad("mode", "unknown mode \"" + s.mode() + "\"");
  }
  for (int i = 0; i < s.syscall_size(); ++i) {
    const pb::SyscallRule& r = s.syscall(i);
    const std::string key = "syscall[" + std::to_string(i) + "]";
    for (int j = 0; j < r.alternative_size(); ++j) {
      const pb::Alternative& a = r.alternative(j);
      std::vector<seccomp::ArgCond> conds;
      for (int k = 0; k < a.cond_size(); ++k) {
        const std::string ckey =
            key + ".alternative[" + std::to_string(j) + "].cond[" + std::to_string(k) + "]";
        ErrorOr<seccomp::ArgCond> c = CondFromProto(a.cond(k), ckey);
        if (!c.ok()) return c.error();
        conds.push_back(*c);
      }
      out.allow.Allow(r.name(), conds, ReasonOf(a.what(), a.why(), a.source()));
    }
    if (r.has_fallback()) {
      const pb::ErrnoFallback& f = r.fallback();
      out.allow.FailWith(r.name(), f.errno_value(), ReasonOf(f.what(), f.why(), f.source()));
    }
    if (!out.allow.status().ok()) {
      return Bad(key, "invalid rule for " + r.name() + ": " + out.allow.status().error().message());
    }
  }
  for (int i = 0; i < s.deny_size(); ++i) {
    const pb::DenyRule& d = s.deny(i);
    const std::string key = "deny[" + std::to_string(i) + "]";
    ErrorOr<seccomp::ArgCond> c = CondFromProto(d.cond(), key + ".cond");
    if (!c.ok()) return c.error();
    out.deny.push_back(seccomp::DenyRule{d.syscall(), *c, ReasonOf(d.what(), d.why(), d.source())});
  }
  seccomp::ErrorOr<void> dv = seccomp::ValidateDenyRules(out.deny);
  if (!dv.ok()) return Bad("deny", dv.error().message());
  return out;
}

}  // namespace hg::policy
