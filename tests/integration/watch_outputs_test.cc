// The outputs of `bulkhead watch` besides the alert file, on the real kernel: the webhook (alerts
// POSTed as Falco JSON to a receiver the test runs on loopback), the Prometheus endpoint
// (/metrics, /healthz, unknown paths), and `bulkhead capture -w` whose recording `watch --replay`
// turns into the same detections later. Also the refusals: `capture` with nothing to do, and
// live-only flags given to `--replay`.
//
// The daemon and the recorder see the whole machine, other tests' containers included: every
// assertion picks alerts by this test's container name or a marker in the command line.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "base/http.h"
#include "integration/container_harness.h"
#include "integration/watch_harness.h"

namespace bulkhead::testing {
namespace {

using nlohmann::json;

constexpr const char* kBusybox = "builtin:busybox";
constexpr const char* kSensitiveRead = "Sensitive file read";

// What a test webhook receiver got: each POST's path, content type and body.
struct ReceivedPost {
  std::string path;
  std::string content_type;
  std::string body;
};

// A webhook receiver on 127.0.0.1 (any free port) that keeps every POST and answers 200.
class WebhookReceiver {
 public:
  WebhookReceiver()
      : server_(
            http::parse_listen_address("127.0.0.1:0"),
            [this](const http::Request& request) { return receive(request); },
            http::ServerOptions{.accept_post = true}) {}

  uint16_t port() const { return server_.port(); }
  std::vector<ReceivedPost> posts() {
    std::lock_guard lock(mutex_);
    return posts_;
  }

 private:
  // Runs on the server's thread.
  http::Response receive(const http::Request& request) {
    if (request.method != "POST") return {405, "text/plain", "POST only\n"};
    const std::string* type = request.header("content-type");
    std::lock_guard lock(mutex_);
    posts_.push_back({request.path, type ? *type : "", request.body});
    return {200, "text/plain", "ok\n"};
  }

