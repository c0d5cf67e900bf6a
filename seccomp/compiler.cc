#include "seccomp/compiler.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace hg::seccomp {
namespace {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

Error Libseccomp(const std::string& what, int rc) {
  return Error(ErrorCode::kLibseccomp, what, rc < 0 ? -rc : rc);
}

// The sources of a syscall's rules, for error messages: "fsgofer, extension:x".
std::string Sources(const SyscallRule& rule) {
  std::vector<std::string> seen;
  auto add = [&](const std::string& s) {
    for (const auto& x : seen) {
      if (x == s) return;
    }
    seen.push_back(s);
  };
  for (const Alternative& a : rule.allow) add(a.reason.source);
  if (rule.fallback) add(rule.fallback->reason.source);
  std::string out;
  for (const auto& s : seen) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The condition under which deny rule `d` does not fire (its bit has the
// other value).
ArgCond Negate(const DenyRule& d) {
  const uint64_t bit = d.cond.mask();
  return ArgCond::MaskedEq(d.cond.arg(), bit, d.cond.value().literal() ^ bit);
}

bool ConjunctionLess(const std::vector<ArgCond>& a, const std::vector<ArgCond>& b) {
  auto key = [](const ArgCond& c) {
    return std::make_tuple(c.arg(), c.mask(), c.value().Resolve(nullptr));
  };
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(),
      [&](const ArgCond& x, const ArgCond& y) { return key(x) < key(y); });
}

ErrorOr<void> CheckNoSentinelCollision(const std::string& syscall, const ArgCond& c,
                                       const Reason& reason) {
  if (c.value().is_placeholder()) return {};
  for (uint64_t v : {c.value().literal(), c.mask()}) {
    if (IsSentinelHalf(static_cast<uint32_t>(v >> 32)) ||
        IsSentinelHalf(static_cast<uint32_t>(v))) {
      return Error(ErrorCode::kInvalidRule,
                   syscall + ": \"" + c.ToString() +
                       "\" uses a value reserved for placeholder sentinels (from " + reason.source +
                       ")");
    }
  }
  return {};
}

ErrorOr<std::string> ReadAll(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) return Libseccomp("lseek on the export memfd", -errno);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Libseccomp("read of the export memfd", -errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

template <typename ExportFn>
ErrorOr<std::string> Export(const char* what, ExportFn fn) {
  UniqueFd fd(::memfd_create(what, MFD_CLOEXEC));
  if (!fd.valid()) return Libseccomp(std::string("memfd_create for ") + what, -errno);
  int rc = fn(fd.get());
  if (rc < 0) return Libseccomp(what, rc);
  return ReadAll(fd.get());
}

// Replaces every whole decimal number `from` in `text` with `to`.
void ReplaceNumber(std::string& text, const std::string& from, const std::string& to) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    const size_t end = pos + from.size();
    const bool whole =
        (pos == 0 || !is_digit(text[pos - 1])) && (end == text.size() || !is_digit(text[end]));
    if (whole) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    } else {
      pos = end;
    }
  }
}

}  // namespace

std::string_view ModeName(Mode mode) { return mode == Mode::kEnforce ? "enforce" : "audit"; }

uint32_t ViolationAction(Mode mode) {
  return mode == Mode::kEnforce ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_LOG;
}

