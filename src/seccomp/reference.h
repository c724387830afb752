// The same filter built by libseccomp 2.5: the reference the differential test and the
// benchmark hold Bulkhead's compiler against.
//
// libseccomp is fed syscall *names* per architecture so that it does its own number
// resolution and its own x86 socketcall/ipc multiplexing; nothing of ours is in between but
// the resolved rule list. Known differences from Bulkhead's semantics (docs/VERIFICATION.md):
//  - no ERRNO(ENOSYS) for numbers newer than the profile: libseccomp returns the default;
//  - 32-bit ABIs (x86, x32, arm) compare only the low 32 bits of arguments and constants;
//  - a MASKED_EQ datum is ANDed with the mask before comparing;
//  - on x86 a rule with argument checks on a socketcall/ipc sub-call is also applied to
//    socketcall()/ipc() with the sub-call number in place of the rule's arg0 check;
//  - a rule whose action equals the default action is not added (libseccomp refuses it with
//    EACCES; runc and crun skip such rules the same way).
// libseccomp 2.5.4 also has bugs the differential test works around: rules of one syscall
// comparing the same 64-bit argument are merged wrongly, and the level-2 (binary tree) code
// generator sometimes tests the wrong argument word. Use its programs as a yardstick of size
// and speed, and trust their verdicts only where docs/VERIFICATION.md says they hold.
#pragma once

#include "seccomp/filter.h"
#include "seccomp/program.h"

namespace bulkhead::seccomp {

// Throws bulkhead::Error carrying libseccomp's error text and the rule it refused.
Program compile_with_libseccomp(const Filter& filter, int optimize_level = 2);

}  // namespace bulkhead::seccomp
