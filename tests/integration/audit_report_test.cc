// The audit reports checked by the tools that consume them, not by our own reading of the specs:
// - SARIF: the SARIF project's own validator (Sarif.Multitool validate: the 2.1.0 schema plus
//   its rules about URIs, indices and regions) and the 2.1.0 JSON schema under python3-jsonschema,
//   on the report of a realistic compose stack, a Kubernetes Deployment, a docker run script and
//   a host finding without a file. A broken copy of the same log shows that both really reject.
// - HTML: rendered by headless Chromium; the screenshot must show text and the severity colours
//   of the findings in proportion to their counts, and no colour of a severity that is absent.
// The tools come from scripts/setup.sh (Debian packages and /opt/bulkhead-test-tools). Without
// them a test skips, except in CI, where a skip would hide a broken setup: there it fails.

#include <fcntl.h>
#include <png.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "audit/audit.h"
#include "audit/catalogue.h"
#include "audit/report.h"
#include "base/strings.h"
#include "integration/container_harness.h"

namespace bulkhead::audit {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RunAs;

constexpr const char* kMultitool =
    "/opt/bulkhead-test-tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool";
constexpr const char* kSarifSchema =
    "/opt/bulkhead-test-tools/node_modules/@microsoft/jest-sarif/lib/schemas/"
    "sarif-2.1.0-rtm.5.json";
constexpr const char* kChromium = "/usr/bin/chromium";
// Not a timing assertion: only a guard so that a hung browser or validator fails the test
// instead of hanging the suite.
constexpr int kToolTimeoutSeconds = 300;

#define REQUIRE_TOOL(missing_reason)                                                \
  do {                                                                              \
    if (std::optional<std::string> why = (missing_reason)) {                        \
      if (std::getenv("CI")) FAIL() << "audit report tool missing in CI: " << *why; \
      GTEST_SKIP() << *why << " (scripts/setup.sh installs it)";                    \
    }                                                                               \
  } while (0)

std::optional<std::string> missing_executable(const std::string& path) {
  if (access(path.c_str(), X_OK) != 0) return path + " is not installed";
  return std::nullopt;
}

std::optional<std::string> missing_jsonschema() {
  if (auto why = missing_executable("/usr/bin/python3")) return why;
  if (access(kSarifSchema, R_OK) != 0) return std::string(kSarifSchema) + " is not installed";
  CommandResult probe = testing::run_program({"/usr/bin/python3", "-c", "import jsonschema"});
  if (probe.status != 0) return "python3-jsonschema is not installed: " + probe.err;
  return std::nullopt;
}

// A scratch directory removed at the end, unless the test failed: then it is kept and named so
// the report and the tool's output can be looked at.
class ScratchDir {
 public:
  ScratchDir() : path_(testing::make_temp_dir()) {}
  ~ScratchDir() {
    if (::testing::Test::HasFailure())
      std::fprintf(stderr, "kept for inspection: %s\n", path_.c_str());
    else
      testing::remove_tree(path_);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct ToolResult {
  CommandResult result;
  bool timed_out = false;
};

// Runs `argv` in a process group of its own (Chromium starts helper processes) with stdout and
// stderr in memory files; on timeout the whole group is killed. Any helper still left in the
// group after the main process ended is killed too, so nothing outlives the test.
ToolResult run_tool(const std::vector<std::string>& argv, const RunAs& as) {
  int out_fd = memfd_create("tool-out", MFD_CLOEXEC);
  int err_fd = memfd_create("tool-err", MFD_CLOEXEC);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("memfd_create failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(126);
    testing::become_and_exec(argv, as);
  }
  setpgid(pid, pid);  // also from the parent, so the group exists before any kill below
  ToolResult tool;
  int status = 0;
  bool done = testing::poll_until(
      [&] {
        pid_t reaped = waitpid(pid, &status, WNOHANG);
        return reaped == pid;
      },
      kToolTimeoutSeconds);
  if (!done) {
    tool.timed_out = true;
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  kill(-pid, SIGKILL);  // leftovers of the group, if any (ESRCH otherwise)
  tool.result.status = testing::status_of(status);
  tool.result.out = testing::read_all_from_start(out_fd);
  tool.result.err = testing::read_all_from_start(err_fd);
  close(out_fd);
  close(err_fd);
  return tool;
}

// ---------------------------------------------------------------------------------------------
// A realistic report

constexpr std::string_view kComposeStack = R"(services:
  proxy:
    image: traefik:v2.11
    ports:
      - "80:80"
      - "443:443"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - ./traefik:/etc/traefik
  web:
    image: registry.example.com/shop/web:1.4.2
    environment:
      - DATABASE_URL=postgres://shop@db/shop
    cap_add:
      - SYS_ADMIN
    depends_on:
      - db
  db:
    image: postgres:16
    privileged: true
    volumes:
      - db-data:/var/lib/postgresql/data
  monitor:
    image: prom/node-exporter:v1.7.0
    pid: host
    network_mode: host
    volumes:
      - /:/host:ro,rslave
volumes:
  db-data:
)";

constexpr std::string_view kDeployment = R"(---
# Source: api/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
  labels:
    app.kubernetes.io/name: api
    helm.sh/chart: api-0.3.1
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: api
  template:
    metadata:
      labels:
        app.kubernetes.io/name: api
    spec:
      hostIPC: true
      containers:
        - name: app
          image: "registry.example.com/api:2.0.0"
          securityContext:
            allowPrivilegeEscalation: true
            capabilities:
              add: ["NET_ADMIN", "SYS_PTRACE"]
          volumeMounts:
            - name: logs
              mountPath: /var/log/host
      volumes:
        - name: logs
          hostPath:
            path: /var/log
)";

constexpr std::string_view kRunScript = R"(#!/bin/sh
set -e
docker run -d --name debug \
  --security-opt seccomp=unconfined \
  --cap-add ALL \
  -v /etc:/host-etc \
  busybox sleep infinity
)";

Finding host_finding(std::string check_id, std::string object, std::string message) {
  Finding finding;
  finding.check_id = std::move(check_id);
  finding.severity = find_check(finding.check_id)->severity;
  finding.format = InputFormat::Host;
  finding.object = std::move(object);
  finding.message = std::move(message);
  return finding;
}

// The findings of real inputs as the readers and checks produce them, under paths that need
// escaping in a URI, plus what a host scan reports (no file) and a file outside the current
// directory (an absolute file:// URI).
Report realistic_report() {
  Report report;
  report.tool_version = "0.6.0";
  auto add = [&report](std::string_view text, const std::string& file, InputFormat format) {
    std::vector<Finding> found = audit_text(text, file, format);
    EXPECT_FALSE(found.empty()) << file;
    report.inputs.push_back(file);
    report.findings.insert(report.findings.end(), found.begin(), found.end());
  };
  add(kComposeStack, "deploy/shop stack/docker-compose.yml", InputFormat::Compose);
  add(kDeployment, "charts/rendered/api#prod (r\xc3\xa9vision 3).yaml", InputFormat::Kubernetes);
  add(kRunScript, "/srv/ops/start-debug.sh", InputFormat::DockerRun);
  report.inputs.push_back("host");
  report.findings.push_back(
      host_finding("BH-PRIVILEGED", "container legacy-agent", "runs with every capability"));
  report.findings.push_back(
      host_finding("BH-HOST-PID", "process 4242 (node_exporter)", "shares the host PID namespace"));
  std::sort(report.findings.begin(), report.findings.end(), finding_less);
  return report;
}

// ---------------------------------------------------------------------------------------------
// SARIF

struct MultitoolVerdict {
  std::vector<std::string> errors;    // rule id: message arguments
  std::vector<std::string> warnings;  // the same, for warnings and notes
};

// Runs `Sarif.Multitool validate` on `sarif_path` and sorts its results by level. A result
// without a level takes its rule's defaultConfiguration.level, and SARIF's default is "warning".
MultitoolVerdict multitool_validate(const ScratchDir& dir, const std::string& sarif_path,
                                    const std::string& log_name) {
  std::string log_path = dir.file(log_name);
  RunAs as;
  // Without ICU (not installed), .NET must be told to use the invariant culture.
  as.env = {"DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1"};
  ToolResult tool = run_tool({kMultitool, "validate", sarif_path, "-o", log_path}, as);
  MultitoolVerdict verdict;
  EXPECT_FALSE(tool.timed_out) << "Sarif.Multitool did not finish";
  EXPECT_EQ(tool.result.status, 0) << tool.result.out << tool.result.err;
  std::string text;
  try {
    text = testing::read_text_file(log_path);
  } catch (const std::exception& error) {
    ADD_FAILURE() << "Sarif.Multitool wrote no log: " << error.what() << "\n"
                  << tool.result.out << tool.result.err;
    return verdict;
  }
  json log = json::parse(text);
  for (const json& run : log["runs"]) {
    const json& rules = run["tool"]["driver"]["rules"];
    for (const json& result : run.value("results", json::array())) {
      std::string level = "warning";
      if (result.contains("level")) {
        level = result["level"];
      } else if (result.contains("ruleIndex") && result["ruleIndex"] < rules.size()) {
        level = rules[result["ruleIndex"].get<size_t>()]
                    .value("defaultConfiguration", json::object())
                    .value("level", "warning");
      }
      std::string line = result.value("ruleId", "?") + ": " + result["message"].dump();
      (level == "error" ? verdict.errors : verdict.warnings).push_back(line);
    }
  }
  return verdict;
}

// Validates with python3-jsonschema (Draft 4, the schema's own draft); "" when valid, else the
// errors, one a line.
std::string schema_errors(const std::string& sarif_path) {
  const char* script = R"(import json, sys, jsonschema
with open(sys.argv[1]) as f: schema = json.load(f)
with open(sys.argv[2]) as f: log = json.load(f)
errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
for e in errors: print("/".join(str(p) for p in e.path) + ": " + e.message[:300])
sys.exit(1 if errors else 0)
)";
  ToolResult tool = run_tool({"/usr/bin/python3", "-c", script, kSarifSchema, sarif_path}, {});
  EXPECT_FALSE(tool.timed_out);
  if (tool.result.status == 0) return "";
  return tool.result.out + tool.result.err + "(exit " + std::to_string(tool.result.status) + ")";
}