ErrorOr<CompiledFilter> Compile(const RuleSet& allow, const DenyRules& deny,
                                const CompileOptions& options) {
  if (!allow.status().ok()) return allow.status().error();
  HG_RETURN_IF_ERROR(ValidateDenyRules(deny));
  const ArchInfo& arch = Info(options.arch);
  const std::string arch_name(arch.name);
  const uint32_t violation = options.mode == Mode::kEnforce ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_LOG;

  Ctx ctx(seccomp_init(violation));
  if (ctx == nullptr) {
    return Error(ErrorCode::kLibseccomp, "seccomp_init(" + std::string(ModeName(options.mode)) +
                                             ") failed; the kernel may lack the action");
  }
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, violation);
  if (rc < 0) return Libseccomp("setting the bad-arch action", rc);
  // Syscalls in a binary search tree rather than a linear chain: with ~70
  // syscalls a linear chain costs up to ~80 instructions per call.
  rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc < 0) return Libseccomp("selecting the binary-tree layout", rc);
  // A single target arch, whatever the host is: the output must not depend on
  // where the policy was compiled.
  rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE);
  if (rc < 0) return Libseccomp("removing the native arch", rc);
  rc = seccomp_arch_add(ctx.get(), arch.scmp_token);
  if (rc < 0) return Libseccomp("adding arch " + arch_name, rc);

  std::map<std::string, std::vector<const DenyRule*>> deny_by_syscall;
  for (const DenyRule& d : deny) {
    ErrorOr<int> nr = SyscallNumber(options.arch, d.syscall);
    if (!nr.ok()) {
      return Error(ErrorCode::kUnknownSyscall,
                   nr.error().message() + " (deny rule from " + d.reason.source + ")");
    }
    deny_by_syscall[d.syscall].push_back(&d);
  }

  std::vector<std::string> notes;
  bool uses_placeholder[kPlaceholderCount] = {};
  for (const auto& [name, rule] : allow.rules()) {
    ErrorOr<int> target_nr = SyscallNumber(options.arch, name);
    if (!target_nr.ok()) {
      return Error(ErrorCode::kUnknownSyscall,
                   target_nr.error().message() + " (from " + Sources(rule) + ")");
    }
    // libseccomp takes host-arch (or pseudo) numbers and maps them by name to
    // each arch of the filter.
    const int rule_nr = seccomp_syscall_resolve_name(name.c_str());
    if (rule_nr == __NR_SCMP_ERROR) {
      return Error(ErrorCode::kUnknownSyscall, "libseccomp does not know syscall \"" + name +
                                                   "\" (from " + Sources(rule) + ")");
    }
    const auto deny_it = deny_by_syscall.find(name);

    // The conjunctions to emit: each alternative with the negated deny
    // conditions added; identical conjunctions once.
    std::vector<std::vector<ArgCond>> conjunctions;
    bool unconditional = false;
    for (const Alternative& alt : rule.allow) {
      for (const ArgCond& c : alt.conds) {
        HG_RETURN_IF_ERROR(CheckNoSentinelCollision(name, c, alt.reason));
        if (c.value().is_placeholder()) {
          uses_placeholder[static_cast<size_t>(c.value().placeholder())] = true;
        }
      }
      std::vector<ArgCond> conds = alt.conds;
      if (deny_it != deny_by_syscall.end()) {
        for (const DenyRule* d : deny_it->second) {
          // A placeholder's value is only known at install time, so whether
          // the deny bit is set in it cannot be folded into the comparison
          // here. Dropping the alternative (as for a real contradiction)
          // would make the program stricter than the rules say; refuse it.
          // (Found by fuzz/seccomp_differential: placeholder-vs-deny.)
          for (const ArgCond& c : alt.conds) {
            if (c.value().is_placeholder() && c.arg() == d->cond.arg()) {
              return Error(ErrorCode::kInvalidRule,
                           name + ": \"" + c.ToString() + "\" (from " + alt.reason.source +
                               ") compares a placeholder on the argument that deny rule \"" +
                               d->cond.ToString() + "\" (from " + d->reason.source +
                               ") tests; they cannot be combined in one program");
            }
          }
          conds.push_back(Negate(*d));
        }
      }
      ErrorOr<std::vector<ArgCond>> folded = NormalizeConditions(conds);
      if (!folded.ok()) {
        notes.push_back(name + ": " + alt.ConditionsToString() + " (from " + alt.reason.source +
                        ") never applies: a deny rule always wins (" + folded.error().message() +
                        ")");
        continue;
      }
      if (folded->empty()) unconditional = true;
      bool dup = false;
      for (const auto& existing : conjunctions) dup = dup || existing == *folded;
      if (!dup) conjunctions.push_back(std::move(folded).value());
    }
    if (unconditional) conjunctions.assign(1, {});
    // Drop a conjunction that contains every condition of another one: it is
    // implied (OR) and adds nothing to the program. libseccomp 2.5.4 also
    // leaks rule-tree nodes when such a redundant rule is added (found by
    // fuzz/seccomp_differential; regression input libseccomp-rule-add-leak).
    {
      auto contains_all = [](const std::vector<ArgCond>& big, const std::vector<ArgCond>& small) {
        return std::all_of(small.begin(), small.end(), [&](const ArgCond& c) {
          // Same test, whatever kind it was written as (kNonNegFd is a mask).
          return std::any_of(big.begin(), big.end(), [&](const ArgCond& b) {
            return b.arg() == c.arg() && b.mask() == c.mask() && b.value() == c.value();
          });
        });
      };
      std::vector<std::vector<ArgCond>> kept;
      for (size_t i = 0; i < conjunctions.size(); ++i) {
        bool implied = false;
        for (size_t j = 0; j < conjunctions.size() && !implied; ++j) {
          if (i == j) continue;
          // Equal conjunctions were removed above, so containment is strict.
          implied = conjunctions[i].size() > conjunctions[j].size() &&
                    contains_all(conjunctions[i], conjunctions[j]);
        }
        if (!implied) kept.push_back(conjunctions[i]);
      }
      conjunctions = std::move(kept);
    }
    // Canonical order: the program depends on which conjunctions exist, not
    // on the order in which sets were merged.
    std::sort(conjunctions.begin(), conjunctions.end(), ConjunctionLess);

    // libseccomp exact conditions for one conjunction.
    auto to_cmps = [](const std::vector<ArgCond>& conds) {
      std::vector<scmp_arg_cmp> cmps;
      for (const ArgCond& c : conds) {
        const uint64_t value = c.value().Resolve(nullptr);
        if (c.mask() == ~uint64_t{0}) {
          cmps.push_back({static_cast<unsigned int>(c.arg()), SCMP_CMP_EQ, value, 0});
        } else {
          cmps.push_back({static_cast<unsigned int>(c.arg()), SCMP_CMP_MASKED_EQ, c.mask(), value});
        }
      }
      return cmps;
    };

    // The errno fallback answers what no alternative allows, but a deny rule
    // still wins over it (EvaluateRules: deny, then allow, then errno). An
    // unconditional alternative leaves nothing for the fallback to answer.
    const bool allow_all = std::any_of(rule.allow.begin(), rule.allow.end(),
                                       [](const Alternative& a) { return a.conds.empty(); });
    if (rule.fallback && !allow_all) {
      if (!conjunctions.empty()) {
        return Error(ErrorCode::kInvalidRule,
                     name + ": errno fallback (from " + rule.fallback->reason.source +
                         ") cannot be combined with conditional allow rules (from " +
                         Sources(rule) +
                         "); libseccomp would let the errno override them. Allow it "
                         "unconditionally or drop the fallback");
      }
      // Emitted only where every deny rule's bits are clear, so a denied call
      // still takes the default (kill) action instead of the errno.
      std::vector<ArgCond> conds;
      if (deny_it != deny_by_syscall.end()) {
        for (const DenyRule* d : deny_it->second) conds.push_back(Negate(*d));
      }
      ErrorOr<std::vector<ArgCond>> folded = NormalizeConditions(conds);
      if (!folded.ok()) {
        notes.push_back(name + ": errno fallback (from " + rule.fallback->reason.source +
                        ") never applies: a deny rule always wins (" + folded.error().message() +
                        ")");
      } else {
        std::vector<scmp_arg_cmp> cmps = to_cmps(*folded);
        rc = seccomp_rule_add_exact_array(
            ctx.get(), SCMP_ACT_ERRNO(static_cast<uint32_t>(rule.fallback->err)), rule_nr,
            static_cast<unsigned int>(cmps.size()), cmps.empty() ? nullptr : cmps.data());
        if (rc < 0) return Libseccomp("adding errno rule for " + name, rc);
      }
    }
    for (const auto& conds : conjunctions) {
      std::vector<scmp_arg_cmp> cmps = to_cmps(conds);
      rc = seccomp_rule_add_exact_array(ctx.get(), SCMP_ACT_ALLOW, rule_nr,
                                        static_cast<unsigned int>(cmps.size()),
                                        cmps.empty() ? nullptr : cmps.data());
      if (rc < 0) {
        std::string what = "adding rule " + name + "(";
        for (size_t i = 0; i < conds.size(); ++i) {
          if (i > 0) what += " && ";
          what += conds[i].ToString();
        }
        what += ")";
        return Libseccomp(what, rc);
      }
    }
  }

  HG_ASSIGN_OR_RETURN(std::string bytes, Export("hg-seccomp-bpf", [&](int fd) {
                        return seccomp_export_bpf(ctx.get(), fd);
                      }));
  HG_ASSIGN_OR_RETURN(std::string pfc, Export("hg-seccomp-pfc", [&](int fd) {
                        return seccomp_export_pfc(ctx.get(), fd);
                      }));
  HG_ASSIGN_OR_RETURN(BpfProgram program, BpfProgram::FromBytes(bytes));

  std::vector<Hole> holes = FindHoles(program);
  for (size_t i = 0; i < kPlaceholderCount; ++i) {
    auto p = static_cast<Placeholder>(i);
    bool high = false, low = false;
    for (const Hole& h : holes) {
      if (h.placeholder != p) continue;
      (h.high ? high : low) = true;
    }
    // Each use of a placeholder must leave both halves patchable, and no
    // sentinel may appear without a use; otherwise FillHoles would be wrong.
    if ((uses_placeholder[i] && !(high && low)) || (!uses_placeholder[i] && (high || low))) {
      return Error(ErrorCode::kLibseccomp,
                   "placeholder " + std::string(PlaceholderName(p)) +
                       " did not compile to one comparison per 32-bit half");
    }
    const uint64_t sentinel = SentinelValue(p);
    ReplaceNumber(pfc, std::to_string(static_cast<uint32_t>(sentinel >> 32)),
                  std::string(PlaceholderName(p)) + ".hi32");
    ReplaceNumber(pfc, std::to_string(static_cast<uint32_t>(sentinel)),
                  std::string(PlaceholderName(p)) + ".lo32");
  }
  return CompiledFilter{options.arch,   options.mode,     std::move(program),
                        std::move(pfc), std::move(holes), std::move(notes)};
}

}  // namespace hg::seccomp
