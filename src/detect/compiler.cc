// Compiles parsed rules into evaluable expressions: resolves macros and lists, binds fields,
// converts operands to the field's type, and works out which event types each rule can match.
#include <re2/re2.h>
#include <seccomp.h>

#include <span>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/strings.h"
#include "detect/compiled_expr.h"
#include "detect/engine.h"
#include "detect/matchers.h"
#include "detect/output.h"

namespace bulkhead::detect {

// ---- evaluation state ------------------------------------------------------------------------

void EvalState::begin(const EventContext& context) {
  context_ = &context;
  ++generation_;
  strings_used_ = 0;
}

std::string& EvalState::scratch_string() {
  if (strings_used_ == strings_.size()) strings_.push_back(std::make_unique<std::string>());
  auto& text = *strings_[strings_used_++];
  text.clear();
  return text;
}

namespace {

using EventTypeSet = std::bitset<capture::kEventTypeCount>;

// ---- field access with transformers ------------------------------------------------------------

struct FieldAccess {
  BoundField field;
  std::vector<Transformer> transformers;
  FieldType type = FieldType::String;  // after transformers
  bool multi_valued = false;           // after transformers (len of a list is one number)
  uint32_t slot = 0;                   // memo slot, shared by identical references

  // The values for the current event: extracted (and transformed) on first use, then memoized.
  std::span<const Value> get(EvalState& state) const {
    auto& memo = state.memo(slot);
    if (memo.generation != state.generation()) {
      memo.values.clear();
      state.extractor().extract(field, state.context(), memo.values);
      for (Transformer transformer : transformers) apply(transformer, state, memo.values);
      memo.generation = state.generation();
    }
    return memo.values;
  }

  static void apply(Transformer transformer, EvalState& state, std::vector<Value>& values) {
    if (transformer == Transformer::Len && values.size() != 1) {
      // len of a list field: the number of values.
      Value count;
      count.type = FieldType::Uint64;
      count.unsigned_integer = values.size();
      values.assign(1, count);
      return;
    }
    std::size_t kept = 0;
    for (auto& value : values) {
      switch (transformer) {
        case Transformer::ToLower:
        case Transformer::ToUpper: {
          auto& text = state.scratch_string();
          text.assign(value.text);
          for (char& c : text)
            c = static_cast<char>(transformer == Transformer::ToLower
                                      ? std::tolower(static_cast<unsigned char>(c))
                                      : std::toupper(static_cast<unsigned char>(c)));
          value.text = text;
          break;
        }
        case Transformer::Basename: {
          auto slash = value.text.rfind('/');
          if (slash != std::string_view::npos) value.text = value.text.substr(slash + 1);
          break;
        }
        case Transformer::Len:
          value.type = FieldType::Uint64;
          value.unsigned_integer = value.text.size();
          break;
        case Transformer::B64: {
          auto decoded = decode_base64(value.text);
          if (!decoded) continue;  // not base64: no value
          auto& text = state.scratch_string();
          text = std::move(*decoded);
          value.text = text;
          break;
        }
      }
      values[kept++] = value;
    }
    values.resize(kept);
  }
};

// ---- value tests ------------------------------------------------------------------------------

class ValueTest {
 public:
  virtual ~ValueTest() = default;
  virtual bool test(const Value& value) const = 0;
  virtual int cost() const { return 1; }
};

template <typename Predicate>
class LambdaTest : public ValueTest {
 public:
  LambdaTest(Predicate predicate, int cost) : predicate_(std::move(predicate)), cost_(cost) {}
  bool test(const Value& value) const override { return predicate_(value); }
  int cost() const override { return cost_; }

