// A recursive-descent parser for Falco's condition language:
//
//   condition  := or
//   or         := and ('or' and)*
//   and        := not ('and' not)*
//   not        := 'not' not | primary
//   primary    := '(' or ')' | field 'exists' | field op operand | macro-name
//   field      := transformer '(' field ')' | name ('[' argument ']')?
//   operand    := list | quoted-string | 'val' '(' field ')' | transformer '(' field ')' |
//   bare-word
//
// Keywords and operator words are case-sensitive, as in Falco. A bare identifier that is not
// followed by an operator is a macro reference; names with a dot, an argument or a transformer
// are fields and need an operator.
#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "detect/condition_parser.h"

namespace bulkhead::detect {

namespace {

// Each level of parentheses, `not`, transformer or val() costs a few stack frames; Falco's
// rules nest a dozen levels at most, so this leaves a wide margin while keeping the deepest
// input far from the end of even a small (fuzzer's or thread's) stack.
constexpr int kMaxDepth = 256;

// Thrown inside the parser only; parse_condition turns it into ParseResult::error.
struct SyntaxError {
  std::size_t offset;
  std::string message;
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '.';
}
// Characters that end a bare word.
bool ends_bare_word(char c) {
  return is_blank(c) || c == ')' || c == ',';
}

struct WordOp {
  std::string_view word;
  std::optional<CompareOp> op;  // nullopt: `exists`
};

constexpr std::array kWordOps = {
    WordOp{"in", CompareOp::In},
    WordOp{"intersects", CompareOp::Intersects},
    WordOp{"pmatch", CompareOp::Pmatch},
    WordOp{"contains", CompareOp::Contains},
    WordOp{"icontains", CompareOp::IContains},
    WordOp{"startswith", CompareOp::StartsWith},
    WordOp{"endswith", CompareOp::EndsWith},
    WordOp{"glob", CompareOp::Glob},
    WordOp{"iglob", CompareOp::IGlob},
    WordOp{"regex", CompareOp::Regex},
    WordOp{"bcontains", CompareOp::BContains},
    WordOp{"bstartswith", CompareOp::BStartsWith},
    WordOp{"exists", std::nullopt},
};

struct ParsedOp {
  std::optional<CompareOp> op;  // nullopt: `exists`
  std::string_view spelling;
  std::size_t offset;
};

// For a message: the text at `offset`, shortened.
std::string describe_at(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return "end of condition";
  std::size_t end = offset;
  if (is_name_char(text[offset])) {
    while (end < text.size() && is_name_char(text[end]) && end - offset < 40) ++end;
  } else {
    while (end < text.size() && !is_blank(text[end]) && end - offset < 20) ++end;
    if (end == offset) end = offset + 1;
  }
  return "'" + std::string(text.substr(offset, end - offset)) + "'";
}

class Parser {
 public:
  Parser(std::string_view text, const PositionMap& positions)
      : text_(text), positions_(positions) {}

  ConditionPtr parse_whole_condition() {
    ConditionPtr condition = parse_or();
    skip_blanks();
    if (pos_ < text_.size()) {
      if (text_[pos_] == ')') fail(pos_, "unbalanced ')': no '(' to close");
      fail(pos_,
           "expected 'and', 'or' or the end of the condition, found " + describe_at(text_, pos_));
    }
    return condition;
  }

  FieldRef parse_whole_field() {
    skip_blanks();
    if (pos_ >= text_.size()) fail(pos_, "expected a field name");
    FieldRef field = parse_field_expression(false);
    skip_blanks();
    if (pos_ < text_.size())
      fail(pos_, "unexpected " + describe_at(text_, pos_) + " after the field name");
    return field;
  }

  TextPosition position(std::size_t offset) const {
    TextPosition position = positions_.at(offset);
    position.offset = static_cast<int>(offset);
    return position;
  }

 private:
  std::string_view text_;
  const PositionMap& positions_;
  std::size_t pos_ = 0;
  int depth_ = 0;

  [[noreturn]] void fail(std::size_t offset, std::string message) const {
    throw SyntaxError{offset, std::move(message)};
  }

  // Counts one level of nesting for as long as it lives.
  class Nesting {
   public:
    Nesting(Parser& parser, std::size_t offset) : parser_(parser) {
      if (++parser_.depth_ > kMaxDepth)
        parser_.fail(offset, "condition nested too deeply (more than " + std::to_string(kMaxDepth) +
                                 " levels)");
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& parser_;
  };

