#include "cli/watch_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"
#include "capture/capture_file.h"
#include "capture/user_names.h"
#include "cli/alert_writer.h"
#include "cli/detect_common.h"
#include "cli/seccomp_common.h"
#include "cli/watch_daemon.h"
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
  std::string webhook;
  std::string metrics;
  uint64_t drop_alert_threshold = 1;
  std::size_t ring_buffer_bytes = kDefaultRingBufferBytes;
};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

detect::EngineOptions engine_options(const WatchArgs& args) {
  detect::EngineOptions options;
  options.hostname = host_name();
  options.user_names = std::make_shared<capture::PasswdUserNames>();
  options.matching =
      args.rule_matching == "all" ? detect::RuleMatching::All : detect::RuleMatching::First;
  auto priority = detect::priority_from_name(args.min_priority);
  if (!priority) throw Error("--min-priority: unknown priority '" + args.min_priority + "'");
  options.min_priority = *priority;
  return options;
}

void run_watch(const WatchArgs& args) {
  detect::EngineOptions options = engine_options(args);
  if (args.replay.empty()) {
    LiveWatchOptions live;
    live.rule_files = args.rule_files;
    live.engine = options;
    live.json = args.output_format == "json";
    live.output_file = args.output_file;
    live.webhook_url = args.webhook;
    live.metrics_address = args.metrics;
    live.drop_alert_threshold = args.drop_alert_threshold;
    live.ring_buffer_bytes = args.ring_buffer_bytes;
    live.stats = args.stats;
    run_live_watch(live);
    return;
  }
  if (!args.webhook.empty() || !args.metrics.empty())
    throw Error("--webhook and --metrics apply to live capture, not to --replay");

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
      "watch",
      "Watch the host's syscalls live (eBPF) or replay a capture, run detection rules over them "
      "and print alerts (Falco-compatible). Live: SIGHUP reloads the rules, SIGTERM drains and "
      "exits");
  watch->add_option("-r,--rules", args->rule_files, kRulesFileHelp);
  watch->add_option("--replay", args->replay,
                    "Read events from this capture file instead of the live kernel");
  watch->add_option("--webhook", args->webhook,
                    "POST each alert as Falco JSON to this http:// URL (live mode)");
  watch->add_option("--metrics", args->metrics,
                    "Serve Prometheus /metrics and /healthz on ADDRESS:PORT, e.g. "
                    "127.0.0.1:9376 (live mode)");
  watch
      ->add_option("--drop-alert-threshold", args->drop_alert_threshold,
                   "Raise the internal drop alert when at least this many events were dropped "
                   "in a one-second check (drops are always counted)")
      ->capture_default_str();
  watch
      ->add_option("--ring-buffer-bytes", args->ring_buffer_bytes,
                   "Size of the kernel-to-daemon ring buffer (a power of two, >= 4096)")
      ->capture_default_str();
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
