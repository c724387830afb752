// YAML node positions as SourceLocations, shared by the YAML-based audit readers (compose,
// Kubernetes). Private to src/audit.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "base/error.h"
#include "base/yaml_documents.h"

namespace bulkhead::audit {

// The node's line and column, 1-based (yaml-cpp marks are 0-based). A node without a mark
// (a null or an invalid node) gives line 0, column 0.
SourceLocation location_of(const YAML::Node& node, const std::string& file);

// The node's scalar text, or "" when the node is not a scalar (null, map, sequence, invalid).
std::string scalar_or_empty(const YAML::Node& node);

}  // namespace bulkhead::audit
