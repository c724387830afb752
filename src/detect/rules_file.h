// Loading Falco rule files: YAML items (rule, macro, list, required_engine_version,
// required_plugin_versions), `override` and the deprecated `append: true`, exceptions, and the
// rule set that results from loading several files in order (later files override earlier ones).
// Conditions are parsed here (condition_parser.h); macro/list names and fields are resolved by
// the compiler, which reports errors with the positions kept here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detect/ast.h"

namespace bulkhead::detect {

// Falco priorities, most severe first (numeric order as in Falco: EMERGENCY = 0 ... DEBUG = 7).
enum class Priority : uint8_t {
  Emergency,
  Alert,
  Critical,
  Error,
  Warning,
  Notice,
  Informational,
  Debug
};
std::optional<Priority> priority_from_name(std::string_view name);  // case-insensitive; "INFO" too
std::string_view priority_name(Priority priority);                  // "Warning", "Informational"...

struct Located {
  std::string file;
  TextPosition position;
};

struct ListItem {
  std::string name;
  std::vector<std::string> items;  // numbers kept as their text
  Located where;
  std::vector<Located> item_where;  // one per item (appended items point into their own file)
};

// How Falco reads one list item (or exception value) when it splices it into a condition: an
// item written with its own quotes ('"(systemd)"', '"10.0.0.0/8"') is a quoted string, so the
// quotes are removed and it never names a list; an item with blanks is a string too; anything
// else is a bare word, which may name another list.
Literal literal_from_list_item(std::string_view item, TextPosition position = {});

// Where each piece of a (possibly appended) condition came from: `positions[i]` is the file
// position of byte `offset + i` of condition_text, so errors in appended text point into the
// file that appended it.
struct ConditionPiece {
  std::size_t offset = 0;
  Located where;                        // start of the YAML scalar
  std::vector<TextPosition> positions;  // one per byte of the piece, plus one for its end
};

struct MacroItem {
  std::string name;
  std::string condition_text;
  ConditionPtr condition;  // parsed (after appends/overrides)
  Located where;
  Located condition_where;  // start of the condition scalar
  std::vector<ConditionPiece> condition_pieces;
};

// One value of an exception tuple: a scalar, or a list (`[rpm, [/bin/cp, /bin/pwd]]`).
struct ExceptionValue {
  std::string text;  // the scalar; for a list, Falco's rendering "(a, b)"
  bool is_list = false;
  std::vector<std::string> items;  // the list's items when is_list
  TextPosition position;
};

struct RuleException {
  std::string name;
  std::vector<std::string> fields;  // one field, or several (values are then tuples)
  std::vector<std::string>
      comps;  // one per field; default "=" (or "in" for a single field whose values are lists)
  std::vector<std::vector<std::string>>
      values;                  // each entry: one value per field (lists as "(a, b)")
  bool fields_is_list = true;  // `fields: proc.name` (scalar) vs `fields: [proc.name]`
  Located where;
  // The same values with their shape and positions (what the folded condition is built from).
  std::vector<std::vector<ExceptionValue>> tuples;
  std::vector<TextPosition> field_positions;  // one per field
};

struct RuleItem {
  std::string name;
  std::string desc;
  std::string condition_text;
  ConditionPtr
      condition;  // condition with exceptions folded in: (cond) and not (exc1) and not (exc2)...
  std::string output;
  Priority priority = Priority::Debug;
  std::vector<std::string> tags;
  bool enabled = true;
  std::string source = "syscall";
  bool skip_if_unknown_filter = false;
  std::vector<RuleException> exceptions;
  Located where;
  Located condition_where;
  Located output_where;
  std::vector<ConditionPiece> condition_pieces;
  bool warn_evttypes = true;
};

struct Diagnostic {
  enum class Severity { Warning, Error } severity;
  Located where;
  std::string item;  // "rule 'Terminal shell in container'", "macro 'spawned_process'"
  std::string message;
  std::string str() const;  // "file:line:col: error: rule 'X': message"
};

struct PluginRequirement {
  std::string name;
  std::string version;
  std::vector<std::pair<std::string, std::string>> alternatives;  // (name, version)
  Located where;
};

// The merged result of loading files in order.
struct RuleSet {
  std::vector<ListItem> lists;
  std::vector<MacroItem> macros;
  std::vector<RuleItem> rules;          // in definition order (evaluation order for mode `first`)
  std::vector<Diagnostic> diagnostics;  // warnings and errors collected while loading
  std::optional<std::string> required_engine_version;  // the highest any file asked for
  std::vector<PluginRequirement> required_plugins;     // recorded; Bulkhead loads no plugins

  bool has_errors() const;
};

// Adds the items of one file (its text; `file` is the name used in messages) to `set`, applying
// append/override against items from earlier files. Never throws on bad input: YAML syntax
// errors, wrong item shapes and condition syntax errors become Diagnostics (an unparsable file
// contributes nothing).
void load_rules_text(RuleSet& set, std::string_view text, const std::string& file);
// Reads the file, then load_rules_text. A file that cannot be read becomes a Diagnostic.
void load_rules_file(RuleSet& set, const std::string& path);

}  // namespace bulkhead::detect