TEST(AuditReportToolsSarif, RealisticReportPassesTheSarifValidator) {
  REQUIRE_TOOL(missing_executable(kMultitool));
  ScratchDir dir;
  Report report = realistic_report();
  std::string sarif_path = dir.file("audit.sarif");
  testing::write_text_file(sarif_path, render_sarif(report));

  MultitoolVerdict verdict = multitool_validate(dir, sarif_path, "validation.sarif");
  for (const std::string& warning : verdict.warnings)
    std::printf("Sarif.Multitool warning: %s\n", warning.c_str());
  EXPECT_TRUE(verdict.errors.empty()) << join(verdict.errors, "\n");

  // The validator really rejects a broken log (so an empty error list above means something):
  // a region's line 0 and a rule index past the rules.
  json broken = json::parse(render_sarif(report));
  json& results = broken["runs"][0]["results"];
  ASSERT_FALSE(results.empty());
  for (json& result : results) {
    if (result["locations"][0].contains("physicalLocation")) {
      result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0;
      break;
    }
  }
  results[0]["ruleIndex"] = catalogue().size() + 5;
  std::string broken_path = dir.file("broken.sarif");
  testing::write_text_file(broken_path, broken.dump(2));
  MultitoolVerdict rejected = multitool_validate(dir, broken_path, "broken-validation.sarif");
  EXPECT_GE(rejected.errors.size(), 2u) << join(rejected.warnings, "\n");
}

