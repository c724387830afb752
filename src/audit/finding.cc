#include "audit/finding.h"

#include <tuple>

#include "base/strings.h"

namespace bulkhead::audit {

namespace {
constexpr std::string_view kSeverityNames[] = {"info", "low", "medium", "high", "critical"};
constexpr std::string_view kFormatNames[] = {"docker-run", "compose",    "kubernetes",
                                             "oci",        "dockerfile", "host"};
}  // namespace

std::string_view severity_name(Severity severity) {
  return kSeverityNames[static_cast<size_t>(severity)];
}

std::optional<Severity> severity_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kSeverityNames); ++i)
    if (to_lower(name) == kSeverityNames[i]) return static_cast<Severity>(i);
  return std::nullopt;
}

std::string_view input_format_name(InputFormat format) {
  return kFormatNames[static_cast<size_t>(format)];
}

std::optional<InputFormat> input_format_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kFormatNames); ++i)
    if (to_lower(name) == kFormatNames[i]) return static_cast<InputFormat>(i);
  return std::nullopt;
}

bool finding_less(const Finding& a, const Finding& b) {
  return std::tie(a.where.file, a.where.line, a.where.column, a.check_id, a.object, a.message) <
         std::tie(b.where.file, b.where.line, b.where.column, b.check_id, b.object, b.message);
}

}  // namespace bulkhead::audit
