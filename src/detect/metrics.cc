#include "detect/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>

#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::detect {

namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names the same without ':'.
void check_name(std::string_view name, bool is_label) {
  bool ok = !name.empty() && is_name_start(name.front());
  for (char c : name) ok = ok && is_name_char(c) && !(is_label && c == ':');
  if (!ok) {
    throw Error(std::string("invalid Prometheus ") + (is_label ? "label" : "metric") + " name \"" +
                std::string(name) + "\"");
  }
}

// HELP text escapes only `\` and newline (quotes are literal there).
std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, end);
}

void PrometheusWriter::family(std::string_view name, Type type, std::string_view help) {
  check_name(name, false);
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += type == Type::kCounter ? " counter\n" : " gauge\n";
}

void PrometheusWriter::write_name_and_labels(std::string_view name,
                                             std::initializer_list<Label> labels) {
  check_name(name, false);
  out_ += name;
  if (labels.size() == 0) return;
  out_ += '{';
  bool first = true;
  for (const Label& label : labels) {
    check_name(label.name, true);
    if (!first) out_ += ',';
    first = false;
    out_ += label.name;
    out_ += "=\"";
    out_ += escape_label_value(label.value);
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusWriter::sample(std::string_view name, uint64_t value,
                              std::initializer_list<Label> labels) {
  write_name_and_labels(name, labels);
  out_ += ' ';
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, double value,
                              std::initializer_list<Label> labels) {
  write_name_and_labels(name, labels);
  out_ += ' ';
  out_ += format_sample_value(value);
  out_ += '\n';
}

ProcessUsage process_cpu_and_rss() {
  ProcessUsage usage;
  // /proc/self/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so
  // fields are counted from the last ')'. utime and stime are fields 14 and 15 (1-based), i.e.
  // the 12th and 13th after the state field.
  const std::string stat = read_file("/proc/self/stat");
  std::size_t close = stat.rfind(')');
  if (close == std::string::npos) throw Error("unexpected format of /proc/self/stat");
  std::vector<std::string> fields = split(trim(std::string_view(stat).substr(close + 1)), ' ');
  if (fields.size() < 13) throw Error("unexpected format of /proc/self/stat");
  auto utime = parse_uint64(fields[11]);
  auto stime = parse_uint64(fields[12]);
  if (!utime || !stime) throw Error("unexpected format of /proc/self/stat");
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) throw_errno("reading the clock tick rate");
  usage.cpu_user_seconds = static_cast<double>(*utime) / static_cast<double>(ticks_per_second);
  usage.cpu_system_seconds = static_cast<double>(*stime) / static_cast<double>(ticks_per_second);

  // "VmRSS:\t    1234 kB"
  const std::string status = read_file("/proc/self/status");
  for (const std::string& line : split(status, '\n')) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::string_view value = trim(std::string_view(line).substr(6));
    if (value.size() < 3 || value.substr(value.size() - 3) != " kB") {
      throw Error("unexpected VmRSS line in /proc/self/status: " + line);
    }
    auto kilobytes = parse_uint64(trim(value.substr(0, value.size() - 3)));
    if (!kilobytes) throw Error("unexpected VmRSS line in /proc/self/status: " + line);
    usage.rss_bytes = *kilobytes * 1024;
    break;
  }
  return usage;
}

