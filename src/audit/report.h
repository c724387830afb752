// What `bulkhead audit` prints: the findings of one run as terminal text, JSON, SARIF 2.1.0 (for
// code-scanning dashboards) or one self-contained HTML page, and the catalogue of checks for
// `audit --list-checks`. Every renderer takes each finding's title, remediation and references
// from the catalogue; a finding whose check id is not in the catalogue is a bug in whoever made
// it, and every renderer throws bulkhead::Error for it rather than print a half-described finding.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "audit/catalogue.h"
#include "audit/finding.h"

namespace bulkhead::audit {

struct Report {
  std::vector<std::string>
      inputs;                     // what was audited: file paths, "docker run (arguments)", "host"
  std::vector<Finding> findings;  // already sorted (finding_less)
  std::string tool_version;       // "0.6.0"
};

struct TextOptions {
  bool colour = false;     // ANSI colours (for a terminal)
  bool show_fixes = true;  // a "fix:" line under each finding
};

// Grouped by severity (critical first), one block per finding, then a summary line.
std::string render_text(const Report&, const TextOptions&);
// nlohmann-json, pretty (2 spaces), with a trailing newline.
std::string render_json(const Report&);
// SARIF 2.1.0: one run whose rules are the whole catalogue.
std::string render_sarif(const Report&);
// One HTML file with no external resources: inline CSS and SVG charts, no scripts.
std::string render_html(const Report&);
// The catalogue, for `audit --list-checks`.
std::string render_catalogue_text(bool colour);
// The catalogue as JSON, for `audit --list-checks -o json`.
std::string render_catalogue_json();

// The counts per severity, for summaries and --fail-on: indexed by static_cast<size_t>(Severity)
// (info first, critical last).
std::array<size_t, 5> count_by_severity(const std::vector<Finding>&);

// ---- Pieces the renderers share (public so tests and the CLI can use them) ----

// The catalogue entry of a finding's check; throws Error when the id is unknown.
const Check& check_of(const Finding& finding);
// "file:line:col", "file:line" or "file" as far as known; "" when there is no file.
std::string location_text(const SourceLocation& where);

// The first sentence of a remediation, or all of it when it is short: what the text report and
// the HTML table show as "fix".
std::string short_fix(const std::string& remediation);
// The fix for one finding: the catalogue's remediations name the setting per input format in
// clauses such as "compose: remove `privileged: true`"; this is the general advice's first
// sentence followed by the clause for `format` ("Do not run it privileged. compose: remove
// `privileged: true`."), or short_fix() of the whole remediation when it has no such clause.
std::string finding_fix(const Check& check, InputFormat format);
// The stable identity of a finding across runs (SARIF partialFingerprints): a hash of the check
// id, file, object and message, independent of line and column so that editing lines above a
// finding does not make it look new. 16 lower-case hex digits.
std::string finding_fingerprint(const Finding& finding);
// "BH-CAP-SYSADMIN" → "CapSysadmin": the SARIF rule name.
std::string rule_name(const std::string& check_id);
// A path as a SARIF artifact URI: relative paths (and absolute ones under the current directory)
// become relative URI references against %SRCROOT%; other absolute paths become file:// URIs.
// Characters outside RFC 3986's unreserved set and '/' are percent-encoded.
struct ArtifactUri {
  std::string uri;
  bool relative = false;  // uriBaseId "%SRCROOT%" applies
};
ArtifactUri artifact_uri(const std::string& path);

// The colour of each severity in the HTML report's charts and badges (#rrggbb), indexed like
// count_by_severity. Distinct hues, none of them grey, so a screenshot can tell them apart from
// text and from each other.
inline constexpr std::array<const char*, 5> kSeverityHtmlColours = {
    "#546e7a",  // info: blue grey
    "#1e88e5",  // low: blue
    "#f9a825",  // medium: amber
    "#e53935",  // high: red
    "#6a1b9a",  // critical: deep purple
};

}  // namespace bulkhead::audit