 private:
  Predicate predicate_;
  int cost_;
};

template <typename Predicate>
std::unique_ptr<ValueTest> make_test(Predicate predicate, int cost = 1) {
  return std::make_unique<LambdaTest<Predicate>>(std::move(predicate), cost);
}

template <typename T>
bool ordered(CompareOp op, const T& a, const T& b) {
  switch (op) {
    case CompareOp::Equal:
      return a == b;
    case CompareOp::NotEqual:
      return a != b;
    case CompareOp::Less:
      return a < b;
    case CompareOp::LessEqual:
      return a <= b;
    case CompareOp::Greater:
      return a > b;
    case CompareOp::GreaterEqual:
      return a >= b;
    default:
      return false;
  }
}

// One bit per string length below 63, bit 63 for every longer one.
constexpr uint64_t length_bit(std::size_t length) {
  return uint64_t{1} << (length < 63 ? length : 63);
}

bool is_ordering(CompareOp op) {
  return op == CompareOp::Less || op == CompareOp::LessEqual || op == CompareOp::Greater ||
         op == CompareOp::GreaterEqual;
}
bool is_set_op(CompareOp op) {
  return op == CompareOp::In || op == CompareOp::Intersects || op == CompareOp::Pmatch;
}
bool is_numeric(FieldType type) {
  return type == FieldType::Int64 || type == FieldType::Uint64 || type == FieldType::AbsTime ||
         type == FieldType::RelTime;
}
bool is_textual(FieldType type) {
  return type == FieldType::String || type == FieldType::Bytes;
}

std::optional<int64_t> parse_int64(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  auto magnitude = parse_uint64(negative ? text.substr(1) : text);
  if (!magnitude) return std::nullopt;
  if (negative) {
    if (*magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1)
      return std::nullopt;
    return static_cast<int64_t>(0 - *magnitude);
  }
  if (*magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(*magnitude);
}

// ---- expression nodes -------------------------------------------------------------------------

class ConstExpr : public Expr {
 public:
  explicit ConstExpr(bool value) : value_(value) {}
  bool eval(EvalState&) const override { return value_; }
  int cost() const override { return 0; }

 private:
  bool value_;
};

// `and` (stops at the first false child) and `or` (stops at the first true one).
template <bool kIsAnd>
class JunctionExpr : public Expr {
 public:
  explicit JunctionExpr(std::vector<std::unique_ptr<Expr>> children)
      : children_(std::move(children)) {}
  std::vector<std::unique_ptr<Expr>> release_children() { return std::move(children_); }
  bool eval(EvalState& state) const override {
    for (const auto& child : children_)
      if (child->eval(state) != kIsAnd) return !kIsAnd;
    return kIsAnd;
  }
  int cost() const override {
    int total = 0;
    for (const auto& child : children_) total += child->cost();
    return total;
  }

 private:
  std::vector<std::unique_ptr<Expr>> children_;
};
using AndExpr = JunctionExpr<true>;
using OrExpr = JunctionExpr<false>;

class NotExpr : public Expr {
 public:
  explicit NotExpr(std::unique_ptr<Expr> child) : child_(std::move(child)) {}
  bool eval(EvalState& state) const override { return !child_->eval(state); }
  int cost() const override { return child_->cost(); }

 private:
  std::unique_ptr<Expr> child_;
};

// evt.type tests compiled to a bit test on the event's type.
class EventTypeExpr : public Expr {
 public:
  explicit EventTypeExpr(EventTypeSet types) : types_(types) {}
  bool eval(EvalState& state) const override {
    return types_.test(static_cast<std::size_t>(state.context().event->type));
  }
  int cost() const override { return 0; }

 private:
  EventTypeSet types_;
};

int field_cost(const FieldAccess& access) {
  std::string_view name = access.field.info ? access.field.info->name : "";
  int cost = 2;
  if (name.starts_with("proc.a") || name.starts_with("proc.p")) cost = 6;  // ancestors
  if (access.multi_valued) cost += 4;
  return cost + static_cast<int>(access.transformers.size());
}

class ExistsExpr : public Expr {
 public:
  explicit ExistsExpr(FieldAccess access) : access_(std::move(access)) {}
  bool eval(EvalState& state) const override { return !access_.get(state).empty(); }
  int cost() const override { return field_cost(access_); }

 private:
  FieldAccess access_;
};

class CompareExpr : public Expr {
 public:
  // `negate`: the operator is != — true when the field has values and none equals the operand.
  CompareExpr(FieldAccess access, std::unique_ptr<ValueTest> test, bool negate)
      : access_(std::move(access)), test_(std::move(test)), negate_(negate) {}
  bool eval(EvalState& state) const override {
    auto values = access_.get(state);
    bool any = false;
    for (const auto& value : values) {
      if (test_->test(value)) {
        any = true;
        break;
      }
    }
    return negate_ ? (!values.empty() && !any) : any;
  }
  int cost() const override { return field_cost(access_) + test_->cost(); }

 private:
  FieldAccess access_;
  std::unique_ptr<ValueTest> test_;
  bool negate_;
};

bool compare_values(CompareOp op, const Value& a, const Value& b) {
  switch (a.type) {
    case FieldType::String:
    case FieldType::Bytes:
      switch (op) {
        case CompareOp::Contains:
        case CompareOp::BContains:
          return a.text.find(b.text) != std::string_view::npos;
        case CompareOp::StartsWith:
        case CompareOp::BStartsWith:
          return a.text.starts_with(b.text);
        case CompareOp::EndsWith:
          return a.text.ends_with(b.text);
        default:
          return ordered(op, a.text, b.text);
      }
    case FieldType::Uint64:
      return ordered(op, a.unsigned_integer, b.unsigned_integer);
    case FieldType::IpAddr:
    case FieldType::IpNet:
      return ordered(op, a.ip == b.ip ? 0 : 1, 0);
    default:
      return ordered(op, a.integer, b.integer);
  }
}

// `field op val(other)` / `field op other_field_expression`.
class CompareFieldsExpr : public Expr {
 public:
  CompareFieldsExpr(FieldAccess left, CompareOp op, FieldAccess right)
      : left_(std::move(left)), op_(op), right_(std::move(right)) {}
  bool eval(EvalState& state) const override {
    auto left = left_.get(state);
    auto right = right_.get(state);
    bool result = false;
    if (!left.empty() && !right.empty()) {
      if (op_ == CompareOp::In || op_ == CompareOp::Intersects) {
        for (const auto& l : left)
          for (const auto& r : right)
            if (compare_values(CompareOp::Equal, l, r)) result = true;
      } else {
        result = compare_values(op_, left.front(), right.front());
      }
    }
    return result;
  }
  int cost() const override { return field_cost(left_) + field_cost(right_); }

 private:
  FieldAccess left_;
  CompareOp op_;
  FieldAccess right_;
};

// ---- the compiler -----------------------------------------------------------------------------

struct CompileError {
  Located where;
  std::string message;
  bool unknown_field = false;
};

// Strips one level of matching quotes from a list item written as '"a b"' in YAML.
std::string_view unquote_list_item(std::string_view item) {
  if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') &&
      item.back() == item.front())
    return item.substr(1, item.size() - 2);
  return item;
}

bool is_known_syscall_name(const std::string& name) {
  static constexpr std::string_view kPseudoEvents[] = {
      "procexit",    "container",    "switch",     "signaldeliver", "pluginevent",
      "k8s",         "notification", "asyncevent", "infra",         "drop",
      "cpu_hotplug", "page_fault",   "procinfo",   "mesos"};
  for (auto pseudo : kPseudoEvents)
    if (name == pseudo) return true;
  return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name.c_str()) != __NR_SCMP_ERROR ||
         seccomp_syscall_resolve_name(name.c_str()) != __NR_SCMP_ERROR;
}

class RuleCompiler {
 public:
  explicit RuleCompiler(RuleSet& set) : set_(set) {
    for (const auto& list : set.lists) lists_[list.name] = &list;
    for (const auto& macro : set.macros) macros_[macro.name] = &macro;
  }

