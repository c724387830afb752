// An AppArmor profile that mirrors a Landlock policy, for hosts that run AppArmor (Debian,
// Ubuntu, SUSE): the same paths with the same kinds of access, plus the denials every container
// profile carries (mount, ptrace, kernel interfaces under /proc and /sys). Landlock remains the
// primary control: AppArmor cannot restrict TCP ports, and the profile says so.
#pragma once

#include <string>

#include "mac/landlock.h"

namespace bulkhead::mac {

// Throws Error when `profile_name` is not a plain profile name (letters, digits, ._:+-).
std::string render_apparmor_profile(const LandlockPolicy& policy, const std::string& profile_name);

}  // namespace bulkhead::mac
