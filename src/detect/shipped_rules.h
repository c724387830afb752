// The rules shipped with bulkhead (rules/bulkhead_rules.yaml, compiled into the binary).
#pragma once

#include <string_view>

namespace bulkhead::detect {

inline constexpr std::string_view kShippedRulesName = "builtin:bulkhead_rules.yaml";
std::string_view shipped_rules_yaml();

}  // namespace bulkhead::detect
