// Finding YAML documents without yaml-cpp's LoadAll, which (yaml-cpp 0.7) can loop forever,
// allocating, on some malformed input (a lone ","); asking for one document at a time stops.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace bulkhead {

// Where the second document of `text` begins (its first node, else its `---`), or nullopt when
// there is at most one document. Walks the events without building nodes.
std::optional<YAML::Mark> find_second_yaml_document(std::string_view text);

// A yaml-cpp mark (0-based) as a 1-based SourceLocation in `source`; line and column 0 for a
// mark yaml-cpp has no position for (null, or -1 for nodes it made up).
SourceLocation yaml_location(const YAML::Mark& mark, const std::string& source);

// The one document of a file that must hold exactly one (a policy, a compose file). Throws
// Error naming `source`, line and column for YAML that does not parse ("not valid YAML: …")
// and for a second document ("<what> holds one document, found a second one"). An empty file
// gives a null node: what that means is the caller's to say.
YAML::Node load_single_yaml_document(std::string_view text, const std::string& source,
                                     std::string_view what);

}  // namespace bulkhead
