// The syscall-rule model: what a seccomp program allows, and why.
//
//   RuleSet s("fsgofer");
//   s.Allow("fcntl", {ArgCond::Eq(1, F_GETFL)},
//           {"fcntl(fd, F_GETFL)", "read file status flags", "fsgofer"});
//   s.AllowAny("close", {"close", "release fds", "fsgofer"});
//   RuleSet all("policy");
//   all.Merge(runtime).Merge(s).Merge(lisafs, "mount /data: directfs off");
//   if (!all.status().ok()) ...               // first error sticks
//
// Per syscall, a list of alternatives (OR); each alternative is a conjunction
// of argument conditions and carries its Reason. Merging only ever adds
// alternatives (OR), so it can only widen what is allowed; denials that must
// win over any allow (PROT_EXEC mappings) are separate DenyRules that the
// compiler applies with precedence, as runsc's DenyNewExecMappings rule set.
//
// Conditions compare the full 64-bit register value, as the kernel hands it to
// seccomp (and as runsc's EqualTo does): an int argument passed with garbage
// in the upper half does not match `Eq`. NonNegFd and MaskedEq let a rule look
// at only the bits the kernel uses.
#ifndef HARDGOFER_SECCOMP_RULE_H_
#define HARDGOFER_SECCOMP_RULE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seccomp/error.h"
#include "seccomp/placeholder.h"

namespace hg::seccomp {

inline constexpr int kSyscallArgs = 6;
using SyscallArgs = std::array<uint64_t, kSyscallArgs>;

// Why a rule exists. `source` says where it came from: a set name ("fsgofer",
// "runtime"), a flag ("--host-uds=open"), a mount, a hint, an extension
// ("extension:encrypted"); Merge(..., via) appends " via <via>".
struct Reason {
  std::string what;    // what is allowed, e.g. "fcntl(fd, F_GETFL)"
  std::string why;     // why it is needed, citing the code that needs it
  std::string source;  // where the rule comes from
  friend bool operator==(const Reason&, const Reason&) = default;
};

// A 64-bit argument value: a literal, or a placeholder filled at install time.
class ArgValue {
 public:
  constexpr ArgValue(uint64_t literal) : literal_(literal) {}  // NOLINT: implicit by design
  static constexpr ArgValue Of(Placeholder p) {
    ArgValue v(0);
    v.placeholder_ = p;
    return v;
  }
  bool is_placeholder() const { return placeholder_.has_value(); }
  // Precondition: !is_placeholder().
  uint64_t literal() const { return literal_; }
  // Precondition: is_placeholder().
  Placeholder placeholder() const { return *placeholder_; }
  // The value under `bindings` (a placeholder unbound there is its sentinel).
  uint64_t Resolve(const Bindings* bindings) const {
    return placeholder_ ? seccomp::Resolve(*placeholder_, bindings) : literal_;
  }
  std::string ToString() const;  // "0x2a", "0", "<self_pid>"
  friend bool operator==(const ArgValue&, const ArgValue&) = default;

 private:
  uint64_t literal_;
  std::optional<Placeholder> placeholder_;
};

enum class CondKind : uint8_t {
  kAny,       // any value
  kEq,        // arg == value (all 64 bits)
  kMaskedEq,  // (arg & mask) == value
  kNonNegFd,  // upper 32 bits zero and bit 31 clear (runsc NonNegativeFD)
  kFlagsSet,  // (arg & bits) == bits
};

// A condition on one syscall argument (0..5).
class ArgCond {
 public:
  static ArgCond Any(int arg) { return ArgCond(arg, CondKind::kAny, 0, 0); }
  static ArgCond Eq(int arg, ArgValue value) {
    return ArgCond(arg, CondKind::kEq, ~uint64_t{0}, value);
  }
  static ArgCond MaskedEq(int arg, uint64_t mask, uint64_t value) {
    return ArgCond(arg, CondKind::kMaskedEq, mask, value);
  }
  static ArgCond NonNegFd(int arg) {
    return ArgCond(arg, CondKind::kNonNegFd, 0xFFFFFFFF80000000ull, 0);
  }
  static ArgCond FlagsSet(int arg, uint64_t bits) {
    return ArgCond(arg, CondKind::kFlagsSet, bits, bits);
  }

  // Rebuilds a condition from its parts (e.g. read back from policy.pb).
  // RuleSet::Allow validates it like any other.
  static ArgCond FromParts(int arg, CondKind kind, uint64_t mask, ArgValue value) {
    return ArgCond(arg, kind, mask, value);
  }

  int arg() const { return arg_; }
  CondKind kind() const { return kind_; }
  // The test is always (arg & mask()) == value(); kAny has mask 0.
  uint64_t mask() const { return mask_; }
  const ArgValue& value() const { return value_; }