  void skip_blanks() {
    while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
  }

  // The identifier-like word at pos_ (letters, digits, '_' and '.'), without consuming it.
  std::string_view peek_word() const {
    if (pos_ >= text_.size() || !is_name_start(text_[pos_])) return {};
    std::size_t end = pos_;
    while (end < text_.size() && is_name_char(text_[end])) ++end;
    return text_.substr(pos_, end - pos_);
  }

  // A keyword stands alone: `andx` or `and.x` is a name, not `and`.
  bool at_keyword(std::string_view keyword) const {
    if (text_.compare(pos_, keyword.size(), keyword) != 0) return false;
    std::size_t after = pos_ + keyword.size();
    return after >= text_.size() || (!is_name_char(text_[after]) && text_[after] != '[');
  }

  ConditionPtr make_node(std::size_t offset) const {
    auto node = std::make_unique<ConditionNode>();
    node->position = position(offset);
    return node;
  }

  template <typename Junction>
  ConditionPtr parse_junction(std::string_view keyword, ConditionPtr (Parser::*operand)()) {
    std::size_t start = pos_;
    ConditionPtr first = (this->*operand)();
    skip_blanks();
    if (!at_keyword(keyword)) return first;
    Junction junction;
    junction.children.push_back(std::move(first));
    while (at_keyword(keyword)) {
      pos_ += keyword.size();
      junction.children.push_back((this->*operand)());
      skip_blanks();
    }
    skip_blanks_before(start);
    ConditionPtr node = make_node(start);
    node->node = std::move(junction);
    return node;
  }

  // The junction's position is where its first operand starts (not the blanks before it).
  void skip_blanks_before(std::size_t& start) const {
    while (start < text_.size() && is_blank(text_[start])) ++start;
  }

  ConditionPtr parse_or() { return parse_junction<OrNode>("or", &Parser::parse_and); }
  ConditionPtr parse_and() { return parse_junction<AndNode>("and", &Parser::parse_not); }

  ConditionPtr parse_not() {
    skip_blanks();
    if (at_keyword("not")) {
      std::size_t start = pos_;
      Nesting nesting(*this, start);
      pos_ += 3;
      ConditionPtr child = parse_not();
      ConditionPtr node = make_node(start);
      node->node = NotNode{std::move(child)};
      return node;
    }
    return parse_primary();
  }

  ConditionPtr parse_primary() {
    skip_blanks();
    if (pos_ >= text_.size()) fail(pos_, "unexpected end of condition: expected a condition");
    char c = text_[pos_];
    if (c == '(') {
      std::size_t open = pos_;
      Nesting nesting(*this, open);
      ++pos_;
      skip_blanks();
      if (pos_ < text_.size() && text_[pos_] == ')')
        fail(pos_, "empty parentheses: expected a condition");
      ConditionPtr inner = parse_or();
      skip_blanks();
      if (pos_ >= text_.size()) fail(open, "unbalanced '(': no ')' closes it");
      if (text_[pos_] != ')')
        fail(pos_, "expected 'and', 'or' or ')', found " + describe_at(text_, pos_));
      ++pos_;
      return inner;
    }
    if (!is_name_start(c)) {
      if (c == ')') fail(pos_, "expected a condition before ')'");
      fail(pos_, "expected a condition, found " + describe_at(text_, pos_));
    }
    for (std::string_view keyword : {"and", "or"})
      if (at_keyword(keyword))
        fail(pos_, "expected a condition before '" + std::string(keyword) + "'");

    std::size_t start = pos_;
    std::string_view word = peek_word();
    std::size_t after_word = pos_ + word.size();
    bool plain_identifier = word.find('.') == std::string_view::npos &&
                            (after_word >= text_.size() || text_[after_word] != '[');
    if (plain_identifier && !is_call(after_word)) {
      // A macro name, unless an operator follows (then it is a field without a dot).
      pos_ = after_word;
      std::size_t saved = pos_;
      skip_blanks();
      if (!peek_operator()) {
        pos_ = saved;
        ConditionPtr node = make_node(start);
        node->node = MacroRefNode{std::string(word)};
        return node;
      }
      pos_ = start;
    }

    FieldRef field = parse_field_expression(false);
    skip_blanks();
    std::optional<ParsedOp> op = parse_operator();
    if (!op) {
      std::string name = std::string(text_.substr(start, pos_ - start));
      while (!name.empty() && is_blank(name.back())) name.pop_back();
      if (pos_ >= text_.size())
        fail(pos_, "expected an operator after '" + name + "', found the end of the condition");
      fail(pos_, "expected an operator after '" + name + "', found " + describe_at(text_, pos_));
    }
    ConditionPtr node = make_node(start);
    if (!op->op) {
      node->node = ExistsNode{std::move(field)};
      return node;
    }
    CompareNode compare{std::move(field), *op->op, Literal{}};
    compare.operand = parse_operand(*op);
    node->node = std::move(compare);
    return node;
  }