  std::vector<CompiledRule> compile_all() {
    std::vector<CompiledRule> compiled;
    for (const auto& rule : set_.rules) {
      if (rule.source != "syscall") continue;  // other sources need plugins (loader warned)
      auto result = compile_rule(rule);
      if (result) compiled.push_back(std::move(*result));
    }
    warn_unused();
    return compiled;
  }

 private:
  struct Compiled {
    std::unique_ptr<Expr> expr;
    EventTypeSet types;
    bool exact = false;  // the node is true exactly when the event type is in `types`
  };

  std::optional<CompiledRule> compile_rule(const RuleItem& rule) {
    item_ = "rule '" + rule.name + "'";
    file_stack_.assign(1, Source{rule.where.file, &rule.condition_pieces});
    macro_stack_.clear();
    CompiledRule out;
    out.name = rule.name;
    out.desc = rule.desc;
    out.priority = rule.priority;
    out.tags = rule.tags;
    out.source = rule.source;
    out.enabled = rule.enabled;
    out.where = rule.where;
    std::optional<Compiled> condition;
    if (!rule.condition) {
      report(Diagnostic::Severity::Error, rule.condition_where, "rule has no usable condition");
      return std::nullopt;
    }
    try {
      condition = compile(*rule.condition);
    } catch (const CompileError& error) {
      bool skip = error.unknown_field && rule.skip_if_unknown_filter;
      report(skip ? Diagnostic::Severity::Warning : Diagnostic::Severity::Error, error.where,
             error.message + (skip ? " (rule skipped: skip-if-unknown-filter)" : ""));
      return std::nullopt;
    }
    auto output = OutputFormat::compile(rule.output);
    if (!output.format) {
      bool skip = rule.skip_if_unknown_filter;
      report(skip ? Diagnostic::Severity::Warning : Diagnostic::Severity::Error,
             output_location(rule, output.error_offset), "output: " + output.error);
      return std::nullopt;
    }
    out.condition = std::move(condition->expr);
    out.output = std::make_unique<OutputFormat>(std::move(*output.format));
    out.event_types = condition->types;
    if (condition->types.all())
      report(Diagnostic::Severity::Warning, rule.condition_where,
             "condition does not restrict evt.type: the rule is evaluated for every event");
    return out;
  }

