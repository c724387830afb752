// Semantic difference of two resolved filters: which syscalls, per architecture and per
// argument value, get a different action. Both sides are judged by evaluate(), the reference
// semantics, so the comparison does not depend on how either program would be compiled.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "seccomp/filter.h"

namespace bulkhead::seccomp {

// One way a syscall (or a run of numbers that are no syscall) is treated differently.
struct DiffEntry {
  Arch arch;
  // A single number for a syscall; a run of consecutive numbers that name no syscall of the
  // architecture and are all treated alike otherwise.
  uint32_t first_nr = 0;
  uint32_t last_nr = 0;
  std::string syscall;      // empty for a run of numbers that are no syscall
  bool open_ended = false;  // the run reaches past the table: every higher number is alike
  Action a;
  Action b;
  // Empty when neither filter looks at this syscall's arguments (the number alone decides).
  // Otherwise the argument indices the rules of either filter look at, and the sampled
  // argument vectors (around every rule constant of both filters) that get actions a and b.
  std::vector<unsigned> arg_indices;
  std::vector<std::array<uint64_t, 6>> cases;
};

struct FilterDiff {
  std::optional<std::pair<Action, Action>> default_action;
  // What numbers above the highest known one get, when that differs (nullopt: defaultAction).
  std::optional<std::pair<std::optional<Action>, std::optional<Action>>> unknown_action;
  std::optional<std::pair<Action, Action>> bad_arch_action;
  // Set when the two filters cover different architectures.
  std::optional<std::pair<std::vector<Arch>, std::vector<Arch>>> arches;
  // By architecture (in A's order, then B's), then number.
  std::vector<DiffEntry> entries;

  bool empty() const {
    return !default_action && !unknown_action && !bad_arch_action && !arches && entries.empty();
  }
};

// Compares every number of every architecture both filters cover. For a syscall either filter
// has argument rules for, argument vectors are sampled around each rule constant (the value,
// its neighbours, each bit of a mask flipped, the high word set), which is where outcomes can
// change.
FilterDiff diff_filters(const Filter& a, const Filter& b);

// Readable lines, one per entry, grouped: "x86_64 mount: A=ERRNO(1 EPERM) B=ALLOW",
// "x86_64 clone: arg0=0x10000000, 0x20000000: A=ERRNO(1 EPERM) B=ALLOW". Empty when identical.
std::string format_diff(const FilterDiff& diff);

}  // namespace bulkhead::seccomp
