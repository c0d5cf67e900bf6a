#include "seccomp/placeholder.h"

#include <unistd.h>

#include <string>

#include "base/result.h"

namespace hg::seccomp {
namespace {

// High half: "5EC0DE" tag; low half: a negative int32 (invalid as a pid or fd).
constexpr uint32_t kSentinelHighBase = 0x5EC0DE00;
constexpr uint32_t kSentinelLowBase = 0xFFFFDE00;

uint32_t High(Placeholder p) { return kSentinelHighBase + static_cast<uint32_t>(p); }
uint32_t Low(Placeholder p) { return kSentinelLowBase + static_cast<uint32_t>(p); }

bool IsJumpK(uint16_t code) {
  return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA && BPF_SRC(code) == BPF_K;
}

}  // namespace

std::string_view PlaceholderName(Placeholder p) {
  switch (p) {
    case Placeholder::kSelfPid:
      return "self_pid";
  }
  return "unknown_placeholder";
}

std::optional<Placeholder> PlaceholderFromName(std::string_view name) {
  for (size_t i = 0; i < kPlaceholderCount; ++i) {
    auto p = static_cast<Placeholder>(i);
    if (PlaceholderName(p) == name) return p;
  }
  return std::nullopt;
}

uint64_t SentinelValue(Placeholder p) { return (uint64_t{High(p)} << 32) | Low(p); }

bool IsSentinelHalf(uint32_t half) {
  for (size_t i = 0; i < kPlaceholderCount; ++i) {
    auto p = static_cast<Placeholder>(i);
    if (half == High(p) || half == Low(p)) return true;
  }
  return false;
}

Bindings Bindings::ForThisProcess() {
  Bindings b;
  b.Set(Placeholder::kSelfPid, static_cast<uint64_t>(::getpid()));
  return b;
}

Bindings& Bindings::Set(Placeholder p, uint64_t value) {
  values_[static_cast<size_t>(p)] = value;
  return *this;
}

std::optional<uint64_t> Bindings::Get(Placeholder p) const {
  return values_[static_cast<size_t>(p)];
}

uint64_t Resolve(Placeholder p, const Bindings* bindings) {
  if (bindings != nullptr) {
    if (std::optional<uint64_t> v = bindings->Get(p)) return *v;
  }
  return SentinelValue(p);
}

std::vector<Hole> FindHoles(const BpfProgram& program) {
  std::vector<Hole> holes;
  const auto& insns = program.insns();
  for (size_t i = 0; i < insns.size(); ++i) {
    if (!IsJumpK(insns[i].code)) continue;
    for (size_t j = 0; j < kPlaceholderCount; ++j) {
      auto p = static_cast<Placeholder>(j);
      if (insns[i].k == High(p)) holes.push_back({i, p, true});
      if (insns[i].k == Low(p)) holes.push_back({i, p, false});
    }
  }
  return holes;
}

ErrorOr<BpfProgram> FillHoles(const BpfProgram& program, const Bindings& bindings) {
  std::vector<sock_filter> insns = program.insns();
  for (const Hole& h : FindHoles(program)) {
    std::optional<uint64_t> v = bindings.Get(h.placeholder);
    if (!v) {
      return Error(ErrorCode::kUnboundPlaceholder,
                   "placeholder " + std::string(PlaceholderName(h.placeholder)) + " (instruction " +
                       std::to_string(h.index) + ") has no value");
    }
    insns[h.index].k = h.high ? static_cast<uint32_t>(*v >> 32) : static_cast<uint32_t>(*v);
  }
  return BpfProgram::FromInsns(std::move(insns));
}

}  // namespace hg::seccomp
