// File positions of the characters of a YAML scalar's value. yaml-cpp reports only where a
// scalar starts; conditions are usually folded (`>`) or plain scalars over several lines, so an
// error at offset N of the value needs the raw text to find its line and column.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "detect/ast.h"
#include "detect/condition_parser.h"
#include "detect/rules_file.h"

namespace bulkhead::detect {

// Where a scalar starts in `file_text`: byte offset, 0-based line and column (yaml-cpp's Mark).
struct ScalarStart {
  std::size_t offset = 0;
  int line = 0;
  int column = 0;
};

// One position per byte of `value` plus one for its end. Exact for plain scalars, single-line
// quoted scalars and block scalars (| and >) on every non-blank character; blanks produced by
// line folding and characters produced by escapes map to the raw text they came from (at worst
// the neighbouring line). Positions are 1-based.
std::vector<TextPosition> scalar_positions(std::string_view file_text, ScalarStart start,
                                           std::string_view value);

// A PositionMap over a condition made of pieces (a definition plus appended text).
class PiecewisePositionMap : public PositionMap {
 public:
  explicit PiecewisePositionMap(const std::vector<ConditionPiece>& pieces) : pieces_(pieces) {}
  TextPosition at(std::size_t offset) const override;
  // The piece that holds `offset` (nullptr when there are none).
  const ConditionPiece* piece_at(std::size_t offset) const;

 private:
  const std::vector<ConditionPiece>& pieces_;
};

}  // namespace bulkhead::detect