TEST(AuditReportToolsSarif, RealisticAndEmptyReportsMatchTheJsonSchema) {
  REQUIRE_TOOL(missing_jsonschema());
  ScratchDir dir;
  Report report = realistic_report();
  std::string sarif_path = dir.file("audit.sarif");
  testing::write_text_file(sarif_path, render_sarif(report));
  EXPECT_EQ(schema_errors(sarif_path), "");

  std::string empty_path = dir.file("empty.sarif");
  testing::write_text_file(empty_path, render_sarif(Report{{"compose.yaml"}, {}, "0.6.0"}));
  EXPECT_EQ(schema_errors(empty_path), "");

  // The schema check is not vacuous: a level SARIF does not have is refused.
  json broken = json::parse(render_sarif(report));
  broken["runs"][0]["results"][0]["level"] = "critical";
  std::string broken_path = dir.file("broken.sarif");
  testing::write_text_file(broken_path, broken.dump(2));
  EXPECT_NE(schema_errors(broken_path).find("level"), std::string::npos);
}

TEST(AuditReportToolsSarif, RealisticReportCoversEveryKindOfLocation) {
  // What the validator tests above exercised: relative, escaped and absolute URIs, and a result
  // without any file.
  Report report = realistic_report();
  json log = json::parse(render_sarif(report));
  const json& run = log["runs"][0];
  std::vector<std::string> uris;
  for (const json& artifact : run["artifacts"]) uris.push_back(artifact["location"]["uri"]);
  EXPECT_NE(std::find(uris.begin(), uris.end(), "deploy/shop%20stack/docker-compose.yml"),
            uris.end())
      << join(uris, " ");
  EXPECT_NE(std::find(uris.begin(), uris.end(),
                      "charts/rendered/api%23prod%20%28r%C3%A9vision%203%29.yaml"),
            uris.end())
      << join(uris, " ");
  EXPECT_NE(std::find(uris.begin(), uris.end(), "file:///srv/ops/start-debug.sh"), uris.end())
      << join(uris, " ");
  size_t without_file = 0;
  for (const json& result : run["results"])
    if (!result["locations"][0].contains("physicalLocation")) ++without_file;
  EXPECT_EQ(without_file, 2u);
}

