// The audit report renderers: text, JSON, SARIF 2.1.0, HTML and the catalogue listings, on a
// small report with findings of several severities (one of them from a host scan, without a
// file). The SARIF and HTML outputs are also checked by real tools in
// tests/integration/audit_report_test.cc.
#include "audit/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "audit/catalogue.h"
#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::audit {
namespace {

using nlohmann::json;

Finding make_finding(std::string check_id, std::string file, int line, int column,
                     std::string object, std::string message,
                     InputFormat format = InputFormat::Compose) {
  const Check* check = find_check(check_id);
  EXPECT_NE(check, nullptr) << check_id;
  Finding finding;
  finding.check_id = std::move(check_id);
  finding.severity = check ? check->severity : Severity::Info;
  finding.format = format;
  finding.where = SourceLocation{std::move(file), line, column};
  finding.object = std::move(object);
  finding.message = std::move(message);
  return finding;
}

// One critical, two high, one medium (from the host: no file) and one low finding.
Report small_report() {
  Report report;
  report.tool_version = "0.6.0";
  report.inputs = {"deploy/compose.yaml", "k8s/api.yaml", "host"};
  report.findings = {
      make_finding("BH-PRIVILEGED", "deploy/compose.yaml", 7, 5, "service web", "privileged: true"),
      make_finding("BH-ROOTFS-WRITABLE", "deploy/compose.yaml", 3, 3, "service web",
                   "read_only is not set"),
      make_finding("BH-CAP-SYSADMIN", "k8s/api.yaml", 21, 15, "Deployment prod/api container app",
                   "capability SYS_ADMIN added", InputFormat::Kubernetes),
      make_finding("BH-HOST-PID", "k8s/api.yaml", 12, 7, "Deployment prod/api container app",
                   "hostPID: true", InputFormat::Kubernetes),
      make_finding("BH-RUN-AS-ROOT", "", 0, 0, "container web-1", "runs as uid 0",
                   InputFormat::Host),
  };
  std::sort(report.findings.begin(), report.findings.end(), finding_less);
  return report;
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) ++n;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

TEST(AuditReportCounts, CountsBySeverityIndexedBySeverity) {
  auto counts = count_by_severity(small_report().findings);
  EXPECT_EQ(counts[static_cast<size_t>(Severity::Critical)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(Severity::High)], 2u);
  EXPECT_EQ(counts[static_cast<size_t>(Severity::Medium)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(Severity::Low)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(Severity::Info)], 0u);
  auto none = count_by_severity({});
  EXPECT_EQ(none, (std::array<size_t, 5>{}));
}

TEST(AuditReportPieces, LocationTextShowsWhatIsKnown) {
  EXPECT_EQ(location_text({"a.yaml", 3, 7}), "a.yaml:3:7");
  EXPECT_EQ(location_text({"a.yaml", 3, 0}), "a.yaml:3");
  EXPECT_EQ(location_text({"a.yaml", 0, 0}), "a.yaml");
  EXPECT_EQ(location_text({"", 0, 0}), "");
}

TEST(AuditReportPieces, ShortFixIsTheFirstSentenceOfALongRemediation) {
  EXPECT_EQ(short_fix("  Drop it.  "), "Drop it.");
  std::string long_text =
      "Remove `--privileged` (compose: `privileged: true`, e.g. in an override file). "
      "Grant only the capabilities the workload needs with --cap-add, and keep the default "
      "seccomp and AppArmor profiles; a privileged container is root on the host.";
  EXPECT_EQ(short_fix(long_text),
            "Remove `--privileged` (compose: `privileged: true`, e.g. in an override file).");
  // A dot inside a code span (a file name) does not end the sentence.
  std::string with_path =
      "Mount `/etc/app. conf` read-only instead of the whole directory, or better copy it into "
      "the image at build time so that nothing from the host's configuration is shared at all. "
      "Second sentence.";
  EXPECT_EQ(short_fix(with_path).substr(0, 30), "Mount `/etc/app. conf` read-on");
  EXPECT_EQ(short_fix(with_path).back(), '.');
  EXPECT_EQ(short_fix(with_path).find("Second"), std::string::npos);
  // No sentence end at all: the whole text.
  std::string run_on(200, 'x');
  EXPECT_EQ(short_fix(run_on), run_on);
}

TEST(AuditReportPieces, FindingFixNamesTheSettingOfTheFindingsFormat) {
  Check check{.id = "BH-TEST",
              .severity = Severity::High,
              .title = "t",
              .rationale = "",
              .remediation =
                  "Do not do it; really. Second sentence of advice. docker run: remove "
                  "`--it`; compose: remove `it: true` (e.g. in an override); Kubernetes: set "
                  "`securityContext.it: false`; OCI config.json: drop `process.it`. On a "
                  "running host, recreate the container.",
              .references = {},
              .applies_to = {}};
  EXPECT_EQ(finding_fix(check, InputFormat::DockerRun),
            "Do not do it; really. docker run: remove `--it`.");
  EXPECT_EQ(finding_fix(check, InputFormat::Compose),
            "Do not do it; really. compose: remove `it: true` (e.g. in an override).");
  EXPECT_EQ(finding_fix(check, InputFormat::Kubernetes),
            "Do not do it; really. Kubernetes: set `securityContext.it: false`.");
  EXPECT_EQ(finding_fix(check, InputFormat::OciConfig),
            "Do not do it; really. OCI config.json: drop `process.it`.");
  // No clause for the format (the host, or a format the text leaves out): the short fix.
  EXPECT_EQ(finding_fix(check, InputFormat::Host), short_fix(check.remediation));
  EXPECT_EQ(finding_fix(check, InputFormat::Dockerfile), short_fix(check.remediation));

  // Only format clauses, and a label inside code or without a colon is not a clause.
  check.remediation =
      "Kubernetes: set `seccompProfile` (compose: not here); OCI config.json: add `linux: x`.";
  EXPECT_EQ(finding_fix(check, InputFormat::Kubernetes),
            "Kubernetes: set `seccompProfile` (compose: not here).");
  EXPECT_EQ(finding_fix(check, InputFormat::OciConfig), "OCI config.json: add `linux: x`.");
  check.remediation = "Use `compose: x` style. Dockerfile: add a USER.";
  EXPECT_EQ(finding_fix(check, InputFormat::Compose), check.remediation);
  EXPECT_EQ(finding_fix(check, InputFormat::Dockerfile),
            "Use `compose: x` style. Dockerfile: "
            "add a USER.");
}

TEST(AuditReportPieces, EveryCatalogueFixIsShortAndSaysSomething) {
  for (const Check& check : catalogue()) {
    for (InputFormat format : kAllInputFormats) {
      std::string fix = finding_fix(check, format);
      EXPECT_EQ(fix.empty(), check.remediation.empty()) << check.id;
      EXPECT_LE(fix.size(), check.remediation.size() + 1) << check.id;
    }
  }
}

TEST(AuditReportPieces, RuleNamesAreCamelCase) {
  EXPECT_EQ(rule_name("BH-CAP-SYSADMIN"), "CapSysadmin");
  EXPECT_EQ(rule_name("BH-MOUNT-HOST-ROOT-RW"), "MountHostRootRw");
  EXPECT_EQ(rule_name("BH-PRIVILEGED"), "Privileged");
}

TEST(AuditReportPieces, FingerprintsAreStableAndIgnoreLinesAndColumns) {
  Finding a = make_finding("BH-PRIVILEGED", "compose.yaml", 7, 5, "service web", "privileged");
  Finding moved = a;
  moved.where.line = 40;
  moved.where.column = 1;
  EXPECT_EQ(finding_fingerprint(a), finding_fingerprint(moved));
  EXPECT_EQ(finding_fingerprint(a).size(), 16u);
  EXPECT_EQ(finding_fingerprint(a).find_first_not_of("0123456789abcdef"), std::string::npos);
  // A fixed value: the fingerprint must not change between builds, or every dashboard would
  // see all findings as new after an upgrade (FNV-1a 64 of the NUL-terminated fields, computed
  // with Python).
  EXPECT_EQ(finding_fingerprint(a), "f59ea4e2338194ea");
  Finding other_message = a;
  other_message.message = "privileged too";
  Finding other_object = a;
  other_object.object = "service db";
  Finding other_file = a;
  other_file.where.file = "other.yaml";
  // Text moved across a field boundary is a different finding.
  Finding shifted = a;
  shifted.object = "service";
  shifted.message = " webprivileged";
  std::set<std::string> all = {finding_fingerprint(a), finding_fingerprint(other_message),
                               finding_fingerprint(other_object), finding_fingerprint(other_file),
                               finding_fingerprint(shifted)};
  EXPECT_EQ(all.size(), 5u);
}

TEST(AuditReportPieces, FingerprintIsFnv1aOfTheFields) {
  // Computed independently of the implementation: FNV-1a 64 over the fields, each followed by a
  // NUL ("a", "", "", ""). The hash does not look the check up, so any id works.
  Finding finding;
  finding.check_id = "a";
  auto fnv = [](std::string_view bytes) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    return h;
  };
  char expected[17];
  std::snprintf(expected, sizeof expected, "%016llx",
                static_cast<unsigned long long>(fnv(std::string_view("a\0\0\0\0", 5))));
  EXPECT_EQ(finding_fingerprint(finding), expected);
}

