// Loading Falco rule files.
//
// Behaviour follows Falco's rule loader as documented (falco.org, "Rules", "Overriding Rules",
// "Rule Exceptions"):
// - Items are applied in file order; `append: true` and `override` need an earlier definition
//   (in this file or an earlier one), otherwise they are errors.
// - Defining a list, macro or rule again replaces the earlier definition, which keeps its place
//   in the order (Falco replaces the entry in place, so evaluation order does not change).
// - A rule item with `enabled` as its only key turns an existing rule on or off.
// - Appended conditions are joined with a blank, as Falco does, and every condition is parsed
//   once the whole file has been applied; exceptions are folded into the parsed tree as
//   `(condition) and not (exception 1) and not (exception 2) ...`.
// - Unknown keys and unknown top-level items are warnings (Falco warns so newer files still
//   load); wrong shapes and missing required keys are errors naming the key.
// - Rules whose `source` is not `syscall` belong to plugins: Falco skips rules of sources it
//   has no plugin for with a warning ("unknown source"), and so do we: they are kept in the
//   set with their source, for `rules list`, but the syscall engine must ignore them.
// - `required_plugin_versions` is recorded with a warning: Bulkhead loads no plugins.
#include "detect/rules_file.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "base/error.h"
#include "base/strings.h"
#include "base/yaml_documents.h"
#include "detect/condition_parser.h"
#include "detect/rules_scalar_positions.h"

namespace bulkhead::detect {

namespace {

constexpr std::size_t kMaxDocuments = 1000;

constexpr std::array<std::string_view, 8> kPriorityNames = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"};

// ---- Small helpers ------------------------------------------------------------------------

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

std::string shape_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an undefined value";
  }
}

// (major, minor, patch); a bare number N is Falco's old engine version, i.e. 0.N.0.
std::optional<std::array<uint64_t, 3>> parse_engine_version(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::vector<std::string> parts = split(text, '.');
  auto number = [](const std::string& part) -> std::optional<uint64_t> {
    if (part.empty() || part.size() > 18) return std::nullopt;
    for (char c : part)
      if (c < '0' || c > '9') return std::nullopt;
    return std::stoull(part);
  };
  if (parts.size() == 1) {
    std::optional<uint64_t> minor = number(parts[0]);
    if (!minor) return std::nullopt;
    return std::array<uint64_t, 3>{0, *minor, 0};
  }
  if (parts.size() != 3) return std::nullopt;
  std::array<uint64_t, 3> version{};
  for (std::size_t i = 0; i < 3; ++i) {
    // Allow a pre-release or build suffix on the patch number ("0.26.0-rc1").
    std::string part = parts[i];
    if (i == 2) part = part.substr(0, part.find_first_of("-+"));
    std::optional<uint64_t> value = number(part);
    if (!value) return std::nullopt;
    version[i] = *value;
  }
  return version;
}

// Falco's rendering of a list value inside generated condition text.
std::string render_list(const std::vector<std::string>& items) {
  std::string out = "(";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  return out + ")";
}

// ---- Keys ---------------------------------------------------------------------------------

using Entries = std::vector<std::pair<std::string, YAML::Node>>;

const YAML::Node* find_entry(const Entries& entries, std::string_view key) {
  for (const auto& [name, value] : entries)
    if (name == key) return &value;
  return nullptr;
}

enum class OverrideMode { Append, Replace };

struct OverrideRules {
  std::vector<std::string_view> appendable;
  std::vector<std::string_view> replaceable;
};

const OverrideRules kListOverrides{{"items"}, {"items"}};
const OverrideRules kMacroOverrides{{"condition"}, {"condition"}};
const OverrideRules kRuleOverrides{{"condition", "output", "desc", "tags", "exceptions"},
                                   {"condition", "output", "desc", "priority", "tags", "exceptions",
                                    "enabled", "warn_evttypes", "skip-if-unknown-filter"}};

const std::vector<std::string_view> kListKeys{"list", "items", "append", "override"};
const std::vector<std::string_view> kMacroKeys{"macro", "condition", "append", "override"};
// capture and capture_duration are rule keys of newer Falco versions (capture on alert); they
// are accepted and have no effect here.
const std::vector<std::string_view> kRuleKeys{
    "rule",   "desc",     "condition",     "output",  "priority",
    "tags",   "enabled",  "exceptions",    "source",  "skip-if-unknown-filter",
    "append", "override", "warn_evttypes", "capture", "capture_duration"};
const std::vector<std::string_view> kExceptionKeys{"name", "fields", "comps", "values"};

