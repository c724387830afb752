// The shared pieces of the audit renderers, the terminal text and JSON reports, and the catalogue
// listings. SARIF and HTML live in report_sarif.cc and report_html.cc.
#include "audit/report.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {

namespace {

constexpr Severity kWorstFirst[] = {Severity::Critical, Severity::High, Severity::Medium,
                                    Severity::Low, Severity::Info};

// A remediation at most this long is shown whole as the "fix"; longer ones by their first sentence.
constexpr size_t kShortRemediation = 160;

// SGR sequences per severity, indexed like count_by_severity.
constexpr std::array<std::string_view, 5> kAnsiColours = {
    "\033[2m",     // info: dim
    "\033[34m",    // low: blue
    "\033[33m",    // medium: yellow
    "\033[31m",    // high: red
    "\033[1;31m",  // critical: bold red
};
constexpr std::string_view kAnsiReset = "\033[0m";

size_t index_of(Severity severity) {
  return static_cast<size_t>(severity);
}

// Text that came from the audited input (paths, container names, messages quoting a setting)
// must not drive the terminal: a control character could move the cursor or rewrite a line.
std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string paint(std::string_view text, Severity severity, bool colour) {
  std::string safe = terminal_safe(text);
  if (!colour) return safe;
  return std::string(kAnsiColours[index_of(severity)]) + safe + std::string(kAnsiReset);
}

std::string plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "3 findings: 1 critical, 2 high" (only the severities that occur, worst first).
std::string summary_line(const std::array<size_t, 5>& counts, bool colour) {
  size_t total = 0;
  for (size_t n : counts) total += n;
  if (total == 0) return "no findings";
  std::string line = plural(total, "finding", "findings") + ":";
  bool first = true;
  for (Severity severity : kWorstFirst) {
    size_t n = counts[index_of(severity)];
    if (n == 0) continue;
    line += first ? " " : ", ";
    first = false;
    line += paint(std::to_string(n) + " " + std::string(severity_name(severity)), severity, colour);
  }
  return line;
}

nlohmann::ordered_json references_json(const Check& check) {
  nlohmann::ordered_json refs = nlohmann::ordered_json::array();
  for (const Reference& ref : check.references)
    refs.push_back({{"scheme", ref.scheme}, {"id", ref.id}});
  return refs;
}

// Invalid UTF-8 (a path or process name from the host can hold any bytes) becomes U+FFFD
// instead of making the whole report fail.
std::string dump_json(const nlohmann::ordered_json& document) {
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

// Whether the '.' at `dot` ends a sentence: followed by white space or the end, and not the dot
// of "e.g." or "i.e.".
bool ends_sentence(std::string_view text, size_t dot) {
  if (dot + 1 < text.size() && text[dot + 1] != ' ' && text[dot + 1] != '\n') return false;
  std::string_view before = text.substr(0, dot);
  for (std::string_view abbreviation : {"e.g", "i.e", "cf", "vs"}) {
    if (before.size() >= abbreviation.size() &&
        to_lower(before.substr(before.size() - abbreviation.size())) == abbreviation &&
        (before.size() == abbreviation.size() ||
         before[before.size() - abbreviation.size() - 1] == ' ' ||
         before[before.size() - abbreviation.size() - 1] == '('))
      return false;
  }
  return true;
}

// How the catalogue's remediations introduce the setting for each input format, indexed like
// InputFormat; the host has none (a running container is fixed in whatever created it).
constexpr std::array<std::string_view, 6> kFormatLabels = {
    "docker run", "compose", "Kubernetes", "OCI config.json", "Dockerfile", ""};

// Where a format clause ("compose: …") starts in `text` at or after `from`: at the start of the
// text or after "; " or ". ", outside `code`; npos when there is none. With `only`, looks for
// that label alone.
size_t find_format_clause(std::string_view text, size_t from, std::string_view only = "") {
  bool in_code = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') in_code = !in_code;
    if (i < from || in_code) continue;
    bool boundary =
        i == 0 || (i >= 2 && (text.substr(i - 2, 2) == "; " || text.substr(i - 2, 2) == ". "));
    if (!boundary) continue;
    for (std::string_view label : kFormatLabels) {
      if (label.empty() || (!only.empty() && label != only)) continue;
      if (text.substr(i).starts_with(label) && text.substr(i + label.size()).starts_with(": "))
        return i;
    }
  }
  return std::string_view::npos;
}

// The end of the clause that starts at `start`: the next clause of any format, or the end of its
// sentence.
size_t format_clause_end(std::string_view text, size_t start) {
  size_t next = find_format_clause(text, start + 1);
  bool in_code = false;
  for (size_t i = start; i < text.size() && i < next; ++i) {
    if (text[i] == '`') in_code = !in_code;
    if (text[i] == '.' && !in_code && (i + 1 == text.size() || text[i + 1] == ' ') &&
        ends_sentence(text, i))
      return i;
  }
  if (next == std::string_view::npos) return text.size();
  // Back over the "; " that separates it from the next clause.
  size_t end = next;
  while (end > start && (text[end - 1] == ' ' || text[end - 1] == ';')) --end;
  return end;
}

std::string first_sentence(std::string_view text) {
  // A dot inside `code` (a path, a file name) never ends a sentence.
  bool in_code = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') in_code = !in_code;
    if (text[i] == '.' && !in_code && ends_sentence(text, i))
      return std::string(text.substr(0, i + 1));
  }
  return std::string(text);
}

}  // namespace

