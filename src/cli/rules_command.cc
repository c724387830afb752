#include "cli/rules_command.h"

#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "capture/event.h"
#include "cli/detect_common.h"
#include "cli/seccomp_common.h"
#include "detect/compiled_expr.h"
#include "detect/engine.h"
#include "detect/fields.h"

namespace bulkhead::cli {
namespace {

constexpr int kInvalidRulesStatus = 1;

struct FilesArgs {
  std::vector<std::string> files;
  bool json = false;
  bool strict = false;
};

std::string severity_name(detect::Diagnostic::Severity severity) {
  return severity == detect::Diagnostic::Severity::Error ? "error" : "warning";
}

nlohmann::json diagnostic_json(const detect::Diagnostic& diagnostic) {
  return {{"severity", severity_name(diagnostic.severity)},
          {"file", diagnostic.where.file},
          {"line", diagnostic.where.position.line},
          {"column", diagnostic.where.position.column},
          {"item", diagnostic.item},
          {"message", diagnostic.message}};
}

void run_validate(const FilesArgs& args, int& exit_status) {
  detect::RuleSet set = load_rule_files(args.files);
  std::vector<detect::CompiledRule> rules = detect::compile_rules(set);
  std::size_t errors = 0, warnings = 0;
  for (const auto& diagnostic : set.diagnostics)
    (diagnostic.severity == detect::Diagnostic::Severity::Error ? errors : warnings)++;
  bool failed = errors > 0 || (args.strict && warnings > 0);
  if (failed) exit_status = kInvalidRulesStatus;
  if (args.json) {
    nlohmann::json out = {
        {"files", args.files.empty() ? std::vector<std::string>{"builtin"} : args.files},
        {"valid", !failed},
        {"rules", rules.size()},
        {"macros", set.macros.size()},
        {"lists", set.lists.size()},
        {"errors", errors},
        {"warnings", warnings},
        {"diagnostics", nlohmann::json::array()}};
    for (const auto& diagnostic : set.diagnostics)
      out["diagnostics"].push_back(diagnostic_json(diagnostic));
    write_stdout(out.dump(2) + "\n");
    return;
  }
  std::string text;
  for (const auto& diagnostic : set.diagnostics) text += diagnostic.str() + "\n";
  text += std::to_string(set.rules.size()) + " rules, " + std::to_string(set.macros.size()) +
          " macros, " + std::to_string(set.lists.size()) + " lists: " + std::to_string(errors) +
          " errors, " + std::to_string(warnings) + " warnings";
  text += failed ? " — invalid\n" : " — valid\n";
  write_stdout(text);
}

std::string event_types_text(const detect::CompiledRule& rule) {
  if (rule.event_types.all()) return "all";
  std::vector<std::string> names;
  for (std::size_t type = 0; type < capture::kEventTypeCount; ++type)
    if (rule.event_types.test(type))
      names.emplace_back(capture::event_type_name(static_cast<capture::EventType>(type)));
  if (names.empty()) return "none";
  return join(names, ",");
}

void run_list(const FilesArgs& args, int& exit_status) {
  detect::RuleSet set = load_rule_files(args.files);
  std::vector<detect::CompiledRule> compiled = detect::compile_rules(set);
  bool errors = std::any_of(set.diagnostics.begin(), set.diagnostics.end(), [](const auto& d) {
    return d.severity == detect::Diagnostic::Severity::Error;
  });
  if (errors) exit_status = kInvalidRulesStatus;
  auto compiled_rule = [&](const std::string& name) -> const detect::CompiledRule* {
    for (const auto& rule : compiled)
      if (rule.name == name) return &rule;
    return nullptr;
  };
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& rule : set.rules) {
      const auto* c = compiled_rule(rule.name);
      out.push_back({{"name", rule.name},
                     {"priority", std::string(detect::priority_name(rule.priority))},
                     {"enabled", rule.enabled},
                     {"source", rule.source},
                     {"tags", rule.tags},
                     {"event_types", c ? event_types_text(*c) : "not compiled"},
                     {"file", rule.where.file},
                     {"line", rule.where.position.line},
                     {"desc", rule.desc}});
    }
    write_stdout(out.dump(2) + "\n");
  } else {
    std::string text;
    for (const auto& rule : set.rules) {
      const auto* c = compiled_rule(rule.name);
      text += rule.name + "\n";
      text += "  priority: " + std::string(detect::priority_name(rule.priority)) +
              (rule.enabled ? "" : "  (disabled)") + "\n";
      text += "  events: " + (c ? event_types_text(*c) : std::string("not compiled")) + "\n";
      if (!rule.tags.empty()) text += "  tags: " + join(rule.tags, ", ") + "\n";
      text += "  defined at: " + rule.where.file + ":" + std::to_string(rule.where.position.line) +
              "\n";
    }
    write_stdout(text);
  }
  for (const auto& diagnostic : set.diagnostics)
    if (diagnostic.severity == detect::Diagnostic::Severity::Error)
      std::fprintf(stderr, "%s\n", diagnostic.str().c_str());
}

