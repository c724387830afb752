// Prometheus text rendering of the daemon's counters.
#include "detect/metrics.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>
#include <limits>

#include "base/error.h"
#include "base/http.h"

namespace bulkhead::detect {
namespace {

TEST(Metrics, RendersASnapshotExactly) {
  MetricsSnapshot snapshot;
  snapshot.events_seen = 1000;
  snapshot.events_received = 900;
  snapshot.events_dropped = 7;
  snapshot.ring_buffer_bytes = 1024;
  snapshot.ring_buffer_used = 256;
  // Out of order on purpose: the output is sorted by rule, then priority.
  snapshot.alerts = {{"Terminal shell in container", "Notice", 2},
                     {"Read sensitive file", "Warning", 5}};
  snapshot.rules_loaded = 12;
  snapshot.reloads_succeeded = 1;
  snapshot.reloads_failed = 2;
  snapshot.process = {1.5, 0.25, 8 * 1024 * 1024};
  snapshot.threads_tracked = 321;
  snapshot.webhook_posted = 4;
  snapshot.webhook_failed = 1;
  snapshot.webhook_dropped = 0;
  snapshot.uptime_seconds = 12.5;

  EXPECT_EQ(render_metrics(snapshot),
            "# HELP bulkhead_events_seen_total Syscall events the kernel programs looked at.\n"
            "# TYPE bulkhead_events_seen_total counter\n"
            "bulkhead_events_seen_total 1000\n"
            "# HELP bulkhead_events_total Events delivered from the kernel to the daemon.\n"
            "# TYPE bulkhead_events_total counter\n"
            "bulkhead_events_total 900\n"
            "# HELP bulkhead_events_dropped_total Events lost because the ring buffer was full.\n"
            "# TYPE bulkhead_events_dropped_total counter\n"
            "bulkhead_events_dropped_total 7\n"
            "# HELP bulkhead_ring_buffer_size_bytes Size of the ring buffer.\n"
            "# TYPE bulkhead_ring_buffer_size_bytes gauge\n"
            "bulkhead_ring_buffer_size_bytes 1024\n"
            "# HELP bulkhead_ring_buffer_used_bytes Bytes in the ring buffer not yet consumed by "
            "the daemon.\n"
            "# TYPE bulkhead_ring_buffer_used_bytes gauge\n"
            "bulkhead_ring_buffer_used_bytes 256\n"
            "# HELP bulkhead_ring_buffer_fill_ratio Fraction of the ring buffer in use (0 to 1).\n"
            "# TYPE bulkhead_ring_buffer_fill_ratio gauge\n"
            "bulkhead_ring_buffer_fill_ratio 0.25\n"
            "# HELP bulkhead_alerts_total Alerts raised, by rule and priority.\n"
            "# TYPE bulkhead_alerts_total counter\n"
            "bulkhead_alerts_total{rule=\"Read sensitive file\",priority=\"Warning\"} 5\n"
            "bulkhead_alerts_total{rule=\"Terminal shell in container\",priority=\"Notice\"} 2\n"
            "# HELP bulkhead_rules_loaded Enabled rules in the running rule set.\n"
            "# TYPE bulkhead_rules_loaded gauge\n"
            "bulkhead_rules_loaded 12\n"
            "# HELP bulkhead_rule_reloads_total Rule reloads (SIGHUP), by result; a failed reload "
            "keeps the old rules.\n"
            "# TYPE bulkhead_rule_reloads_total counter\n"
            "bulkhead_rule_reloads_total{result=\"ok\"} 1\n"
            "bulkhead_rule_reloads_total{result=\"failed\"} 2\n"
            "# HELP bulkhead_process_cpu_seconds_total CPU time used by the daemon, by mode.\n"
            "# TYPE bulkhead_process_cpu_seconds_total counter\n"
            "bulkhead_process_cpu_seconds_total{mode=\"user\"} 1.5\n"
            "bulkhead_process_cpu_seconds_total{mode=\"system\"} 0.25\n"
            "# HELP bulkhead_process_resident_memory_bytes Resident memory of the daemon.\n"
            "# TYPE bulkhead_process_resident_memory_bytes gauge\n"
            "bulkhead_process_resident_memory_bytes 8388608\n"
            "# HELP bulkhead_threads_tracked Threads in the daemon's process table.\n"
            "# TYPE bulkhead_threads_tracked gauge\n"
            "bulkhead_threads_tracked 321\n"
            "# HELP bulkhead_webhook_alerts_total Alerts for the webhook, by result: posted, "
            "failed after retries, or dropped because the send queue was full.\n"
            "# TYPE bulkhead_webhook_alerts_total counter\n"
            "bulkhead_webhook_alerts_total{result=\"posted\"} 4\n"
            "bulkhead_webhook_alerts_total{result=\"failed\"} 1\n"
            "bulkhead_webhook_alerts_total{result=\"dropped\"} 0\n"
            "# HELP bulkhead_uptime_seconds Seconds since the daemon started.\n"
            "# TYPE bulkhead_uptime_seconds gauge\n"
            "bulkhead_uptime_seconds 12.5\n");
}

TEST(Metrics, EmptyRingBufferHasZeroFillRatio) {
  std::string text = render_metrics(MetricsSnapshot{});
  EXPECT_NE(text.find("\nbulkhead_ring_buffer_fill_ratio 0\n"), std::string::npos);
  // Families without samples still announce themselves, so dashboards see them from the start.
  EXPECT_NE(text.find("# TYPE bulkhead_alerts_total counter\n"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");

  MetricsSnapshot snapshot;
  snapshot.alerts = {{"Rule \"quoted\" \\ with\nnewline", "Critical", 1}};
  std::string text = render_metrics(snapshot);
  EXPECT_NE(text.find("bulkhead_alerts_total{rule=\"Rule \\\"quoted\\\" \\\\ with\\nnewline\","
                      "priority=\"Critical\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, WriterEscapesHelpAndChecksNames) {
  PrometheusWriter writer;
  writer.family("x_total", PrometheusWriter::Type::kCounter, "a \"b\" \\ c\nd");
  writer.sample("x_total", uint64_t{3}, {{"k", "v"}});
  EXPECT_EQ(writer.text(),
            "# HELP x_total a \"b\" \\\\ c\\nd\n# TYPE x_total counter\nx_total{k=\"v\"} 3\n");

  EXPECT_THROW(writer.family("1bad", PrometheusWriter::Type::kGauge, ""), Error);
  EXPECT_THROW(writer.sample("bad-name", uint64_t{1}), Error);
  EXPECT_THROW(writer.sample("ok", uint64_t{1}, {{"bad:label", "v"}}), Error);
}

TEST(Metrics, FormatsSampleValues) {
  EXPECT_EQ(format_sample_value(0.0), "0");
  EXPECT_EQ(format_sample_value(3.0), "3");
  EXPECT_EQ(format_sample_value(0.1), "0.1");
  EXPECT_EQ(format_sample_value(std::nan("")), "NaN");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_sample_value(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(Metrics, ReadsThisProcessesCpuAndRss) {
  // Burn a little CPU so the counters have something to show (no threshold on how much).
  volatile uint64_t sink = 0;
  for (uint64_t i = 0; i < 50'000'000; ++i) sink = sink + i;
  ProcessUsage usage = process_cpu_and_rss();
  EXPECT_GT(usage.rss_bytes, 0u);
  EXPECT_GE(usage.cpu_user_seconds, 0.0);
  EXPECT_GE(usage.cpu_system_seconds, 0.0);
  EXPECT_GT(usage.cpu_user_seconds + usage.cpu_system_seconds, 0.0);
}

TEST(Metrics, ServedOverHttp) {
  MetricsSnapshot snapshot;
  snapshot.events_dropped = 3;
  http::Server server(http::parse_listen_address("127.0.0.1:0"), [&](const http::Request& request) {
    if (request.path != "/metrics") return http::Response{404, "text/plain", ""};
    return http::Response{200, std::string(kPrometheusContentType), render_metrics(snapshot)};
  });
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_EQ(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd.get(), buffer, sizeof(buffer), 0)) > 0;)
    response.append(buffer, n);
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(response.find("\r\n\r\n" + render_metrics(snapshot)), std::string::npos);
  EXPECT_NE(response.find("\nbulkhead_events_dropped_total 3\n"), std::string::npos);
}

}  // namespace
}  // namespace bulkhead::detect