  // The output's position: the output scalar's start, and on the same line the offset (exact
  // for single-line outputs).
  static Located output_location(const RuleItem& rule, std::size_t offset) {
    Located where = rule.output_where;
    if (rule.output.find('\n') == std::string::npos && where.position.line > 0)
      where.position.column += static_cast<int>(offset);
    return where;
  }

  void report(Diagnostic::Severity severity, Located where, std::string message) {
    set_.diagnostics.push_back(Diagnostic{severity, std::move(where), item_, std::move(message)});
  }

  // The file a position of the current condition lies in.
  Located locate(TextPosition position) const {
    const Source& source = file_stack_.back();
    if (source.pieces != nullptr && position.offset >= 0) {
      auto offset = static_cast<std::size_t>(position.offset);
      for (auto piece = source.pieces->rbegin(); piece != source.pieces->rend(); ++piece)
        if (offset >= piece->offset) return Located{piece->where.file, position};
    }
    return Located{source.file, position};
  }

  [[noreturn]] void fail(TextPosition position, std::string message, bool unknown = false) {
    throw CompileError{locate(position), std::move(message), unknown};
  }

  Compiled compile(const ConditionNode& node) {
    return std::visit([&](const auto& n) { return compile_node(n, node.position); }, node.node);
  }

  Compiled compile_node(const AndNode& node, TextPosition) {
    std::vector<Compiled> children;
    for (const auto& child : node.children) children.push_back(compile(*child));
    Compiled out;
    out.types.set();
    out.exact = true;
    std::vector<std::unique_ptr<Expr>> exprs;
    for (auto& child : children) {
      out.types &= child.types;
      out.exact = out.exact && child.exact;
      splice<AndExpr>(exprs, std::move(child.expr));
    }
    order_cheapest_first(exprs);
    out.expr =
        exprs.size() == 1 ? std::move(exprs.front()) : std::make_unique<AndExpr>(std::move(exprs));
    return out;
  }

  Compiled compile_node(const OrNode& node, TextPosition) {
    std::vector<Compiled> children;
    for (const auto& child : node.children) children.push_back(compile(*child));
    Compiled out;
    out.exact = true;
    std::vector<std::unique_ptr<Expr>> exprs;
    for (auto& child : children) {
      out.types |= child.types;
      out.exact = out.exact && child.exact;
      splice<OrExpr>(exprs, std::move(child.expr));
    }
    order_cheapest_first(exprs);
    out.expr =
        exprs.size() == 1 ? std::move(exprs.front()) : std::make_unique<OrExpr>(std::move(exprs));
    return out;
  }

  // a and (b and c) is a and b and c: one flat list, so that ordering by cost sees every term
  // (macros otherwise hide their cheap tests in a nested node).
  template <typename Node>
  static void splice(std::vector<std::unique_ptr<Expr>>& exprs, std::unique_ptr<Expr> expr) {
    if (auto* same = dynamic_cast<Node*>(expr.get())) {
      for (auto& grandchild : same->release_children()) exprs.push_back(std::move(grandchild));
      return;
    }
    exprs.push_back(std::move(expr));
  }

  // Conditions have no side effects (extraction only reads), so the children of and/or can be
  // evaluated in any order: cheap tests first short-circuit the expensive ones. The sort is
  // stable so equal-cost children keep the author's order.
  static void order_cheapest_first(std::vector<std::unique_ptr<Expr>>& exprs) {
    std::stable_sort(exprs.begin(), exprs.end(),
                     [](const auto& a, const auto& b) { return a->cost() < b->cost(); });
  }

  Compiled compile_node(const NotNode& node, TextPosition) {
    Compiled child = compile(*node.child);
    Compiled out;
    if (child.exact) {
      out.types = ~child.types;
      out.exact = true;
    } else {
      out.types.set();
    }
    out.expr = std::make_unique<NotExpr>(std::move(child.expr));
    return out;
  }