const Check& check_of(const Finding& finding) {
  const Check* check = find_check(finding.check_id);
  if (!check) throw Error("audit finding names an unknown check id '" + finding.check_id + "'");
  return *check;
}

std::string location_text(const SourceLocation& where) {
  if (where.file.empty()) return "";
  std::string text = where.file;
  if (where.line > 0) {
    text += ":" + std::to_string(where.line);
    if (where.column > 0) text += ":" + std::to_string(where.column);
  }
  return text;
}

std::array<size_t, 5> count_by_severity(const std::vector<Finding>& findings) {
  std::array<size_t, 5> counts{};
  for (const Finding& finding : findings) ++counts[index_of(finding.severity)];
  return counts;
}

std::string short_fix(const std::string& remediation) {
  std::string_view text = trim(remediation);
  if (text.size() <= kShortRemediation) return std::string(text);
  return first_sentence(text);
}

std::string finding_fix(const Check& check, InputFormat format) {
  std::string_view text = trim(check.remediation);
  std::string_view label = kFormatLabels[static_cast<size_t>(format)];
  size_t clause = label.empty() ? std::string_view::npos : find_format_clause(text, 0, label);
  if (clause == std::string_view::npos) return short_fix(check.remediation);
  std::string fix;
  // The general advice: what comes before the first format clause, if anything.
  size_t first_clause = find_format_clause(text, 0);
  if (first_clause > 0) fix = first_sentence(trim(text.substr(0, first_clause))) + " ";
  size_t end = format_clause_end(text, clause);
  fix += std::string(trim(text.substr(clause, end - clause)));
  if (!fix.ends_with('.')) fix += '.';
  return fix;
}

std::string finding_fingerprint(const Finding& finding) {
  // FNV-1a, 64 bits: fixed by its definition, so the value never changes between builds,
  // compilers or machines (std::hash promises none of that). Fields are separated by a NUL so
  // that moving text from one field to the next changes the hash.
  constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t hash = kOffsetBasis;
  auto add = [&hash](std::string_view field) {
    for (unsigned char c : field) {
      hash ^= c;
      hash *= kPrime;
    }
    hash *= kPrime;  // the NUL separator (XOR with 0 changes nothing)
  };
  add(finding.check_id);
  add(finding.where.file);
  add(finding.object);
  add(finding.message);
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(hash));
  return digits;
}

std::string rule_name(const std::string& check_id) {
  std::string_view id = check_id;
  if (id.rfind("BH-", 0) == 0) id.remove_prefix(3);
  std::string name;
  for (const std::string& part : split(id, '-')) {
    if (part.empty()) continue;
    name += to_upper(part.substr(0, 1));
    name += to_lower(part.substr(1));
  }
  return name;
}

ArtifactUri artifact_uri(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path normal = fs::path(path).lexically_normal();
  auto inside = [](const fs::path& relative) {
    return !relative.empty() && *relative.begin() != "..";
  };
  ArtifactUri result;
  fs::path chosen;
  if (normal.is_relative() && inside(normal)) {
    chosen = normal;
    result.relative = true;
  } else {
    std::error_code error;
    fs::path cwd = fs::current_path(error);
    fs::path absolute = normal.is_absolute() || error ? normal : (cwd / normal).lexically_normal();
    fs::path relative = error ? fs::path() : absolute.lexically_relative(cwd);
    if (inside(relative) && relative != ".") {
      chosen = relative;
      result.relative = true;
    } else {
      chosen = absolute;
    }
  }
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : chosen.string()) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '/') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xf];
    }
  }
  result.uri = result.relative ? encoded : "file://" + encoded;
  return result;
}

