// Why a call gets its action, in words that point back into the profile: the rule (its index,
// names, comment and where it stands in the file), the default action, the ENOSYS treatment of
// numbers newer than the profile, or the bad-architecture action.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "seccomp/filter.h"
#include "seccomp/profile.h"

namespace bulkhead::seccomp {

// "syscalls[12] (names: mount, umount2, …; comment "…") at FILE:LINE", "defaultAction",
// "unknown syscall number above the profile (ENOSYS)", "bad architecture". `filter` must be
// resolved from `profile`; `call` and `verdict` come from evaluate(filter, call).
std::string explain_verdict(const Profile& profile, const Filter& filter, const SyscallCall& call,
                            const Verdict& verdict);

// The same as JSON: {"origin": "rule"|"default"|"unknown-syscall"|"bad-arch", "rule": {…}}.
nlohmann::json explain_verdict_json(const Profile& profile, const Filter& filter,
                                    const SyscallCall& call, const Verdict& verdict);

}  // namespace bulkhead::seccomp