  Compiled compile_node(const MacroRefNode& node, TextPosition position) {
    auto found = macros_.find(node.name);
    if (found == macros_.end()) fail(position, "undefined macro '" + node.name + "'");
    const MacroItem& macro = *found->second;
    used_macros_.insert(macro.name);
    if (std::find(macro_stack_.begin(), macro_stack_.end(), macro.name) != macro_stack_.end())
      fail(position, "macro '" + macro.name + "' refers to itself");
    if (macro_stack_.size() > 64) fail(position, "macros nested deeper than 64");
    if (!macro.condition) fail(position, "macro '" + macro.name + "' has no usable condition");
    macro_stack_.push_back(macro.name);
    file_stack_.push_back(Source{macro.where.file, &macro.condition_pieces});
    Compiled out;
    try {
      out = compile(*macro.condition);
    } catch (const CompileError& error) {
      // The error keeps its own location (inside the macro); the message says which macro.
      macro_stack_.pop_back();
      file_stack_.pop_back();
      throw CompileError{error.where, "in macro '" + macro.name + "': " + error.message,
                         error.unknown_field};
    }
    macro_stack_.pop_back();
    file_stack_.pop_back();
    return out;
  }

  FieldAccess bind(const FieldRef& ref) {
    std::optional<std::string_view> argument;
    if (ref.argument) argument = *ref.argument;
    auto resolution = resolve_field(ref.name, argument);
    if (!resolution.field) fail(ref.position, resolution.error, true);
    FieldAccess access;
    access.field = std::move(*resolution.field);
    access.type = access.field.type;
    access.multi_valued = access.field.multi_valued;
    access.slot = slot_for(ref);
    warn_if_no_event_has_argument(ref, access.field);
    for (Transformer transformer : ref.transformers) {
      if (transformer == Transformer::Len) {
        if (!is_textual(access.type) && !access.multi_valued)
          fail(ref.position, "len() needs a string, byte or list field; " + ref.name + " is " +
                                 std::string(field_type_name(access.type)));
        access.type = FieldType::Uint64;
        access.multi_valued = false;
      } else if (!is_textual(access.type)) {
        fail(ref.position, std::string(transformer_name(transformer)) +
                               "() needs a string field; " + ref.name + " is " +
                               std::string(field_type_name(access.type)));
      }
      access.transformers.push_back(transformer);
    }
    return access;
  }

  Compiled compile_node(const ExistsNode& node, TextPosition) {
    Compiled out;
    out.types.set();
    out.expr = std::make_unique<ExistsExpr>(bind(node.field));
    return out;
  }

  // Expands list names (recursively) into their items; quoted literals are never list names.
  void expand_items(const std::vector<Literal>& items, std::vector<std::string>& out,
                    int depth = 0) {
    for (const auto& item : items) {
      if (!item.quoted && expand_list(item.text, out, depth, item.position)) continue;
      out.push_back(item.text);
    }
  }
  bool expand_list(const std::string& name, std::vector<std::string>& out, int depth,
                   TextPosition position) {
    auto found = lists_.find(name);
    if (found == lists_.end()) return false;
    used_lists_.insert(name);
    if (depth > 32) fail(position, "list '" + name + "' is nested deeper than 32 (a cycle?)");
    for (const auto& item : found->second->items) {
      if (lists_.count(item) != 0 && item != name) {
        expand_list(item, out, depth + 1, position);
      } else {
        out.emplace_back(unquote_list_item(item));
      }
    }
    return true;
  }