// ---------------------------------------------------------------------------------------------
// HTML in a browser

struct Rgb {
  uint8_t r, g, b;
  bool operator==(const Rgb&) const = default;
};

Rgb parse_colour(const char* hex_colour) {
  auto value = std::stoul(std::string(hex_colour + 1), nullptr, 16);
  return {static_cast<uint8_t>(value >> 16), static_cast<uint8_t>(value >> 8),
          static_cast<uint8_t>(value)};
}

struct Screenshot {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes a pixel

  size_t count(Rgb colour) const {
    size_t n = 0;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3)
      if (rgb[i] == colour.r && rgb[i + 1] == colour.g && rgb[i + 2] == colour.b) ++n;
    return n;
  }
  // Text and rules: pixels close to black.
  size_t dark_pixels() const {
    size_t n = 0;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3)
      if (rgb[i] < 90 && rgb[i + 1] < 90 && rgb[i + 2] < 90) ++n;
    return n;
  }
};

// libpng's simplified API converts whatever Chromium wrote (RGB or RGBA, any filter) to 8-bit
// RGB on a white background.
Screenshot read_png(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw std::runtime_error("cannot read " + path + ": " + image.message);
  image.format = PNG_FORMAT_RGB;
  Screenshot shot;
  shot.width = image.width;
  shot.height = image.height;
  shot.rgb.resize(PNG_IMAGE_SIZE(image));
  png_color white{255, 255, 255};
  if (!png_image_finish_read(&image, &white, shot.rgb.data(), 0, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    throw std::runtime_error("cannot decode " + path + ": " + message);
  }
  return shot;
}

// Renders `html` in headless Chromium and returns the screenshot (1280 × 2000).
Screenshot screenshot(const ScratchDir& dir, const std::string& name, const std::string& html) {
  std::string page = dir.file(name + ".html");
  std::string png = dir.file(name + ".png");
  testing::write_text_file(page, html);
  std::string profile = dir.file(name + "-profile");
  mkdir(profile.c_str(), 0700);
  std::vector<std::string> argv = {kChromium, "--headless=new", "--disable-gpu",
                                   "--hide-scrollbars", "--no-first-run",
                                   "--no-default-browser-check", "--disable-extensions",
                                   // Tests send nothing beyond loopback: no update checks,
                                   // component downloads, sync or QUIC probes.
                                   "--disable-background-networking", "--disable-component-update",
                                   "--disable-sync", "--disable-quic",
                                   // Screenshot pixels in sRGB exactly as the page's CSS says.
                                   "--force-color-profile=srgb", "--window-size=1280,2000",
                                   "--user-data-dir=" + profile, "--screenshot=" + png};
  // Chromium refuses to run as root with its sandbox (it needs an unprivileged user for it).
  if (geteuid() == 0) argv.insert(argv.begin() + 1, "--no-sandbox");
  argv.push_back("file://" + page);
  RunAs as;
  as.env = {"HOME=" + dir.path()};  // anything Chromium keeps in HOME stays in the scratch dir
  ToolResult tool = run_tool(argv, as);
  EXPECT_FALSE(tool.timed_out) << "chromium did not finish";
  EXPECT_EQ(tool.result.status, 0) << tool.result.err;
  return read_png(png);
}

Finding file_finding(const std::string& check_id, const std::string& file, int line,
                     const std::string& object) {
  Finding finding;
  finding.check_id = check_id;
  finding.severity = find_check(check_id)->severity;
  finding.format = InputFormat::Compose;
  finding.where = {file, line, 3};
  finding.object = object;
  finding.message = "set by <script>alert('" + object + "')</script>";
  return finding;
}

TEST(AuditReportToolsHtml, ScreenshotShowsSeverityColoursInProportion) {
  REQUIRE_TOOL(missing_executable(kChromium));
  ScratchDir dir;
  // 1 critical, 3 high (two checks), 2 medium (one check); no low, no info.
  Report report;
  report.tool_version = "0.6.0";
  report.inputs = {"compose.yaml"};
  report.findings = {
      file_finding("BH-PRIVILEGED", "compose.yaml", 4, "service db"),
      file_finding("BH-CAP-SYSADMIN", "compose.yaml", 9, "service web"),
      file_finding("BH-CAP-SYSADMIN", "compose.yaml", 15, "service worker"),
      file_finding("BH-HOST-PID", "compose.yaml", 20, "service monitor"),
      file_finding("BH-NO-NEW-PRIVS", "compose.yaml", 8, "service web"),
      file_finding("BH-NO-NEW-PRIVS", "compose.yaml", 14, "service worker"),
  };
  ASSERT_EQ(find_check("BH-PRIVILEGED")->severity, Severity::Critical);
  ASSERT_EQ(find_check("BH-CAP-SYSADMIN")->severity, Severity::High);
  ASSERT_EQ(find_check("BH-HOST-PID")->severity, Severity::High);
  ASSERT_EQ(find_check("BH-NO-NEW-PRIVS")->severity, Severity::Medium);
  std::sort(report.findings.begin(), report.findings.end(), finding_less);

  Screenshot shot = screenshot(dir, "report", render_html(report));
  ASSERT_EQ(shot.width, 1280u);
  ASSERT_EQ(shot.height, 2000u);
  auto pixels = [&shot](Severity severity) {
    return shot.count(parse_colour(kSeverityHtmlColours[static_cast<size_t>(severity)]));
  };
  size_t critical = pixels(Severity::Critical), high = pixels(Severity::High),
         medium = pixels(Severity::Medium), low = pixels(Severity::Low),
         info = pixels(Severity::Info);
  std::printf("severity pixels: critical %zu, high %zu, medium %zu, low %zu, info %zu; dark %zu\n",
              critical, high, medium, low, info, shot.dark_pixels());
  // Each present severity shows at least a bar's worth (a bar is 18 px high).
  EXPECT_GT(critical, 18u * 20);
  EXPECT_GT(high, 18u * 20);
  EXPECT_GT(medium, 18u * 20);
  // In proportion: 3 high > 2 medium > 1 critical.
  EXPECT_GT(high, medium);
  EXPECT_GT(medium, critical);
  // Absent severities leave no trace of their colour.
  EXPECT_EQ(low, 0u);
  EXPECT_EQ(info, 0u);
  // Not a blank page: headings, the table and the appendix put plenty of text on it.
  EXPECT_GT(shot.dark_pixels(), 5000u);
}

TEST(AuditReportToolsHtml, EmptyReportShowsTextAndNoSeverityColour) {
  REQUIRE_TOOL(missing_executable(kChromium));
  ScratchDir dir;
  Screenshot shot = screenshot(dir, "empty", render_html(Report{{"compose.yaml"}, {}, "0.6.0"}));
  for (const char* colour : kSeverityHtmlColours) EXPECT_EQ(shot.count(parse_colour(colour)), 0u);
  EXPECT_GT(shot.dark_pixels(), 500u) << "the heading and \"No findings\"";
}

TEST(AuditReportToolsHtml, RealisticReportRendersEverySeverityItHas) {
  REQUIRE_TOOL(missing_executable(kChromium));
  ScratchDir dir;
  Report report = realistic_report();
  auto counts = count_by_severity(report.findings);
  Screenshot shot = screenshot(dir, "realistic", render_html(report));
  for (size_t s = 0; s < counts.size(); ++s) {
    size_t pixels = shot.count(parse_colour(kSeverityHtmlColours[s]));
    if (counts[s] > 0)
      EXPECT_GT(pixels, 18u * 2) << severity_name(static_cast<Severity>(s));
    else
      EXPECT_EQ(pixels, 0u) << severity_name(static_cast<Severity>(s));
  }
  EXPECT_GT(shot.dark_pixels(), 5000u);
}

}  // namespace
}  // namespace bulkhead::audit
