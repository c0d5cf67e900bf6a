// Process-dependent values in seccomp rules (e.g. tgkill's own pid).
//
//   RuleSet s("runtime");
//   s.Allow("tgkill", {ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid))}, reason);
//   ... Compile(s, ...) -> the offline program compares against a sentinel,
//       seccomp.pfc and the disassembly show "self_pid";
//   Install(program, Bindings::ForThisProcess());   // fills in getpid()
//
// Offline the policy compiler does not know the pid of the gofer that will run
// the program, so a placeholder compiles to a sentinel 64-bit value whose two
// 32-bit halves appear nowhere else in the program (the compiler rejects rule
// literals that collide). The "holes" are found by scanning the compiled
// program for those halves and patched at install time. The sentinels are
// chosen so that an unfilled program fails closed: as a pid, the low half is
// negative (tgkill returns EINVAL) and the high half is non-zero, so no real
// call matches.
#ifndef HARDGOFER_SECCOMP_PLACEHOLDER_H_
#define HARDGOFER_SECCOMP_PLACEHOLDER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "seccomp/bpf_program.h"
#include "seccomp/error.h"

namespace hg::seccomp {

enum class Placeholder : uint8_t {
  // getpid() of the process that installs the program (tgkill's first arg).
  kSelfPid = 0,
};
inline constexpr size_t kPlaceholderCount = 1;

std::string_view PlaceholderName(Placeholder p);  // "self_pid"
std::optional<Placeholder> PlaceholderFromName(std::string_view name);

// The value standing for `p` in an offline program.
uint64_t SentinelValue(Placeholder p);
// True if `half` is the high or low 32 bits of some placeholder's sentinel.
bool IsSentinelHalf(uint32_t half);

// Values for placeholders, given when a program is installed or queried.
class Bindings {
 public:
  // self_pid = getpid().
  static Bindings ForThisProcess();

  Bindings& Set(Placeholder p, uint64_t value);
  std::optional<uint64_t> Get(Placeholder p) const;

 private:
  std::array<std::optional<uint64_t>, kPlaceholderCount> values_{};
};

// The value a placeholder takes under `bindings`: the bound value, or the
// sentinel when `bindings` is null or leaves it unbound.
uint64_t Resolve(Placeholder p, const Bindings* bindings);

// One instruction of a compiled program that compares against half of a
// placeholder's sentinel.
struct Hole {
  size_t index;  // instruction index
  Placeholder placeholder;
  bool high;  // compares the high 32 bits (else the low 32 bits)
  friend bool operator==(const Hole&, const Hole&) = default;
};

// Every hole in `program`: conditional jumps against a constant whose K is a
// sentinel half.
std::vector<Hole> FindHoles(const BpfProgram& program);

// `program` with every hole patched from `bindings`; kUnboundPlaceholder
// naming the placeholder if a hole has no value. A program without holes is
// returned unchanged.
ErrorOr<BpfProgram> FillHoles(const BpfProgram& program, const Bindings& bindings);

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_PLACEHOLDER_H_
