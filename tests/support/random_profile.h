// Seeded generator of valid Docker-format seccomp profiles for the differential test: the
// same seed always yields the same profile, so a failure reproduces from its seed alone.
//
// Two kinds of profiles:
//
// libseccomp-comparable (the default) — as varied as possible while libseccomp 2.5.4, the
// reference, still computes them correctly and independently of rule order. An unreliable
// reference proves nothing, so the generator never produces what libseccomp gets wrong:
//  1. An unconditional rule and a conditional rule with a different action for one syscall:
//     libseccomp keeps the unconditional rule and drops every conditional one (whichever
//     came first), while the kernel's precedence (and our model) lets a more restrictive
//     conditional rule win. Unconditional rules only share a syscall with conditional
//     rules of the same action.
//  2. Two unconditional rules with different actions for one syscall: the first one added
//     wins. A syscall gets at most one unconditional action.
//  3. Two conditional rules with different actions that one call can match both: the tree
//     merge outcome depends on which was added first. Rules of one syscall with different
//     actions always carry an EQ test of one "discriminator" argument against distinct small
//     constants, so no call matches two of them — not even when libseccomp truncates
//     arguments to 32 bits (x86, x32) or rewrites arg0 for socketcall() (the discriminator
//     is never arg0 for a socketcall/ipc sub-call).
//  4. Two comparisons of the same argument in one rule: libseccomp rejects the rule (EINVAL).
//  5. Two rules of one syscall that compare the same argument (other than the discriminator,
//     which is EQ everywhere): libseccomp 2.5.4 merges their comparisons into one tree level
//     and attaches one rule's remaining tests under the other's comparison — a plain bug,
//     whatever the order and even for rules of the same action (docs/VERIFICATION.md has
//     the minimal case). Each argument is compared by at most one rule per syscall.
//  6. On x86, socketcall()/ipc() named directly together with a sub-call (socket, shmat…)
//     that has its own unconditional rule of another action: both end up as rules on
//     socketcall and case 1 applies. socketcall/ipc are only ever unconditional, with the
//     same action as every unconditional rule of their sub-calls.
//  7. ERRNO(4095): the kernel takes it, libseccomp refuses it (EINVAL). Errnos stay <= 4094.
// Within those limits: all seven operators, 64-bit and high-bit constants, MASKED_EQ data
// with bits outside the mask, a rule shared by several syscalls, conditional rules shadowed
// by a same-action unconditional one, rules that conditions (includes.caps) switch off,
// names that exist only on x86 or on no compiled architecture at all.
//
// Unrestricted (libseccomp_comparable = false) — anything valid: overlapping rules with
// different actions, unconditional and conditional rules of different actions on one
// syscall, several comparisons of one argument in a rule, socketcall with argument rules.
// Only the model can judge these, and the differential test holds our compiler to it.
#pragma once

#include <cstdint>
#include <string>

#include "seccomp/profile.h"

namespace bulkhead::testing {

struct RandomProfileOptions {
  // Only constants below 2^32: profiles whose argument tests every ABI can evaluate alike.
  bool constants_32bit = false;
  size_t max_syscalls = 300;  // the profile names 1..max_syscalls syscalls
  // At most this many syscalls get argument rules, so that the program for x86_64, x86 and
  // x32 together stays under the kernel's 4096 instructions.
  size_t max_conditional_syscalls = 40;
  bool libseccomp_comparable = true;  // see above
};

struct RandomProfile {
  uint64_t seed = 0;
  std::string json;          // the profile as Docker-format JSON text
  seccomp::Profile profile;  // `json` read back through parse_profile()
};

RandomProfile random_profile(uint64_t seed, const RandomProfileOptions& options = {});

}  // namespace bulkhead::testing
