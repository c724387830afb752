// The condition parser: every operator, precedence, transformers, val(), lists, quoting,
// errors with positions, and the printer (to_string) that must read back as the same tree.
#include <gtest/gtest.h>

#include <string>

#include "detect/ast.h"
#include "detect/condition_parser.h"

namespace bulkhead::detect {
namespace {

ConditionPtr parse_ok(const std::string& text) {
  ParseResult result = parse_condition(text);
  EXPECT_FALSE(result.error) << text << ": " << (result.error ? result.error->message : "");
  EXPECT_TRUE(result.condition) << text;
  return std::move(result.condition);
}

ConditionSyntaxError parse_error(const std::string& text) {
  ParseResult result = parse_condition(text);
  EXPECT_FALSE(result.condition) << text << " parsed as " << to_string(*result.condition);
  EXPECT_TRUE(result.error) << text;
  return result.error.value_or(ConditionSyntaxError{});
}

const CompareNode& compare_of(const ConditionNode& node) {
  const auto* compare = std::get_if<CompareNode>(&node.node);
  EXPECT_NE(compare, nullptr) << to_string(node);
  static const CompareNode empty{};
  return compare ? *compare : empty;
}

const Literal& literal_of(const CompareNode& compare) {
  const auto* literal = std::get_if<Literal>(&compare.operand);
  EXPECT_NE(literal, nullptr);
  static const Literal empty{};
  return literal ? *literal : empty;
}

// A compact rendering of a tree's shape, to check precedence without relying on to_string.
std::string shape(const ConditionNode& node) {
  return std::visit(
      [](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, AndNode> || std::is_same_v<T, OrNode>) {
          std::string out = std::is_same_v<T, AndNode> ? "AND(" : "OR(";
          for (std::size_t i = 0; i < n.children.size(); ++i)
            out += (i ? "," : "") + shape(*n.children[i]);
          return out + ")";
        } else if constexpr (std::is_same_v<T, NotNode>) {
          return "NOT(" + shape(*n.child) + ")";
        } else if constexpr (std::is_same_v<T, MacroRefNode>) {
          return n.name;
        } else if constexpr (std::is_same_v<T, ExistsNode>) {
          return n.field.name + "?";
        } else {
          return n.field.name + std::string(compare_op_name(n.op));
        }
      },
      node.node);
}

TEST(DetectParser, EveryComparisonOperator) {
  struct Case {
    const char* text;
    CompareOp op;
  };
  const Case cases[] = {
      {"proc.name = bash", CompareOp::Equal},
      {"proc.name == bash", CompareOp::Equal},
      {"proc.name != bash", CompareOp::NotEqual},
      {"evt.rawres < 0", CompareOp::Less},
      {"evt.rawres <= 0", CompareOp::LessEqual},
      {"evt.rawres > 0", CompareOp::Greater},
      {"evt.rawres >= 0", CompareOp::GreaterEqual},
      {"proc.name in (bash, sh)", CompareOp::In},
      {"proc.args intersects (a, b)", CompareOp::Intersects},
      {"fd.name pmatch (/etc, /usr)", CompareOp::Pmatch},
      {"proc.cmdline contains curl", CompareOp::Contains},
      {"proc.cmdline icontains CURL", CompareOp::IContains},
      {"fd.name startswith /etc/", CompareOp::StartsWith},
      {"fd.name endswith .so", CompareOp::EndsWith},
      {"fd.name glob /usr/*/bin", CompareOp::Glob},
      {"fd.name iglob /USR/*", CompareOp::IGlob},
      {"proc.cmdline regex \"^a.*b$\"", CompareOp::Regex},
      {"evt.buffer bcontains 0a0b", CompareOp::BContains},
      {"evt.buffer bstartswith 7f454c46", CompareOp::BStartsWith},
  };
  for (const Case& c : cases) {
    ConditionPtr node = parse_ok(c.text);
    ASSERT_TRUE(node) << c.text;
    EXPECT_EQ(compare_of(*node).op, c.op) << c.text;
  }
}

TEST(DetectParser, OperatorsWithoutBlanks) {
  ConditionPtr node = parse_ok("evt.type=execve and evt.dir=< and fd.num>=0 and evt.res!=ENOENT");
  ASSERT_TRUE(node);
  const auto& all = std::get<AndNode>(node->node);
  ASSERT_EQ(all.children.size(), 4u);
  EXPECT_EQ(literal_of(compare_of(*all.children[0])).text, "execve");
  EXPECT_EQ(literal_of(compare_of(*all.children[1])).text, "<");
  EXPECT_EQ(compare_of(*all.children[2]).op, CompareOp::GreaterEqual);
  EXPECT_EQ(literal_of(compare_of(*all.children[2])).text, "0");
  EXPECT_EQ(compare_of(*all.children[3]).op, CompareOp::NotEqual);
}

TEST(DetectParser, Exists) {
  ConditionPtr node = parse_ok("proc.aname[3] exists");
  ASSERT_TRUE(node);
  const auto& exists = std::get<ExistsNode>(node->node);
  EXPECT_EQ(exists.field.name, "proc.aname");
  EXPECT_EQ(exists.field.argument, "3");
}

TEST(DetectParser, Precedence) {
  EXPECT_EQ(shape(*parse_ok("a or b and c")), "OR(a,AND(b,c))");
  EXPECT_EQ(shape(*parse_ok("a and b or c")), "OR(AND(a,b),c)");
  EXPECT_EQ(shape(*parse_ok("not a and b")), "AND(NOT(a),b)");
  EXPECT_EQ(shape(*parse_ok("not a or not b")), "OR(NOT(a),NOT(b))");
  EXPECT_EQ(shape(*parse_ok("not (a or b)")), "NOT(OR(a,b))");
  EXPECT_EQ(shape(*parse_ok("not not a")), "NOT(NOT(a))");
  EXPECT_EQ(shape(*parse_ok("a and b and c")), "AND(a,b,c)");
  EXPECT_EQ(shape(*parse_ok("(a and b) and c")), "AND(AND(a,b),c)");
  EXPECT_EQ(shape(*parse_ok("not proc.name = x and fd.num > 1")), "AND(NOT(proc.name=),fd.num>)");
  EXPECT_EQ(shape(*parse_ok("((a))")), "a");
  EXPECT_EQ(shape(*parse_ok("(a)and(b)or(c)")), "OR(AND(a,b),c)");
}

TEST(DetectParser, MacroReferencesAndKeywordBoundaries) {
  EXPECT_EQ(shape(*parse_ok("spawned_process")), "spawned_process");
  // Words that begin with a keyword are names.
  EXPECT_EQ(shape(*parse_ok("notify and android or order")), "OR(AND(notify,android),order)");
  EXPECT_EQ(shape(*parse_ok("not_allowed")), "not_allowed");
  // Keywords are case-sensitive, as in Falco.
  parse_error("a AND b");
  parse_error("NOT a");
}

TEST(DetectParser, FieldArguments) {
  ConditionPtr node = parse_ok(
      "proc.aname[2] = bash and evt.arg[flags] contains O_RDWR and "
      "fd.name[with spaces, and (parens)] = x and proc.aname = sh");
  ASSERT_TRUE(node);
  const auto& all = std::get<AndNode>(node->node);
  EXPECT_EQ(compare_of(*all.children[0]).field.name, "proc.aname");
  EXPECT_EQ(compare_of(*all.children[0]).field.argument, "2");
  EXPECT_EQ(compare_of(*all.children[1]).field.argument, "flags");
  EXPECT_EQ(compare_of(*all.children[2]).field.argument, "with spaces, and (parens)");
  EXPECT_FALSE(compare_of(*all.children[3]).field.argument);
}

TEST(DetectParser, Transformers) {
  ConditionPtr node = parse_ok("tolower(basename(fd.name)) = passwd");
  ASSERT_TRUE(node);
  const CompareNode& compare = compare_of(*node);
  EXPECT_EQ(compare.field.name, "fd.name");
  ASSERT_EQ(compare.field.transformers.size(), 2u);
  EXPECT_EQ(compare.field.transformers[0], Transformer::Basename);
  EXPECT_EQ(compare.field.transformers[1], Transformer::ToLower);

  EXPECT_EQ(compare_of(*parse_ok("len(proc.args) > 100")).field.transformers,
            std::vector<Transformer>{Transformer::Len});
  EXPECT_EQ(compare_of(*parse_ok("b64( evt.buffer ) contains abc")).field.transformers,
            std::vector<Transformer>{Transformer::B64});
  EXPECT_EQ(std::get<ExistsNode>(parse_ok("toupper(proc.name) exists")->node).field.transformers,
            std::vector<Transformer>{Transformer::ToUpper});
  EXPECT_NE(parse_error("trim(proc.name) = x").message.find("unknown transformer 'trim'"),
            std::string::npos);
  parse_error("tolower(proc.name = x");
}

TEST(DetectParser, ValAndFieldsOnTheRightHandSide) {
  ConditionPtr node = parse_ok("proc.name = val(proc.pname)");
  ASSERT_TRUE(node);
  const auto* field = std::get_if<FieldRef>(&compare_of(*node).operand);
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->name, "proc.pname");
  EXPECT_TRUE(field->transformers.empty());

