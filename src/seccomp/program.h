// Classic BPF programs for seccomp: the instruction type, an emulator that runs a program
// the way the kernel does, and the kernel's checks.
#pragma once

#include <linux/filter.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bulkhead::seccomp {

using Insn = struct sock_filter;

constexpr size_t kMaxInsns = 4096;  // BPF_MAXINSNS

struct Program {
  std::vector<Insn> insns;

  // Raw `struct sock_filter[]` bytes, as seccomp(2) and libseccomp's export take them.
  std::string bytes() const;
  static Program from_bytes(std::string_view bytes);  // throws Error on a torn length
  // `struct sock_filter name[] = {…};`
  std::string c_array(std::string_view name) const;
};

// struct seccomp_data, the filter's input.
struct SeccompInput {
  uint32_t nr = 0;
  uint32_t arch = 0;
  uint64_t instruction_pointer = 0;
  std::array<uint64_t, 6> args{};
};

struct RunResult {
  uint32_t ret = 0;
  size_t executed = 0;       // instructions executed, the return included
  bool loaded_args = false;  // read anything but nr and arch
};

// Runs a program that passed `validate`. Never reads outside seccomp_data.
RunResult run(std::span<const Insn> program, const SeccompInput& input);

// The kernel's seccomp_check_filter + bpf_check_classic: throws Error naming the instruction.
void validate(std::span<const Insn> program);

// Whether the kernel's action cache (Linux >= 5.11) can cache `nr` for `arch` as allowed:
// the path for it may only read nr/arch, use constant jumps and ALU AND, and return ALLOW.
// Mirrors seccomp_is_const_allow() in kernel/seccomp.c.
bool kernel_cacheable(std::span<const Insn> program, uint32_t arch, uint32_t nr);

}  // namespace bulkhead::seccomp
