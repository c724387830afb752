// JSON documents that remember where each value came from, so that errors in user input name
// the file, line, column and field. Parsing is nlohmann-json's; we only add the positions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/error.h"

namespace bulkhead {

class JsonDocument {
 public:
  // Throws Error with the location of the first syntax error.
  static JsonDocument parse(std::string_view text, std::string source);

  const nlohmann::json& root() const { return root_; }
  const std::string& source() const { return source_; }
  // Location of the value at `pointer` (for object members: of its key). Falls back to the
  // nearest enclosing value that has one.
  SourceLocation where(std::string pointer) const;
  // An input error at `pointer`; the field is shown in a readable form ("syscalls[3].action").
  [[nodiscard]] Error error(const std::string& pointer, const std::string& message) const;

 private:
  std::string source_;
  nlohmann::json root_;
  std::unordered_map<std::string, std::pair<int, int>> positions_;
  friend class JsonPositionRecorder;
};

// One JSON-pointer reference token: "~" -> "~0", "/" -> "~1" (RFC 6901).
std::string escape_pointer_token(std::string_view key);

// "/syscalls/3/action" -> "syscalls[3].action"
std::string readable_pointer(std::string_view pointer);

}  // namespace bulkhead
