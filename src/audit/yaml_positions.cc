#include "audit/yaml_positions.h"

namespace bulkhead::audit {

SourceLocation location_of(const YAML::Node& node, const std::string& file) {
  SourceLocation where{file, 0, 0};
  if (!node.IsDefined()) return where;
  const YAML::Mark mark = node.Mark();
  // yaml-cpp reports -1 for nodes it created itself (no position in the text).
  if (mark.line < 0 || mark.column < 0) return where;
  where.line = mark.line + 1;
  where.column = mark.column + 1;
  return where;
}

std::string scalar_or_empty(const YAML::Node& node) {
  if (!node.IsDefined() || !node.IsScalar()) return "";
  return node.Scalar();
}

}  // namespace bulkhead::audit
