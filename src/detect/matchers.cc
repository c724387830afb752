#include "detect/matchers.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace bulkhead::detect {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Matches one bracket expression at pattern[p] (pattern[p] == '[') against c. Returns the index
// after the expression, or npos if the bracket is unterminated (then '[' is literal).
std::size_t match_bracket(std::string_view pattern, std::size_t p, char c, bool& matched) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    char low = pattern[i];
    if (low == '\\' && i + 1 < pattern.size()) low = pattern[++i];
    char high = low;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      high = pattern[i + 2];
      if (high == '\\' && i + 3 < pattern.size()) {
        high = pattern[i + 3];
        ++i;
      }
      i += 2;
    }
    if (c >= low && c <= high) found = true;
    ++i;
  }
  if (i >= pattern.size()) return std::string_view::npos;
  matched = found != negate;
  return i + 1;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matching with one backtrack point (the last '*'): linear in practice, never
  // exponential.
  std::size_t p = 0, t = 0;
  std::size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        bool matched = false;
        std::size_t next = match_bracket(pattern, p, text[t], matched);
        if (next != std::string_view::npos) {
          if (matched) {
            p = next;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else {
        if (pc == '\\' && p + 1 < pattern.size()) {
          if (pattern[p + 1] == text[t]) {
            p += 2;
            ++t;
            continue;
          }
        } else if (pc == text[t]) {
          ++p;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  char buffer[65];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET, buffer, ip.bytes.data()) == 1) {
    ip.family = 4;
    return ip;
  }
  if (inet_pton(AF_INET6, buffer, ip.bytes.data()) == 1) {
    ip.family = 6;
    return ip;
  }
  return std::nullopt;
}

std::string format_ip(const IpAddress& ip) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (ip.family == 4) inet_ntop(AF_INET, ip.bytes.data(), buffer, sizeof buffer);
  if (ip.family == 6) inet_ntop(AF_INET6, ip.bytes.data(), buffer, sizeof buffer);
  return buffer;
}

bool IpNetwork::contains(const IpAddress& ip) const {
  if (ip.family != base.family) return false;
  int full_bytes = prefix_length / 8;
  if (std::memcmp(ip.bytes.data(), base.bytes.data(), full_bytes) != 0) return false;
  int rest = prefix_length % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (ip.bytes[full_bytes] & mask) == (base.bytes[full_bytes] & mask);
}

std::optional<IpNetwork> parse_ip_network(std::string_view text) {
  IpNetwork network;
  auto slash = text.find('/');
  auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  network.base = *address;
  int max_length = address->family == 4 ? 32 : 128;
  if (slash == std::string_view::npos) {
    network.prefix_length = max_length;
    return network;
  }
  std::string_view length_text = text.substr(slash + 1);
  if (length_text.empty() || length_text.size() > 3) return std::nullopt;
  int length = 0;
  for (char c : length_text) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + (c - '0');
  }
  if (length > max_length) return std::nullopt;
  network.prefix_length = length;
  return network;
}

void PathPrefixSet::add(std::string_view path) {
  // Trailing slashes do not change which paths lie below.
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/") {
    has_root_ = true;
    return;
  }
  prefixes_.emplace(path);
}

bool PathPrefixSet::matches(std::string_view path) const {
  if (has_root_ && !path.empty() && path.front() == '/') return true;
  if (prefixes_.empty()) return false;
  for (std::size_t end = 1; end <= path.size(); ++end) {
    if (end == path.size() || path[end] == '/') {
      if (prefixes_.count(path.substr(0, end)) != 0) return true;
    }
  }
  return false;
}

bool iequals(std::string_view a, std::string_view lowered_b) {
  if (a.size() != lowered_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lowered_b[i]) return false;
  return true;
}

bool icontains(std::string_view haystack, std::string_view lowered_needle) {
  if (lowered_needle.empty()) return true;
  if (haystack.size() < lowered_needle.size()) return false;
  for (std::size_t i = 0; i + lowered_needle.size() <= haystack.size(); ++i) {
    if (lower(haystack[i]) != lowered_needle[0]) continue;
    if (iequals(haystack.substr(i, lowered_needle.size()), lowered_needle)) return true;
  }
  return false;
}

std::optional<std::string> decode_base64(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    int v = value_of(c);
    if (v < 0) return std::nullopt;
    accumulator = (accumulator << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt;  // a single dangling character is not base64
  return out;
}

std::optional<std::string> decode_hex(std::string_view text) {
  std::string out;
  int pending = -1;
  for (char c : text) {
    if (c == ' ') continue;
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      return std::nullopt;
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<char>(pending * 16 + v));
      pending = -1;
    }
  }
  if (pending >= 0 || out.empty()) return std::nullopt;
  return out;
}

}  // namespace bulkhead::detect
