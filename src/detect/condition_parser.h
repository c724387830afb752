// Parser for Falco's condition language.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/ast.h"

namespace bulkhead::detect {

// Maps an offset in a condition string to a file position (conditions come from YAML scalars,
// possibly folded over several lines).
struct PositionMap {
  virtual ~PositionMap() = default;
  virtual TextPosition at(std::size_t offset) const = 0;
};

struct ConditionSyntaxError {
  TextPosition position;
  std::string message;
  std::size_t offset = 0;  // where in the condition text (to tell appended pieces apart)
};

struct ParseResult {
  ConditionPtr condition;  // null on error
  std::optional<ConditionSyntaxError> error;
};

// Parses `text`. Never throws on bad input; recursion depth is bounded (deeply nested input
// is an error, not a stack overflow).
ParseResult parse_condition(std::string_view text, const PositionMap* positions = nullptr);

// A field expression on its own, as exceptions name them: `proc.name`, `proc.aname[2]`,
// `tolower(fd.name)`. The whole text must be the field (surrounding blanks allowed).
struct FieldParseResult {
  std::optional<FieldRef> field;  // nullopt on error
  std::optional<ConditionSyntaxError> error;
};
FieldParseResult parse_field(std::string_view text, const PositionMap* positions = nullptr);

// Positions within `text` itself (line 1 = the text's first line): what parse_condition uses
// when it is given no map.
class TextPositionMap : public PositionMap {
 public:
  explicit TextPositionMap(std::string_view text);
  TextPosition at(std::size_t offset) const override;

 private:
  std::vector<std::size_t> line_starts_;
};

}  // namespace bulkhead::detect
