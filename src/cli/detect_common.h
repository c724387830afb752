// What the detection commands (`rules`, `watch`) share: loading rule files in order, with the
// shipped rules when no file is named.
#pragma once

#include <string>
#include <vector>

#include "detect/rules_file.h"

namespace bulkhead::cli {

// "builtin" (or no file at all) stands for the shipped rules.
inline constexpr const char* kRulesFileHelp =
    "Rules file (Falco's language); repeat to load several in order, later ones override "
    "earlier; 'builtin' is the shipped rules (the default)";

// Loads the files in order into a rule set (diagnostics collected, never thrown).
detect::RuleSet load_rule_files(const std::vector<std::string>& files);

}  // namespace bulkhead::cli
