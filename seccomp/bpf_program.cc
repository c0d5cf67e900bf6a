#include "seccomp/bpf_program.h"

#include <cstdint>
#include <string>

#include "base/result.h"

namespace hg::seccomp {
namespace {

Error Malformed(size_t pc, const std::string& what) {
  return Error(ErrorCode::kMalformedProgram, "instruction " + std::to_string(pc) + ": " + what);
}

bool IsConditionalJump(uint16_t code) {
  switch (code) {
    case BPF_JMP | BPF_JEQ | BPF_K:
    case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K:
    case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K:
    case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K:
    case BPF_JMP | BPF_JSET | BPF_X:
      return true;
    default:
      return false;
  }
}

// The opcodes seccomp_check_filter() lets through (after its rewrite of
// LD|W|ABS and the LEN loads). Everything else is EINVAL in the kernel,
// including BPF_MOD, byte/half loads and indirect loads.
bool IsSeccompOpcode(uint16_t code) {
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS:
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_RET | BPF_K:
    case BPF_RET | BPF_A:
    case BPF_ALU | BPF_ADD | BPF_K:  // NOLINT(misc-redundant-expression): ADD and K are 0
    case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K:
    case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K:
    case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_K:
    case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K:
    case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K:
    case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K:
    case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG:
    case BPF_LD | BPF_IMM:
    case BPF_LDX | BPF_IMM:
    case BPF_MISC | BPF_TAX:
    case BPF_MISC | BPF_TXA:
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
    case BPF_ST:
    case BPF_STX:
    case BPF_JMP | BPF_JA:
      return true;
    default:
      return IsConditionalJump(code);
  }
}

}  // namespace

ErrorOr<void> ValidateSeccompProgram(std::span<const sock_filter> insns) {
  const size_t len = insns.size();
  if (len == 0) {
    return Error(ErrorCode::kMalformedProgram, "empty program");
  }
  if (len > kMaxInsns) {
    return Error(ErrorCode::kMalformedProgram, "program has " + std::to_string(len) +
                                                   " instructions; the kernel accepts at most " +
                                                   std::to_string(kMaxInsns));
  }
  for (size_t pc = 0; pc < len; ++pc) {
    const sock_filter& in = insns[pc];
    if (!IsSeccompOpcode(in.code)) {
      return Malformed(pc,
                       "opcode " + std::to_string(in.code) + " is not allowed in a seccomp filter");
    }
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        // seccomp_check_filter: 32-bit aligned and inside struct seccomp_data.
        if (in.k >= kSeccompDataSize || (in.k & 3) != 0) {
          return Malformed(pc, "load offset " + std::to_string(in.k) +
                                   " is not an aligned word of struct seccomp_data");
        }
        break;
      case BPF_ALU | BPF_DIV | BPF_K:
        if (in.k == 0) return Malformed(pc, "division by constant zero");
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (in.k >= 32) return Malformed(pc, "shift by " + std::to_string(in.k) + " >= 32");
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
      case BPF_ST:
      case BPF_STX:
        if (in.k >= BPF_MEMWORDS) {
          return Malformed(pc, "scratch memory index " + std::to_string(in.k) + " >= 16");
        }
        break;
      case BPF_JMP | BPF_JA:
        // Jumps are forward only; the target must be an instruction.
        if (in.k >= len - pc - 1) {
          return Malformed(pc, "jump target " + std::to_string(pc + 1 + uint64_t{in.k}) +
                                   " out of range (program has " + std::to_string(len) +
                                   " instructions)");
        }
        break;
      default:
        if (IsConditionalJump(in.code) && (pc + in.jt + 1 >= len || pc + in.jf + 1 >= len)) {
          return Malformed(
              pc, "jump target " + std::to_string(pc + 1 + (in.jt > in.jf ? in.jt : in.jf)) +
                      " out of range (program has " + std::to_string(len) + " instructions)");
        }
        break;
    }
  }
  const uint16_t last = insns[len - 1].code;
  if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A)) {
    return Malformed(len - 1, "the last instruction must return");
  }
  // check_load_and_stores(): a scratch word must be stored on every path
  // before it is loaded. Same dataflow as the kernel, quirks included (a RET
  // does not reset the valid set for the instruction after it).
  std::vector<uint16_t> masks(len, 0xffff);
  uint16_t memvalid = 0;
  for (size_t pc = 0; pc < len; ++pc) {
    const sock_filter& in = insns[pc];
    memvalid &= masks[pc];
    switch (in.code) {
      case BPF_ST:
      case BPF_STX:
        memvalid |= static_cast<uint16_t>(1u << in.k);
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if ((memvalid & (1u << in.k)) == 0) {
          return Malformed(
              pc, "scratch word " + std::to_string(in.k) + " may be read before it is written");
        }
        break;
      case BPF_JMP | BPF_JA:
        masks[pc + 1 + in.k] &= memvalid;
        memvalid = 0xffff;
        break;
      default:
        if (IsConditionalJump(in.code)) {
          masks[pc + 1 + in.jt] &= memvalid;
          masks[pc + 1 + in.jf] &= memvalid;
          memvalid = 0xffff;
        }
        break;
    }
  }
  return {};
}

