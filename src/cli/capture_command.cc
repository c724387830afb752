#include "cli/capture_command.h"

#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "capture/capture_file.h"
#include "capture/synthetic.h"
#include "capture/thread_table.h"
#include "cli/seccomp_common.h"
#include "cli/watch_daemon.h"
#include "detect/output.h"

namespace bulkhead::cli {
namespace {

struct GenerateArgs {
  std::string output;
  capture::GeneratorOptions options;
};

void run_generate(const GenerateArgs& args) {
  capture::generate_capture(args.output, args.options);
  write_stdout("wrote " + std::to_string(args.options.events) + " events to " + args.output + "\n");
}

void run_info(const std::string& path, bool json) {
  capture::CaptureReader reader(path);
  capture::ThreadTable table;
  reader.load_snapshot(table);
  std::map<std::string, uint64_t> by_type;
  uint64_t first = 0, last = 0, events = 0;
  while (const capture::Event* event = reader.next()) {
    if (events++ == 0) first = event->timestamp_ns;
    last = event->timestamp_ns;
    ++by_type[std::string(capture::event_type_name(event->type))];
  }
  std::size_t containers = 0;
  table.for_each_container([&](const capture::ContainerInfo&) { ++containers; });
  const auto& header = reader.header();
  if (json) {
    nlohmann::json out = {{"file", path},
                          {"version", header.version},
                          {"hostname", header.hostname},
                          {"synthetic", (header.flags & capture::kCaptureSynthetic) != 0},
                          {"created", detect::rfc3339_nanoseconds(header.creation_time_ns)},
                          {"snapshot_threads", table.size()},
                          {"snapshot_containers", containers},
                          {"events", events},
                          {"first_event", events ? detect::rfc3339_nanoseconds(first) : ""},
                          {"last_event", events ? detect::rfc3339_nanoseconds(last) : ""},
                          {"events_by_type", by_type}};
    write_stdout(out.dump(2) + "\n");
    return;
  }
  std::string text = "file: " + path + "\nformat version: " + std::to_string(header.version) +
                     "\nhost: " + header.hostname +
                     ((header.flags & capture::kCaptureSynthetic) ? " (synthetic)" : "") +
                     "\ncreated: " + detect::rfc3339_nanoseconds(header.creation_time_ns) +
                     "\nsnapshot: " + std::to_string(table.size()) + " threads, " +
                     std::to_string(containers) + " containers\nevents: " + std::to_string(events) +
                     "\n";
  if (events)
    text += "from " + detect::rfc3339_nanoseconds(first) + " to " +
            detect::rfc3339_nanoseconds(last) + "\n";
  for (const auto& [type, count] : by_type)
    text += "  " + type + ": " + std::to_string(count) + "\n";
  write_stdout(text);
}

}  // namespace

void register_capture_command(CLI::App& app, int& exit_status) {
  auto* capture = app.add_subcommand(
      "capture",
      "Record the host's syscalls live into a capture file (-w FILE), or generate and inspect "
      "capture files");
  capture->require_subcommand(0, 1);
  auto record = std::make_shared<LiveRecordOptions>();
  record->ring_buffer_bytes = kDefaultRingBufferBytes;
  capture->add_option("-w,--write", record->path,
                      "Record live events (after a /proc snapshot) into this capture file");
  capture
      ->add_option("--duration", record->duration_seconds,
                   "Stop after this many seconds (default: at SIGINT/SIGTERM)")
      ->check(CLI::NonNegativeNumber);
  capture->add_flag("--io", record->io, "Also record read/write/send/recv events (many)");
  capture
      ->add_option("--ring-buffer-bytes", record->ring_buffer_bytes,
                   "Size of the kernel-to-user ring buffer (a power of two, >= 4096)")
      ->capture_default_str();
  capture->callback([capture, record] {
    if (!capture->get_subcommands().empty()) {
      if (!record->path.empty()) throw Error("-w cannot be combined with a capture subcommand");
      return;
    }
    if (record->path.empty())
      throw Error("capture: give -w FILE to record live events, or a subcommand (generate, info)");
    run_live_record(*record);
  });

  auto generate_args = std::make_shared<GenerateArgs>();
  auto* generate = capture->add_subcommand(
      "generate",
      "Write a deterministic synthetic capture: shells, package managers, web servers, "
      "compilers and attack scenarios on a host with containers");
  generate->add_option("-o,--output", generate_args->output, "Capture file to write")->required();
  generate->add_option("-n,--events", generate_args->options.events, "Number of events")
      ->capture_default_str();
  generate->add_option("--seed", generate_args->options.seed, "Random seed")->capture_default_str();
  generate
      ->add_option("--containers", generate_args->options.containers, "Containers besides the host")
      ->capture_default_str();
  auto& mix = generate_args->options.mix;
  generate->add_option("--shell", mix.shell, "Weight of interactive shell work")
      ->capture_default_str();
  generate->add_option("--package-manager", mix.package_manager, "Weight of package installs")
      ->capture_default_str();
  generate->add_option("--web-server", mix.web_server, "Weight of web server requests")
      ->capture_default_str();
  generate->add_option("--compiler", mix.compiler, "Weight of compiler runs")
      ->capture_default_str();
  generate->add_option("--attack", mix.attack, "Weight of attack scenarios (0: none)")
      ->capture_default_str();
  generate->callback([generate_args] { run_generate(*generate_args); });

  auto info_path = std::make_shared<std::string>();
  auto info_json = std::make_shared<bool>(false);
  auto* info = capture->add_subcommand("info", "Summarize a capture file");
  info->add_option("FILE", *info_path, "Capture file")->required();
  info->add_flag("--json", *info_json, "Machine-readable summary");
  info->callback([info_path, info_json] { run_info(*info_path, *info_json); });
}

}  // namespace bulkhead::cli
