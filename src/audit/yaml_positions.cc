#include "audit/yaml_positions.h"

namespace bulkhead::audit {

SourceLocation location_of(const YAML::Node& node, const std::string& file) {
  if (!node.IsDefined()) return SourceLocation{file, 0, 0};
  return yaml_location(node.Mark(), file);
}

std::string scalar_or_empty(const YAML::Node& node) {
  if (!node.IsDefined() || !node.IsScalar()) return "";
  return node.Scalar();
}

}  // namespace bulkhead::audit
