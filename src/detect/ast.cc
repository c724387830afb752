#include "detect/ast.h"

#include <array>
#include <utility>

namespace bulkhead::detect {

namespace {

struct OpName {
  std::string_view name;
  CompareOp op;
};

// The spelling to_string() writes comes first for each operator.
constexpr std::array kOpNames = {
    OpName{"=", CompareOp::Equal},
    OpName{"==", CompareOp::Equal},
    OpName{"!=", CompareOp::NotEqual},
    OpName{"<", CompareOp::Less},
    OpName{"<=", CompareOp::LessEqual},
    OpName{">", CompareOp::Greater},
    OpName{">=", CompareOp::GreaterEqual},
    OpName{"in", CompareOp::In},
    OpName{"intersects", CompareOp::Intersects},
    OpName{"pmatch", CompareOp::Pmatch},
    OpName{"contains", CompareOp::Contains},
    OpName{"icontains", CompareOp::IContains},
    OpName{"startswith", CompareOp::StartsWith},
    OpName{"endswith", CompareOp::EndsWith},
    OpName{"glob", CompareOp::Glob},
    OpName{"iglob", CompareOp::IGlob},
    OpName{"regex", CompareOp::Regex},
    OpName{"bcontains", CompareOp::BContains},
    OpName{"bstartswith", CompareOp::BStartsWith},
};

struct TransformerName {
  std::string_view name;
  Transformer transformer;
};

constexpr std::array kTransformerNames = {
    TransformerName{"tolower", Transformer::ToLower},
    TransformerName{"toupper", Transformer::ToUpper},
    TransformerName{"basename", Transformer::Basename},
    TransformerName{"len", Transformer::Len},
    TransformerName{"b64", Transformer::B64},
};

// A bare word the parser reads back as the same bare word: no blanks, none of the characters
// that end a bare word, not starting with a quote or '(' (which would start a string or a
// list), and not looking like a field expression (`val(x)`, `tolower(x)`).
bool is_safe_bare_word(std::string_view text) {
  if (text.empty()) return false;
  if (text.front() == '"' || text.front() == '\'' || text.front() == '(') return false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ')' ||
        c == ',')
      return false;
  }
  std::size_t paren = text.find('(');
  if (paren != std::string_view::npos) {
    std::string_view head = text.substr(0, paren);
    if (head == "val" || transformer_from_name(head)) return false;
  }
  return true;
}

void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += c;
    }
  }
  out += '"';
}

void append_literal(std::string& out, const Literal& literal) {
  if (!literal.quoted && is_safe_bare_word(literal.text))
    out += literal.text;
  else
    append_quoted(out, literal.text);
}

// `val` marks a right-hand side field without transformers (a bare field name there would be
// read as a literal word).
void append_field(std::string& out, const FieldRef& field, bool right_hand_side) {
  std::string inner = field.name;
  if (field.argument) inner += "[" + *field.argument + "]";
  if (right_hand_side && field.transformers.empty()) {
    out += "val(" + inner + ")";
    return;
  }
  for (auto it = field.transformers.rbegin(); it != field.transformers.rend(); ++it) {
    out += transformer_name(*it);
    out += '(';
  }
  out += inner;
  out.append(field.transformers.size(), ')');
}

bool is_junction(const ConditionNode& node) {
  return std::holds_alternative<AndNode>(node.node) || std::holds_alternative<OrNode>(node.node);
}

void append_node(std::string& out, const ConditionNode& node);

// Junctions below another node are always parenthesized, so the text parses back to the same
// tree (the parser keeps parentheses as structure rather than flattening them).
void append_child(std::string& out, const ConditionNode& child) {
  if (is_junction(child)) {
    out += '(';
    append_node(out, child);
    out += ')';
  } else {
    append_node(out, child);
  }
}

void append_node(std::string& out, const ConditionNode& node) {
  std::visit(
      [&out](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, AndNode> || std::is_same_v<T, OrNode>) {
          const char* junction = std::is_same_v<T, AndNode> ? " and " : " or ";
          for (std::size_t i = 0; i < n.children.size(); ++i) {
            if (i) out += junction;
            append_child(out, *n.children[i]);
          }
        } else if constexpr (std::is_same_v<T, NotNode>) {
          out += "not ";
          append_child(out, *n.child);
        } else if constexpr (std::is_same_v<T, MacroRefNode>) {
          out += n.name;
        } else if constexpr (std::is_same_v<T, ExistsNode>) {
          append_field(out, n.field, false);
          out += " exists";
        } else {
          append_field(out, n.field, false);
          out += ' ';
          out += compare_op_name(n.op);
          out += ' ';
          std::visit(
              [&out](const auto& operand) {
                using O = std::decay_t<decltype(operand)>;
                if constexpr (std::is_same_v<O, Literal>) {
                  append_literal(out, operand);
                } else if constexpr (std::is_same_v<O, ListOperand>) {
                  out += '(';
                  for (std::size_t i = 0; i < operand.items.size(); ++i) {
                    if (i) out += ", ";
                    append_literal(out, operand.items[i]);
                  }
                  out += ')';
                } else {
                  append_field(out, operand, true);
                }
              },
              n.operand);
        }
      },
      node.node);
}

}  // namespace

std::string_view compare_op_name(CompareOp op) {
  for (const OpName& entry : kOpNames)
    if (entry.op == op) return entry.name;
  return "?";
}

std::optional<CompareOp> compare_op_from_name(std::string_view name) {
  for (const OpName& entry : kOpNames)
    if (entry.name == name) return entry.op;
  return std::nullopt;
}

bool is_list_op(CompareOp op) {
  return op == CompareOp::In || op == CompareOp::Intersects || op == CompareOp::Pmatch;
}

std::string_view transformer_name(Transformer transformer) {
  for (const TransformerName& entry : kTransformerNames)
    if (entry.transformer == transformer) return entry.name;
  return "?";
}

std::optional<Transformer> transformer_from_name(std::string_view name) {
  for (const TransformerName& entry : kTransformerNames)
    if (entry.name == name) return entry.transformer;
  return std::nullopt;
}

ConditionPtr clone(const ConditionNode& node) {
  auto copy = std::make_unique<ConditionNode>();
  copy->position = node.position;
  std::visit(
      [&copy](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, AndNode> || std::is_same_v<T, OrNode>) {
          T junction;
          junction.children.reserve(n.children.size());
          for (const ConditionPtr& child : n.children) junction.children.push_back(clone(*child));
          copy->node = std::move(junction);
        } else if constexpr (std::is_same_v<T, NotNode>) {
          copy->node = NotNode{clone(*n.child)};
        } else {
          copy->node = n;
        }
      },
      node.node);
  return copy;
}

std::string to_string(const ConditionNode& node) {
  std::string out;
  append_node(out, node);
  return out;
}

}  // namespace bulkhead::detect
