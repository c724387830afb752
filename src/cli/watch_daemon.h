// `bulkhead watch` in live mode (the eBPF capture feeding the rules engine) and
// `bulkhead capture -w` (the same capture recorded to a file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "detect/engine.h"

namespace bulkhead::cli {

struct LiveWatchOptions {
  std::vector<std::string> rule_files;
  detect::EngineOptions engine;
  bool json = false;
  std::string output_file;        // "" or "-": stdout
  std::string webhook_url;        // "" = none
  std::string metrics_address;    // "" = none, else "127.0.0.1:PORT"
  uint64_t drop_alert_threshold;  // dropped events per second that raise the internal alert
  std::size_t ring_buffer_bytes;
  bool stats = false;
};

// Runs until SIGTERM or SIGINT; SIGHUP reloads the rule files. Throws bulkhead::Error for
// anything that prevents a start (bad rules, no eBPF, a busy metrics port).
void run_live_watch(const LiveWatchOptions& options);

struct LiveRecordOptions {
  std::string path;
  double duration_seconds = 0;  // 0: until SIGINT/SIGTERM
  bool io = false;              // also read/write/send/recv (many events)
  std::size_t ring_buffer_bytes;
};

// Records live events (after a /proc snapshot) into a capture file.
void run_live_record(const LiveRecordOptions& options);

inline constexpr std::size_t kDefaultRingBufferBytes = std::size_t{16} << 20;

}  // namespace bulkhead::cli