void run_fields(bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& field : detect::all_fields()) {
      std::string argument;
      switch (field.arg) {
        case detect::FieldArgKind::None:
          break;
        case detect::FieldArgKind::Index:
          argument = "index";
          break;
        case detect::FieldArgKind::OptionalIndex:
          argument = "optional index";
          break;
        case detect::FieldArgKind::Key:
          argument = "key";
          break;
        case detect::FieldArgKind::OptionalKey:
          argument = "optional key";
          break;
      }
      out.push_back({{"name", field.name},
                     {"type", std::string(detect::field_type_name(field.type))},
                     {"argument", argument},
                     {"description", field.description}});
    }
    write_stdout(out.dump(2) + "\n");
    return;
  }
  std::string text;
  for (const auto& field : detect::all_fields()) {
    std::string name(field.name);
    if (field.arg == detect::FieldArgKind::Index) name += "[N]";
    if (field.arg == detect::FieldArgKind::OptionalIndex) name += "[N]?";
    if (field.arg == detect::FieldArgKind::Key) name += "[KEY]";
    if (field.arg == detect::FieldArgKind::OptionalKey) name += "[KEY]?";
    std::string type(detect::field_type_name(field.type));
    text += name;
    text += std::string(name.size() < 32 ? 32 - name.size() : 1, ' ');
    text += type;
    text += std::string(type.size() < 10 ? 10 - type.size() : 1, ' ');
    text += std::string(field.description) + "\n";
  }
  write_stdout(text);
}

}  // namespace

void register_rules_command(CLI::App& app, int& exit_status) {
  auto* rules =
      app.add_subcommand("rules", "Detection rules (Falco's language): validate, list, fields");
  rules->require_subcommand(1);

  auto validate_args = std::make_shared<FilesArgs>();
  auto* validate = rules->add_subcommand(
      "validate",
      "Load and compile rule files; print errors and warnings with file:line:column (exit "
      "status 1 on errors)");
  validate->add_option("FILE", validate_args->files, kRulesFileHelp);
  validate->add_flag("--json", validate_args->json, "Machine-readable result");
  validate->add_flag("--strict", validate_args->strict, "Warnings fail validation too");
  validate->callback([validate_args, &exit_status] { run_validate(*validate_args, exit_status); });

  auto list_args = std::make_shared<FilesArgs>();
  auto* list = rules->add_subcommand("list", "List the rules the files define (after overrides)");
  list->add_option("FILE", list_args->files, kRulesFileHelp);
  list->add_flag("--json", list_args->json, "Machine-readable list");
  list->callback([list_args, &exit_status] { run_list(*list_args, exit_status); });

  auto fields_json = std::make_shared<bool>(false);
  auto* fields = rules->add_subcommand("fields", "List the fields conditions and outputs can use");
  fields->add_flag("--json", *fields_json, "Machine-readable list");
  fields->callback([fields_json] { run_fields(*fields_json); });
}

}  // namespace bulkhead::cli