  std::mutex mutex_;
  std::vector<ReceivedPost> posts_;
  http::Server server_;  // last: its thread stops before the members it uses go away
};

// The HTTP status code of a raw response ("HTTP/1.1 200 OK\r\n..."); -1 when there is none.
int status_of_response(const std::string& response) {
  std::smatch match;
  if (!std::regex_search(response, match, std::regex("^HTTP/1\\.[01] ([0-9]{3})"))) return -1;
  return std::stoi(match[1].str());
}

// The body of a raw response (after the blank line).
std::string body_of_response(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

// The value of the sample `bulkhead_alerts_total{rule="RULE",priority="PRIORITY"}`; nullopt when
// the line is absent.
std::optional<double> alerts_total(const std::string& metrics, const std::string& rule,
                                   const std::string& priority) {
  std::string sample =
      "bulkhead_alerts_total{rule=\"" + rule + "\",priority=\"" + priority + "\"} ";
  size_t at = metrics.find(sample);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(metrics.substr(at + sample.size()));
}

class WatchOutputs : public ::testing::Test {
 protected:
  // Live tests only: the machine must allow eBPF capture and containers.
  void set_up_live() {
    context_ = std::make_unique<ContainerContext>(Privilege::Root);
    work_dir_ = context_->host_dir();
    alerts_path_ = work_dir_ + "/alerts.json";
  }
  void TearDown() override { daemon_.reset(); }

  std::string container_name(const std::string& what) const {
    return "watch-out-" + what + "-" + std::to_string(getpid());
  }

  void start_daemon(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"-o", "json", "--output-file", alerts_path_};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<WatchDaemon>(args, context_->run_as());
    ASSERT_TRUE(daemon_->wait_ready()) << "bulkhead watch did not become ready; stderr:\n"
                                       << daemon_->stderr_so_far();
  }

  // Starts a container whose script (`cat /etc/shadow`) waits for release(); fails the test
  // when it does not come up.
  std::unique_ptr<ScriptedContainer> shadow_reader(const std::string& name,
                                                   const std::string& script) {
    auto box = std::make_unique<ScriptedContainer>(*context_, name, kBusybox,
                                                   std::vector<std::string>{}, script);
    EXPECT_FALSE(box->full_id().empty()) << box->start_error();
    return box;
  }

  // Waits (a generous deadline, not a measurement) for the container's shadow-read alert.
  void wait_for_shadow_alert(const std::string& name) {
    poll_until(
        [&] {
          return daemon_->exited() ||
                 !alerts_where(read_alerts(alerts_path_), [&](const json& alert) {
                    return alert_rule(alert) == kSensitiveRead &&
                           alert_field(alert, "container.name") == name;
                  }).empty();
        },
        60);
  }

  std::unique_ptr<ContainerContext> context_;
  std::string work_dir_;
  std::string alerts_path_;
  std::unique_ptr<WatchDaemon> daemon_;
};

TEST_F(WatchOutputs, WebhookReceivesTheAlertAsFalcoJson) {
  BULKHEAD_REQUIRE_LIVE_CAPTURE();
  set_up_live();
  WebhookReceiver receiver;
  std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/alerts";
  std::string name = container_name("webhook");
  // Other tests running meanwhile read /etc/shadow by the hundred thousand (the overflow
  // test): restricted to this test's container, the rule's alerts cannot flood the webhook's
  // bounded queue and push this one out.
  std::string rules = work_dir_ + "/only-this-container.yaml";
  write_text_file(rules, "- rule: " + std::string(kSensitiveRead) +
                             "\n  condition: and container.name = \"" + name +
                             "\"\n  override:\n    condition: append\n");
  ASSERT_NO_FATAL_FAILURE(start_daemon({"--webhook", url, "-r", "builtin", "-r", rules}));
  auto box = shadow_reader(name, "cat /etc/shadow >/dev/null");
  ASSERT_FALSE(box->full_id().empty());
  ASSERT_EQ(box->release(), 0);
  wait_for_shadow_alert(name);
  box->stop();
  // SIGTERM drains the ring buffer, then the webhook queue, before the exit.
  CommandResult stopped = daemon_->stop();
  EXPECT_EQ(stopped.status, 0) << stopped.err;

  auto mine = [&](const json& alert) {
    return alert_rule(alert) == kSensitiveRead && alert_field(alert, "container.name") == name;
  };
  auto in_file = alerts_where(read_alerts(alerts_path_), mine);
  ASSERT_FALSE(in_file.empty()) << "no alert in the output file; stderr:\n" << stopped.err;
  const json& written = in_file.front();

  std::vector<json> posted;
  std::vector<ReceivedPost> posts = receiver.posts();
  for (const ReceivedPost& post : posts) {
    json body = json::parse(post.body, nullptr, false);
    if (!body.is_object() || !mine(body)) continue;
    posted.push_back(body);
    EXPECT_EQ(post.path, "/alerts");
    EXPECT_TRUE(contains(post.content_type, "application/json")) << post.content_type;
  }
  ASSERT_FALSE(posted.empty()) << "the receiver got " << posts.size()
                               << " POST(s), none for container " << name << "; stderr:\n"
                               << stopped.err;
  EXPECT_EQ(alert_rule(posted.front()), alert_rule(written));
  EXPECT_EQ(posted.front().value("output", "<none>"), written.value("output", ""));
  EXPECT_EQ(alert_field(posted.front(), "container.name"), alert_field(written, "container.name"));
  EXPECT_EQ(posted.front().value("priority", "<none>"), written.value("priority", ""));
}

TEST_F(WatchOutputs, MetricsEndpoint) {
  BULKHEAD_REQUIRE_LIVE_CAPTURE();
  set_up_live();
  int port = free_loopback_port();
  ASSERT_NO_FATAL_FAILURE(start_daemon({"--metrics", "127.0.0.1:" + std::to_string(port)}));

  std::string health = http_get_loopback(port, "/healthz");
  EXPECT_EQ(status_of_response(health), 200) << health;
  EXPECT_EQ(body_of_response(health), "ok\n") << health;

  std::string metrics = http_get_loopback(port, "/metrics");
  EXPECT_EQ(status_of_response(metrics), 200) << metrics;
  for (const char* name : {"bulkhead_events_total", "bulkhead_events_dropped_total",
                           "bulkhead_ring_buffer_fill_ratio"})
    EXPECT_TRUE(std::regex_search(metrics, std::regex(std::string("(^|\n)") + name + " ")))
        << name << " missing:\n"
        << metrics;

  std::string missing = http_get_loopback(port, "/nope");
  EXPECT_EQ(status_of_response(missing), 404) << missing;

  std::string name = container_name("metrics");
  auto box = shadow_reader(name, "cat /etc/shadow >/dev/null");
  ASSERT_FALSE(box->full_id().empty());
  ASSERT_EQ(box->release(), 0);
  wait_for_shadow_alert(name);
  // The metrics are rendered again every second: wait for the alert to be counted.
  poll_until(
      [&] {
        metrics = http_get_loopback(port, "/metrics");
        return alerts_total(metrics, kSensitiveRead, "Warning").value_or(0) >= 1 ||
               daemon_->exited();
      },
      60);
  box->stop();
  EXPECT_GE(alerts_total(metrics, kSensitiveRead, "Warning").value_or(0), 1) << metrics;
  CommandResult stopped = daemon_->stop();
  EXPECT_EQ(stopped.status, 0) << stopped.err;
  EXPECT_FALSE(alerts_where(read_alerts(alerts_path_),
                            [&](const json& alert) {
                              return alert_rule(alert) == kSensitiveRead &&
                                     alert_field(alert, "container.name") == name;
                            })
                   .empty())
      << "the container's alert is not in the output file";
}

TEST_F(WatchOutputs, CaptureRecordingReplaysTheDetections) {
  BULKHEAD_REQUIRE_LIVE_CAPTURE();
  set_up_live();
  std::string capture_path = work_dir_ + "/session.bhc";
  std::string name = container_name("capture");
  // A marker in cat's command line tells this test's read apart from other tests' (cat goes on
  // to the missing second file after reading /etc/shadow).
  std::string marker = "/etc/bulkhead-capture-marker-" + std::to_string(getpid());
  std::string planted = "/bin/bulkhead-capture-planted-" + std::to_string(getpid());
  // Started before the recording and waiting for the test: the script runs right after the
  // recording begins, and the container is in the recording's snapshot.
  auto box =
      shadow_reader(name, "cat /etc/shadow " + marker + " >/dev/null 2>&1; touch " + planted);
  ASSERT_FALSE(box->full_id().empty());

  // stderr joined to stdout, which BackgroundProcess keeps readable while it runs. A large ring
  // buffer: other tests may burst hundreds of thousands of events meanwhile, and a recording
  // with drops fails by design.
  BackgroundProcess recorder(
      {"/bin/sh", "-c",
       "exec \"$0\" capture -w \"$1\" --duration 8 --ring-buffer-bytes 67108864 2>&1",
       BULKHEAD_BINARY, capture_path},
      context_->run_as());
  ASSERT_TRUE(poll_until(
      [&] { return recorder.exited() || contains(recorder.output_so_far(), "recording to"); }, 120))
      << recorder.output_so_far();
  ASSERT_FALSE(recorder.exited()) << recorder.wait().out;
  ASSERT_EQ(box->release(), 0);
  // --duration ends the recording by itself (a generous deadline, then the test gives up).
  if (!poll_until([&] { return recorder.exited(); }, 120)) recorder.send_signal(SIGKILL);
  CommandResult recorded = recorder.wait();
  box->stop();
  ASSERT_EQ(recorded.status, 0) << recorded.out;
  EXPECT_TRUE(contains(recorded.out, "events written")) << recorded.out;

  CommandResult info = run_bulkhead({"capture", "info", capture_path});
  ASSERT_EQ(info.status, 0) << info.err;
  EXPECT_TRUE(contains(info.out, "events: ")) << info.out;

  std::string replay_alerts = work_dir_ + "/replay.json";
  CommandResult replay = run_bulkhead(
      {"watch", "--replay", capture_path, "-o", "json", "--output-file", replay_alerts});
  ASSERT_EQ(replay.status, 0) << replay.err;
  auto alerts = read_alerts(replay_alerts);
  auto reads = alerts_where(alerts, [&](const json& alert) {
    return alert_rule(alert) == kSensitiveRead &&
           contains(alert_field(alert, "proc.cmdline"), marker);
  });
  ASSERT_FALSE(reads.empty()) << "no \"Sensitive file read\" by this test's cat in the replay; "
                              << describe(alerts_where(alerts, [&](const json& alert) {
                                   return alert_rule(alert) == kSensitiveRead;
                                 }));
  EXPECT_EQ(alert_field(reads.front(), "proc.name"), "cat") << reads.front().dump();
  EXPECT_EQ(alert_field(reads.front(), "fd.name"), "/etc/shadow") << reads.front().dump();
  // The container was alive when the recording started, so its snapshot names it.
  EXPECT_EQ(alert_field(reads.front(), "container.name"), name) << reads.front().dump();

  auto writes = alerts_where(alerts, [&](const json& alert) {
    return alert_rule(alert) == "Write below binary directory" &&
           alert_field(alert, "fd.name") == planted;
  });
  ASSERT_FALSE(writes.empty()) << "no \"Write below binary directory\" for " << planted
                               << " in the replay";
  EXPECT_EQ(alert_field(writes.front(), "proc.name"), "touch") << writes.front().dump();
}

TEST_F(WatchOutputs, CaptureWithoutWriteOrSubcommandIsRefused) {
  CommandResult result = run_bulkhead({"capture"});
  EXPECT_NE(result.status, 0) << result.out;
  EXPECT_TRUE(contains(result.err, "-w")) << result.err;
}

TEST_F(WatchOutputs, ReplayRefusesLiveOnlyFlags) {
  std::string dir = make_temp_dir();
  std::string capture_path = dir + "/synthetic.bhc";
  CommandResult generated = run_bulkhead({"capture", "generate", "-o", capture_path, "-n", "100"});
  ASSERT_EQ(generated.status, 0) << generated.err;
  CommandResult metrics =
      run_bulkhead({"watch", "--replay", capture_path, "--metrics", "127.0.0.1:1"});
  CommandResult webhook =
      run_bulkhead({"watch", "--replay", capture_path, "--webhook", "http://127.0.0.1:1/"});
  remove_tree(dir);
  EXPECT_NE(metrics.status, 0) << metrics.out;
  EXPECT_TRUE(contains(metrics.err, "live")) << metrics.err;
  EXPECT_NE(webhook.status, 0) << webhook.out;
  EXPECT_TRUE(contains(webhook.err, "live")) << webhook.err;
}

}  // namespace
}  // namespace bulkhead::testing