TEST(AuditReportPieces, ArtifactUrisAreRelativeAndEscaped) {
  auto plain = artifact_uri("deploy/compose.yaml");
  EXPECT_EQ(plain.uri, "deploy/compose.yaml");
  EXPECT_TRUE(plain.relative);
  auto dotted = artifact_uri("./deploy/../k8s/my app#1.yaml");
  EXPECT_EQ(dotted.uri, "k8s/my%20app%231.yaml");
  EXPECT_TRUE(dotted.relative);
  // A colon in the first segment would read as a URI scheme.
  EXPECT_EQ(artifact_uri("c:file.yaml").uri, "c%3Afile.yaml");
  EXPECT_EQ(artifact_uri("caf\xc3\xa9.yaml").uri, "caf%C3%A9.yaml");
  auto outside = artifact_uri("/nonexistent-dir/x y.json");
  EXPECT_EQ(outside.uri, "file:///nonexistent-dir/x%20y.json");
  EXPECT_FALSE(outside.relative);
}

TEST(AuditReportPieces, UnknownCheckIdThrows) {
  Report report;
  Finding finding;
  finding.check_id = "BH-NO-SUCH-CHECK";
  report.findings.push_back(finding);
  EXPECT_THROW(render_text(report, {}), Error);
  EXPECT_THROW(render_json(report), Error);
  EXPECT_THROW(render_sarif(report), Error);
  EXPECT_THROW(render_html(report), Error);
}

