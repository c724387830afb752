#include "detect/shipped_rules.h"

namespace bulkhead::embedded {
std::string_view bulkhead_rules_yaml();
}

namespace bulkhead::detect {

std::string_view shipped_rules_yaml() {
  return embedded::bulkhead_rules_yaml();
}

}  // namespace bulkhead::detect
