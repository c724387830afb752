#include "cli/audit_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "audit/audit.h"
#include "audit/catalogue.h"
#include "audit/host_scan.h"
#include "audit/inputs.h"
#include "audit/report.h"
#include "base/error.h"
#include "base/strings.h"
#include "cli/seccomp_common.h"

namespace bulkhead::cli {
namespace {

// Exit statuses, as CI gates read them: findings at or above --fail-on, and inputs that could
// not be audited (a malformed file must not pass a gate by producing no findings).
constexpr int kFindingsStatus = 1;
constexpr int kInputErrorStatus = 2;

struct AuditArgs {
  std::vector<std::string> inputs;
  bool list_checks = false;
  bool host = false;
  std::string type;
  std::string output = "text";
  std::string output_file;
  std::string fail_on = "none";
  std::string color = "auto";
  bool no_fixes = false;
};

// A command line to audit rather than files: `bulkhead audit -- docker run …`.
bool is_command_line(const std::vector<std::string>& inputs) {
  if (inputs.empty()) return false;
  std::string program = std::filesystem::path(inputs[0]).filename().string();
  bool runtime = program == "docker" || program == "podman" || program == "nerdctl" ||
                 program == "sudo" || program == "doas";
  return runtime && !std::filesystem::exists(inputs[0]);
}

bool want_colour(const AuditArgs& args) {
  if (args.color == "always") return true;
  if (args.color == "never") return false;
  return args.output_file.empty() && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

std::string render(const audit::Report& report, const AuditArgs& args) {
  if (args.output == "json") return audit::render_json(report);
  if (args.output == "sarif") return audit::render_sarif(report);
  if (args.output == "html") return audit::render_html(report);
  return audit::render_text(report, {.colour = want_colour(args), .show_fixes = !args.no_fixes});
}

void emit(const std::string& data, const AuditArgs& args) {
  if (args.output_file.empty())
    write_stdout(data);
  else
    write_file(args.output_file, data);
}

// Errors in one input do not hide the findings of the others, but they decide the exit status.
void report_input_error(const std::string& input, const Error& error, size_t& errors) {
  ++errors;
  std::string text = error.what();
  // Located errors already start with the file name.
  if (text.rfind(input, 0) != 0) text = input + ": " + text;
  std::cerr << "bulkhead audit: " << text << "\n";
}

void run_audit(const AuditArgs& args, int& exit_status) {
  if (args.list_checks) {
    emit(args.output == "json" ? audit::render_catalogue_json()
                               : audit::render_catalogue_text(want_colour(args)),
         args);
    return;
  }
  std::optional<audit::Severity> fail_on;
  if (args.fail_on != "none") {
    fail_on = audit::severity_from_name(args.fail_on);
    if (!fail_on)
      throw Error("--fail-on: unknown severity '" + args.fail_on +
                  "' (none, info, low, medium, high, critical)");
  }
  std::optional<audit::InputFormat> forced;
  if (!args.type.empty()) {
    forced = audit::input_format_from_name(args.type);
    if (!forced || *forced == audit::InputFormat::Host)
      throw Error("--type: unknown input type '" + args.type +
                  "' (docker-run, compose, kubernetes, oci, dockerfile)");
  }
  if (!args.host && args.inputs.empty())
    throw Error("nothing to audit: name files or directories, `-- docker run …`, or --host");

  audit::Report report;
  report.tool_version = BULKHEAD_VERSION;
  size_t errors = 0;
  if (args.host) {
    audit::HostScan scan = audit::scan_host({});
    for (const std::string& note : scan.notes)
      std::cerr << "bulkhead audit: note: " << note << "\n";
    report.inputs.push_back("host");
    std::vector<audit::Finding> found = audit::evaluate_workloads(scan.workloads);
    report.findings.insert(report.findings.end(), found.begin(), found.end());
  }
  if (is_command_line(args.inputs)) {
    report.inputs.push_back(join(args.inputs, " "));
    std::vector<audit::Workload> workloads =
        audit::read_docker_run_args(args.inputs, SourceLocation{"<command line>", 0, 0});
    if (workloads.empty())
      throw Error("not a docker/podman run or create command line: " + join(args.inputs, " "));
    std::vector<audit::Finding> found = audit::evaluate_workloads(workloads);
    report.findings.insert(report.findings.end(), found.begin(), found.end());
  } else {
    for (const std::string& input : args.inputs) {
      std::vector<std::string> files;
      std::error_code ec;
      if (input != "-" && std::filesystem::is_directory(input, ec)) {
        try {
          files = audit::auditable_files(input);
        } catch (const Error& error) {
          report_input_error(input, error, errors);
          continue;
        }
        if (files.empty())
          std::cerr << "bulkhead audit: note: " << input << ": no file Bulkhead can audit\n";
      } else {
        files.push_back(input);
      }
      for (const std::string& file : files) {
        try {
          std::vector<audit::Finding> found = audit::audit_file(file, forced);
          report.inputs.push_back(file);
          report.findings.insert(report.findings.end(), found.begin(), found.end());
        } catch (const Error& error) {
          report_input_error(file, error, errors);
        }
      }
    }
  }
  std::sort(report.findings.begin(), report.findings.end(), audit::finding_less);
  emit(render(report, args), args);

  if (errors > 0) {
    exit_status = kInputErrorStatus;
    return;
  }
  if (fail_on && std::any_of(report.findings.begin(), report.findings.end(),
                             [&](const audit::Finding& f) { return f.severity >= *fail_on; }))
    exit_status = kFindingsStatus;
}

}  // namespace

void register_audit_command(CLI::App& app, int& exit_status) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* audit = app.add_subcommand(
      "audit",
      "Find breakout-prone settings (privileged, runtime sockets, host mounts, dangerous "
      "capabilities…) in docker/podman command lines and scripts, compose files, Kubernetes "
      "manifests, OCI config.json and Dockerfiles, or in the containers running here (--host)");
  audit->add_option("inputs", args->inputs,
                    "Files or directories to audit, or `-- docker run …` / `-- podman run …`");
  audit->add_flag("--list-checks", args->list_checks, "Print the catalogue of checks and exit");
  audit->add_flag("--host", args->host,
                  "Audit the containers running on this host (processes under /proc)");
  audit
      ->add_option("--type", args->type,
                   "Read every file as this input type instead of recognising it")
      ->check(CLI::IsMember({"docker-run", "compose", "kubernetes", "oci", "dockerfile"}));
  audit->add_option("-o,--output", args->output, "Report format")
      ->check(CLI::IsMember({"text", "json", "sarif", "html"}))
      ->capture_default_str();
  audit->add_option("--output-file", args->output_file, "Write the report here, not to stdout");
  audit
      ->add_option("--fail-on", args->fail_on,
                   "Exit 1 when a finding has this severity or worse (none, info, low, medium, "
                   "high, critical)")
      ->capture_default_str();
  audit->add_option("--color", args->color, "Colour the text report")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  audit->add_flag("--no-fixes", args->no_fixes, "Leave out the how-to-fix lines of text reports");
  audit->callback([args, &exit_status] { run_audit(*args, exit_status); });
}

}  // namespace bulkhead::cli
