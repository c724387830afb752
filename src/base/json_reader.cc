#include "base/json_reader.h"

#include <limits>

namespace bulkhead {

using nlohmann::json;

std::string json_type_name(const json& v) {
  return v.is_null() ? "null" : v.type_name();
}

bool json_asks_nothing(const json& v) {
  return v.is_null() || ((v.is_object() || v.is_array()) && v.empty());
}

JsonObjectReader::JsonObjectReader(const JsonDocument& doc, std::string pointer,
                                   std::initializer_list<std::string_view> known,
                                   std::initializer_list<std::string_view> unsupported)
    : doc_(doc),
      pointer_(std::move(pointer)),
      node_(&doc_.root().at(json::json_pointer(pointer_))) {
  if (!node_->is_object()) {
    throw doc_.error(pointer_, "expected an object, got " + json_type_name(*node_));
  }
  auto in = [](std::initializer_list<std::string_view> list, const std::string& key) {
    for (auto k : list) {
      if (k == key) return true;
    }
    return false;
  };
  for (const auto& item : node_->items()) {
    const std::string& key = item.key();
    if (in(unsupported, key)) {
      if (json_asks_nothing(item.value())) continue;
      throw doc_.error(at(key),
                       "not supported: Bulkhead cannot enforce this field, so it refuses the "
                       "input rather than ignore it");
    }
    if (in(known, key)) continue;
    std::string list;
    for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw doc_.error(at(key), "unknown field (expected one of: " + list + ")");
  }
}

bool JsonObjectReader::has(const std::string& key) const {
  auto it = node_->find(key);
  return it != node_->end() && !it->is_null();
}

std::string JsonObjectReader::at(const std::string& key) const {
  return pointer_ + "/" + escape_pointer_token(key);
}

std::string JsonObjectReader::string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const auto& v = value(key);
  if (!v.is_string()) throw doc_.error(at(key), "expected a string, got " + json_type_name(v));
  return v.get<std::string>();
}

std::string JsonObjectReader::required_string(const std::string& key) const {
  if (!has(key)) throw doc_.error(at(key), "missing (a string is required)");
  return string(key);
}

bool JsonObjectReader::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = value(key);
  if (!v.is_boolean()) {
    throw doc_.error(at(key), "expected true or false, got " + json_type_name(v));
  }
  return v.get<bool>();
}

int64_t JsonObjectReader::integer(const std::string& key, int64_t min, int64_t max) const {
  const auto& v = value(key);
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(max)) throw out_of_range(key, min, max);
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (!v.is_number_integer()) {
    throw doc_.error(at(key), "expected an integer, got " + json_type_name(v));
  }
  int64_t n = v.get<int64_t>();
  if (n < min || n > max) throw out_of_range(key, min, max);
  return n;
}

uint64_t JsonObjectReader::unsigned_integer(const std::string& key, uint64_t max) const {
  const auto& v = value(key);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    throw doc_.error(at(key), "expected a non-negative integer, got " + json_type_name(v));
  }
  uint64_t n = v.get<uint64_t>();
  if (n > max) {
    throw doc_.error(at(key),
                     std::to_string(n) + " is out of range (max " + std::to_string(max) + ")");
  }
  return n;
}

uint32_t JsonObjectReader::id(const std::string& key) const {
  if (!has(key)) throw doc_.error(at(key), "missing (an integer is required)");
  return static_cast<uint32_t>(unsigned_integer(key, std::numeric_limits<uint32_t>::max()));
}

std::vector<std::string> JsonObjectReader::strings(const std::string& key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const auto& v = value(key);
  if (!v.is_array()) {
    throw doc_.error(at(key), "expected an array of strings, got " + json_type_name(v));
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      throw doc_.error(element(key, i), "expected a string, got " + json_type_name(v[i]));
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> JsonObjectReader::string_map(const std::string& key) const {
  std::map<std::string, std::string> out;
  if (!has(key)) return out;
  const auto& v = value(key);
  if (!v.is_object()) {
    throw doc_.error(at(key), "expected an object of strings, got " + json_type_name(v));
  }
  for (const auto& item : v.items()) {
    if (!item.value().is_string()) {
      throw doc_.error(at(key) + "/" + escape_pointer_token(item.key()),
                       "expected a string, got " + json_type_name(item.value()));
    }
    out.emplace(item.key(), item.value().get<std::string>());
  }
  return out;
}

size_t JsonObjectReader::array_size(const std::string& key) const {
  if (!has(key)) return 0;
  const auto& v = value(key);
  if (!v.is_array()) throw doc_.error(at(key), "expected an array, got " + json_type_name(v));
  return v.size();
}

std::string JsonObjectReader::element(const std::string& key, size_t i) const {
  return at(key) + "/" + std::to_string(i);
}

Error JsonObjectReader::out_of_range(const std::string& key, int64_t min, int64_t max) const {
  return doc_.error(at(key),
                    "out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")");
}

}  // namespace bulkhead
