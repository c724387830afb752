// Nanoseconds per system call on the running kernel, with and without a seccomp filter.
//
// Every measurement runs in a freshly forked child that sets no_new_privs, loads its filter
// (or none, for the baseline) with seccomp(2), checks that each call returns what the filter
// should make it return, warms up and then times batches of calls; the fastest batch counts,
// since another process taking the CPU can only make a batch slower. Variants are interleaved
// round by round (and the order rotated each round), so drift on a noisy machine spreads over
// all of them alike; callers summarise the rounds with medians.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "seccomp/program.h"

namespace bulkhead::bench {

struct TimedSyscall {
  std::string label;
  long nr = 0;
  std::array<unsigned long, 6> args{};
};

// What a call has to return before it is timed, so that no timing is ever taken of a call
// that did something else than intended (e.g. a denial that happened in the kernel proper
// instead of in the filter).
struct ExpectedResult {
  enum class Kind { Success, Errno, AnyFailure };
  Kind kind = Kind::Success;
  int err = 0;  // for Errno

  std::string str() const;
};

struct FilterVariant {
  std::string label;
  std::optional<seccomp::Program> program;  // nullopt: no filter at all
  std::vector<ExpectedResult> expected;     // one per TimedSyscall
  // How many times the program is loaded. Stacked filters all run on every call that is
  // not cached, so the filter's own cost is multiplied and stands out of the noise of the
  // syscall itself.
  int copies = 1;
};

struct TimingPlan {
  std::vector<TimedSyscall> syscalls;
  std::vector<FilterVariant> variants;
  int rounds = 25;
  size_t calls = 100000;  // timed calls per syscall per child, split into batches
  size_t batches = 5;     // each child reports its fastest batch: preemption only adds time
  size_t warmup = 10000;
  // CPU every child is pinned to (-1: no pinning). On a VM whose vCPUs are contended
  // differently, a child that migrates mid-batch mixes two speeds into one figure.
  int cpu = -1;
};

// ns[variant][syscall][round]: nanoseconds per call.
struct TimingSamples {
  std::vector<std::vector<std::vector<double>>> ns;
};

// Throws Error when a child cannot load its filter, gets an unexpected result or dies.
TimingSamples measure(const TimingPlan& plan);

}  // namespace bulkhead::bench