  node = parse_ok("tolower(proc.name) = tolower(proc.pname)");
  field = std::get_if<FieldRef>(&compare_of(*node).operand);
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->transformers, std::vector<Transformer>{Transformer::ToLower});

  node = parse_ok("proc.aname[1] != val(proc.aname[2])");
  field = std::get_if<FieldRef>(&compare_of(*node).operand);
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->argument, "2");

  // A field name alone on the right is a word, as in Falco.
  EXPECT_EQ(literal_of(compare_of(*parse_ok("proc.name = proc.pname"))).text, "proc.pname");
  EXPECT_NE(parse_error("val(proc.name) = x").message.find("right-hand side"), std::string::npos);
}

TEST(DetectParser, Lists) {
  ConditionPtr node = parse_ok("proc.name in (bash, 'sh', \"c d\", 1, shell_binaries)");
  ASSERT_TRUE(node);
  const auto& list = std::get<ListOperand>(compare_of(*node).operand);
  ASSERT_EQ(list.items.size(), 5u);
  EXPECT_EQ(list.items[0].text, "bash");
  EXPECT_FALSE(list.items[0].quoted);
  EXPECT_EQ(list.items[1].text, "sh");
  EXPECT_TRUE(list.items[1].quoted);
  EXPECT_EQ(list.items[2].text, "c d");
  EXPECT_EQ(list.items[3].text, "1");
  EXPECT_FALSE(list.items[4].quoted);

  ConditionPtr empty_node = parse_ok("proc.name in ()");
  const auto& empty = std::get<ListOperand>(compare_of(*empty_node).operand);
  EXPECT_TRUE(empty.items.empty());
  ConditionPtr tight_node = parse_ok("evt.type in(open,openat)");
  const auto& tight = std::get<ListOperand>(compare_of(*tight_node).operand);
  EXPECT_EQ(tight.items.size(), 2u);

  // A bare word after in/intersects/pmatch names a list.
  ConditionPtr name_node = parse_ok("proc.name in shell_binaries");
  const Literal& name = literal_of(compare_of(*name_node));
  EXPECT_EQ(name.text, "shell_binaries");
  EXPECT_FALSE(name.quoted);

  parse_error("proc.name in (a, b");
  parse_error("proc.name in (a b)");
  parse_error("proc.name in (a,, b)");
  parse_error("proc.name in ((a))");
  parse_error("proc.name in");
}