  Compiled compile_node(const CompareNode& node, TextPosition position) {
    Compiled out;
    out.types.set();
    // Operand values as text.
    std::vector<std::string> values;
    TextPosition operand_position = position;
    bool list_operand = false;
    if (const auto* list = std::get_if<ListOperand>(&node.operand)) {
      expand_items(list->items, values);
      operand_position = list->position;
      list_operand = true;
    } else if (const auto* literal = std::get_if<Literal>(&node.operand)) {
      operand_position = literal->position;
      if (is_set_op(node.op) && !literal->quoted &&
          expand_list(literal->text, values, 0, literal->position)) {
        list_operand = true;
      } else {
        values.push_back(literal->text);
      }
    }
    if (list_operand && !is_set_op(node.op))
      fail(operand_position, "operator '" + std::string(compare_op_name(node.op)) +
                                 "' takes a single value, not a list");

    // evt.dir: each of our events is a syscall's exit carrying the arguments of its entry too,
    // so it stands for both directions; rules written for enter events (`evt.dir = >`) and exit
    // events (`evt.dir = <`) both match it once.
    if (node.field.name == "evt.dir" && !node.field.argument && node.field.transformers.empty() &&
        !std::holds_alternative<FieldRef>(node.operand) &&
        std::all_of(values.begin(), values.end(),
                    [](const std::string& v) { return v == "<" || v == ">"; }) &&
        (node.op == CompareOp::Equal || node.op == CompareOp::NotEqual ||
         node.op == CompareOp::In)) {
      out.expr = std::make_unique<ConstExpr>(node.op != CompareOp::NotEqual && !values.empty());
      out.exact = false;
      return out;
    }

    // evt.type: a bit test, and the basis of the rule index.
    if (node.field.name == "evt.type" && !node.field.argument && node.field.transformers.empty() &&
        !std::holds_alternative<FieldRef>(node.operand) &&
        (node.op == CompareOp::Equal || node.op == CompareOp::NotEqual ||
         node.op == CompareOp::In || node.op == CompareOp::Intersects)) {
      EventTypeSet types;
      for (const auto& name : values) {
        if (auto type = capture::event_type_from_name(name)) {
          types.set(static_cast<std::size_t>(*type));
        } else if (!is_known_syscall_name(name)) {
          set_.diagnostics.push_back(
              Diagnostic{Diagnostic::Severity::Warning, locate(operand_position), item_,
                         "'" + name + "' is not a known syscall or event type: it never matches"});
        }
      }
      if (node.op == CompareOp::NotEqual) types = ~types;
      out.types = types;
      out.exact = true;
      out.expr = std::make_unique<EventTypeExpr>(types);
      return out;
    }

    FieldAccess access = bind(node.field);
    if (const auto* right = std::get_if<FieldRef>(&node.operand)) {
      FieldAccess other = bind(*right);
      bool compatible = other.type == access.type ||
                        (is_numeric(other.type) && is_numeric(access.type)) ||
                        (is_textual(other.type) && is_textual(access.type));
      if (!compatible)
        fail(right->position, "cannot compare " + node.field.name + " (" +
                                  std::string(field_type_name(access.type)) + ") with " +
                                  right->name + " (" + std::string(field_type_name(other.type)) +
                                  ")");
      out.expr = std::make_unique<CompareFieldsExpr>(std::move(access), node.op, std::move(other));
      return out;
    }
    bool negate = node.op == CompareOp::NotEqual;
    auto test = make_value_test(access, node.op, values, operand_position, node.field.name);
    out.expr = std::make_unique<CompareExpr>(std::move(access), std::move(test), negate);
    return out;
  }

  [[noreturn]] void type_error(TextPosition position, CompareOp op, const std::string& field,
                               FieldType type) {
    fail(position, "operator '" + std::string(compare_op_name(op)) + "' cannot be used with " +
                       field + " (" + std::string(field_type_name(type)) + ")");
  }

  std::unique_ptr<ValueTest> make_value_test(const FieldAccess& access, CompareOp op,
                                             const std::vector<std::string>& values,
                                             TextPosition position, const std::string& field) {
    if (!is_set_op(op) && values.size() != 1)
      fail(position, "operator '" + std::string(compare_op_name(op)) + "' needs one value");
    switch (access.type) {
      case FieldType::String:
      case FieldType::Bytes:
        return string_test(op, values, position, field);
      case FieldType::Int64:
      case FieldType::AbsTime:
      case FieldType::RelTime:
        return number_test<int64_t>(
            op, values, position, field, access.type,
            [](std::string_view t) { return parse_int64(t); },
            [](const Value& v) { return v.integer; });
      case FieldType::Uint64:
        return number_test<uint64_t>(
            op, values, position, field, access.type,
            [](std::string_view t) { return parse_uint64(t); },
            [](const Value& v) { return v.unsigned_integer; });
      case FieldType::Bool: {
        if (op != CompareOp::Equal && op != CompareOp::NotEqual)
          type_error(position, op, field, access.type);
        std::string lowered = to_lower(values.front());
        if (lowered != "true" && lowered != "false")
          fail(position, "'" + values.front() + "' is not a boolean (true or false) for " + field);
        bool expected = lowered == "true";
        return make_test([expected](const Value& v) { return (v.integer != 0) == expected; });
      }
      case FieldType::IpAddr:
      case FieldType::IpNet: {
        if (op != CompareOp::Equal && op != CompareOp::NotEqual && op != CompareOp::In &&
            op != CompareOp::Intersects)
          type_error(position, op, field, access.type);
        std::vector<IpNetwork> networks;
        for (const auto& text : values) {
          auto network = parse_ip_network(text);
          if (!network)
            fail(position, "'" + text + "' is not an IP address or network (CIDR) for " + field);
          networks.push_back(*network);
        }
        return make_test(
            [networks = std::move(networks)](const Value& v) {
              for (const auto& network : networks)
                if (network.contains(v.ip)) return true;
              return false;
            },
            static_cast<int>(networks.size() / 4 + 1));
      }
    }
    type_error(position, op, field, access.type);
  }

