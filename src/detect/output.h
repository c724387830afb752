// Rule outputs: `%field` / `%field[arg]` substitution (Falco's syntax, `<NA>` for missing
// values), and alerts rendered as Falco's text and JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "detect/ast.h"
#include "detect/engine.h"
#include "detect/fields.h"

namespace bulkhead::detect {

class OutputFormat {
 public:
  struct Segment {
    std::string literal;  // text before the field (or the whole segment)
    bool has_field = false;
    std::string field_name;  // as written: "proc.aname[2]"
    BoundField field;
    std::vector<Transformer> transformers;
  };

  // Compiles `text`. On an unknown field or bad argument, returns an error message and the
  // offset of the offending `%` in `error_offset`.
  struct CompileResult;
  static CompileResult compile(std::string_view text);

  // Renders the output for one event into `out` and records each field's value in `fields`
  // (views into `value_storage`, which is reused across events).
  void format(FieldExtractor& extractor, const EventContext& context, std::string& out,
              std::vector<Alert::Field>& fields, std::vector<std::string>& value_storage) const;

  const std::vector<Segment>& segments() const { return segments_; }

 private:
  std::vector<Segment> segments_;
};

struct OutputFormat::CompileResult {
  std::optional<OutputFormat> format;
  std::string error;
  std::size_t error_offset = 0;
};

// "HH:MM:SS.nnnnnnnnn: Priority output" (Falco's default text form; UTC).
std::string alert_to_text(const Alert& alert);
// Falco's JSON alert:
// {"hostname","output","output_fields","priority","rule","source","tags","time"}.
std::string alert_to_json(const Alert& alert, std::string_view hostname);
// RFC 3339 with nanoseconds, UTC: "2026-11-30T10:45:25.123456789Z".
std::string rfc3339_nanoseconds(uint64_t time_ns);

}  // namespace bulkhead::detect
