// A classic-BPF seccomp program that the kernel would accept.
//
//   ErrorOr<BpfProgram> p = BpfProgram::FromBytes(file_contents);   // seccomp.bpf
//   if (!p.ok()) ... p.error().message()  // "instruction 7: jump target 60 out of range ..."
//   std::string bytes = p->ToBytes();                                  // byte-identical round trip
//
// A BpfProgram can only be built through validation (the kernel's own checks:
// bpf_check_classic + seccomp_check_filter), so the interpreter, disassembler
// and installer never see an out-of-range jump, an unknown opcode or a program
// without a final return. Anything else would let a corrupt seccomp.bpf crash
// `policy query` or be "explained" differently from what the kernel runs.
#ifndef HARDGOFER_SECCOMP_BPF_PROGRAM_H_
#define HARDGOFER_SECCOMP_BPF_PROGRAM_H_

#include <linux/filter.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "seccomp/error.h"

namespace hg::seccomp {

// BPF_MAXINSNS: the kernel refuses longer programs.
inline constexpr size_t kMaxInsns = 4096;
// sizeof(struct seccomp_data): nr, arch, instruction_pointer, args[6].
inline constexpr uint32_t kSeccompDataSize = 64;
// One instruction on disk: u16 code, u8 jt, u8 jf, u32 k, little-endian (the
// layout of struct sock_filter on both supported arches).
inline constexpr size_t kInsnBytes = 8;

// kMalformedProgram naming the first offending instruction if the kernel's
// seccomp loader would reject `insns`.
ErrorOr<void> ValidateSeccompProgram(std::span<const sock_filter> insns);

class BpfProgram {
 public:
  static ErrorOr<BpfProgram> FromInsns(std::vector<sock_filter> insns);
  // `bytes` must be a whole number of 8-byte instructions.
  static ErrorOr<BpfProgram> FromBytes(std::string_view bytes);

  const std::vector<sock_filter>& insns() const { return insns_; }
  size_t size() const { return insns_.size(); }
  std::string ToBytes() const;

  friend bool operator==(const BpfProgram& a, const BpfProgram& b);

 private:
  explicit BpfProgram(std::vector<sock_filter> insns) : insns_(std::move(insns)) {}
  std::vector<sock_filter> insns_;
};

}  // namespace hg::seccomp

#endif  // HARDGOFER_SECCOMP_BPF_PROGRAM_H_