  // `name(` (blanks allowed before the parenthesis).
  bool is_call(std::size_t after_name) const {
    while (after_name < text_.size() && is_blank(text_[after_name])) ++after_name;
    return after_name < text_.size() && text_[after_name] == '(';
  }

  std::optional<ParsedOp> peek_operator() {
    std::size_t saved = pos_;
    std::optional<ParsedOp> op = parse_operator();
    pos_ = saved;
    return op;
  }

  std::optional<ParsedOp> parse_operator() {
    if (pos_ >= text_.size()) return std::nullopt;
    std::size_t start = pos_;
    static constexpr std::array<std::pair<std::string_view, CompareOp>, 7> kSymbols = {{
        {"==", CompareOp::Equal},
        {"!=", CompareOp::NotEqual},
        {"<=", CompareOp::LessEqual},
        {">=", CompareOp::GreaterEqual},
        {"=", CompareOp::Equal},
        {"<", CompareOp::Less},
        {">", CompareOp::Greater},
    }};
    for (const auto& [symbol, op] : kSymbols) {
      if (text_.compare(pos_, symbol.size(), symbol) == 0) {
        pos_ += symbol.size();
        return ParsedOp{op, symbol, start};
      }
    }
    std::string_view word = peek_word();
    if (word.empty()) return std::nullopt;
    for (const WordOp& entry : kWordOps) {
      if (entry.word == word) {
        pos_ += word.size();
        return ParsedOp{entry.op, entry.word, start};
      }
    }
    return std::nullopt;
  }

  // name, name[argument], transformer(field); on the right-hand side also val(field).
  FieldRef parse_field_expression(bool right_hand_side) {
    std::size_t start = pos_;
    std::string_view word = peek_word();
    if (word.empty()) fail(pos_, "expected a field name, found " + describe_at(text_, pos_));
    std::size_t after_word = pos_ + word.size();
    if (is_call(after_word)) {
      std::optional<Transformer> transformer = transformer_from_name(word);
      bool is_val = word == "val";
      if (!transformer && !is_val)
        fail(start, "unknown transformer '" + std::string(word) +
                        "' (expected tolower, toupper, basename, len, b64 or val)");
      if (is_val && !right_hand_side)
        fail(start, "val() is only allowed on the right-hand side of a comparison");
      Nesting nesting(*this, start);
      pos_ = after_word;
      skip_blanks();
      ++pos_;  // '('
      skip_blanks();
      FieldRef inner = parse_field_expression(right_hand_side && is_val ? false : right_hand_side);
      skip_blanks();
      if (pos_ >= text_.size() || text_[pos_] != ')')
        fail(pos_,
             "expected ')' to close " + std::string(word) + "(, found " + describe_at(text_, pos_));
      ++pos_;
      if (transformer) inner.transformers.push_back(*transformer);
      inner.position = position(start);
      return inner;
    }
    FieldRef field;
    field.name = std::string(word);
    field.position = position(start);
    pos_ = after_word;
    if (pos_ < text_.size() && text_[pos_] == '[') {
      std::size_t open = pos_;
      std::size_t close = text_.find(']', open + 1);
      if (close == std::string_view::npos)
        fail(open, "unterminated field argument: no ']' after '['");
      field.argument = std::string(text_.substr(open + 1, close - open - 1));
      pos_ = close + 1;
    }
    return field;
  }