TEST(DetectParser, BareWords) {
  for (const char* word : {"/etc/shadow", "10.0.0.0/8", "/usr/*", "a.b.c", "-1", "::1", "fe80::/10",
                           "--privileged", "*.so*", "<NA>", "a=b"}) {
    ConditionPtr node = parse_ok(std::string("fd.name = ") + word + " and x");
    ASSERT_TRUE(node) << word;
    const auto& all = std::get<AndNode>(node->node);
    const Literal& literal = literal_of(compare_of(*all.children[0]));
    EXPECT_EQ(literal.text, word);
    EXPECT_FALSE(literal.quoted);
  }
  // A bare word ends at ')' and ','.
  ConditionPtr node = parse_ok("(fd.name=/tmp)");
  EXPECT_EQ(literal_of(compare_of(*node)).text, "/tmp");
}

TEST(DetectParser, QuotedStrings) {
  EXPECT_EQ(literal_of(compare_of(*parse_ok("proc.name = 'a b'"))).text, "a b");
  EXPECT_EQ(literal_of(compare_of(*parse_ok("proc.name = \"a'b\""))).text, "a'b");
  EXPECT_EQ(literal_of(compare_of(*parse_ok(R"(proc.name = "a\"b\\c\nd")"))).text, "a\"b\\c\nd");
  EXPECT_EQ(literal_of(compare_of(*parse_ok(R"(proc.name = 'it\'s')"))).text, "it's");
  // Unknown escapes stay as written, so regular expressions keep their backslashes.
  EXPECT_EQ(literal_of(compare_of(*parse_ok(R"(proc.cmdline regex "a\.b\d")"))).text, R"(a\.b\d)");
  EXPECT_EQ(literal_of(compare_of(*parse_ok("proc.name = \"\""))).text, "");
  EXPECT_TRUE(literal_of(compare_of(*parse_ok("proc.name = \"x\""))).quoted);
  // Keywords inside strings are text.
  EXPECT_EQ(literal_of(compare_of(*parse_ok("proc.name = \"a and b\""))).text, "a and b");
}

TEST(DetectParser, ErrorsHavePositionsAndMessages) {
  ConditionSyntaxError error = parse_error("fd.name startswith");
  EXPECT_EQ(error.message, "expected a value after 'startswith', found the end of the condition");
  EXPECT_EQ(error.position.line, 1);
  EXPECT_EQ(error.position.column, 19);

  error = parse_error("a and\n  (proc.name = x or\n   fd.name contains )");
  EXPECT_NE(error.message.find("expected a value after 'contains'"), std::string::npos);
  EXPECT_EQ(error.position.line, 3);
  EXPECT_EQ(error.position.column, 21);

  error = parse_error("proc.name = 'unterminated");
  EXPECT_NE(error.message.find("unterminated string"), std::string::npos);
  EXPECT_EQ(error.position.column, 13);

  error = parse_error("(a and b");
  EXPECT_NE(error.message.find("unbalanced '('"), std::string::npos);
  EXPECT_EQ(error.position.column, 1);

  error = parse_error("a and b)");
  EXPECT_NE(error.message.find("unbalanced ')'"), std::string::npos);
  EXPECT_EQ(error.position.column, 8);

  error = parse_error("proc.name bash");
  EXPECT_NE(error.message.find("expected an operator after 'proc.name'"), std::string::npos);
  EXPECT_EQ(error.position.column, 11);

  error = parse_error("a and or b");
  EXPECT_EQ(error.position.column, 7);
  error = parse_error("a b");
  EXPECT_NE(error.message.find("expected 'and', 'or'"), std::string::npos);
  parse_error("");
  parse_error("   ");
  parse_error("()");
  parse_error("a and");
  parse_error("not");
  parse_error("proc.name = (a)");
  parse_error("proc.aname[2 = x");
  parse_error("= x");
  EXPECT_EQ(parse_error("a and\n\nb c").position.line, 3);
}

TEST(DetectParser, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '(');
  deep += "a";
  deep += std::string(100000, ')');
  EXPECT_NE(parse_error(deep).message.find("nested too deeply"), std::string::npos);

  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  parse_error(nots + "a");

  std::string calls;
  for (int i = 0; i < 100000; ++i) calls += "tolower(";
  parse_error(calls + "proc.name" + std::string(100000, ')') + " = x");

  // Nesting within the limit is fine.
  parse_ok(std::string(100, '(') + "a" + std::string(100, ')'));
  // Long flat conditions are not nesting.
  std::string flat = "a";
  for (int i = 0; i < 20000; ++i) flat += " and a";
  parse_ok(flat);
}

TEST(DetectParser, NodePositions) {
  ConditionPtr node = parse_ok("a and\n  proc.name = 'x' and not fd.name in (b, c)");
  ASSERT_TRUE(node);
  const auto& all = std::get<AndNode>(node->node);
  EXPECT_EQ(node->position.line, 1);
  EXPECT_EQ(node->position.column, 1);
  const ConditionNode& second = *all.children[1];
  EXPECT_EQ(second.position.line, 2);
  EXPECT_EQ(second.position.column, 3);
  const CompareNode& compare = compare_of(second);
  EXPECT_EQ(compare.field.position.column, 3);
  EXPECT_EQ(literal_of(compare).position.column, 15);
  const ConditionNode& negated = *all.children[2];
  EXPECT_EQ(negated.position.column, 23);
  const auto& list =
      std::get<ListOperand>(compare_of(*std::get<NotNode>(negated.node).child).operand);
  EXPECT_EQ(list.position.column, 38);
  EXPECT_EQ(list.items[1].position.column, 42);
}

TEST(DetectParser, CustomPositionMap) {
  struct Shifted : PositionMap {
    TextPosition at(std::size_t offset) const override {
      return TextPosition{10, static_cast<int>(offset) + 5};
    }
  } shifted;
  ParseResult result = parse_condition("a and", &shifted);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->position.line, 10);
  EXPECT_EQ(result.error->position.column, 10);
  EXPECT_EQ(result.error->offset, 5u);
}