// ---- Text ----

std::string render_text(const Report& report, const TextOptions& options) {
  auto counts = count_by_severity(report.findings);
  std::string out;
  for (Severity severity : kWorstFirst) {
    size_t n = counts[index_of(severity)];
    if (n == 0) continue;
    out += paint(to_upper(severity_name(severity)) + " (" + plural(n, "finding", "findings") + ")",
                 severity, options.colour);
    out += "\n";
    for (const Finding& finding : report.findings) {
      if (finding.severity != severity) continue;
      const Check& check = check_of(finding);
      out += "  ";
      std::string location = location_text(finding.where);
      if (!location.empty()) out += terminal_safe(location) + "  ";
      out += paint(finding.check_id, severity, options.colour) + "  " + check.title + "\n";
      std::string about = finding.object;
      if (!about.empty() && !finding.message.empty()) about += ": ";
      about += finding.message;
      if (!about.empty()) out += "    " + terminal_safe(about) + "\n";
      std::string fix = finding_fix(check, finding.format);
      if (options.show_fixes && !fix.empty()) out += "    fix: " + fix + "\n";
    }
    out += "\n";
  }
  out += summary_line(counts, options.colour) + "\n";
  return out;
}

// ---- JSON ----

std::string render_json(const Report& report) {
  using Json = nlohmann::ordered_json;
  auto counts = count_by_severity(report.findings);
  Json summary = Json::object();
  for (Severity severity : kWorstFirst)
    summary[std::string(severity_name(severity))] = counts[index_of(severity)];
  summary["total"] = report.findings.size();

  Json findings = Json::array();
  for (const Finding& finding : report.findings) {
    const Check& check = check_of(finding);
    Json item = {
        {"check", finding.check_id},
        {"severity", severity_name(finding.severity)},
        {"title", check.title},
        {"format", input_format_name(finding.format)},
        // No file (a host scan, the runtime floor): null, and line and column 0 as in Finding.
        {"file", finding.where.file.empty() ? Json(nullptr) : Json(finding.where.file)},
        {"line", finding.where.line},
        {"column", finding.where.column},
        {"object", finding.object},
        {"message", finding.message},
        {"remediation", check.remediation},
        {"references", references_json(check)},
    };
    findings.push_back(std::move(item));
  }
  Json document = {
      {"tool", {{"name", "bulkhead"}, {"version", report.tool_version}}},
      {"inputs", report.inputs},
      {"summary", std::move(summary)},
      {"findings", std::move(findings)},
  };
  return dump_json(document);
}

// ---- The catalogue ----

std::string render_catalogue_text(bool colour) {
  auto checks = catalogue();
  size_t id_width = 2;
  for (const Check& check : checks) id_width = std::max(id_width, check.id.size());
  constexpr size_t kSeverityWidth = 8;  // "critical"
  auto pad = [](std::string text, size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
  };
  std::string out = pad("ID", id_width) + "  " + pad("SEVERITY", kSeverityWidth) + "  TITLE\n";
  std::string indent(id_width + 2 + kSeverityWidth + 2, ' ');
  for (const Check& check : checks) {
    std::string severity = pad(std::string(severity_name(check.severity)), kSeverityWidth);
    out += pad(check.id, id_width) + "  " + paint(severity, check.severity, colour) + "  " +
           check.title + "\n";
    std::vector<std::string> formats;
    for (InputFormat format : check.applies_to) formats.emplace_back(input_format_name(format));
    out += indent + "inputs: " + join(formats, ", ") + "\n";
  }
  out += "\n" + plural(checks.size(), "check", "checks") + "\n";
  return out;
}

std::string render_catalogue_json() {
  using Json = nlohmann::ordered_json;
  Json checks = Json::array();
  for (const Check& check : catalogue()) {
    Json formats = Json::array();
    for (InputFormat format : check.applies_to) formats.push_back(input_format_name(format));
    checks.push_back({
        {"id", check.id},
        {"severity", severity_name(check.severity)},
        {"title", check.title},
        {"rationale", check.rationale},
        {"remediation", check.remediation},
        {"references", references_json(check)},
        {"applies_to", std::move(formats)},
    });
  }
  return dump_json(Json{{"checks", std::move(checks)}});
}

}  // namespace bulkhead::audit
