#include "seccomp/default_profile.h"

#include "base/strings.h"

namespace bulkhead::seccomp {

Profile default_profile() {
  return parse_profile(embedded::default_seccomp_profile_json(), "builtin:default");
}

Profile load_profile(const std::string& name_or_path) {
  if (name_or_path == kDefaultProfileName || name_or_path == "builtin:default")
    return default_profile();
  return parse_profile(read_file(name_or_path), name_or_path == "-" ? "<stdin>" : name_or_path);
}

}  // namespace bulkhead::seccomp
