#include "seccomp/disassembler.h"

#include <cstdio>
#include <optional>
#include <vector>

#include "seccomp/interpreter.h"
#include "seccomp/placeholder.h"

namespace hg::seccomp {
namespace {

// What the accumulator holds: a field of seccomp_data as loaded, or unknown
// (after arithmetic, or where paths with different contents meet).
struct ASource {
  enum Kind : uint8_t { kUnknown, kNr, kArch, kIpLo, kIpHi, kArgLo, kArgHi } kind = kUnknown;
  int arg = 0;
  bool operator==(const ASource&) const = default;
};

ASource FieldAt(uint32_t k) {
  switch (k) {
    case 0:
      return {ASource::kNr, 0};
    case 4:
      return {ASource::kArch, 0};
    case 8:
      return {ASource::kIpLo, 0};
    case 12:
      return {ASource::kIpHi, 0};
    default:
      break;
  }
  const int arg = static_cast<int>((k - 16) / 8);
  return {((k - 16) % 8) == 0 ? ASource::kArgLo : ASource::kArgHi, arg};
}

std::string Describe(const ASource& s) {
  switch (s.kind) {
    case ASource::kNr:
      return "nr";
    case ASource::kArch:
      return "arch";
    case ASource::kIpLo:
      return "instruction_pointer.lo32";
    case ASource::kIpHi:
      return "instruction_pointer.hi32";
    case ASource::kArgLo:
      return "args[" + std::to_string(s.arg) + "].lo32";
    case ASource::kArgHi:
      return "args[" + std::to_string(s.arg) + "].hi32";
    case ASource::kUnknown:
      break;
  }
  return "?";
}

std::string Hex(uint32_t v) {
  char buf[16];
  (void)std::snprintf(buf, sizeof(buf), "#0x%08x", v);
  return buf;
}

std::string Target(size_t pc) {
  char buf[16];
  (void)std::snprintf(buf, sizeof(buf), "%04zu", pc);
  return buf;
}

const char* AluName(uint16_t op) {
  switch (op) {
    case BPF_ADD:
      return "add";
    case BPF_SUB:
      return "sub";
    case BPF_MUL:
      return "mul";
    case BPF_DIV:
      return "div";
    case BPF_AND:
      return "and";
    case BPF_OR:
      return "or";
    case BPF_XOR:
      return "xor";
    case BPF_LSH:
      return "lsh";
    case BPF_RSH:
      return "rsh";
    case BPF_NEG:
      return "neg";
    default:
      return "alu?";
  }
}

const char* JmpName(uint16_t op) {
  switch (op) {
    case BPF_JEQ:
      return "jeq";
    case BPF_JGT:
      return "jgt";
    case BPF_JGE:
      return "jge";
    case BPF_JSET:
      return "jset";
    default:
      return "jmp?";
  }
}

// Annotation for "compare A with K" given what A holds.
std::string CompareNote(const ASource& a, uint32_t k, Arch arch) {
  if (IsSentinelHalf(k)) {
    for (size_t i = 0; i < kPlaceholderCount; ++i) {
      auto p = static_cast<Placeholder>(i);
      const uint64_t s = SentinelValue(p);
      if (k == static_cast<uint32_t>(s >> 32)) return std::string(PlaceholderName(p)) + ".hi32";
      if (k == static_cast<uint32_t>(s)) return std::string(PlaceholderName(p)) + ".lo32";
    }
  }
  switch (a.kind) {
    case ASource::kNr: {
      if (k == kX32SyscallBit && arch == Arch::kX86_64) return "x32 syscall bit";
      if (k == 0xffffffffu) return "nr -1 (syscall skipped by a tracer)";
      if (std::optional<std::string> name = SyscallName(arch, static_cast<int>(k))) return *name;
      return "syscall " + std::to_string(k);
    }
    case ASource::kArch:
      if (std::optional<Arch> a2 = ArchFromAudit(k)) return std::string(ArchName(*a2));
      if (k == kAuditArchI386) return "i386";
      return "arch";
    case ASource::kUnknown:
      return "";
    default:
      return Describe(a);
  }
}

}  // namespace

std::string Disassemble(const BpfProgram& program, Arch arch) {
  const auto& insns = program.insns();
  // Jumps only go forward, so one pass computes what A holds on entry.
  std::vector<std::optional<ASource>> in(insns.size());
  in[0] = ASource{};
  auto flow = [&](size_t to, const ASource& s) {
    if (to >= insns.size()) return;
    if (!in[to]) {
      in[to] = s;
    } else if (!(*in[to] == s)) {
      in[to] = ASource{};
    }
  };
  std::string out;
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    const sock_filter& i = insns[pc];
    const ASource a_in = in[pc].value_or(ASource{});
    ASource a_out = a_in;
    std::string text, note;
    const bool src_x = BPF_SRC(i.code) == BPF_X;
    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        switch (BPF_MODE(i.code)) {
          case BPF_ABS:
            text = "ld   [" + std::to_string(i.k) + "]";
            a_out = FieldAt(i.k);
            note = "A = " + Describe(a_out);
            break;
          case BPF_LEN:
            text = "ld   len";
            a_out = {};
            break;
          case BPF_IMM:
            text = "ld   " + Hex(i.k);
            a_out = {};
            break;
          case BPF_MEM:
            text = "ld   M[" + std::to_string(i.k) + "]";
            a_out = {};
            break;
          default:
            text = "ld?";
            a_out = {};
            break;
        }
        break;
      case BPF_LDX:
        switch (BPF_MODE(i.code)) {
          case BPF_LEN:
            text = "ldx  len";
            break;
          case BPF_IMM:
            text = "ldx  " + Hex(i.k);
            break;
          case BPF_MEM:
            text = "ldx  M[" + std::to_string(i.k) + "]";
            break;
          default:
            text = "ldx?";
            break;
        }
        break;
      case BPF_ST:
        text = "st   M[" + std::to_string(i.k) + "]";
        break;
      case BPF_STX:
        text = "stx  M[" + std::to_string(i.k) + "]";
        break;
      case BPF_ALU: {
        const uint16_t op = BPF_OP(i.code);
        text = std::string(AluName(op));
        text.resize(5, ' ');
        if (op != BPF_NEG) text += src_x ? "x" : Hex(i.k);
        if (op == BPF_AND && !src_x && a_in.kind != ASource::kUnknown) {
          note = Describe(a_in) + " & mask";
        }
        a_out = {};
        break;
      }
      case BPF_JMP:
        if (BPF_OP(i.code) == BPF_JA) {
          text = "ja   " + Target(pc + 1 + i.k);
          flow(pc + 1 + i.k, a_in);
        } else {
          text = std::string(JmpName(BPF_OP(i.code)));
          text.resize(5, ' ');
          text += src_x ? "x" : Hex(i.k);
          text += "  jt " + Target(pc + 1 + i.jt) + " jf " + Target(pc + 1 + i.jf);
          if (!src_x) {
            note = CompareNote(a_in, i.k, arch);
            // Range tests (libseccomp's binary search over syscall numbers).
            const uint16_t op = BPF_OP(i.code);
            if (!note.empty() && (op == BPF_JGT || op == BPF_JGE) && a_in.kind == ASource::kNr &&
                i.k != kX32SyscallBit) {
              note.insert(0, op == BPF_JGT ? "> " : ">= ");
            }
          }
          flow(pc + 1 + i.jt, a_in);
          flow(pc + 1 + i.jf, a_in);
        }
        break;
      case BPF_RET:
        if (BPF_RVAL(i.code) == BPF_A) {
          text = "ret  a";
        } else {
          text = "ret  " + Hex(i.k);
          note = ActionName(i.k);
        }
        break;
      case BPF_MISC:
        text = BPF_MISCOP(i.code) == BPF_TAX ? "tax" : "txa";
        a_out = {};
        break;
      default:
        text = "?";
        break;
    }
    const uint16_t cls = BPF_CLASS(i.code);
    if (cls != BPF_JMP && cls != BPF_RET) flow(pc + 1, a_out);

    char line[160];
    (void)std::snprintf(line, sizeof(line), "%04zu: %-34s", pc, text.c_str());
    std::string l = line;
    if (!note.empty()) l += "; " + note;
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  }
  return out;
}

}  // namespace hg::seccomp
