// Cost figures of a compiled seccomp program: its length, how many instructions the kernel
// executes per syscall (measured with the emulator), and whether the kernel's action cache can
// cache the unconditionally allowed syscalls. `seccomp stats` prints them; the benchmark
// computes them for Bulkhead's program and for libseccomp's program of the same Filter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "seccomp/filter.h"
#include "seccomp/program.h"

namespace bulkhead::seccomp {

// One syscall number run through the program with all arguments zero.
struct SyscallCost {
  uint32_t nr = 0;
  std::string name;
  size_t executed = 0;  // instructions, the return included
  uint32_t ret = 0;     // what the program returned
  // The model says ALLOW whatever the arguments (ResolvedSyscall::fixed_action()).
  bool unconditional_allow = false;
  bool cacheable = false;  // kernel_cacheable(); only computed for unconditional allows
};

struct CostSummary {
  size_t numbers = 0;  // syscall numbers emulated
  double mean_executed = 0;
  size_t max_executed = 0;
  std::string max_syscall;  // the first syscall that costs max_executed ("x86:ipc" overall)
  size_t allowed = 0;       // numbers the program returns ALLOW for (zero arguments)
  double mean_executed_allowed = 0;
  size_t unconditional_allows = 0;
  size_t cacheable_allows = 0;
  std::vector<std::string> not_cacheable;  // unconditional allows the kernel cannot cache
};

struct ArchStats {
  Arch arch;
  CostSummary summary;
  std::vector<SyscallCost> syscalls;  // every number of the arch's table, in order

  const SyscallCost* find(std::string_view name) const;
};

struct ProgramStats {
  size_t length = 0;  // instructions in the program
  std::vector<ArchStats> arches;
  CostSummary overall;  // all architectures' numbers pooled

  const ArchStats* find(Arch arch) const;
};

// Runs `program` over every syscall number of every architecture `filter` covers. The Filter
// supplies the model: which syscalls are unconditionally allowed. The program need not be
// Bulkhead's (the benchmark passes libseccomp's program for the same Filter).
ProgramStats compute_stats(const Filter& filter, const Program& program);

std::string format_stats(const ProgramStats& stats);
nlohmann::json stats_to_json(const ProgramStats& stats);

}  // namespace bulkhead::seccomp
