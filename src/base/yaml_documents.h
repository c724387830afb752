// Finding YAML documents without yaml-cpp's LoadAll, which (yaml-cpp 0.7) can loop forever,
// allocating, on some malformed input (a lone ","); asking for one document at a time stops.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string_view>

namespace bulkhead {

// Where the second document of `text` begins (its first node, else its `---`), or nullopt when
// there is at most one document. Walks the events without building nodes.
std::optional<YAML::Mark> find_second_yaml_document(std::string_view text);

}  // namespace bulkhead