TEST(DetectParser, PrintedConditionsParseBackToTheSameTree) {
  for (const char* text : {
           "a or b and c",
           "not (a or b) and c",
           "proc.name in (bash, \"c d\", 'x') and fd.name startswith /etc/",
           "tolower(basename(fd.name)) = val(proc.name)",
           "proc.aname[2] != toupper(proc.pname) or fd.name exists",
           "proc.cmdline regex \"a\\\\.b \\\"q\\\"\" and proc.name in shell_binaries",
           "evt.dir=< and evt.type in ()",
           "x.y = \"val(z)\" and x.y = \"(paren\" and x.y = \"\"",
           "not not not a",
       }) {
    ConditionPtr first = parse_ok(text);
    ASSERT_TRUE(first) << text;
    std::string printed = to_string(*first);
    ConditionPtr second = parse_ok(printed);
    ASSERT_TRUE(second) << printed;
    EXPECT_EQ(to_string(*second), printed) << text;
    EXPECT_EQ(shape(*second), shape(*first)) << text;
  }
  EXPECT_EQ(to_string(*parse_ok("a  or b and  c")), "a or (b and c)");
  EXPECT_EQ(to_string(*parse_ok("proc.name=val(proc.pname)")), "proc.name = val(proc.pname)");
}

TEST(DetectParser, CloneIsDeep) {
  ConditionPtr original = parse_ok("a and not (proc.name in (x, y) or fd.name = z)");
  ASSERT_TRUE(original);
  ConditionPtr copy = clone(*original);
  std::string text = to_string(*original);
  original.reset();
  EXPECT_EQ(to_string(*copy), text);
}

