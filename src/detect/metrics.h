// The daemon's counters in the Prometheus text exposition format (version 0.0.4), served on
// `--metrics` at /metrics.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace bulkhead::detect {

// The content type scrapers expect for the text format.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Builds one exposition document: each family() writes its HELP and TYPE lines, the samples
// that follow belong to it. Names are checked against the format's grammar (a bad name is a
// programming error and throws Error); label values and help text are escaped.
class PrometheusWriter {
 public:
  enum class Type { kCounter, kGauge };
  struct Label {
    std::string_view name;
    std::string_view value;
  };

  void family(std::string_view name, Type type, std::string_view help);
  // `name` is usually the family's; integer values are written exactly (no float rounding).
  void sample(std::string_view name, uint64_t value, std::initializer_list<Label> labels = {});
  void sample(std::string_view name, double value, std::initializer_list<Label> labels = {});

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void write_name_and_labels(std::string_view name, std::initializer_list<Label> labels);
  std::string out_;
};

// `\` -> `\\`, `"` -> `\"`, newline -> `\n` (the escapes label values need).
std::string escape_label_value(std::string_view value);
// Go-compatible float text: shortest round-trip form, "NaN", "+Inf", "-Inf".
std::string format_sample_value(double value);

// CPU time and resident memory of this process.
struct ProcessUsage {
  double cpu_user_seconds = 0;
  double cpu_system_seconds = 0;
  uint64_t rss_bytes = 0;
};
// Reads /proc/self/stat (utime, stime) and /proc/self/status (VmRSS). Throws Error/SystemError.
ProcessUsage process_cpu_and_rss();

// What the daemon exports, gathered in one place so rendering is a pure function.
struct MetricsSnapshot {
  struct AlertCount {
    std::string rule;
    std::string priority;  // "Warning", as priority_name() spells it
    uint64_t count = 0;
  };

  uint64_t events_seen = 0;      // syscalls the kernel programs looked at
  uint64_t events_received = 0;  // records that reached user space (the kernel's "sent")
  uint64_t events_dropped = 0;   // records lost because the ring buffer was full
  uint64_t ring_buffer_bytes = 0;
  uint64_t ring_buffer_used = 0;  // bytes not yet consumed when the snapshot was taken
  std::vector<AlertCount> alerts;
  uint64_t rules_loaded = 0;
  uint64_t reloads_succeeded = 0;
  uint64_t reloads_failed = 0;
  ProcessUsage process;
  uint64_t threads_tracked = 0;
  uint64_t webhook_posted = 0;
  uint64_t webhook_failed = 0;
  uint64_t webhook_dropped = 0;
  double uptime_seconds = 0;
};

// The whole /metrics document; every name starts with `bulkhead_`. Alerts are sorted by rule
// then priority so successive scrapes list series in the same order.
std::string render_metrics(const MetricsSnapshot& snapshot);

}  // namespace bulkhead::detect
