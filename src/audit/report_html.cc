// The HTML report: one file that opens anywhere without a network (inline CSS, inline SVG
// charts, no scripts, no fonts or images to fetch), and prints as it shows. Every piece of text
// that came from the audited input or the catalogue is escaped; a Content-Security-Policy that
// allows no scripts backs that up should an escape ever be missed.
#include <algorithm>
#include <map>

#include "audit/report.h"
#include "base/strings.h"

namespace bulkhead::audit {

namespace {

constexpr Severity kWorstFirst[] = {Severity::Critical, Severity::High, Severity::Medium,
                                    Severity::Low, Severity::Info};
// How many checks the "by check" chart shows; the rest are counted in a note under it.
constexpr size_t kTopChecks = 15;

size_t index_of(Severity severity) {
  return static_cast<size_t>(severity);
}

// Well-formed UTF-8 only: a path or container name from the host may hold any bytes, and a
// browser would otherwise guess at them. Each byte of a bad sequence becomes U+FFFD.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80           ? 1
                    : (byte >> 5) == 0x6  ? 2
                    : (byte >> 4) == 0xe  ? 3
                    : (byte >> 3) == 0x1e ? 4
                                          : 0;
    if (length > 0 && i + length <= text.size() && is_valid_utf8(text.substr(i, length))) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

std::string escape(std::string_view raw) {
  std::string text = valid_utf8(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Catalogue prose marks settings with `backticks`: escaped, with each pair made a <code> span.
std::string prose(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('`', pos);
    size_t close = open == std::string_view::npos ? open : text.find('`', open + 1);
    if (close == std::string_view::npos) {
      out += escape(text.substr(pos));
      break;
    }
    out += escape(text.substr(pos, open - pos));
    out += "<code>" + escape(text.substr(open + 1, close - open - 1)) + "</code>";
    pos = close + 1;
  }
  return out;
}

// A path that may wrap after each '/' (and nowhere inside a name, unless a name alone is wider
// than its column).
std::string breakable_path(std::string_view path) {
  std::string out;
  bool first = true;
  for (const std::string& part : split(path, '/')) {
    if (!first) out += "/<wbr>";  // by position, so an absolute path keeps its leading '/'
    first = false;
    out += escape(part);
  }
  return out;
}

std::string badge(Severity severity) {
  std::string name(severity_name(severity));
  return "<span class=\"badge sev-" + name + "\">" + name + "</span>";
}

// A check id as an HTML id/fragment: ids are upper-case letters, digits and '-', but escape
// anyway so a bad id cannot break out of the attribute.
std::string anchor(const std::string& check_id) {
  return "check-" + escape(check_id);
}

struct Bar {
  std::string label;
  size_t count;
  Severity severity;  // the bar's colour
};

// A horizontal bar chart: a label column, bars scaled to the largest count, the count after each
// bar. A zero count draws no bar at all (so a severity that does not occur adds no colour).
std::string bar_chart(const std::string& title, const std::vector<Bar>& bars, int label_width,
                      int bar_width) {
  constexpr int kRow = 26, kBarHeight = 18, kTop = 4, kCountWidth = 40;
  size_t largest = 1;
  for (const Bar& bar : bars) largest = std::max(largest, bar.count);
  int width = label_width + bar_width + kCountWidth;
  int height = kTop * 2 + kRow * static_cast<int>(bars.size());
  std::string svg = "<svg class=\"chart\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height) + "\" role=\"img\" aria-label=\"" + escape(title) +
                    "\">\n<title>" + escape(title) + "</title>\n";
  int y = kTop;
  for (const Bar& bar : bars) {
    int text_y = y + kBarHeight - 5;
    svg += "<text x=\"0\" y=\"" + std::to_string(text_y) + "\" class=\"label\">" +
           escape(bar.label) + "</text>";
    int length = 0;
    if (bar.count > 0) {
      // Proportional, but never thinner than 2 px so a single finding stays visible.
      length = std::max(2, static_cast<int>(bar_width * bar.count / largest));
      svg += "<rect x=\"" + std::to_string(label_width) + "\" y=\"" + std::to_string(y) +
             "\" width=\"" + std::to_string(length) + "\" height=\"" + std::to_string(kBarHeight) +
             "\" fill=\"" + kSeverityHtmlColours[index_of(bar.severity)] + "\"/>";
    }
    svg += "<text x=\"" + std::to_string(label_width + length + 6) + "\" y=\"" +
           std::to_string(text_y) + "\" class=\"count\">" + std::to_string(bar.count) + "</text>\n";
    y += kRow;
  }
  svg += "</svg>";
  return svg;
}

std::string style_sheet() {
  std::string css = R"css(
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a;
  background: #ffffff; margin: 1.5rem auto; max-width: 1200px; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 0.2rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 0.6rem; border-bottom: 1px solid #cccccc; }
h3 { font-size: 1rem; margin: 1rem 0 0.3rem; }
.meta { color: #444444; margin: 0; }
.summary { font-size: 1.1rem; font-weight: bold; }
ul.inputs { margin: 0.3rem 0; padding-left: 1.2rem; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em; }
.charts { display: flex; flex-wrap: wrap; gap: 2.5rem; }
figure { margin: 0; }
figcaption { font-weight: bold; margin-bottom: 0.4rem; }
svg.chart text { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px;
  fill: #1a1a1a; }
.more { color: #444444; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #dddddd; padding: 0.35rem 0.45rem; text-align: left;
  vertical-align: top; }
th { background: #f2f2f2; }
td { overflow-wrap: anywhere; }
td.sev, code.id { white-space: nowrap; }
td.loc { overflow-wrap: break-word; }
a { color: inherit; }
.badge { display: inline-block; padding: 0.1rem 0.45rem; border-radius: 3px; font-size: 0.75rem;
  font-weight: bold; text-transform: uppercase; color: #ffffff; }
.check { break-inside: avoid; }
.none { font-size: 1.2rem; font-weight: bold; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  .badge, svg.chart { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
)css";
  for (Severity severity : kWorstFirst) {
    // Dark text on the light medium colour, white on the others.
    const char* text = severity == Severity::Medium ? "#1a1a1a" : "#ffffff";
    css += ".sev-" + std::string(severity_name(severity)) +
           " { background: " + kSeverityHtmlColours[index_of(severity)] + "; color: " + text +
           "; }\n";
  }
  return css;
}

std::string summary_html(const std::array<size_t, 5>& counts, size_t total) {
  if (total == 0) return "<p class=\"none\">No findings</p>\n";
  std::string line = std::to_string(total) + (total == 1 ? " finding" : " findings") + ":";
  bool first = true;
  for (Severity severity : kWorstFirst) {
    size_t n = counts[index_of(severity)];
    if (n == 0) continue;
    line += (first ? " " : ", ") + std::to_string(n) + " " + std::string(severity_name(severity));
    first = false;
  }
  return "<p class=\"summary\">" + line + "</p>\n";
}

}  // namespace

std::string render_html(const Report& report) {
  auto counts = count_by_severity(report.findings);
  // Resolve every check first: an unknown id throws before anything is built.
  std::vector<const Check*> checks;
  for (const Finding& finding : report.findings) checks.push_back(&check_of(finding));

  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Bulkhead audit report</title>\n<style>" +
      style_sheet() + "</style>\n</head>\n<body>\n";

  html += "<header>\n<h1>Bulkhead audit report</h1>\n<p class=\"meta\">bulkhead " +
          escape(report.tool_version) + "</p>\n";
  html += "<h2>Inputs</h2>\n";
  if (report.inputs.empty()) {
    html += "<p class=\"meta\">(none named)</p>\n";
  } else {
    html += "<ul class=\"inputs\">\n";
    for (const std::string& input : report.inputs)
      html += "<li><code>" + escape(input) + "</code></li>\n";
    html += "</ul>\n";
  }
  html += summary_html(counts, report.findings.size());
  html += "</header>\n";

  if (report.findings.empty()) return html + "</body>\n</html>\n";

  // ---- Charts ----
  std::vector<Bar> by_severity;
  for (Severity severity : kWorstFirst)
    by_severity.push_back(
        {std::string(severity_name(severity)), counts[index_of(severity)], severity});
  // A check's bar takes the colour of its worst finding, like the severity chart counts it (a
  // policy may report a check at another severity than the catalogue's).
  std::map<std::string, Bar> per_check;
  for (const Finding& finding : report.findings) {
    Bar& bar = per_check.try_emplace(finding.check_id, Bar{finding.check_id, 0, finding.severity})
                   .first->second;
    ++bar.count;
    bar.severity = std::max(bar.severity, finding.severity);
  }
  std::vector<Bar> by_check;
  for (auto& [id, bar] : per_check) by_check.push_back(bar);
  // Most findings first; among equals the worse check, then the id (a stable order).
  std::sort(by_check.begin(), by_check.end(), [](const Bar& a, const Bar& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.label < b.label;
  });
  size_t hidden = by_check.size() > kTopChecks ? by_check.size() - kTopChecks : 0;
  by_check.resize(by_check.size() - hidden);

  html += "<section class=\"charts\">\n<figure>\n<figcaption>Findings by severity</figcaption>\n" +
          bar_chart("Findings by severity", by_severity, 80, 320) + "\n</figure>\n";
  html += "<figure>\n<figcaption>Findings by check" +
          std::string(hidden > 0 ? " (top " + std::to_string(kTopChecks) + ")" : "") +
          "</figcaption>\n" + bar_chart("Findings by check", by_check, 220, 320) + "\n";
  if (hidden > 0)
    html += "<p class=\"more\">and " + std::to_string(hidden) + " more " +
            (hidden == 1 ? "check" : "checks") + "</p>\n";
  html += "</figure>\n</section>\n";

  // ---- Findings ----
  html +=
      "<h2>Findings</h2>\n<table>\n<thead><tr><th>Severity</th><th>Check</th><th>Location</th>"
      "<th>Object</th><th>Message</th><th>Fix</th></tr></thead>\n<tbody>\n";
  for (Severity severity : kWorstFirst) {
    for (size_t i = 0; i < report.findings.size(); ++i) {
      const Finding& finding = report.findings[i];
      if (finding.severity != severity) continue;
      const Check& check = *checks[i];
      std::string location = location_text(finding.where);
      html += "<tr><td class=\"sev\">" + badge(severity) + "</td><td><a href=\"#" +
              anchor(check.id) + "\"><code class=\"id\">" + escape(check.id) + "</code></a><br>" +
              escape(check.title) + "</td><td class=\"loc\">" +
              (location.empty() ? std::string("&mdash;")
                                : "<code>" + breakable_path(location) + "</code>") +
              "</td><td>" + escape(finding.object) + "</td><td>" + escape(finding.message) +
              "</td><td>" + prose(finding_fix(check, finding.format)) + "</td></tr>\n";
    }
  }
  html += "</tbody>\n</table>\n";

  // ---- Appendix: the checks that fired ----
  std::vector<const Check*> fired = checks;
  std::sort(fired.begin(), fired.end(), [](const Check* a, const Check* b) {
    if (a->severity != b->severity) return a->severity > b->severity;
    return a->id < b->id;
  });
  fired.erase(std::unique(fired.begin(), fired.end()), fired.end());
  html += "<h2>Checks that fired</h2>\n";
  for (const Check* check : fired) {
    html += "<section class=\"check\" id=\"" + anchor(check->id) + "\">\n<h3>" +
            badge(check->severity) + " <code>" + escape(check->id) + "</code> " +
            escape(check->title) + "</h3>\n";
    if (!check->rationale.empty()) html += "<p>" + prose(check->rationale) + "</p>\n";
    if (!check->remediation.empty())
      html += "<p><strong>Fix:</strong> " + prose(check->remediation) + "</p>\n";
    if (!check->references.empty()) {
      html += "<p><strong>References:</strong> ";
      for (size_t i = 0; i < check->references.size(); ++i) {
        if (i > 0) html += "; ";
        html += escape(check->references[i].scheme) + " <code>" + escape(check->references[i].id) +
                "</code>";
      }
      html += "</p>\n";
    }
    html += "</section>\n";
  }
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace bulkhead::audit