TEST(DetectParser, OperatorAndTransformerNames) {
  EXPECT_EQ(compare_op_name(CompareOp::Equal), "=");
  EXPECT_EQ(compare_op_name(CompareOp::BStartsWith), "bstartswith");
  EXPECT_EQ(compare_op_from_name("=="), CompareOp::Equal);
  EXPECT_EQ(compare_op_from_name("intersects"), CompareOp::Intersects);
  EXPECT_FALSE(compare_op_from_name("exists"));
  EXPECT_FALSE(compare_op_from_name("IN"));
  EXPECT_TRUE(is_list_op(CompareOp::Pmatch));
  EXPECT_FALSE(is_list_op(CompareOp::Contains));
  EXPECT_EQ(transformer_name(Transformer::B64), "b64");
  EXPECT_EQ(transformer_from_name("basename"), Transformer::Basename);
  EXPECT_FALSE(transformer_from_name("val"));
}

TEST(DetectParser, ParseFieldAlone) {
  FieldParseResult field = parse_field(" proc.aname[2] ");
  ASSERT_TRUE(field.field);
  EXPECT_EQ(field.field->name, "proc.aname");
  EXPECT_EQ(field.field->argument, "2");
  field = parse_field("tolower(fd.name)");
  ASSERT_TRUE(field.field);
  EXPECT_EQ(field.field->transformers.size(), 1u);
  EXPECT_TRUE(parse_field("proc.name = x").error);
  EXPECT_TRUE(parse_field("").error);
  EXPECT_TRUE(parse_field("val(proc.name)").error);
}

}  // namespace
}  // namespace bulkhead::detect
