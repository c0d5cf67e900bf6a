#include "seccomp/interpreter.h"

#include <linux/seccomp.h>

#include <cstdio>
#include <cstring>

#include "base/result.h"

namespace hg::seccomp {
namespace {

static_assert(sizeof(SeccompData) == kSeccompDataSize, "layout of struct seccomp_data");

// The word at byte offset `k` of struct seccomp_data (k validated: aligned,
// < 64), in host byte order as the kernel loads it.
uint32_t LoadWord(const SeccompData& d, uint32_t k) {
  unsigned char raw[kSeccompDataSize];
  std::memcpy(raw, &d.nr, 4);
  std::memcpy(raw + 4, &d.arch, 4);
  std::memcpy(raw + 8, &d.instruction_pointer, 8);
  std::memcpy(raw + 16, d.args.data(), 48);
  uint32_t w;
  std::memcpy(&w, raw + (k & 60u), 4);
  return w;
}

// Precondition: `insns` passed ValidateSeccompProgram. Bounds are still
// checked, so a bug elsewhere cannot turn into an out-of-range read.
Verdict Execute(std::span<const sock_filter> insns, const SeccompData& data) {
  uint32_t a = 0, x = 0;
  uint32_t mem[BPF_MEMWORDS] = {};
  Verdict v;
  size_t pc = 0;
  while (pc < insns.size()) {
    const sock_filter& in = insns[pc];
    ++v.insns_executed;
    size_t next = pc + 1;
    const uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        switch (BPF_MODE(in.code)) {
          case BPF_ABS:
            a = LoadWord(data, in.k);
            break;
          case BPF_LEN:
            a = kSeccompDataSize;
            break;
          case BPF_IMM:
            a = in.k;
            break;
          case BPF_MEM:
            a = mem[in.k % BPF_MEMWORDS];
            break;
          default:
            v.ret = 0;
            return v;
        }
        break;
      case BPF_LDX:
        switch (BPF_MODE(in.code)) {
          case BPF_LEN:
            x = kSeccompDataSize;
            break;
          case BPF_IMM:
            x = in.k;
            break;
          case BPF_MEM:
            x = mem[in.k % BPF_MEMWORDS];
            break;
          default:
            v.ret = 0;
            return v;
        }
        break;
      case BPF_ST:
        mem[in.k % BPF_MEMWORDS] = a;
        break;
      case BPF_STX:
        mem[in.k % BPF_MEMWORDS] = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(in.code)) {
          case BPF_ADD:
            a += operand;
            break;
          case BPF_SUB:
            a -= operand;
            break;
          case BPF_MUL:
            a *= operand;
            break;
          case BPF_DIV:
            if (operand == 0) {  // only reachable with X; the kernel returns 0
              v.ret = 0;
              return v;
            }
            a /= operand;
            break;
          case BPF_AND:
            a &= operand;
            break;
          case BPF_OR:
            a |= operand;
            break;
          case BPF_XOR:
            a ^= operand;
            break;
          // The kernel masks 32-bit shift counts to 5 bits (K >= 32 is
          // rejected by validation; X is masked at run time).
          case BPF_LSH:
            a <<= (operand & 31u);
            break;
          case BPF_RSH:
            a >>= (operand & 31u);
            break;
          case BPF_NEG:
            a = 0u - a;
            break;
          default:
            v.ret = 0;
            return v;
        }
        break;
      case BPF_JMP:
        if (BPF_OP(in.code) == BPF_JA) {
          next = pc + 1 + in.k;
        } else {
          bool taken = false;
          switch (BPF_OP(in.code)) {
            case BPF_JEQ:
              taken = a == operand;
              break;
            case BPF_JGT:
              taken = a > operand;
              break;
            case BPF_JGE:
              taken = a >= operand;
              break;
            case BPF_JSET:
              taken = (a & operand) != 0;
              break;
            default:
              v.ret = 0;
              return v;
          }
          next = pc + 1 + (taken ? in.jt : in.jf);
        }
        break;
      case BPF_RET:
        v.ret = BPF_RVAL(in.code) == BPF_A ? a : in.k;
        return v;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX) {
          x = a;
        } else {
          a = x;
        }
        break;
      default:
        v.ret = 0;
        return v;
    }
    pc = next;
  }
  v.ret = 0;  // fell off the end: impossible for a validated program
  return v;
}

}  // namespace

SeccompData SeccompData::For(Arch arch, int nr, SyscallArgs args) {
  SeccompData d;
  d.nr = nr;
  d.arch = Info(arch).audit_arch;
  d.args = args;
  return d;
}

bool Verdict::allowed() const { return action() == SECCOMP_RET_ALLOW; }

Verdict Interpret(const BpfProgram& program, const SeccompData& data) {
  return Execute(program.insns(), data);
}

ErrorOr<Verdict> InterpretUnvalidated(std::span<const sock_filter> insns, const SeccompData& data) {
  HG_RETURN_IF_ERROR(ValidateSeccompProgram(insns));
  return Execute(insns, data);
}

std::string ActionName(uint32_t ret) {
  const uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
  const uint32_t data = ret & SECCOMP_RET_DATA;
  switch (action) {
    case SECCOMP_RET_KILL_PROCESS:
      return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD:
      return "KILL_THREAD";
    case SECCOMP_RET_TRAP:
      return "TRAP(" + std::to_string(data) + ")";
    case SECCOMP_RET_ERRNO:
      return "ERRNO(" + std::to_string(data) + ")";
    case SECCOMP_RET_USER_NOTIF:
      return "USER_NOTIF";
    case SECCOMP_RET_TRACE:
      return "TRACE(" + std::to_string(data) + ")";
    case SECCOMP_RET_LOG:
      return "LOG";
    case SECCOMP_RET_ALLOW:
      return "ALLOW";
    default:
      break;
  }
  char buf[32];
  (void)std::snprintf(buf, sizeof(buf), "UNKNOWN(0x%08x)", ret);
  return buf;
}

}  // namespace hg::seccomp
