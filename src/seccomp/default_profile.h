// The built-in default profile (profiles/default.json, compiled into the binary).
#pragma once

#include <string_view>

#include "seccomp/profile.h"

namespace bulkhead::embedded {
std::string_view default_seccomp_profile_json();
}

namespace bulkhead::seccomp {

inline constexpr std::string_view kDefaultProfileName = "default";

// Parsed once per call; the source is reported as "builtin:default".
Profile default_profile();
// "default" (or "builtin:default") -> the built-in profile, "-" -> stdin, else a file.
Profile load_profile(const std::string& name_or_path);

}  // namespace bulkhead::seccomp