  std::variant<Literal, ListOperand, FieldRef> parse_operand(const ParsedOp& op) {
    skip_blanks();
    std::string expected = "expected a value after '" + std::string(op.spelling) + "'";
    if (is_list_op(*op.op)) expected = "expected a list after '" + std::string(op.spelling) + "'";
    if (pos_ >= text_.size()) fail(pos_, expected + ", found the end of the condition");
    char c = text_[pos_];
    if (c == ')' || c == ',') fail(pos_, expected + ", found '" + std::string(1, c) + "'");
    if (is_list_op(*op.op)) {
      if (c == '(') return parse_list();
      // A bare word (or string) here names a list.
      return parse_value();
    }
    if (c == '(') fail(pos_, expected + ", found '(' (only in, intersects and pmatch take a list)");
    if (is_name_start(c)) {
      std::string_view word = peek_word();
      if ((word == "val" || transformer_from_name(word)) && is_call(pos_ + word.size()))
        return parse_field_expression(true);
    }
    return parse_value();
  }

  ListOperand parse_list() {
    ListOperand list;
    std::size_t open = pos_;
    list.position = position(open);
    ++pos_;
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == ')') {
      ++pos_;
      return list;
    }
    while (true) {
      skip_blanks();
      if (pos_ >= text_.size()) fail(open, "unterminated list: no ')' closes it");
      char c = text_[pos_];
      if (c == ',' || c == ')')
        fail(pos_, "expected a list item, found '" + std::string(1, c) + "'");
      if (c == '(') fail(pos_, "expected a list item, found '(' (lists do not nest)");
      list.items.push_back(parse_value());
      skip_blanks();
      if (pos_ >= text_.size()) fail(open, "unterminated list: no ')' closes it");
      if (text_[pos_] == ')') {
        ++pos_;
        return list;
      }
      if (text_[pos_] != ',')
        fail(pos_, "expected ',' or ')' in the list, found " + describe_at(text_, pos_));
      ++pos_;
    }
  }

  // A quoted string or a bare word.
  Literal parse_value() {
    Literal literal;
    std::size_t start = pos_;
    literal.position = position(start);
    char quote = text_[pos_];
    if (quote == '"' || quote == '\'') {
      literal.quoted = true;
      literal.text = parse_quoted(quote);
      return literal;
    }
    while (pos_ < text_.size() && !ends_bare_word(text_[pos_])) ++pos_;
    literal.text = std::string(text_.substr(start, pos_ - start));
    return literal;
  }

  // Backslash escapes as in Falco: \" \' \\ and the usual control characters; any other
  // backslash stays as written, so regular expressions like "a\.b" keep their meaning.
  std::string parse_quoted(char quote) {
    std::size_t open = pos_;
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail(open, std::string("unterminated string: no closing ") + quote);
      char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return out;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        pos_ += 2;
        switch (next) {
          case '"':
            out += '"';
            break;
          case '\'':
            out += '\'';
            break;
          case '\\':
            out += '\\';
            break;
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          default:
            out += '\\';
            out += next;
        }
        continue;
      }
      out += c;
      ++pos_;
    }
  }
};

template <typename Result, typename Parse>
Result run_parser(std::string_view text, const PositionMap* positions, Parse parse) {
  std::optional<TextPositionMap> own_positions;
  if (!positions) positions = &own_positions.emplace(text);
  Parser parser(text, *positions);
  Result result;
  try {
    parse(parser, result);
  } catch (const SyntaxError& error) {
    result.error = ConditionSyntaxError{parser.position(error.offset), error.message, error.offset};
  }
  return result;
}

}  // namespace

TextPositionMap::TextPositionMap(std::string_view text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts_.push_back(i + 1);
}

TextPosition TextPositionMap::at(std::size_t offset) const {
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  std::size_t line = static_cast<std::size_t>(after - line_starts_.begin());  // >= 1
  return TextPosition{static_cast<int>(line),
                      static_cast<int>(offset - line_starts_[line - 1] + 1)};
}

ParseResult parse_condition(std::string_view text, const PositionMap* positions) {
  return run_parser<ParseResult>(text, positions, [](Parser& parser, ParseResult& result) {
    result.condition = parser.parse_whole_condition();
  });
}

FieldParseResult parse_field(std::string_view text, const PositionMap* positions) {
  return run_parser<FieldParseResult>(
      text, positions,
      [](Parser& parser, FieldParseResult& result) { result.field = parser.parse_whole_field(); });
}

}  // namespace bulkhead::detect
