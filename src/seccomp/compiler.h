// Bulkhead's seccomp compiler: a resolved Filter to a classic BPF program.
//
// Shape of the output, per architecture: check seccomp_data.arch, load nr once, walk a
// decision tree over ranges of syscall numbers that share a decision, and only then (for
// the few syscalls with argument rules) load arguments. Identical code is emitted once
// (returns, argument checks shared by several syscalls). A syscall whose action does not
// depend on its arguments is decided from nr and arch alone, so the kernel's action cache
// can cache it.
#pragma once

#include <string>
#include <unordered_map>

#include "seccomp/filter.h"
#include "seccomp/program.h"

namespace bulkhead::seccomp {

enum class TreeWeighting {
  Uniform,    // minimise mean instructions over all syscall numbers the arch has
  Frequency,  // weight numbers by how often typical workloads call them
};

struct CompileOptions {
  TreeWeighting weighting = TreeWeighting::Uniform;
};

// The result has passed validate() (the kernel's checks). Throws Error when the program would
// exceed the kernel's 4096-instruction limit.
Program compile(const Filter& filter, const CompileOptions& options = {});

// Relative call frequency of common syscalls (by name) used by TreeWeighting::Frequency.
const std::unordered_map<std::string, double>& syscall_frequency_weights();

}  // namespace bulkhead::seccomp
