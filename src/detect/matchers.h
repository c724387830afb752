// The value tests behind the condition operators that are more than a comparison: globs, IP
// networks, path-prefix sets (pmatch), case-insensitive search, base64. Compiled once per
// operand; matching does not allocate.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "detect/value.h"

namespace bulkhead::detect {

// Hash for string sets looked up by string_view without building a std::string (C++20
// heterogeneous lookup).
struct StringViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};
using StringSet = std::unordered_set<std::string, StringViewHash, std::equal_to<>>;

// Shell-style glob over the whole text: `*` (any run, including '/'), `?`, `[abc]`, `[a-z]`,
// `[!x]`/`[^x]`, backslash escapes. An unterminated `[` matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

std::optional<IpAddress> parse_ip(std::string_view text);
std::string format_ip(const IpAddress& ip);

struct IpNetwork {
  IpAddress base;
  int prefix_length = 0;  // bits
  bool contains(const IpAddress& ip) const;
};
// "10.0.0.0/8", "fd00::/8", or a bare address (a network of one).
std::optional<IpNetwork> parse_ip_network(std::string_view text);

// Falco's pmatch: a path matches when it equals one of the set's paths or lies below one of them
// (`/usr` matches `/usr/bin/ls`, not `/usrx`). Lookups walk the path's '/' boundaries against a
// hash set, so the cost grows with the path's depth, not the set's size.
class PathPrefixSet {
 public:
  void add(std::string_view path);
  bool matches(std::string_view path) const;
  bool empty() const { return prefixes_.empty(); }

 private:
  StringSet prefixes_;
  bool has_root_ = false;
};

// ASCII case-insensitive substring search; `lowered_needle` must already be lower case.
bool icontains(std::string_view haystack, std::string_view lowered_needle);
bool iequals(std::string_view a, std::string_view lowered_b);

std::optional<std::string> decode_base64(std::string_view text);
// Hex text ("7f454c46", spaces allowed) to bytes, for bcontains/bstartswith operands.
std::optional<std::string> decode_hex(std::string_view text);

}  // namespace bulkhead::detect