  bool Matches(uint64_t arg_value, const Bindings* bindings) const {
    return (arg_value & mask_) == (value_.Resolve(bindings) & mask_);
  }
  // "arg1 == 0x3", "arg2 & 0x1000 == 0x1000", "arg0 is a non-negative fd",
  // "arg3 has flags 0x4 set", "arg0 == <self_pid>".
  std::string ToString() const;
  friend bool operator==(const ArgCond&, const ArgCond&) = default;

 private:
  ArgCond(int arg, CondKind kind, uint64_t mask, ArgValue value)
      : arg_(arg), kind_(kind), mask_(mask), value_(value) {}
  int arg_;
  CondKind kind_;
  uint64_t mask_;
  ArgValue value_;
};

// One way a syscall may be allowed: all of `conds` hold.
struct Alternative {
  // Normalised: sorted by argument, at most one condition per argument, no
  // kAny. Empty = any arguments.
  std::vector<ArgCond> conds;
  Reason reason;

  bool Matches(const SyscallArgs& args, const Bindings* bindings) const;
  // "any arguments" or "arg1 == 0x3 && arg4 == 0".
  std::string ConditionsToString() const;
  friend bool operator==(const Alternative&, const Alternative&) = default;
};

// A syscall that, when no alternative allows it, fails with an errno instead
// of killing the process. Used for clone3: its flags live in memory, out of
// seccomp's reach, so the runtime set refuses it with ENOSYS and glibc falls
// back to clone(2), whose flags the filter can check. Ignored when an
// alternative allows the syscall unconditionally; combining it with only
// conditional alternatives is an error at compile time (libseccomp would let
// the unconditional errno rule override them).
struct ErrnoFallback {
  int err;
  Reason reason;
  friend bool operator==(const ErrnoFallback&, const ErrnoFallback&) = default;
};

struct SyscallRule {
  std::vector<Alternative> allow;
  std::optional<ErrnoFallback> fallback;
  // True if some alternative has no conditions.
  bool AllowsUnconditionally() const;
};

// A named set of allow rules, merged by OR.
class RuleSet {
 public:
  explicit RuleSet(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  // Adds an alternative for `syscall`. Conditions are normalised: kAny is
  // dropped, two conditions on one argument are combined into one masked
  // comparison. A bad argument index, value bits outside the mask, or two
  // conditions that cannot both hold record kInvalidRule in status().
  RuleSet& Allow(std::string_view syscall, const std::vector<ArgCond>& conds, Reason reason);
  RuleSet& AllowAny(std::string_view syscall, Reason reason) {
    return Allow(syscall, {}, std::move(reason));
  }
  // See ErrnoFallback. Two different errnos for one syscall record kInvalidRule.
  RuleSet& FailWith(std::string_view syscall, int err, Reason reason);

  // Adds every alternative and fallback of `other` (OR; widening only).
  // Alternatives already present with the same conditions and reason are not
  // repeated, so merging a set twice is a no-op. With a non-empty `via`, the
  // merged reasons' source becomes "<source> via <via>" (e.g. the mount whose
  // hint pulled in the LisaFS set). `other`'s error, if any, is inherited.
  RuleSet& Merge(const RuleSet& other, std::string_view via = {});

  // The first error recorded by Allow/FailWith/Merge, or ok.
  const ErrorOr<void>& status() const { return status_; }

  // By syscall name, in name order (the order of every output).
  const std::map<std::string, SyscallRule, std::less<>>& rules() const { return rules_; }
  const SyscallRule* Find(std::string_view syscall) const;
  bool empty() const { return rules_.empty(); }
  size_t size() const { return rules_.size(); }

  // One line per alternative, golden-friendly:
  //   "fcntl: arg1 == 0x3  [fsgofer] fcntl(fd, F_GETFL): <why>"
  std::string Describe() const;

 private:
  void Fail(Error e);

  std::string name_;
  std::map<std::string, SyscallRule, std::less<>> rules_;
  ErrorOr<void> status_;
};

// Normalises a conjunction: drops kAny, combines conditions on one argument
// into one masked comparison, sorts by argument. kInvalidRule if an index is
// not 0..5, a value has bits outside its mask, a placeholder is used outside
// an equality, or the conditions can never all hold.
ErrorOr<std::vector<ArgCond>> NormalizeConditions(const std::vector<ArgCond>& conds);

// A denial that wins over every allow rule for its syscall: if `cond` holds,
// the call gets the violation action. `cond` must test a single bit
// (FlagsSet or MaskedEq with a one-bit mask) so that its negation is again a
// single condition the compiler can add to each alternative.
struct DenyRule {
  std::string syscall;
  ArgCond cond;
  Reason reason;
  friend bool operator==(const DenyRule&, const DenyRule&) = default;
};
using DenyRules = std::vector<DenyRule>;

// kInvalidRule naming the rule if a deny condition is not a single bit.
ErrorOr<void> ValidateDenyRules(const DenyRules& deny);
std::string DescribeDenyRules(const DenyRules& deny);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_RULE_H_