// ---------------------------------------------------------------------------------------------
// Text

TEST(AuditReportText, GroupsBySeverityWorstFirst) {
  std::string text = render_text(small_report(), {});
  size_t critical = text.find("CRITICAL (1 finding)");
  size_t high = text.find("HIGH (2 findings)");
  size_t medium = text.find("MEDIUM (1 finding)");
  size_t low = text.find("LOW (1 finding)");
  ASSERT_NE(critical, std::string::npos) << text;
  ASSERT_NE(high, std::string::npos) << text;
  ASSERT_NE(medium, std::string::npos) << text;
  ASSERT_NE(low, std::string::npos) << text;
  EXPECT_LT(critical, high);
  EXPECT_LT(high, medium);
  EXPECT_LT(medium, low);
  EXPECT_EQ(text.find("INFO"), std::string::npos) << "empty groups are left out";
  // Within the high group, the given (file, line) order: hostPID on line 12 before line 21.
  EXPECT_LT(text.find("BH-HOST-PID"), text.find("BH-CAP-SYSADMIN"));
  EXPECT_LT(high, text.find("BH-HOST-PID"));
  EXPECT_GT(medium, text.find("BH-CAP-SYSADMIN"));
}

TEST(AuditReportText, EachFindingHasLocationIdTitleObjectMessage) {
  std::string text = render_text(small_report(), {});
  const Check& privileged = *find_check("BH-PRIVILEGED");
  EXPECT_NE(text.find("  deploy/compose.yaml:7:5  BH-PRIVILEGED  " + privileged.title +
                      "\n"
                      "    service web: privileged: true\n"),
            std::string::npos)
      << text;
  // The host finding has no file: the line starts with the check id.
  const Check& root = *find_check("BH-RUN-AS-ROOT");
  EXPECT_NE(
      text.find("\n  BH-RUN-AS-ROOT  " + root.title + "\n    container web-1: runs as uid 0\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\n5 findings: 1 critical, 2 high, 1 medium, 1 low\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find('\033'), std::string::npos) << "no colour unless asked";
}

TEST(AuditReportText, FixLinesComeFromTheCatalogue) {
  Report report = small_report();
  std::string with_fixes = render_text(report, {.colour = false, .show_fixes = true});
  std::string without = render_text(report, {.colour = false, .show_fixes = false});
  EXPECT_EQ(without.find("fix:"), std::string::npos);
  size_t fixes = 0;
  for (const Finding& finding : report.findings) {
    std::string fix = finding_fix(*find_check(finding.check_id), finding.format);
    if (fix.empty()) continue;
    ++fixes;
    EXPECT_NE(with_fixes.find("    fix: " + fix + "\n"), std::string::npos) << finding.check_id;
  }
  EXPECT_EQ(count_of(with_fixes, "    fix: "), fixes);
}

TEST(AuditReportText, ColoursPerSeverityOnlyWhenAsked) {
  std::string text = render_text(small_report(), {.colour = true, .show_fixes = false});
  EXPECT_NE(text.find("\033[1;31mCRITICAL (1 finding)\033[0m"), std::string::npos) << text;
  EXPECT_NE(text.find("\033[31mHIGH (2 findings)\033[0m"), std::string::npos);
  EXPECT_NE(text.find("\033[33mMEDIUM (1 finding)\033[0m"), std::string::npos);
  EXPECT_NE(text.find("\033[34mLOW (1 finding)\033[0m"), std::string::npos);
  EXPECT_NE(text.find("\033[1;31mBH-PRIVILEGED\033[0m"), std::string::npos);
  Report info;
  info.findings = {make_finding("BH-PRIVILEGED", "a", 1, 1, "x", "y")};
  info.findings[0].severity = Severity::Info;  // a policy may lower a check's severity
  EXPECT_NE(render_text(info, {.colour = true}).find("\033[2mINFO (1 finding)\033[0m"),
            std::string::npos);
}

TEST(AuditReportText, EmptyReportSaysNoFindings) {
  Report report;
  report.tool_version = "0.6.0";
  EXPECT_EQ(render_text(report, {}), "no findings\n");
}

TEST(AuditReportText, ControlCharactersFromTheInputAreEscaped) {
  Report report;
  report.findings = {make_finding("BH-PRIVILEGED", "evil\033[2J.yaml", 1, 1, "service \r\x7f",
                                  "clear\033]0;title\007")};
  std::string text = render_text(report, {});
  EXPECT_EQ(text.find('\033'), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\x7f'), std::string::npos);
  EXPECT_NE(text.find("evil\\x1b[2J.yaml:1:1"), std::string::npos) << text;
  EXPECT_NE(text.find("service \\x0d\\x7f: clear\\x1b]0;title\\x07"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------------------------
// JSON

TEST(AuditReportJson, HasToolInputsSummaryAndFindings) {
  Report report = small_report();
  std::string text = render_json(report);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  json document = json::parse(text);
  EXPECT_EQ(document["tool"]["name"], "bulkhead");
  EXPECT_EQ(document["tool"]["version"], "0.6.0");
  EXPECT_EQ(document["inputs"], json(report.inputs));
  EXPECT_EQ(
      document["summary"],
      json({{"critical", 1}, {"high", 2}, {"medium", 1}, {"low", 1}, {"info", 0}, {"total", 5}}));
  ASSERT_EQ(document["findings"].size(), report.findings.size());
  for (size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& finding = report.findings[i];
    const json& item = document["findings"][i];
    const Check& check = *find_check(finding.check_id);
    EXPECT_EQ(item["check"], finding.check_id);
    EXPECT_EQ(item["severity"], std::string(severity_name(finding.severity)));
    EXPECT_EQ(item["title"], check.title);
    EXPECT_EQ(item["format"], std::string(input_format_name(finding.format)));
    EXPECT_EQ(item["line"], finding.where.line);
    EXPECT_EQ(item["column"], finding.where.column);
    EXPECT_EQ(item["object"], finding.object);
    EXPECT_EQ(item["message"], finding.message);
    EXPECT_EQ(item["remediation"], check.remediation);
    ASSERT_EQ(item["references"].size(), check.references.size());
    for (size_t r = 0; r < check.references.size(); ++r) {
      EXPECT_EQ(item["references"][r]["scheme"], check.references[r].scheme);
      EXPECT_EQ(item["references"][r]["id"], check.references[r].id);
    }
    if (finding.where.file.empty()) {
      EXPECT_TRUE(item["file"].is_null());
    } else {
      EXPECT_EQ(item["file"], finding.where.file);
    }
  }
}

TEST(AuditReportJson, InvalidUtf8IsReplacedNotFatal) {
  Report report;
  report.findings = {make_finding("BH-PRIVILEGED", "", 0, 0, "process 1 (\xff\xfe)", "m")};
  json document = json::parse(render_json(report));
  EXPECT_EQ(document["findings"][0]["object"], "process 1 (\xef\xbf\xbd\xef\xbf\xbd)");
}

TEST(AuditReportJson, EmptyReport) {
  json document = json::parse(render_json(Report{}));
  EXPECT_EQ(document["summary"]["total"], 0);
  EXPECT_TRUE(document["findings"].is_array());
  EXPECT_TRUE(document["findings"].empty());
}

// ---------------------------------------------------------------------------------------------
// SARIF

TEST(AuditReportSarif, OneRunWithEveryRuleOfTheCatalogue) {
  json log = json::parse(render_sarif(small_report()));
  EXPECT_EQ(log["version"], "2.1.0");
  EXPECT_EQ(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  ASSERT_EQ(log["runs"].size(), 1u);
  const json& driver = log["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["name"], "bulkhead");
  EXPECT_EQ(driver["version"], "0.6.0");
  EXPECT_EQ(driver["semanticVersion"], "0.6.0");
  auto checks = catalogue();
  ASSERT_EQ(driver["rules"].size(), checks.size());
  std::set<std::string> names;
  for (size_t i = 0; i < checks.size(); ++i) {
    const json& rule = driver["rules"][i];
    const Check& check = checks[i];
    EXPECT_EQ(rule["id"], check.id);
    EXPECT_EQ(rule["name"], rule_name(check.id));
    names.insert(rule["name"].get<std::string>());
    EXPECT_EQ(rule["shortDescription"]["text"], check.title);
    EXPECT_FALSE(rule["fullDescription"]["text"].get<std::string>().empty());
    if (!check.rationale.empty()) {
      EXPECT_EQ(rule["fullDescription"]["text"], check.rationale);
    }
    EXPECT_FALSE(rule["help"]["text"].get<std::string>().empty());
    EXPECT_FALSE(rule["help"]["markdown"].get<std::string>().empty());
    for (const Reference& ref : check.references) {
      EXPECT_NE(rule["help"]["text"].get<std::string>().find(ref.scheme + " " + ref.id),
                std::string::npos)
          << check.id;
    }
    std::string level = rule["defaultConfiguration"]["level"];
    switch (check.severity) {
      case Severity::Critical:
      case Severity::High:
        EXPECT_EQ(level, "error") << check.id;
        break;
      case Severity::Medium:
        EXPECT_EQ(level, "warning") << check.id;
        break;
      default:
        EXPECT_EQ(level, "note") << check.id;
    }
    const json& properties = rule["properties"];
    EXPECT_EQ(properties["tags"][0], "security");
    EXPECT_EQ(properties["precision"], "high");
    std::string score = properties["security-severity"];
    static const std::map<Severity, std::string> kScores = {{Severity::Critical, "9.5"},
                                                            {Severity::High, "8.0"},
                                                            {Severity::Medium, "5.5"},
                                                            {Severity::Low, "3.0"},
                                                            {Severity::Info, "1.0"}};
    EXPECT_EQ(score, kScores.at(check.severity)) << check.id;
  }
  EXPECT_EQ(names.size(), checks.size()) << "rule names must be unique";
  EXPECT_EQ(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

TEST(AuditReportSarif, ResultsPointIntoRulesAndArtifacts) {
  Report report = small_report();
  json log = json::parse(render_sarif(report));
  const json& run = log["runs"][0];
  const json& rules = run["tool"]["driver"]["rules"];
  const json& results = run["results"];
  ASSERT_EQ(results.size(), report.findings.size());
  std::set<std::string> fingerprints;
  for (size_t i = 0; i < results.size(); ++i) {
    const json& result = results[i];
    const Finding& finding = report.findings[i];
    EXPECT_EQ(result["ruleId"], finding.check_id);
    size_t index = result["ruleIndex"];
    ASSERT_LT(index, rules.size());
    EXPECT_EQ(rules[index]["id"], result["ruleId"]);
    EXPECT_EQ(result["level"], rules[index]["defaultConfiguration"]["level"]);
    EXPECT_EQ(result["message"]["text"], finding.object + ": " + finding.message);
    std::string fingerprint = result["partialFingerprints"]["bulkheadFinding/v1"];
    EXPECT_EQ(fingerprint, finding_fingerprint(finding));
    fingerprints.insert(fingerprint);
    ASSERT_EQ(result["locations"].size(), 1u);
    const json& location = result["locations"][0];
    EXPECT_EQ(location["logicalLocations"][0]["name"], finding.object);
    EXPECT_EQ(location["logicalLocations"][0]["kind"], "object");
    if (finding.where.file.empty()) {
      EXPECT_FALSE(location.contains("physicalLocation")) << "a host finding has no file";
      continue;
    }
    const json& physical = location["physicalLocation"];
    EXPECT_EQ(physical["artifactLocation"]["uri"], finding.where.file);
    EXPECT_EQ(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    size_t artifact = physical["artifactLocation"]["index"];
    ASSERT_LT(artifact, run["artifacts"].size());
    EXPECT_EQ(run["artifacts"][artifact]["location"]["uri"], finding.where.file);
    EXPECT_EQ(physical["region"]["startLine"], finding.where.line);
    EXPECT_EQ(physical["region"]["startColumn"], finding.where.column);
  }
  EXPECT_EQ(fingerprints.size(), results.size());
  EXPECT_EQ(run["artifacts"].size(), 2u) << "one artifact per file";
  EXPECT_TRUE(
      run["originalUriBaseIds"]["%SRCROOT%"]["uri"].get<std::string>().starts_with("file:///"));
  // Rendering twice gives the same log (no time stamps, no random ids).
  EXPECT_EQ(render_sarif(report), render_sarif(report));
}

TEST(AuditReportSarif, LineZeroHasNoRegion) {
  Report report;
  report.findings = {make_finding("BH-PRIVILEGED", "compose.yaml", 0, 0, "service web", "m"),
                     make_finding("BH-HOST-PID", "compose.yaml", 4, 0, "service web", "m")};
  json log = json::parse(render_sarif(report));
  const json& results = log["runs"][0]["results"];
  EXPECT_FALSE(results[0]["locations"][0]["physicalLocation"].contains("region"));
  EXPECT_EQ(results[1]["locations"][0]["physicalLocation"]["region"], json({{"startLine", 4}}));
}

TEST(AuditReportSarif, EmptyReportStillListsTheRules) {
  json log = json::parse(render_sarif(Report{}));
  EXPECT_TRUE(log["runs"][0]["results"].is_array());
  EXPECT_TRUE(log["runs"][0]["results"].empty());
  EXPECT_EQ(log["runs"][0]["tool"]["driver"]["rules"].size(), catalogue().size());
  EXPECT_FALSE(log["runs"][0].contains("artifacts"));
}

// ---------------------------------------------------------------------------------------------
// HTML

TEST(AuditReportHtml, SelfContainedWithChartsTableAndAppendix) {
  Report report = small_report();
  std::string html = render_html(report);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  // Nothing to fetch, nothing to run.
  for (const char* forbidden :
       {"<script", "<link", "<img", "<iframe", "src=", "@import", "url(", "http://", "https://"}) {
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  }
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_EQ(count_of(html, "<svg"), 2u) << "by severity and by check";
  // The severity colours: one bar per present severity in each chart, none for absent ones.
  auto colour_of = [](Severity s) { return std::string(kSeverityHtmlColours[size_t(s)]); };
  EXPECT_EQ(count_of(html, "fill=\"" + colour_of(Severity::Critical) + "\""), 2u);
  EXPECT_EQ(count_of(html, "fill=\"" + colour_of(Severity::High) + "\""), 3u)
      << "one severity bar, one bar per high check (two checks)";
  EXPECT_EQ(count_of(html, "fill=\"" + colour_of(Severity::Info) + "\""), 0u);
  // The table: one row per finding.
  EXPECT_EQ(count_of(html, "<tr><td class=\"sev\">"), report.findings.size());
  EXPECT_NE(html.find("<code>deploy/<wbr>compose.yaml:7:5</code>"), std::string::npos)
      << "paths may wrap after a slash";
  EXPECT_NE(html.find("<td class=\"loc\">&mdash;</td><td>container web-1</td>"), std::string::npos)
      << "the host finding has no location";
  // The appendix: each check that fired once, linked from the table.
  for (const Finding& finding : report.findings) {
    EXPECT_EQ(count_of(html, "id=\"check-" + finding.check_id + "\""), 1u);
    EXPECT_NE(html.find("href=\"#check-" + finding.check_id + "\""), std::string::npos);
  }
  EXPECT_NE(html.find("5 findings: 1 critical, 2 high, 1 medium, 1 low"), std::string::npos);
  EXPECT_NE(html.find("<code>k8s/api.yaml</code>"), std::string::npos) << "inputs listed";
}

TEST(AuditReportHtml, EscapesEverythingFromTheInput) {
  Report report;
  report.tool_version = "0.6.0";
  report.inputs = {"<script>alert('input')</script>.yaml"};
  report.findings = {
      make_finding("BH-PRIVILEGED", "<script>alert(1)</script>.yaml", 2, 3,
                   "service <script>alert(\"object\")</script>",
                   "message <script>alert('message')</script> & <b>bold</b>"),
  };
  std::string html = render_html(report);
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_NE(html.find("service &lt;script&gt;alert(&quot;object&quot;)&lt;/script&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("message &lt;script&gt;alert(&#39;message&#39;)&lt;/script&gt; &amp; "
                      "&lt;b&gt;bold&lt;/b&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;input&#39;)&lt;/script&gt;.yaml"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/<wbr>script&gt;.yaml:2:3"), std::string::npos);
}

TEST(AuditReportHtml, InvalidUtf8BecomesReplacementCharacters) {
  Report report;
  report.findings = {make_finding("BH-PRIVILEGED", "", 0, 0, "process 1 (a\xffz\xc3)", "m")};
  std::string html = render_html(report);
  EXPECT_TRUE(is_valid_utf8(html));
  EXPECT_NE(html.find("process 1 (a\xef\xbf\xbdz\xef\xbf\xbd)"), std::string::npos);
}

TEST(AuditReportHtml, TopFifteenChecksInTheCheckChart) {
  Report report;
  auto checks = catalogue();
  ASSERT_GT(checks.size(), 17u);
  // Check i gets i+1 findings, so the 15 with the most are the last 15.
  for (size_t i = 0; i < 17; ++i)
    for (size_t n = 0; n <= i; ++n)
      report.findings.push_back(make_finding(checks[i].id, "f.yaml", static_cast<int>(n + 1), 1,
                                             "service s", "m" + std::to_string(n)));
  std::sort(report.findings.begin(), report.findings.end(), finding_less);
  std::string html = render_html(report);
  std::string chart = html.substr(html.find("Findings by check"));
  chart = chart.substr(0, chart.find("</figure>"));
  EXPECT_NE(chart.find("(top 15)"), std::string::npos);
  EXPECT_NE(chart.find("and 2 more checks"), std::string::npos);
  EXPECT_EQ(chart.find(">" + checks[0].id + "<"), std::string::npos);
  EXPECT_EQ(chart.find(">" + checks[1].id + "<"), std::string::npos);
  EXPECT_NE(chart.find(">" + checks[16].id + "<"), std::string::npos);
  EXPECT_LT(chart.find(">" + checks[16].id + "<"), chart.find(">" + checks[2].id + "<"))
      << "most findings first";
}

TEST(AuditReportHtml, ChartsUseTheFindingsSeverity) {
  // A policy may report a check below its catalogue severity: both charts then show the
  // finding's severity, and the catalogue's colour appears in no chart.
  Report report;
  report.findings = {make_finding("BH-PRIVILEGED", "a.yaml", 1, 1, "service a", "m")};
  report.findings[0].severity = Severity::Low;
  std::string html = render_html(report);
  std::string charts = html.substr(0, html.find("<table"));
  EXPECT_EQ(count_of(charts, std::string("fill=\"") + kSeverityHtmlColours[1] + "\""), 2u);
  EXPECT_EQ(count_of(charts, std::string("fill=\"") + kSeverityHtmlColours[4] + "\""), 0u);
}

TEST(AuditReportHtml, EmptyReportSaysNoFindings) {
  Report report;
  report.inputs = {"compose.yaml"};
  std::string html = render_html(report);
  EXPECT_NE(html.find("No findings"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<table"), std::string::npos);
  EXPECT_TRUE(html.ends_with("</html>\n"));
}

// ---------------------------------------------------------------------------------------------
// The catalogue listings

TEST(AuditReportCatalogue, TextListsEveryCheck) {
  std::string text = render_catalogue_text(false);
  for (const Check& check : catalogue()) {
    EXPECT_NE(text.find(check.id + " "), std::string::npos) << check.id;
    EXPECT_NE(text.find(check.title), std::string::npos) << check.id;
  }
  EXPECT_NE(text.find(std::to_string(catalogue().size()) + " checks"), std::string::npos);
  EXPECT_EQ(text.find('\033'), std::string::npos);
  EXPECT_NE(render_catalogue_text(true).find("\033[1;31mcritical"), std::string::npos);
}

TEST(AuditReportCatalogue, JsonHasEveryCheckWithItsTexts) {
  json document = json::parse(render_catalogue_json());
  auto checks = catalogue();
  ASSERT_EQ(document["checks"].size(), checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    const json& item = document["checks"][i];
    EXPECT_EQ(item["id"], checks[i].id);
    EXPECT_EQ(item["severity"], std::string(severity_name(checks[i].severity)));
    EXPECT_EQ(item["title"], checks[i].title);
    EXPECT_EQ(item["rationale"], checks[i].rationale);
    EXPECT_EQ(item["remediation"], checks[i].remediation);
    EXPECT_EQ(item["references"].size(), checks[i].references.size());
    EXPECT_EQ(item["applies_to"].size(), checks[i].applies_to.size());
  }
}

}  // namespace
}  // namespace bulkhead::audit

namespace bulkhead::audit {
namespace {

TEST(AuditReportHtmlPaths, AbsolutePathsKeepTheirLeadingSlash) {
  Report report;
  report.tool_version = "test";
  report.inputs = {"/srv/app/compose.yaml"};
  report.findings = {
      make_finding("BH-PRIVILEGED", "/srv/app/compose.yaml", 4, 5, "service web", "privileged")};
  std::string html = render_html(report);
  EXPECT_NE(html.find("<code>/<wbr>srv/<wbr>app/<wbr>compose.yaml:4:5</code>"), std::string::npos)
      << html;
}

}  // namespace
}  // namespace bulkhead::audit
