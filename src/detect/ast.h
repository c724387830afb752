// The syntax tree of a Falco condition, as parsed (macro and list names not yet resolved).
// Positions are file positions (line/column in the rules file) so that every later error —
// unknown field, undefined macro, type mismatch — can name where it is.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bulkhead::detect {

struct TextPosition {
  int line = 0;    // 1-based line in the rules file; 0 unknown
  int column = 0;  // 1-based
  // Offset in the condition text the node was parsed from (-1 unknown): tells which piece of a
  // condition assembled from several files a node came from.
  int offset = -1;
};

enum class CompareOp : uint8_t {
  Equal,     // = and ==
  NotEqual,  // !=
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  In,
  Intersects,
  Pmatch,
  Contains,
  IContains,
  StartsWith,
  EndsWith,
  Glob,
  IGlob,  // accepted for compatibility (case-insensitive glob)
  Regex,
  BContains,
  BStartsWith,
};
std::string_view compare_op_name(CompareOp op);
// The operator a rules file names ("=", "==", "startswith", ...); nullopt for anything else.
// `exists` is not a CompareOp (it is ExistsNode), so it is not accepted here either.
std::optional<CompareOp> compare_op_from_name(std::string_view name);
// `in`, `intersects` and `pmatch`: the operators whose operand is a list.
bool is_list_op(CompareOp op);

enum class Transformer : uint8_t { ToLower, ToUpper, Basename, Len, B64 };
std::string_view transformer_name(Transformer transformer);
std::optional<Transformer> transformer_from_name(std::string_view name);

// `proc.aname[2]`, `tolower(fd.name)`, `val(proc.pname)` (val only on the right-hand side).
struct FieldRef {
  std::string name;                     // "proc.aname", "evt.arg.flags"
  std::optional<std::string> argument;  // text inside [...]
  std::vector<Transformer>
      transformers;  // applied innermost first: tolower(basename(x)) = {Basename, ToLower}
  TextPosition position;
};

// One operand item: a literal (quoted or bare word; numbers stay text until the field's type is
// known) or, inside a list, a bare identifier that may name a list to splice in.
struct Literal {
  std::string text;
  bool quoted = false;  // quoted strings never name lists
  TextPosition position;
};

struct ListOperand {
  std::vector<Literal> items;  // identifiers that name lists are expanded at compile time
  TextPosition position;
};

struct ConditionNode;
using ConditionPtr = std::unique_ptr<ConditionNode>;

struct AndNode {
  std::vector<ConditionPtr> children;
};
struct OrNode {
  std::vector<ConditionPtr> children;
};
struct NotNode {
  ConditionPtr child;
};
// A bare identifier in condition position: a macro reference.
struct MacroRefNode {
  std::string name;
};
struct ExistsNode {
  FieldRef field;
};
struct CompareNode {
  FieldRef field;
  CompareOp op;
  // Single-value operators take a Literal or a FieldRef (val(x) or, like newer Falco, a field
  // expression with transformers); `in`/`intersects`/`pmatch` take a ListOperand or a bare list
  // name (Literal that names a list).
  std::variant<Literal, ListOperand, FieldRef> operand;
};

struct ConditionNode {
  std::variant<AndNode, OrNode, NotNode, MacroRefNode, ExistsNode, CompareNode> node;
  TextPosition position;
};

// Deep copy (macros are expanded by copying their trees).
ConditionPtr clone(const ConditionNode& node);

// Renders a tree back to condition text (for `rules list`, debugging and fuzz round trips).
std::string to_string(const ConditionNode& node);

}  // namespace bulkhead::detect