std::string render_metrics(const MetricsSnapshot& snapshot) {
  using Type = PrometheusWriter::Type;
  PrometheusWriter writer;

  writer.family("bulkhead_events_seen_total", Type::kCounter,
                "Syscall events the kernel programs looked at.");
  writer.sample("bulkhead_events_seen_total", snapshot.events_seen);
  writer.family("bulkhead_events_total", Type::kCounter,
                "Events delivered from the kernel to the daemon.");
  writer.sample("bulkhead_events_total", snapshot.events_received);
  writer.family("bulkhead_events_dropped_total", Type::kCounter,
                "Events lost because the ring buffer was full.");
  writer.sample("bulkhead_events_dropped_total", snapshot.events_dropped);

  writer.family("bulkhead_ring_buffer_size_bytes", Type::kGauge, "Size of the ring buffer.");
  writer.sample("bulkhead_ring_buffer_size_bytes", snapshot.ring_buffer_bytes);
  writer.family("bulkhead_ring_buffer_used_bytes", Type::kGauge,
                "Bytes in the ring buffer not yet consumed by the daemon.");
  writer.sample("bulkhead_ring_buffer_used_bytes", snapshot.ring_buffer_used);
  writer.family("bulkhead_ring_buffer_fill_ratio", Type::kGauge,
                "Fraction of the ring buffer in use (0 to 1).");
  writer.sample("bulkhead_ring_buffer_fill_ratio",
                snapshot.ring_buffer_bytes == 0
                    ? 0.0
                    : static_cast<double>(snapshot.ring_buffer_used) /
                          static_cast<double>(snapshot.ring_buffer_bytes));

  writer.family("bulkhead_alerts_total", Type::kCounter, "Alerts raised, by rule and priority.");
  std::vector<const MetricsSnapshot::AlertCount*> alerts;
  alerts.reserve(snapshot.alerts.size());
  for (const auto& alert : snapshot.alerts) alerts.push_back(&alert);
  std::sort(alerts.begin(), alerts.end(), [](const auto* a, const auto* b) {
    return std::tie(a->rule, a->priority) < std::tie(b->rule, b->priority);
  });
  for (const auto* alert : alerts) {
    writer.sample("bulkhead_alerts_total", alert->count,
                  {{"rule", alert->rule}, {"priority", alert->priority}});
  }

  writer.family("bulkhead_rules_loaded", Type::kGauge, "Enabled rules in the running rule set.");
  writer.sample("bulkhead_rules_loaded", snapshot.rules_loaded);
  writer.family("bulkhead_rule_reloads_total", Type::kCounter,
                "Rule reloads (SIGHUP), by result; a failed reload keeps the old rules.");
  writer.sample("bulkhead_rule_reloads_total", snapshot.reloads_succeeded, {{"result", "ok"}});
  writer.sample("bulkhead_rule_reloads_total", snapshot.reloads_failed, {{"result", "failed"}});

  writer.family("bulkhead_process_cpu_seconds_total", Type::kCounter,
                "CPU time used by the daemon, by mode.");
  writer.sample("bulkhead_process_cpu_seconds_total", snapshot.process.cpu_user_seconds,
                {{"mode", "user"}});
  writer.sample("bulkhead_process_cpu_seconds_total", snapshot.process.cpu_system_seconds,
                {{"mode", "system"}});
  writer.family("bulkhead_process_resident_memory_bytes", Type::kGauge,
                "Resident memory of the daemon.");
  writer.sample("bulkhead_process_resident_memory_bytes", snapshot.process.rss_bytes);

  writer.family("bulkhead_threads_tracked", Type::kGauge, "Threads in the daemon's process table.");
  writer.sample("bulkhead_threads_tracked", snapshot.threads_tracked);

  writer.family("bulkhead_webhook_alerts_total", Type::kCounter,
                "Alerts for the webhook, by result: posted, failed after retries, or dropped "
                "because the send queue was full.");
  writer.sample("bulkhead_webhook_alerts_total", snapshot.webhook_posted, {{"result", "posted"}});
  writer.sample("bulkhead_webhook_alerts_total", snapshot.webhook_failed, {{"result", "failed"}});
  writer.sample("bulkhead_webhook_alerts_total", snapshot.webhook_dropped, {{"result", "dropped"}});

  writer.family("bulkhead_uptime_seconds", Type::kGauge, "Seconds since the daemon started.");
  writer.sample("bulkhead_uptime_seconds", snapshot.uptime_seconds);
  return writer.take();
}

}  // namespace bulkhead::detect
