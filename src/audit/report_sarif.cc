// SARIF 2.1.0 (OASIS), the format code-scanning dashboards read: one run whose tool.driver.rules
// is the whole catalogue (so a dashboard can show a rule that did not fire this time), one result
// per finding pointing into the rules by index, and the audited files as artifacts.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>

#include "audit/report.h"

namespace bulkhead::audit {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr std::string_view kSourceRoot = "%SRCROOT%";

// SARIF has three levels; critical and high must stop a merge, medium should be looked at.
std::string_view sarif_level(Severity severity) {
  switch (severity) {
    case Severity::Critical:
    case Severity::High:
      return "error";
    case Severity::Medium:
      return "warning";
    case Severity::Low:
    case Severity::Info:
      break;
  }
  return "note";
}

// GitHub code scanning's "security-severity" (a CVSS-like score as a string): above 9.0 shows
// as critical, 7.0–8.9 high, 4.0–6.9 medium, below 4.0 low.
std::string_view security_severity(Severity severity) {
  switch (severity) {
    case Severity::Critical:
      return "9.5";
    case Severity::High:
      return "8.0";
    case Severity::Medium:
      return "5.5";
    case Severity::Low:
      return "3.0";
    case Severity::Info:
      break;
  }
  return "1.0";
}

// Markdown for our own prose, which marks settings with `backticks`: code spans stay as they are;
// outside them the characters Markdown would take as emphasis, links or HTML are escaped.
std::string markdown_text(std::string_view text) {
  std::string out;
  bool in_code = false;
  for (char c : text) {
    if (c == '`') in_code = !in_code;
    if (!in_code && (c == '\\' || c == '*' || c == '_' || c == '[' || c == ']' || c == '<' ||
                     c == '>' || c == '#' || c == '|'))
      out += '\\';
    out += c;
  }
  return out;
}

std::string references_line(const Check& check) {
  std::string line;
  for (const Reference& ref : check.references) {
    if (!line.empty()) line += "; ";
    line += ref.scheme + " " + ref.id;
  }
  return line;
}

Json rule_json(const Check& check) {
  std::string remediation = check.remediation.empty() ? check.title : check.remediation;
  std::string help_text = remediation;
  std::string help_markdown = markdown_text(remediation);
  if (!check.references.empty()) {
    help_text += "\n\nReferences: " + references_line(check);
    help_markdown += "\n\n**References**\n";
    for (const Reference& ref : check.references)
      help_markdown += "\n- " + markdown_text(ref.scheme) + " " + markdown_text(ref.id);
  }
  Json rule = {
      {"id", check.id},
      {"name", rule_name(check.id)},
      {"shortDescription", {{"text", check.title}}},
  };
  // SARIF wants a non-empty text; a check without a rationale yet repeats its title.
  rule["fullDescription"] = {{"text", check.rationale.empty() ? check.title : check.rationale}};
  rule["help"] = {{"text", help_text}, {"markdown", help_markdown}};
  rule["defaultConfiguration"] = {{"level", sarif_level(check.severity)}};
  Json tags = Json::array({"security", "containers"});
  for (InputFormat format : check.applies_to) tags.push_back(input_format_name(format));
  rule["properties"] = {
      {"tags", std::move(tags)},
      {"security-severity", security_severity(check.severity)},
      {"precision", "high"},
  };
  return rule;
}

Json artifact_location(const ArtifactUri& uri) {
  Json location = {{"uri", uri.uri}};
  if (uri.relative) location["uriBaseId"] = kSourceRoot;
  return location;
}

// The current directory as a file:// URI ending in '/', the base of the relative artifact URIs
// (so that viewers can open the files); nullopt when it cannot be read.
std::optional<std::string> source_root_uri() {
  std::error_code error;
  std::filesystem::path cwd = std::filesystem::current_path(error);
  if (error || cwd.empty() || !cwd.is_absolute()) return std::nullopt;
  // The directory itself is "." relative to itself, so artifact_uri() gives its file:// URI.
  std::string uri = artifact_uri(cwd.string()).uri;
  if (uri.back() != '/') uri += '/';
  return uri;
}

}  // namespace

std::string render_sarif(const Report& report) {
  auto checks = catalogue();
  Json rules = Json::array();
  for (const Check& check : checks) rules.push_back(rule_json(check));

  Json driver = {{"name", "bulkhead"}, {"fullName", "Bulkhead container configuration audit"}};
  if (!report.tool_version.empty()) {
    driver["version"] = report.tool_version;
    driver["semanticVersion"] = report.tool_version;
  }
  // No informationUri: the project has no public home page yet, and an invented one would
  // send readers nowhere.
  driver["rules"] = std::move(rules);

  Json artifacts = Json::array();
  std::map<std::string, size_t> artifact_index;  // path as given → index in artifacts
  bool any_relative = false;
  Json results = Json::array();
  for (const Finding& finding : report.findings) {
    const Check& check = check_of(finding);
    Json result = {
        {"ruleId", check.id},
        {"ruleIndex", &check - checks.data()},
        {"level", sarif_level(finding.severity)},
    };
    std::string text = finding.object;
    if (!text.empty() && !finding.message.empty()) text += ": ";
    text += finding.message.empty() ? check.title : finding.message;
    result["message"] = {{"text", text}};

    Json location = Json::object();
    if (!finding.where.file.empty()) {
      auto [it, added] = artifact_index.try_emplace(finding.where.file, artifacts.size());
      ArtifactUri uri = artifact_uri(finding.where.file);
      if (added) {
        artifacts.push_back({{"location", artifact_location(uri)}, {"roles", {"analysisTarget"}}});
        any_relative = any_relative || uri.relative;
      }
      Json physical = {{"artifactLocation", artifact_location(uri)}};
      physical["artifactLocation"]["index"] = it->second;
      // Line 0 means "somewhere in this file": SARIF then takes the whole artifact, which is
      // expressed by leaving the region out (a region needs startLine >= 1).
      if (finding.where.line > 0) {
        Json region = {{"startLine", finding.where.line}};
        if (finding.where.column > 0) region["startColumn"] = finding.where.column;
        physical["region"] = std::move(region);
      }
      location["physicalLocation"] = std::move(physical);
    }
    // A host finding has no file: the logical location (the container or process) is all
    // there is, which SARIF allows (a location needs neither part in particular).
    if (!finding.object.empty())
      location["logicalLocations"] = Json::array({{{"name", finding.object}, {"kind", "object"}}});
    if (!location.empty()) result["locations"] = Json::array({std::move(location)});
    result["partialFingerprints"] = {{"bulkheadFinding/v1", finding_fingerprint(finding)}};
    result["properties"] = {{"severity", severity_name(finding.severity)},
                            {"format", input_format_name(finding.format)}};
    results.push_back(std::move(result));
  }

  Json run = {{"tool", {{"driver", std::move(driver)}}}};
  if (any_relative) {
    if (auto root = source_root_uri())
      run["originalUriBaseIds"] = {{kSourceRoot, {{"uri", *root}}}};
  }
  if (!artifacts.empty()) run["artifacts"] = std::move(artifacts);
  run["invocations"] = Json::array({{{"executionSuccessful", true}}});
  run["results"] = std::move(results);
  run["properties"] = {{"inputs", report.inputs}};

  Json log = {
      {"$schema", kSchemaUri},
      {"version", "2.1.0"},
      {"runs", Json::array({std::move(run)})},
  };
  return log.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace bulkhead::audit
