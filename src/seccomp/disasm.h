// A readable listing of a seccomp BPF program: labels for jump targets, mnemonics, and what
// each constant means (architecture names, syscall names of the architecture being checked,
// return actions).
#pragma once

#include <string>

#include "seccomp/program.h"

namespace bulkhead::seccomp {

// One line per instruction:
//
//   L12:    12  jge #59 (execve)              jt L20  jf next
//
// The left column names the instruction when some jump lands on it; `next` is the following
// instruction. What the accumulator holds (nr, arch, an argument word) and which architecture
// has been established are worked out by a forward pass over the program (seccomp BPF only
// jumps forward), so comparisons against syscall numbers are named with the right table.
// Works on any program, including one that fails validate(): jumps out of range are marked.
std::string disassemble(const Program& program);

}  // namespace bulkhead::seccomp