  template <typename Number, typename Parse, typename Get>
  std::unique_ptr<ValueTest> number_test(CompareOp op, const std::vector<std::string>& values,
                                         TextPosition position, const std::string& field,
                                         FieldType type, Parse parse, Get get) {
    std::vector<Number> numbers;
    for (const auto& text : values) {
      auto number = parse(text);
      if (!number)
        fail(position, "'" + text + "' is not a number (" + field + " is " +
                           std::string(field_type_name(type)) + ")");
      numbers.push_back(static_cast<Number>(*number));
    }
    if (is_set_op(op)) {
      if (op == CompareOp::Pmatch) type_error(position, op, field, type);
      if (numbers.size() <= 8)
        return make_test([numbers, get](const Value& v) {
          return std::find(numbers.begin(), numbers.end(), get(v)) != numbers.end();
        });
      std::unordered_set<Number> set(numbers.begin(), numbers.end());
      return make_test(
          [set = std::move(set), get](const Value& v) { return set.count(get(v)) != 0; });
    }
    if (op != CompareOp::Equal && op != CompareOp::NotEqual && !is_ordering(op))
      type_error(position, op, field, type);
    Number operand = numbers.front();
    // != is evaluated as "not any equal" by the caller.
    CompareOp effective = op == CompareOp::NotEqual ? CompareOp::Equal : op;
    return make_test(
        [operand, effective, get](const Value& v) { return ordered(effective, get(v), operand); });
  }

