#include "cli/detect_common.h"

#include "detect/shipped_rules.h"

namespace bulkhead::cli {

detect::RuleSet load_rule_files(const std::vector<std::string>& files) {
  detect::RuleSet set;
  if (files.empty()) {
    detect::load_rules_text(set, detect::shipped_rules_yaml(),
                            std::string(detect::kShippedRulesName));
    return set;
  }
  for (const auto& file : files) {
    if (file == "builtin")
      detect::load_rules_text(set, detect::shipped_rules_yaml(),
                              std::string(detect::kShippedRulesName));
    else
      detect::load_rules_file(set, file);
  }
  return set;
}

}  // namespace bulkhead::cli