ErrorOr<BpfProgram> BpfProgram::FromInsns(std::vector<sock_filter> insns) {
  HG_RETURN_IF_ERROR(ValidateSeccompProgram(insns));
  return BpfProgram(std::move(insns));
}

ErrorOr<BpfProgram> BpfProgram::FromBytes(std::string_view bytes) {
  if (bytes.size() % kInsnBytes != 0) {
    return Error(ErrorCode::kMalformedProgram,
                 "program is " + std::to_string(bytes.size()) +
                     " bytes, not a whole number of 8-byte instructions");
  }
  if (bytes.size() / kInsnBytes > kMaxInsns) {
    return Error(ErrorCode::kMalformedProgram,
                 "program has " + std::to_string(bytes.size() / kInsnBytes) +
                     " instructions; the kernel accepts at most " + std::to_string(kMaxInsns));
  }
  std::vector<sock_filter> insns(bytes.size() / kInsnBytes);
  auto u8 = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  for (size_t i = 0; i < insns.size(); ++i) {
    const size_t o = i * kInsnBytes;
    insns[i].code = static_cast<uint16_t>(u8(o) | (u8(o + 1) << 8));
    insns[i].jt = u8(o + 2);
    insns[i].jf = u8(o + 3);
    insns[i].k = uint32_t{u8(o + 4)} | (uint32_t{u8(o + 5)} << 8) | (uint32_t{u8(o + 6)} << 16) |
                 (uint32_t{u8(o + 7)} << 24);
  }
  return FromInsns(std::move(insns));
}

std::string BpfProgram::ToBytes() const {
  std::string out;
  out.reserve(insns_.size() * kInsnBytes);
  for (const sock_filter& in : insns_) {
    out.push_back(static_cast<char>(in.code & 0xff));
    out.push_back(static_cast<char>(in.code >> 8));
    out.push_back(static_cast<char>(in.jt));
    out.push_back(static_cast<char>(in.jf));
    for (int s = 0; s < 32; s += 8) out.push_back(static_cast<char>((in.k >> s) & 0xff));
  }
  return out;
}

bool operator==(const BpfProgram& a, const BpfProgram& b) {
  if (a.insns_.size() != b.insns_.size()) return false;
  for (size_t i = 0; i < a.insns_.size(); ++i) {
    const sock_filter& x = a.insns_[i];
    const sock_filter& y = b.insns_[i];
    if (x.code != y.code || x.jt != y.jt || x.jf != y.jf || x.k != y.k) return false;
  }
  return true;
}

}  // namespace hg::seccomp