bool contains(const std::vector<std::string_view>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// ---- Exceptions as read, before they are checked against the fields they go with ----------

struct ExceptionEntry {
  bool is_list = false;
  std::vector<ExceptionValue> values;  // the entry's elements; one element for a scalar entry
  TextPosition position;
};

struct ExceptionInput {
  std::string name;
  Located where;
  std::optional<std::vector<std::string>> fields;
  bool fields_is_list = true;
  std::vector<TextPosition> field_positions;
  std::optional<std::vector<std::string>> comps;
  bool comps_is_list = true;
  TextPosition comps_position;
  std::vector<ExceptionEntry> entries;
};

struct RuleInput {
  std::optional<std::string> desc, condition, output, source;
  std::optional<Priority> priority;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> enabled, skip_if_unknown_filter, warn_evttypes;
  std::optional<std::vector<ExceptionInput>> exceptions;
  YAML::Node condition_node, output_node;
};

// ---- The loader ---------------------------------------------------------------------------

class Loader {
 public:
  Loader(RuleSet& set, std::string_view text, const std::string& file)
      : set_(set), text_(text), file_(file) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
    for (std::size_t i = 0; i < set_.lists.size(); ++i) lists_[set_.lists[i].name] = i;
    for (std::size_t i = 0; i < set_.macros.size(); ++i) macros_[set_.macros[i].name] = i;
    for (std::size_t i = 0; i < set_.rules.size(); ++i) rules_[set_.rules[i].name] = i;
  }

  void load() {
    std::vector<std::pair<YAML::Node, int>> documents;
    if (!read_documents(documents)) return;
    for (auto& [document, line_offset] : documents) {
      line_offset_ = line_offset;
      if (!document || document.IsNull()) continue;
      if (!document.IsSequence()) {
        error(document, "",
              "a rules file is a list of items (rule, macro, list, ...), found " +
                  shape_name(document));
        continue;
      }
      for (const YAML::Node& item : document) load_item(item);
    }
    parse_conditions();
  }

 private:
  RuleSet& set_;
  std::string_view text_;
  const std::string& file_;
  std::vector<std::size_t> line_starts_;
  int line_offset_ = 0;  // of the current document within the file
  std::unordered_map<std::string, std::size_t> lists_, macros_, rules_;
  std::set<std::size_t> dirty_macros_, dirty_rules_;

  // -- Positions and diagnostics

  TextPosition position(const YAML::Mark& mark) const {
    if (mark.line < 0 || mark.column < 0) return {};
    return TextPosition{mark.line + line_offset_ + 1, mark.column + 1};
  }
  Located located(const YAML::Node& node) const { return Located{file_, position(node.Mark())}; }

  ScalarStart scalar_start(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    ScalarStart start;
    if (mark.line < 0 || mark.column < 0) return ScalarStart{text_.size(), 0, 0};
    std::size_t line = static_cast<std::size_t>(mark.line + line_offset_);
    if (line >= line_starts_.size()) return ScalarStart{text_.size(), 0, 0};
    start.line = static_cast<int>(line);
    start.column = mark.column;
    start.offset =
        std::min(text_.size(), line_starts_[line] + static_cast<std::size_t>(mark.column));
    return start;
  }

  void add(Diagnostic::Severity severity, Located where, std::string item, std::string message) {
    set_.diagnostics.push_back(
        Diagnostic{severity, std::move(where), std::move(item), std::move(message)});
  }
  void error(const YAML::Node& node, std::string item, std::string message) {
    add(Diagnostic::Severity::Error, located(node), std::move(item), std::move(message));
  }
  void warning(const YAML::Node& node, std::string item, std::string message) {
    add(Diagnostic::Severity::Warning, located(node), std::move(item), std::move(message));
  }

  // -- Documents

  bool read_documents(std::vector<std::pair<YAML::Node, int>>& documents) {
    std::size_t base = 0;
    int base_line = 0;
    for (std::size_t count = 0; count < kMaxDocuments; ++count) {
      std::string_view rest = text_.substr(base);
      YAML::Node document;
      std::optional<YAML::Mark> next;
      line_offset_ = base_line;
      try {
        document = YAML::Load(std::string(rest));
        next = find_second_yaml_document(rest);
      } catch (const YAML::Exception& e) {
        add(Diagnostic::Severity::Error, Located{file_, position(e.mark)}, "",
            "not valid YAML: " + e.msg);
        return false;
      }
      documents.emplace_back(document, base_line);
      if (!next) return true;
      // The next document is loaded from the start of the line its content begins on.
      if (next->line <= 0 ||
          static_cast<std::size_t>(base_line + next->line) >= line_starts_.size()) {
        add(Diagnostic::Severity::Error, Located{file_, position(*next)}, "",
            "a new YAML document must start on a line of its own");
        return false;
      }
      base_line += next->line;
      base = line_starts_[static_cast<std::size_t>(base_line)];
    }
    add(Diagnostic::Severity::Error, Located{file_, {}}, "",
        "more than " + std::to_string(kMaxDocuments) + " YAML documents");
    return false;
  }

  // -- Values

  Entries entries(const YAML::Node& map, const std::string& item) {
    Entries out;
    for (const auto& member : map) {
      if (!member.first.IsScalar()) {
        error(member.first, item, "keys must be strings, found " + shape_name(member.first));
        continue;
      }
      out.emplace_back(member.first.Scalar(), member.second);
    }
    return out;
  }

  void warn_unknown_keys(const Entries& entries, const std::vector<std::string_view>& known,
                         const std::string& item, const YAML::Node& node) {
    for (const auto& [key, value] : entries)
      if (!contains(known, key)) warning(node, item, "unknown key " + quoted(key) + " (ignored)");
  }

  std::optional<std::string> scalar(const YAML::Node& node, std::string_view key,
                                    const std::string& item, bool allow_empty) {
    if (node.IsNull()) {
      if (allow_empty) return std::string();
      error(node, item, quoted(key) + " is empty");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      error(node, item, quoted(key) + " must be a string, found " + shape_name(node));
      return std::nullopt;
    }
    if (!allow_empty && node.Scalar().empty()) {
      error(node, item, quoted(key) + " is empty");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<bool> boolean(const YAML::Node& node, std::string_view key,
                              const std::string& item) {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      error(node, item, quoted(key) + " must be true or false");
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::vector<std::string>> string_list(const YAML::Node& node, std::string_view key,
                                                      const std::string& item) {
    if (node.IsNull()) return std::vector<std::string>{};
    if (!node.IsSequence()) {
      error(node, item, quoted(key) + " must be a list of strings, found " + shape_name(node));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const YAML::Node& element : node) {
      if (!element.IsScalar()) {
        error(element, item,
              quoted(key) + " must be a list of strings, found " + shape_name(element) + " in it");
        return std::nullopt;
      }
      out.push_back(element.Scalar());
    }
    return out;
  }

  // The item's name (the value of its kind key).
  std::optional<std::string> item_name(const YAML::Node& node, std::string_view kind) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      error(node, std::string(kind),
            "the name of a " + std::string(kind) + " must be a non-empty string, found " +
                (node.IsScalar() ? "an empty string" : shape_name(node)));
      return std::nullopt;
    }
    return node.Scalar();
  }

  // `append:` (deprecated) and `override:` of an item; false when they are malformed.
  struct Modifiers {
    bool append = false;
    std::map<std::string, OverrideMode> overrides;
    bool has_override = false;
  };

  bool read_modifiers(const Entries& entries, const OverrideRules& rules, std::string_view name_key,
                      const std::string& item, const YAML::Node& item_node, Modifiers& out) {
    bool ok = true;
    if (const YAML::Node* append = find_entry(entries, "append")) {
      std::optional<bool> value = boolean(*append, "append", item);
      if (!value) return false;
      out.append = *value;
      if (out.append)
        warning(*append, item,
                "'append' is deprecated; use 'override' with an 'append' entry for each key");
    }
    const YAML::Node* override_node = find_entry(entries, "override");
    if (!override_node) return true;
    out.has_override = true;
    if (out.append) {
      error(*override_node, item, "'override' and 'append: true' cannot be used together");
      return false;
    }
    if (!override_node->IsMap()) {
      error(*override_node, item,
            "'override' must map keys to append or replace, found " + shape_name(*override_node));
      return false;
    }
    for (const auto& [key, mode_node] : this->entries(*override_node, item)) {
      std::string mode = mode_node.IsScalar() ? mode_node.Scalar() : "";
      bool can_append = contains(rules.appendable, key);
      bool can_replace = contains(rules.replaceable, key);
      if (mode != "append" && mode != "replace") {
        error(mode_node, item, "override of " + quoted(key) + " must be append or replace");
        ok = false;
      } else if (!can_append && !can_replace) {
        error(mode_node, item, quoted(key) + " cannot be overridden");
        ok = false;
      } else if (mode == "append" && !can_append) {
        error(mode_node, item, quoted(key) + " can be replaced but not appended");
        ok = false;
      } else if (mode == "replace" && !can_replace) {
        error(mode_node, item, quoted(key) + " can be appended but not replaced");
        ok = false;
      } else {
        out.overrides[key] = mode == "append" ? OverrideMode::Append : OverrideMode::Replace;
      }
      if (ok && !find_entry(entries, key)) {
        error(mode_node, item,
              "override of " + quoted(key) + " but the item has no " + quoted(key));
        ok = false;
      }
    }
    for (const auto& [key, value] : entries) {
      if (key == name_key || key == "override") continue;
      if (!out.overrides.count(key) && ok) {
        error(item_node, item,
              "key " + quoted(key) + " has no entry under 'override' (append or replace)");
        ok = false;
      }
    }
    return ok;
  }

  // -- Items

  void load_item(const YAML::Node& node) {
    if (!node.IsMap()) {
      error(node, "",
            "each item of a rules file must be a map (rule, macro, list, ...), found " +
                shape_name(node));
      return;
    }
    Entries item_entries = entries(node, "item");
    // The kind is decided in this order, as Falco does.
    if (const YAML::Node* version = find_entry(item_entries, "required_engine_version")) {
      load_engine_version(*version);
    } else if (const YAML::Node* plugins = find_entry(item_entries, "required_plugin_versions")) {
      load_plugin_versions(*plugins);
    } else if (const YAML::Node* name = find_entry(item_entries, "list")) {
      load_list(node, item_entries, *name);
    } else if (const YAML::Node* name = find_entry(item_entries, "macro")) {
      load_macro(node, item_entries, *name);
    } else if (const YAML::Node* name = find_entry(item_entries, "rule")) {
      load_rule(node, item_entries, *name);
    } else {
      std::string keys;
      for (const auto& [key, value] : item_entries) keys += (keys.empty() ? "" : ", ") + key;
      warning(node, "", "unknown item (keys: " + keys + "), ignored");
    }
  }

  void load_engine_version(const YAML::Node& node) {
    const std::string item = "required_engine_version";
    if (!node.IsScalar()) {
      error(node, item, "must be a number or a version like 0.26.0, found " + shape_name(node));
      return;
    }
    std::optional<std::array<uint64_t, 3>> version = parse_engine_version(node.Scalar());
    if (!version) {
      error(node, item,
            "must be a number or a version like 0.26.0, found " + quoted(node.Scalar()));
      return;
    }
    if (set_.required_engine_version) {
      std::optional<std::array<uint64_t, 3>> current =
          parse_engine_version(*set_.required_engine_version);
      if (current && *current >= *version) return;
    }
    set_.required_engine_version = node.Scalar();
  }

  void load_plugin_versions(const YAML::Node& node) {
    const std::string item = "required_plugin_versions";
    if (!node.IsSequence()) {
      error(node, item, "must be a list of {name, version}, found " + shape_name(node));
      return;
    }
    for (const YAML::Node& entry : node) {
      std::optional<PluginRequirement> plugin = plugin_requirement(entry, item, true);
      if (!plugin) continue;
      warning(entry, item,
              "the rules need plugin " + quoted(plugin->name) + " (version " + plugin->version +
                  "); Bulkhead loads no plugins, so only the fields it implements itself are "
                  "available");
      set_.required_plugins.push_back(std::move(*plugin));
    }
  }

  std::optional<PluginRequirement> plugin_requirement(const YAML::Node& node,
                                                      const std::string& item, bool top) {
    if (!node.IsMap()) {
      error(node, item,
            "each plugin must be a map with name and version, found " + shape_name(node));
      return std::nullopt;
    }
    Entries plugin_entries = entries(node, item);
    std::vector<std::string_view> known{"name", "version"};
    if (top) known.push_back("alternatives");
    warn_unknown_keys(plugin_entries, known, item, node);
    PluginRequirement plugin;
    plugin.where = located(node);
    for (std::string_view key : {"name", "version"}) {
      const YAML::Node* value = find_entry(plugin_entries, key);
      if (!value) {
        error(node, item, "missing required key " + quoted(key));
        return std::nullopt;
      }
      std::optional<std::string> text = scalar(*value, key, item, false);
      if (!text) return std::nullopt;
      (key == "name" ? plugin.name : plugin.version) = *text;
    }
    if (const YAML::Node* alternatives = find_entry(plugin_entries, "alternatives")) {
      if (!alternatives->IsSequence()) {
        error(*alternatives, item,
              "'alternatives' must be a list, found " + shape_name(*alternatives));
        return std::nullopt;
      }
      for (const YAML::Node& alternative : *alternatives) {
        std::optional<PluginRequirement> other = plugin_requirement(alternative, item, false);
        if (!other) return std::nullopt;
        plugin.alternatives.emplace_back(other->name, other->version);
      }
    }
    return plugin;
  }

  // - Lists

  void load_list(const YAML::Node& node, const Entries& item_entries, const YAML::Node& name_node) {
    std::optional<std::string> name = item_name(name_node, "list");
    if (!name) return;
    std::string item = "list " + quoted(*name);
    warn_unknown_keys(item_entries, kListKeys, item, node);
    Modifiers modifiers;
    if (!read_modifiers(item_entries, kListOverrides, "list", item, node, modifiers)) return;

    const YAML::Node* items_node = find_entry(item_entries, "items");
    if (!items_node) {
      error(node, item, "missing required key 'items'");
      return;
    }
    ListItem list;
    list.name = *name;
    list.where = located(node);
    if (!items_node->IsNull()) {
      if (!items_node->IsSequence()) {
        error(*items_node, item,
              "'items' must be a list of strings or numbers, found " + shape_name(*items_node));
        return;
      }
      for (const YAML::Node& element : *items_node) {
        if (!element.IsScalar()) {
          error(element, item,
                "'items' must hold strings or numbers, found " + shape_name(element));
          return;
        }
        list.items.push_back(element.Scalar());
        list.item_where.push_back(located(element));
      }
    }

    auto existing = lists_.find(*name);
    bool appending = modifiers.append || (modifiers.has_override &&
                                          modifiers.overrides["items"] == OverrideMode::Append);
    bool replacing = modifiers.has_override && !appending;
    if (appending || replacing) {
      if (existing == lists_.end()) {
        error(node, item,
              std::string(appending ? "appends to" : "overrides") +
                  " a list that is not defined (define it in this or an earlier file)");
        return;
      }
      ListItem& target = set_.lists[existing->second];
      if (replacing) {
        target.items.clear();
        target.item_where.clear();
      }
      target.items.insert(target.items.end(), list.items.begin(), list.items.end());
      target.item_where.insert(target.item_where.end(), list.item_where.begin(),
                               list.item_where.end());
      return;
    }
    if (existing != lists_.end()) {
      set_.lists[existing->second] = std::move(list);
    } else {
      lists_[*name] = set_.lists.size();
      set_.lists.push_back(std::move(list));
    }
  }

  // - Conditions

  ConditionPiece piece(const YAML::Node& node, const std::string& text, std::size_t offset) {
    ConditionPiece out;
    out.offset = offset;
    out.where = located(node);
    out.positions = scalar_positions(text_, scalar_start(node), text);
    return out;
  }

  void set_condition(std::string& text, std::vector<ConditionPiece>& pieces, Located& where,
                     const YAML::Node& node, const std::string& condition) {
    text = condition;
    pieces.clear();
    pieces.push_back(piece(node, condition, 0));
    where = located(node);
  }

  void append_condition(std::string& text, std::vector<ConditionPiece>& pieces,
                        const YAML::Node& node, const std::string& condition) {
    if (condition.empty()) return;
    text += ' ';
    pieces.push_back(piece(node, condition, text.size()));
    text += condition;
  }

  // - Macros

  void load_macro(const YAML::Node& node, const Entries& item_entries,
                  const YAML::Node& name_node) {
    std::optional<std::string> name = item_name(name_node, "macro");
    if (!name) return;
    std::string item = "macro " + quoted(*name);
    warn_unknown_keys(item_entries, kMacroKeys, item, node);
    Modifiers modifiers;
    if (!read_modifiers(item_entries, kMacroOverrides, "macro", item, node, modifiers)) return;
    const YAML::Node* condition_node = find_entry(item_entries, "condition");
    if (!condition_node) {
      error(node, item, "missing required key 'condition'");
      return;
    }
    bool appending = modifiers.append || (modifiers.has_override &&
                                          modifiers.overrides["condition"] == OverrideMode::Append);
    bool replacing = modifiers.has_override && !appending;
    std::optional<std::string> condition = scalar(*condition_node, "condition", item, appending);
    if (!condition) return;

    auto existing = macros_.find(*name);
    if (appending || replacing) {
      if (existing == macros_.end()) {
        error(node, item,
              std::string(appending ? "appends to" : "overrides") +
                  " a macro that is not defined (define it in this or an earlier file)");
        return;
      }
      MacroItem& target = set_.macros[existing->second];
      if (appending)
        append_condition(target.condition_text, target.condition_pieces, *condition_node,
                         *condition);
      else
        set_condition(target.condition_text, target.condition_pieces, target.condition_where,
                      *condition_node, *condition);
      dirty_macros_.insert(existing->second);
      return;
    }
    MacroItem macro;
    macro.name = *name;
    macro.where = located(node);
    set_condition(macro.condition_text, macro.condition_pieces, macro.condition_where,
                  *condition_node, *condition);
    std::size_t index;
    if (existing != macros_.end()) {
      index = existing->second;
      set_.macros[index] = std::move(macro);
    } else {
      index = set_.macros.size();
      macros_[*name] = index;
      set_.macros.push_back(std::move(macro));
    }
    dirty_macros_.insert(index);
  }

  // - Exceptions

  std::optional<ExceptionValue> exception_value(const YAML::Node& node, const std::string& item,
                                                const std::string& exception) {
    ExceptionValue value;
    value.position = position(node.Mark());
    if (node.IsScalar()) {
      value.text = node.Scalar();
      return value;
    }
    if (node.IsSequence()) {
      value.is_list = true;
      for (const YAML::Node& element : node) {
        if (!element.IsScalar()) {
          error(element, item,
                "exception " + quoted(exception) +
                    ": a value list must hold strings or numbers, found " + shape_name(element));
          return std::nullopt;
        }
        value.items.push_back(element.Scalar());
      }
      value.text = render_list(value.items);
      return value;
    }
    error(node, item,
          "exception " + quoted(exception) +
              ": a value must be a string, a number or a list, found " + shape_name(node));
    return std::nullopt;
  }

  std::optional<std::vector<ExceptionInput>> read_exceptions(const YAML::Node& node,
                                                             const std::string& item) {
    std::vector<ExceptionInput> out;
    if (node.IsNull()) return out;
    if (!node.IsSequence()) {
      error(node, item, "'exceptions' must be a list, found " + shape_name(node));
      return std::nullopt;
    }
    for (const YAML::Node& entry : node) {
      if (!entry.IsMap()) {
        error(entry, item,
              "each exception must be a map with name, fields, comps and values, found " +
                  shape_name(entry));
        return std::nullopt;
      }
      Entries exception_entries = entries(entry, item);
      warn_unknown_keys(exception_entries, kExceptionKeys, item, entry);
      ExceptionInput exception;
      exception.where = located(entry);
      const YAML::Node* name = find_entry(exception_entries, "name");
      if (!name) {
        error(entry, item, "an exception has no 'name'");
        return std::nullopt;
      }
      std::optional<std::string> name_text = scalar(*name, "name", item, false);
      if (!name_text) return std::nullopt;
      exception.name = *name_text;
      std::string what = "exception " + quoted(exception.name);

      if (const YAML::Node* fields = find_entry(exception_entries, "fields")) {
        if (fields->IsScalar()) {
          exception.fields_is_list = false;
          exception.fields = std::vector<std::string>{fields->Scalar()};
          exception.field_positions.push_back(position(fields->Mark()));
        } else if (fields->IsSequence()) {
          exception.fields.emplace();
          for (const YAML::Node& field : *fields) {
            if (!field.IsScalar()) {
              error(field, item,
                    what + ": 'fields' must hold field names, found " + shape_name(field));
              return std::nullopt;
            }
            exception.fields->push_back(field.Scalar());
            exception.field_positions.push_back(position(field.Mark()));
          }
        } else {
          error(*fields, item,
                what + ": 'fields' must be a field name or a list of them, found " +
                    shape_name(*fields));
          return std::nullopt;
        }
      }
      if (const YAML::Node* comps = find_entry(exception_entries, "comps")) {
        exception.comps_position = position(comps->Mark());
        std::vector<YAML::Node> comp_nodes;
        if (comps->IsScalar()) {
          exception.comps_is_list = false;
          comp_nodes.push_back(*comps);
        } else if (comps->IsSequence()) {
          for (const YAML::Node& comp : *comps) comp_nodes.push_back(comp);
        } else {
          error(*comps, item,
                what + ": 'comps' must be an operator or a list of them, found " +
                    shape_name(*comps));
          return std::nullopt;
        }
        exception.comps.emplace();
        for (const YAML::Node& comp : comp_nodes) {
          if (!comp.IsScalar() || !compare_op_from_name(comp.Scalar())) {
            error(comp, item,
                  what + ": " + (comp.IsScalar() ? quoted(comp.Scalar()) : shape_name(comp)) +
                      " is not a comparison operator");
            return std::nullopt;
          }
          exception.comps->push_back(comp.Scalar());
        }
      }
      if (const YAML::Node* values = find_entry(exception_entries, "values")) {
        if (!values->IsNull() && !values->IsSequence()) {
          error(*values, item, what + ": 'values' must be a list, found " + shape_name(*values));
          return std::nullopt;
        }
        if (values->IsSequence()) {
          for (const YAML::Node& value : *values) {
            ExceptionEntry parsed;
            parsed.position = position(value.Mark());
            if (value.IsSequence()) {
              parsed.is_list = true;
              for (const YAML::Node& element : value) {
                std::optional<ExceptionValue> one = exception_value(element, item, exception.name);
                if (!one) return std::nullopt;
                parsed.values.push_back(std::move(*one));
              }
            } else {
              std::optional<ExceptionValue> one = exception_value(value, item, exception.name);
              if (!one) return std::nullopt;
              parsed.values.push_back(std::move(*one));
            }
            exception.entries.push_back(std::move(parsed));
          }
        }
      }
      out.push_back(std::move(exception));
    }
    return out;
  }

  // Adds `entries` to `exception` (whose fields and comps are settled), checking their shape.
  bool add_exception_values(RuleException& exception, const std::vector<ExceptionEntry>& entries,
                            const std::string& item) {
    std::string what = "exception " + quoted(exception.name);
    for (const ExceptionEntry& entry : entries) {
      std::vector<ExceptionValue> tuple;
      if (exception.fields_is_list) {
        if (!entry.is_list) {
          add(Diagnostic::Severity::Error, Located{file_, entry.position}, item,
              what + ": with a list of fields, each value must be a list with one value per field");
          return false;
        }
        if (entry.values.size() != exception.fields.size()) {
          add(Diagnostic::Severity::Error, Located{file_, entry.position}, item,
              what + ": a value has " + std::to_string(entry.values.size()) + " item(s) for " +
                  std::to_string(exception.fields.size()) + " field(s)");
          return false;
        }
        for (std::size_t k = 0; k < entry.values.size(); ++k) {
          std::optional<CompareOp> op = compare_op_from_name(exception.comps[k]);
          if (entry.values[k].is_list && op && !is_list_op(*op)) {
            add(Diagnostic::Severity::Error, Located{file_, entry.values[k].position}, item,
                what + ": a list value needs in, intersects or pmatch, not " +
                    quoted(exception.comps[k]) + " (field " + quoted(exception.fields[k]) + ")");
            return false;
          }
        }
        tuple = entry.values;
      } else {
        if (entry.is_list) {
          add(Diagnostic::Severity::Error, Located{file_, entry.position}, item,
              what + ": with a single field (not a list), each value must be a string or a number");
          return false;
        }
        tuple = entry.values;
      }
      std::vector<std::string> texts;
      for (const ExceptionValue& value : tuple) texts.push_back(value.text);
      exception.values.push_back(std::move(texts));
      exception.tuples.push_back(std::move(tuple));
    }
    return true;
  }

  // A new exception: fields are required, comps default to `=` per field (`in` for a single
  // field given as a scalar).
  std::optional<RuleException> new_exception(const ExceptionInput& input, const std::string& item) {
    std::string what = "exception " + quoted(input.name);
    if (!input.fields || input.fields->empty()) {
      add(Diagnostic::Severity::Error, input.where, item,
          what + (input.fields ? ": 'fields' is empty" : ": missing required key 'fields'"));
      return std::nullopt;
    }
    RuleException exception;
    exception.name = input.name;
    exception.where = input.where;
    exception.fields = *input.fields;
    exception.fields_is_list = input.fields_is_list;
    exception.field_positions = input.field_positions;
    if (input.fields_is_list) {
      if (!input.comps) {
        exception.comps.assign(exception.fields.size(), "=");
      } else if (!input.comps_is_list || input.comps->size() != exception.fields.size()) {
        add(Diagnostic::Severity::Error, Located{file_, input.comps_position}, item,
            what + ": 'comps' must be a list with one operator per field (" +
                std::to_string(exception.fields.size()) + ")");
        return std::nullopt;
      } else {
        exception.comps = *input.comps;
      }
    } else {
      if (input.comps && input.comps_is_list) {
        add(Diagnostic::Severity::Error, Located{file_, input.comps_position}, item,
            what + ": with a single field (not a list), 'comps' must be one operator");
        return std::nullopt;
      }
      exception.comps = {input.comps ? input.comps->front() : "in"};
      std::optional<CompareOp> op = compare_op_from_name(exception.comps.front());
      if (!op || !is_list_op(*op)) {
        add(Diagnostic::Severity::Error, Located{file_, input.comps_position}, item,
            what + ": with a single field (not a list), 'comps' must be in, intersects or pmatch");
        return std::nullopt;
      }
    }
    if (!add_exception_values(exception, input.entries, item)) return std::nullopt;
    return exception;
  }

  // Appending exceptions: values of a same-named exception join it; others are new.
  bool append_exceptions(std::vector<RuleException>& target,
                         const std::vector<ExceptionInput>& inputs, const std::string& item) {
    for (const ExceptionInput& input : inputs) {
      auto existing = std::find_if(target.begin(), target.end(),
                                   [&](const RuleException& e) { return e.name == input.name; });
      if (existing == target.end()) {
        std::optional<RuleException> exception = new_exception(input, item);
        if (!exception) return false;
        target.push_back(std::move(*exception));
        continue;
      }
      std::string what = "exception " + quoted(input.name);
      if ((input.fields && *input.fields != existing->fields) ||
          (input.comps && *input.comps != existing->comps)) {
        add(Diagnostic::Severity::Error, input.where, item,
            what +
                ": appending to an existing exception adds values only; its fields and comps "
                "cannot change");
        return false;
      }
      if (!add_exception_values(*existing, input.entries, item)) return false;
    }
    return true;
  }

  std::optional<std::vector<RuleException>> define_exceptions(
      const std::vector<ExceptionInput>& inputs, const std::string& item) {
    std::vector<RuleException> out;
    for (const ExceptionInput& input : inputs) {
      if (std::any_of(out.begin(), out.end(),
                      [&](const RuleException& e) { return e.name == input.name; })) {
        add(Diagnostic::Severity::Error, input.where, item,
            "exception " + quoted(input.name) + " is defined twice");
        return std::nullopt;
      }
      std::optional<RuleException> exception = new_exception(input, item);
      if (!exception) return std::nullopt;
      out.push_back(std::move(*exception));
    }
    return out;
  }

  // - Rules

  std::optional<RuleInput> read_rule(const Entries& item_entries, const std::string& item) {
    RuleInput input;
    bool ok = true;
    for (const auto& [key, value] : item_entries) {
      if (key == "desc" || key == "output" || key == "source") {
        std::optional<std::string> text = scalar(value, key, item, key != "source");
        if (!text)
          ok = false;
        else if (key == "desc")
          input.desc = text;
        else if (key == "output")
          input.output = text, input.output_node = value;
        else
          input.source = text;
      } else if (key == "condition") {
        std::optional<std::string> text = scalar(value, key, item, false);
        if (!text)
          ok = false;
        else
          input.condition = text, input.condition_node = value;
      } else if (key == "priority") {
        std::optional<std::string> text = scalar(value, key, item, false);
        if (!text) {
          ok = false;
        } else if (std::optional<Priority> priority = priority_from_name(*text)) {
          input.priority = priority;
        } else {
          error(value, item,
                "unknown priority " + quoted(*text) +
                    " (expected emergency, alert, critical, error, warning, notice, "
                    "informational or debug)");
          ok = false;
        }
      } else if (key == "tags") {
        input.tags = string_list(value, key, item);
        if (!input.tags) ok = false;
      } else if (key == "enabled" || key == "skip-if-unknown-filter" || key == "warn_evttypes") {
        std::optional<bool> flag = boolean(value, key, item);
        if (!flag)
          ok = false;
        else if (key == "enabled")
          input.enabled = flag;
        else if (key == "warn_evttypes")
          input.warn_evttypes = flag;
        else
          input.skip_if_unknown_filter = flag;
      } else if (key == "exceptions") {
        input.exceptions = read_exceptions(value, item);
        if (!input.exceptions) ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return input;
  }

  void load_rule(const YAML::Node& node, const Entries& item_entries, const YAML::Node& name_node) {
    std::optional<std::string> name = item_name(name_node, "rule");
    if (!name) return;
    std::string item = "rule " + quoted(*name);
    warn_unknown_keys(item_entries, kRuleKeys, item, node);
    Modifiers modifiers;
    if (!read_modifiers(item_entries, kRuleOverrides, "rule", item, node, modifiers)) return;
    std::optional<RuleInput> input = read_rule(item_entries, item);
    if (!input) return;
    auto existing = rules_.find(*name);

    if (modifiers.append || modifiers.has_override) {
      if (existing == rules_.end()) {
        error(node, item,
              std::string(modifiers.append ? "appends to" : "overrides") +
                  " a rule that is not defined (define it in this or an earlier file)");
        return;
      }
      if (modifiers.append) {
        append_rule(node, item_entries, *input, existing->second, item);
      } else {
        override_rule(*input, modifiers.overrides, existing->second, item);
      }
      return;
    }

    // `- rule: X` with `enabled` alone turns an existing rule on or off.
    bool enabled_only = item_entries.size() == 2 && input->enabled.has_value();
    if (enabled_only) {
      if (existing == rules_.end()) {
        error(node, item,
              "sets 'enabled' on a rule that is not defined (define it in this or an "
              "earlier file)");
        return;
      }
      set_.rules[existing->second].enabled = *input->enabled;
      return;
    }
    define_rule(node, *name, *input, item);
  }

  void define_rule(const YAML::Node& node, const std::string& name, RuleInput& input,
                   const std::string& item) {
    bool complete = true;
    for (auto [key, present] : std::array<std::pair<std::string_view, bool>, 4>{
             {{"condition", input.condition.has_value()},
              {"output", input.output.has_value()},
              {"desc", input.desc.has_value()},
              {"priority", input.priority.has_value()}}}) {
      if (!present) {
        error(node, item, "missing required key " + quoted(key));
        complete = false;
      }
    }
    if (!complete) return;
    RuleItem rule;
    rule.name = name;
    rule.where = located(node);
    rule.desc = *input.desc;
    rule.output = *input.output;
    rule.output_where = located(input.output_node);
    rule.priority = *input.priority;
    set_condition(rule.condition_text, rule.condition_pieces, rule.condition_where,
                  input.condition_node, *input.condition);
    if (input.tags) rule.tags = dedupe(*input.tags);
    if (input.enabled) rule.enabled = *input.enabled;
    if (input.skip_if_unknown_filter) rule.skip_if_unknown_filter = *input.skip_if_unknown_filter;
    if (input.warn_evttypes) rule.warn_evttypes = *input.warn_evttypes;
    if (input.source) rule.source = *input.source;
    if (input.exceptions) {
      std::optional<std::vector<RuleException>> exceptions =
          define_exceptions(*input.exceptions, item);
      if (!exceptions) return;
      rule.exceptions = std::move(*exceptions);
    }
    if (rule.source != "syscall")
      warning(node, item,
              "source " + quoted(rule.source) +
                  " needs a plugin, and Bulkhead loads none: the rule is kept but never evaluated");
    std::size_t index;
    auto existing = rules_.find(name);
    if (existing != rules_.end()) {
      index = existing->second;
      set_.rules[index] = std::move(rule);
    } else {
      index = set_.rules.size();
      rules_[name] = index;
      set_.rules.push_back(std::move(rule));
    }
    dirty_rules_.insert(index);
  }

  static std::vector<std::string> dedupe(const std::vector<std::string>& tags) {
    std::vector<std::string> out;
    for (const std::string& tag : tags)
      if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
    return out;
  }

  static void append_tags(std::vector<std::string>& tags, const std::vector<std::string>& more) {
    for (const std::string& tag : more)
      if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  }

  static void append_text(std::string& text, const std::string& more) {
    if (more.empty()) return;
    if (!text.empty()) text += ' ';
    text += more;
  }

  // The deprecated `append: true`: condition, exceptions, output, desc and tags are appended.
  void append_rule(const YAML::Node& node, const Entries& item_entries, RuleInput& input,
                   std::size_t index, const std::string& item) {
    for (const auto& [key, value] : item_entries) {
      if (key == "rule" || key == "append") continue;
      if (!contains(kRuleOverrides.appendable, key) && contains(kRuleKeys, key))
        warning(value, item,
                quoted(key) +
                    " cannot be appended and is ignored (use 'override' "
                    "with replace)");
    }
    if (!input.condition && !input.exceptions && !input.output && !input.desc && !input.tags) {
      error(node, item, "an appended rule needs a condition or exceptions to append");
      return;
    }
    RuleItem& rule = set_.rules[index];
    if (input.exceptions && !append_exceptions(rule.exceptions, *input.exceptions, item)) return;
    if (input.condition)
      append_condition(rule.condition_text, rule.condition_pieces, input.condition_node,
                       *input.condition);
    if (input.output) append_text(rule.output, *input.output);
    if (input.desc) append_text(rule.desc, *input.desc);
    if (input.tags) append_tags(rule.tags, *input.tags);
    dirty_rules_.insert(index);
  }

  void override_rule(RuleInput& input, const std::map<std::string, OverrideMode>& overrides,
                     std::size_t index, const std::string& item) {
    RuleItem& rule = set_.rules[index];
    // Exceptions first: if they are malformed nothing of the item applies.
    if (auto mode = overrides.find("exceptions"); mode != overrides.end()) {
      if (mode->second == OverrideMode::Append) {
        std::vector<RuleException> merged = rule.exceptions;
        if (!append_exceptions(merged, *input.exceptions, item)) return;
        rule.exceptions = std::move(merged);
      } else {
        std::optional<std::vector<RuleException>> exceptions =
            define_exceptions(*input.exceptions, item);
        if (!exceptions) return;
        rule.exceptions = std::move(*exceptions);
      }
    }
    for (const auto& [key, mode] : overrides) {
      bool append = mode == OverrideMode::Append;
      if (key == "condition") {
        if (append)
          append_condition(rule.condition_text, rule.condition_pieces, input.condition_node,
                           *input.condition);
        else
          set_condition(rule.condition_text, rule.condition_pieces, rule.condition_where,
                        input.condition_node, *input.condition);
      } else if (key == "output") {
        if (append) {
          append_text(rule.output, *input.output);
        } else {
          rule.output = *input.output;
          rule.output_where = located(input.output_node);
        }
      } else if (key == "desc") {
        if (append)
          append_text(rule.desc, *input.desc);
        else
          rule.desc = *input.desc;
      } else if (key == "tags") {
        if (append)
          append_tags(rule.tags, *input.tags);
        else
          rule.tags = dedupe(*input.tags);
      } else if (key == "priority") {
        rule.priority = *input.priority;
      } else if (key == "enabled") {
        rule.enabled = *input.enabled;
      } else if (key == "warn_evttypes") {
        rule.warn_evttypes = *input.warn_evttypes;
      } else if (key == "skip-if-unknown-filter") {
        rule.skip_if_unknown_filter = *input.skip_if_unknown_filter;
      }
    }
    dirty_rules_.insert(index);
  }

  // -- Conditions, once the file's items are all applied

  void parse_conditions() {
    for (std::size_t index : dirty_macros_) {
      MacroItem& macro = set_.macros[index];
      macro.condition = parse(macro.condition_text, macro.condition_pieces, macro.condition_where,
                              "macro " + quoted(macro.name), Diagnostic::Severity::Error);
    }
    for (std::size_t index : dirty_rules_) {
      RuleItem& rule = set_.rules[index];
      // Rules Bulkhead never evaluates (other sources) only warn, as Falco skips them.
      Diagnostic::Severity severity =
          rule.source == "syscall" ? Diagnostic::Severity::Error : Diagnostic::Severity::Warning;
      std::string item = "rule " + quoted(rule.name);
      ConditionPtr condition =
          parse(rule.condition_text, rule.condition_pieces, rule.condition_where, item, severity);
      if (condition) condition = fold_exceptions(std::move(condition), rule, item, severity);
      rule.condition = std::move(condition);
    }
  }

  ConditionPtr parse(const std::string& text, const std::vector<ConditionPiece>& pieces,
                     const Located& where, const std::string& item, Diagnostic::Severity severity) {
    PiecewisePositionMap positions(pieces);
    ParseResult result = parse_condition(text, &positions);
    if (result.error) {
      const ConditionPiece* piece = positions.piece_at(result.error->offset);
      std::string file = piece ? piece->where.file : where.file;
      add(severity, Located{file, result.error->position}, item,
          "syntax error in condition: " + result.error->message);
      return nullptr;
    }
    return std::move(result.condition);
  }

  ConditionPtr fold_exceptions(ConditionPtr condition, const RuleItem& rule,
                               const std::string& item, Diagnostic::Severity severity) {
    std::vector<ConditionPtr> excluded;
    for (const RuleException& exception : rule.exceptions) {
      if (exception.tuples.empty()) continue;
      std::vector<FieldRef> fields;
      for (std::size_t k = 0; k < exception.fields.size(); ++k) {
        FieldParseResult field = parse_field(exception.fields[k]);
        TextPosition at = k < exception.field_positions.size() ? exception.field_positions[k]
                                                               : exception.where.position;
        if (!field.field) {
          add(severity, Located{exception.where.file, at}, item,
              "exception " + quoted(exception.name) + ": invalid field " +
                  quoted(exception.fields[k]) + ": " + field.error->message);
          return nullptr;
        }
        field.field->position = at;
        fields.push_back(std::move(*field.field));
      }
      auto node_at = [](TextPosition position) {
        auto node = std::make_unique<ConditionNode>();
        node->position = position;
        return node;
      };
      ConditionPtr match;
      if (!exception.fields_is_list) {
        // fields: f, comps: in, values: [a, b] -> f in (a, b)
        ListOperand list;
        list.position = exception.tuples.front().front().position;
        for (const auto& tuple : exception.tuples)
          list.items.push_back(literal_from_list_item(tuple.front().text, tuple.front().position));
        match = node_at(fields.front().position);
        match->node = CompareNode{fields.front(), *compare_op_from_name(exception.comps.front()),
                                  std::move(list)};
      } else {
        OrNode any;
        for (const auto& tuple : exception.tuples) {
          AndNode all;
          for (std::size_t k = 0; k < tuple.size(); ++k) {
            const ExceptionValue& value = tuple[k];
            CompareOp op = *compare_op_from_name(exception.comps[k]);
            std::variant<Literal, ListOperand, FieldRef> operand;
            if (value.is_list) {
              ListOperand list;
              list.position = value.position;
              for (const std::string& element : value.items)
                list.items.push_back(literal_from_list_item(element, value.position));
              operand = std::move(list);
            } else {
              operand = literal_from_list_item(value.text, value.position);
            }
            ConditionPtr compare = node_at(fields[k].position);
            compare->node = CompareNode{fields[k], op, std::move(operand)};
            all.children.push_back(std::move(compare));
          }
          ConditionPtr conjunction;
          if (all.children.size() == 1) {
            conjunction = std::move(all.children.front());
          } else {
            conjunction = node_at(all.children.front()->position);
            conjunction->node = std::move(all);
          }
          any.children.push_back(std::move(conjunction));
        }
        if (any.children.size() == 1) {
          match = std::move(any.children.front());
        } else {
          match = node_at(exception.where.position);
          match->node = std::move(any);
        }
      }
      ConditionPtr negated = node_at(exception.where.position);
      negated->node = NotNode{std::move(match)};
      excluded.push_back(std::move(negated));
    }
    if (excluded.empty()) return condition;
    ConditionPtr all = std::make_unique<ConditionNode>();
    all->position = condition->position;
    AndNode conjunction;
    conjunction.children.push_back(std::move(condition));
    for (ConditionPtr& node : excluded) conjunction.children.push_back(std::move(node));
    all->node = std::move(conjunction);
    return all;
  }
};

}  // namespace

std::optional<Priority> priority_from_name(std::string_view name) {
  std::string lower = to_lower(name);
  if (lower == "info") return Priority::Informational;
  for (std::size_t i = 0; i < kPriorityNames.size(); ++i)
    if (lower == to_lower(kPriorityNames[i])) return static_cast<Priority>(i);
  return std::nullopt;
}

std::string_view priority_name(Priority priority) {
  auto index = static_cast<std::size_t>(priority);
  return index < kPriorityNames.size() ? kPriorityNames[index] : "Unknown";
}

Literal literal_from_list_item(std::string_view item, TextPosition position) {
  Literal literal;
  literal.position = position;
  if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') &&
      item.back() == item.front()) {
    // Parsed as the condition parser reads a quoted string, so escapes mean the same.
    ParseResult parsed = parse_condition("x.x = " + std::string(item));
    if (parsed.condition) {
      if (auto* compare = std::get_if<CompareNode>(&parsed.condition->node)) {
        if (auto* value = std::get_if<Literal>(&compare->operand)) {
          literal.text = value->text;
          literal.quoted = true;
          return literal;
        }
      }
    }
  }
  literal.text = std::string(item);
  literal.quoted = item.empty() || std::any_of(item.begin(), item.end(), [](char c) {
                     return c == ' ' || c == '\t' || c == '\n' || c == '\r';
                   });
  return literal;
}

std::string Diagnostic::str() const {
  std::string out = where.file;
  if (where.position.line > 0) {
    out += ":" + std::to_string(where.position.line);
    if (where.position.column > 0) out += ":" + std::to_string(where.position.column);
  }
  out += severity == Severity::Error ? ": error: " : ": warning: ";
  if (!item.empty()) out += item + ": ";
  return out + message;
}

bool RuleSet::has_errors() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& diagnostic) {
    return diagnostic.severity == Diagnostic::Severity::Error;
  });
}

void load_rules_text(RuleSet& set, std::string_view text, const std::string& file) {
  Loader(set, text, file).load();
}

void load_rules_file(RuleSet& set, const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    set.diagnostics.push_back(Diagnostic{Diagnostic::Severity::Error, Located{path, {}}, "",
                                         "cannot read the rules file: " + e.message()});
    return;
  }
  load_rules_text(set, text, path);
}

}  // namespace bulkhead::detect
