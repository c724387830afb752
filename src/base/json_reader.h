// Reading one JSON object of user input field by field, with the checks every reader of
// Bulkhead's inputs wants: member types, unknown members refused (a misspelt field must not
// be ignored), members Bulkhead cannot enforce refused unless they ask for nothing, and every
// error naming the file, line, column and field through the JsonDocument.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"

namespace bulkhead {

// "null" for null, else nlohmann's type name ("object", "string", …).
std::string json_type_name(const nlohmann::json& v);

// A value that asks for nothing: absent, null, {} or [].
bool json_asks_nothing(const nlohmann::json& v);

class JsonObjectReader {
 public:
  // Throws when the value at `pointer` is not an object, has a member outside `known` and
  // `unsupported`, or has an `unsupported` member that asks for something.
  JsonObjectReader(const JsonDocument& doc, std::string pointer,
                   std::initializer_list<std::string_view> known,
                   std::initializer_list<std::string_view> unsupported = {});

  const JsonDocument& doc() const { return doc_; }
  const std::string& pointer() const { return pointer_; }
  const nlohmann::json& node() const { return *node_; }
  // Present and not null.
  bool has(const std::string& key) const;
  std::string at(const std::string& key) const;  // the member's pointer
  const nlohmann::json& value(const std::string& key) const { return (*node_)[key]; }

  std::string string(const std::string& key, const std::string& fallback = "") const;
  std::string required_string(const std::string& key) const;
  bool boolean(const std::string& key, bool fallback = false) const;
  int64_t integer(const std::string& key, int64_t min, int64_t max) const;
  uint64_t unsigned_integer(const std::string& key, uint64_t max) const;
  uint32_t id(const std::string& key) const;  // a required uint32
  std::vector<std::string> strings(const std::string& key) const;
  std::map<std::string, std::string> string_map(const std::string& key) const;
  size_t array_size(const std::string& key) const;
  std::string element(const std::string& key, size_t i) const;  // pointer of key[i]

 private:
  Error out_of_range(const std::string& key, int64_t min, int64_t max) const;

  const JsonDocument& doc_;
  std::string pointer_;
  // Resolved once: a JSON pointer lookup walks from the root, and readers ask per field.
  const nlohmann::json* node_;
};

}  // namespace bulkhead