  std::unique_ptr<ValueTest> string_test(CompareOp op, const std::vector<std::string>& values,
                                         TextPosition position, const std::string& field) {
    switch (op) {
      case CompareOp::Equal:
      case CompareOp::NotEqual: {
        std::string operand = values.front();
        return make_test([operand](const Value& v) { return v.text == operand; });
      }
      case CompareOp::Less:
      case CompareOp::LessEqual:
      case CompareOp::Greater:
      case CompareOp::GreaterEqual: {
        std::string operand = values.front();
        return make_test([operand, op](const Value& v) {
          return ordered(op, v.text, std::string_view(operand));
        });
      }
      case CompareOp::In:
      case CompareOp::Intersects: {
        if (values.size() <= 4)
          return make_test(
              [values](const Value& v) {
                for (const auto& item : values)
                  if (v.text == item) return true;
                return false;
              },
              static_cast<int>(values.size()));
        // Most values are rejected by their length alone, before any hashing.
        StringSet set(values.begin(), values.end());
        uint64_t lengths = 0;
        for (const auto& item : values) lengths |= length_bit(item.size());
        return make_test(
            [set = std::move(set), lengths](const Value& v) {
              return (lengths & length_bit(v.text.size())) != 0 && set.count(v.text) != 0;
            },
            2);
      }
      case CompareOp::Pmatch: {
        PathPrefixSet prefixes;
        for (const auto& item : values) prefixes.add(item);
        return make_test(
            [prefixes = std::move(prefixes)](const Value& v) { return prefixes.matches(v.text); },
            4);
      }
      case CompareOp::Contains: {
        std::string operand = values.front();
        return make_test(
            [operand](const Value& v) { return v.text.find(operand) != std::string_view::npos; },
            3);
      }
      case CompareOp::IContains: {
        std::string operand = to_lower(values.front());
        return make_test([operand](const Value& v) { return icontains(v.text, operand); }, 4);
      }
      case CompareOp::StartsWith: {
        std::string operand = values.front();
        return make_test([operand](const Value& v) { return v.text.starts_with(operand); });
      }
      case CompareOp::EndsWith: {
        std::string operand = values.front();
        return make_test([operand](const Value& v) { return v.text.ends_with(operand); });
      }
      case CompareOp::Glob: {
        std::string pattern = values.front();
        return make_test([pattern](const Value& v) { return glob_match(pattern, v.text); }, 5);
      }
      case CompareOp::IGlob: {
        std::string pattern = to_lower(values.front());
        return make_test(
            [pattern](const Value& v) {
              char lowered[4096];
              if (v.text.size() > sizeof lowered) return false;
              for (std::size_t i = 0; i < v.text.size(); ++i)
                lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(v.text[i])));
              return glob_match(pattern, std::string_view(lowered, v.text.size()));
            },
            6);
      }
      case CompareOp::Regex: {
        RE2::Options options;
        options.set_log_errors(false);
        auto regex = std::make_shared<RE2>(values.front(), options);
        if (!regex->ok())
          fail(position, "bad regular expression '" + values.front() + "': " + regex->error());
        return make_test(
            [regex](const Value& v) {
              return RE2::FullMatch(re2::StringPiece(v.text.data(), v.text.size()), *regex);
            },
            10);
      }
      case CompareOp::BContains:
      case CompareOp::BStartsWith: {
        auto bytes = decode_hex(values.front());
        if (!bytes)
          fail(position, "'" + values.front() + "' is not a hex byte string (e.g. 7f454c46)");
        std::string operand = std::move(*bytes);
        if (op == CompareOp::BContains)
          return make_test(
              [operand](const Value& v) { return v.text.find(operand) != std::string_view::npos; },
              3);
        return make_test([operand](const Value& v) { return v.text.starts_with(operand); });
      }
    }
    fail(position, "unsupported operator for " + field);
  }

  void warn_unused() {
    for (const auto& macro : set_.macros)
      if (used_macros_.count(macro.name) == 0)
        set_.diagnostics.push_back(Diagnostic{Diagnostic::Severity::Warning, macro.where,
                                              "macro '" + macro.name + "'", "macro is not used"});
    std::unordered_set<std::string> referenced_by_lists;
    for (const auto& list : set_.lists)
      for (const auto& item : list.items) referenced_by_lists.insert(item);
    for (const auto& list : set_.lists)
      if (used_lists_.count(list.name) == 0 && referenced_by_lists.count(list.name) == 0)
        set_.diagnostics.push_back(Diagnostic{Diagnostic::Severity::Warning, list.where,
                                              "list '" + list.name + "'", "list is not used"});
  }

  // evt.arg.NAME for a NAME no event has is accepted (rules for events Bulkhead does not model
  // still load, as in Falco) but can never have a value: likely a typo, so say so.
  void warn_if_no_event_has_argument(const FieldRef& ref, const BoundField& field) {
    if (!field.info || (field.info->name != "evt.arg" && field.info->name != "evt.rawarg")) return;
    if (field.key.empty() || field.index) return;
    if (std::any_of(field.param_slot.begin(), field.param_slot.end(),
                    [](int8_t slot) { return slot >= 0; }))
      return;
    set_.diagnostics.push_back(Diagnostic{
        Diagnostic::Severity::Warning, locate(ref.position), item_,
        "no event has an argument named '" + field.key + "': " + ref.name + " never has a value"});
  }

  // Identical references (same field, argument and transformers) share a memo slot.
  uint32_t slot_for(const FieldRef& ref) {
    std::string key = ref.name + "[" + ref.argument.value_or("") + "]";
    for (Transformer transformer : ref.transformers)
      key += "|" + std::string(transformer_name(transformer));
    auto [it, inserted] = slots_.emplace(key, static_cast<uint32_t>(slots_.size()));
    return it->second;
  }

 public:
  std::size_t slot_count() const { return slots_.size(); }

 private:
  std::unordered_map<std::string, uint32_t> slots_;
  RuleSet& set_;
  std::unordered_map<std::string, const ListItem*> lists_;
  std::unordered_map<std::string, const MacroItem*> macros_;
  std::set<std::string> used_macros_, used_lists_;
  std::string item_;
  // The item being compiled: its file, and the pieces its condition was assembled from (an
  // append from a later file is a piece of that file).
  struct Source {
    std::string file;
    const std::vector<ConditionPiece>* pieces = nullptr;
  };
  std::vector<Source> file_stack_;
  std::vector<std::string> macro_stack_;
};

}  // namespace

std::vector<CompiledRule> compile_rules(RuleSet& set, std::size_t* field_slots) {
  RuleCompiler compiler(set);
  auto rules = compiler.compile_all();
  if (field_slots) *field_slots = compiler.slot_count();
  return rules;
}

}  // namespace bulkhead::detect
