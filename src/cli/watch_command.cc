#include "cli/watch_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"
#include "capture/capture_file.h"
#include "capture/user_names.h"
#include "cli/detect_common.h"
#include "cli/seccomp_common.h"
#include "detect/engine.h"
#include "detect/output.h"

namespace bulkhead::cli {
namespace {

struct WatchArgs {
  std::vector<std::string> rule_files;
  std::string replay;
  std::string output_format = "text";
  std::string output_file;
  std::string rule_matching = "first";
  std::string min_priority = "debug";
  bool stats = false;
};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// Buffered alert output to stdout or a file; flushed at exit (and by the OS on crash for the
// file case through the destructor of FILE*).
class AlertWriter {
 public:
  explicit AlertWriter(const std::string& path) {
    if (path.empty() || path == "-") {
      file_ = stdout;
    } else {
      file_ = std::fopen(path.c_str(), "we");
      if (!file_) throw_errno("opening the alert output " + path);
      owned_ = true;
    }
  }
  ~AlertWriter() {
    if (owned_) std::fclose(file_);
  }
  AlertWriter(const AlertWriter&) = delete;
  AlertWriter& operator=(const AlertWriter&) = delete;

  void line(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() ||
        std::fputc('\n', file_) == EOF)
      throw_errno("writing an alert");
  }
  void flush() {
    if (std::fflush(file_) != 0) throw_errno("writing alerts");
  }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
};

void run_watch(const WatchArgs& args) {
  if (args.replay.empty())
    throw Error(
        "live capture is not available in this build yet: use --replay FILE to run the rules "
        "over a capture file");
  detect::EngineOptions options;
  options.hostname = host_name();
  options.user_names = std::make_shared<capture::PasswdUserNames>();
  options.matching =
      args.rule_matching == "all" ? detect::RuleMatching::All : detect::RuleMatching::First;
  auto priority = detect::priority_from_name(args.min_priority);
  if (!priority) throw Error("--min-priority: unknown priority '" + args.min_priority + "'");
  options.min_priority = *priority;

  detect::RuleSet set = load_rule_files(args.rule_files);
  detect::Engine engine(std::move(set), options);
  for (const auto& diagnostic : engine.diagnostics())
    if (diagnostic.severity == detect::Diagnostic::Severity::Warning && args.stats)
      std::fprintf(stderr, "%s\n", diagnostic.str().c_str());

  capture::CaptureReader reader(args.replay);
  reader.load_snapshot(engine.threads());
  AlertWriter writer(args.output_file);
  bool json = args.output_format == "json";
  auto started = std::chrono::steady_clock::now();
  detect::AlertSink sink = [&](const detect::Alert& alert) {
    writer.line(json ? detect::alert_to_json(alert, options.hostname)
                     : detect::alert_to_text(alert));
  };
  while (const capture::Event* event = reader.next()) engine.process(*event, sink);
  writer.flush();
  if (args.stats) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto& stats = engine.stats();
    std::fprintf(stderr,
                 "events: %llu, rule evaluations: %llu, alerts: %llu, %.3f s, %.0f events/s\n",
                 static_cast<unsigned long long>(stats.events),
                 static_cast<unsigned long long>(stats.evaluations),
                 static_cast<unsigned long long>(stats.alerts), seconds,
                 seconds > 0 ? static_cast<double>(stats.events) / seconds : 0.0);
    for (const auto& rule : engine.rules())
      if (rule.matches > 0)
        std::fprintf(stderr, "  %s (%s): %llu\n", rule.name.c_str(),
                     std::string(detect::priority_name(rule.priority)).c_str(),
                     static_cast<unsigned long long>(rule.matches));
  }
}

}  // namespace

void register_watch_command(CLI::App& app, int& exit_status) {
  auto args = std::make_shared<WatchArgs>();
  auto* watch = app.add_subcommand(
      "watch", "Run detection rules over syscall events and print alerts (Falco-compatible)");
  watch->add_option("-r,--rules", args->rule_files, kRulesFileHelp);
  watch->add_option("--replay", args->replay, "Read events from this capture file");
  watch->add_option("-o,--output", args->output_format, "Alert format")
      ->check(CLI::IsMember({"text", "json"}));
  watch->add_option("--output-file", args->output_file, "Write alerts here (default: stdout)");
  watch
      ->add_option("--rule-matching", args->rule_matching,
                   "first: an event raises at most one alert (the first matching rule, Falco's "
                   "default); all: every matching rule")
      ->check(CLI::IsMember({"first", "all"}));
  watch->add_option("--min-priority", args->min_priority,
                    "Ignore rules less severe than this (emergency ... debug)");
  watch->add_flag("--stats", args->stats, "Print event, evaluation and alert counts to stderr");
  watch->callback([args] { run_watch(*args); });
}

}  // namespace bulkhead::cli
