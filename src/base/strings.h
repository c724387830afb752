// Small string helpers shared by every module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bulkhead {

std::vector<std::string> split(std::string_view text, char sep);
std::string_view trim(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_upper(std::string_view text);
std::string to_lower(std::string_view text);
// Decimal, 0x-hex or 0-octal, the whole string; nullopt on anything else or overflow.
std::optional<uint64_t> parse_uint64(std::string_view text);
std::string hex(uint64_t value);
// Well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF). JSON documents
// (an OCI spec, a policy written back as JSON) can only carry such strings.
bool is_valid_utf8(std::string_view text);

// Reads a whole file ("-" is standard input); throws SystemError naming the path.
std::string read_file(const std::string& path);
// Writes atomically enough for a CLI: truncates and writes, throws on any short write.
void write_file(const std::string& path, std::string_view data);

}  // namespace bulkhead
