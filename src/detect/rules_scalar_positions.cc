#include "detect/rules_scalar_positions.h"

#include <algorithm>

namespace bulkhead::detect {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

enum class Style { Plain, SingleQuoted, DoubleQuoted, Literal, Folded };

// Walks the raw text forward, keeping the line and column of the current byte.
class RawCursor {
 public:
  RawCursor(std::string_view text, ScalarStart start)
      : text_(text), pos_(start.offset), line_(start.line), column_(start.column) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance() {
    if (done()) return;
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 0;
    } else {
      ++column_;
    }
    ++pos_;
  }
  void advance(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) advance();
  }
  TextPosition position() const { return TextPosition{line_ + 1, column_ + 1}; }

 private:
  std::string_view text_;
  std::size_t pos_;
  int line_;
  int column_;
};

// The number of value bytes a double-quoted escape produces and the raw bytes it takes.
struct Escape {
  std::size_t raw_length;
  std::size_t value_length;
};

Escape double_quoted_escape(const RawCursor& raw) {
  char kind = raw.peek(1);
  std::size_t digits = kind == 'x' ? 2 : kind == 'u' ? 4 : kind == 'U' ? 8 : 0;
  if (digits == 0) return Escape{2, kind == '\0' ? 0u : 1u};
  unsigned long code = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    char c = raw.peek(2 + i);
    if (!is_hex(c)) return Escape{2, 1};
    code = code * 16 + static_cast<unsigned long>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  std::size_t utf8_length = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  return Escape{2 + digits, utf8_length};
}

}  // namespace

std::vector<TextPosition> scalar_positions(std::string_view file_text, ScalarStart start,
                                           std::string_view value) {
  std::vector<TextPosition> positions;
  positions.reserve(value.size() + 1);
  if (start.offset > file_text.size()) start.offset = file_text.size();
  RawCursor raw(file_text, start);

  // Node properties (a tag or an anchor) before the scalar itself.
  while (!raw.done() && (raw.peek() == '!' || raw.peek() == '&')) {
    while (!raw.done() && !is_blank(raw.peek())) raw.advance();
    while (!raw.done() && (raw.peek() == ' ' || raw.peek() == '\t')) raw.advance();
  }

  Style style = Style::Plain;
  switch (raw.peek()) {
    case '"':
      style = Style::DoubleQuoted;
      break;
    case '\'':
      style = Style::SingleQuoted;
      break;
    case '|':
      style = Style::Literal;
      break;
    case '>':
      style = Style::Folded;
      break;
    default:
      break;
  }
  bool block = style == Style::Literal || style == Style::Folded;
  int indent = 0;
  if (block) {
    // The header line (indicators, maybe a comment) holds no content.
    while (!raw.done() && raw.peek() != '\n') raw.advance();
    raw.advance();
    // The content's indentation is that of its first non-empty line.
    RawCursor probe = raw;
    while (!probe.done()) {
      int spaces = 0;
      while (probe.peek() == ' ') {
        ++spaces;
        probe.advance();
      }
      if (probe.peek() != '\n' && probe.peek() != '\r') {
        indent = spaces;
        break;
      }
      while (!probe.done() && probe.peek() != '\n') probe.advance();
      probe.advance();
    }
  } else if (style != Style::Plain) {
    raw.advance();  // the opening quote
  }
  auto skip_indent = [&]() {
    for (int i = 0; i < indent && raw.peek() == ' '; ++i) raw.advance();
  };
  if (block) skip_indent();

  std::size_t i = 0;
  while (i < value.size()) {
    char v = value[i];
    if (style == Style::DoubleQuoted && raw.peek() == '\\') {
      if (raw.peek(1) == '\n' || (raw.peek(1) == '\r' && raw.peek(2) == '\n')) {
        // An escaped line break produces nothing; the next line's indentation is dropped too.
        raw.advance(raw.peek(1) == '\r' ? 3 : 2);
        while (raw.peek() == ' ' || raw.peek() == '\t') raw.advance();
        continue;
      }
      Escape escape = double_quoted_escape(raw);
      for (std::size_t n = 0; n < escape.value_length && i < value.size(); ++n, ++i)
        positions.push_back(raw.position());
      if (escape.value_length == 0) ++i, positions.push_back(raw.position());
      raw.advance(escape.raw_length);
      continue;
    }
    if (style == Style::SingleQuoted && v == '\'' && raw.peek() == '\'' && raw.peek(1) == '\'') {
      positions.push_back(raw.position());
      raw.advance(2);
      ++i;
      continue;
    }
    if (v == raw.peek()) {
      positions.push_back(raw.position());
      raw.advance();
      if (block && v == '\n') skip_indent();
      ++i;
      continue;
    }
    if (is_blank(v)) {
      // A blank made by folding: it maps to the raw blank at hand (if any) without skipping
      // the rest of the raw run, which the next non-blank character skips.
      positions.push_back(raw.position());
      if (is_blank(raw.peek())) raw.advance();
      ++i;
      continue;
    }
    if (is_blank(raw.peek())) {
      RawCursor ahead = raw;
      while (!ahead.done() && is_blank(ahead.peek())) ahead.advance();
      if (ahead.peek() == v) {
        raw = ahead;
        continue;
      }
    }
    // No match (should not happen for well-formed input): assume one byte for one byte.
    positions.push_back(raw.position());
    raw.advance();
    ++i;
  }
  positions.push_back(raw.position());
  return positions;
}

const ConditionPiece* PiecewisePositionMap::piece_at(std::size_t offset) const {
  if (pieces_.empty()) return nullptr;
  auto after = std::upper_bound(
      pieces_.begin(), pieces_.end(), offset,
      [](std::size_t value, const ConditionPiece& piece) { return value < piece.offset; });
  if (after == pieces_.begin()) return &pieces_.front();
  return &*(after - 1);
}

TextPosition PiecewisePositionMap::at(std::size_t offset) const {
  const ConditionPiece* piece = piece_at(offset);
  if (!piece || piece->positions.empty()) return {};
  std::size_t index = offset - std::min(offset, piece->offset);
  // The blank that joins two pieces belongs to neither: use the end of the earlier one.
  return piece->positions[std::min(index, piece->positions.size() - 1)];
}

}  // namespace bulkhead::detect
