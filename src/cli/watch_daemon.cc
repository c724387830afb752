#include "cli/watch_daemon.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/error.h"
#include "base/http.h"
#include "base/unique_fd.h"
#include "capture/capture_file.h"
#include "capture/container_resolver.h"
#include "capture/live_capture.h"
#include "capture/proc_seed.h"
#include "cli/alert_writer.h"
#include "cli/detect_common.h"
#include "detect/metrics.h"
#include "detect/output.h"
#include "detect/webhook.h"
#include "runtime/state.h"
#include "runtime/state_watch.h"

namespace bulkhead::cli {
namespace {

using capture::EventType;

// Alerts waiting for the webhook; beyond this a slow receiver loses alerts (counted) rather than
// slowing the event loop down.
constexpr std::size_t kWebhookQueueCapacity = 4096;
// While events keep coming, the loop collects them this often instead of being woken for each
// (see CaptureLoop); it bounds the alert latency that batching adds.
constexpr int kBatchIntervalMs = 1;
// Batching starts when one wakeup found at least this many records: a trickle of events is
// still handled the moment each arrives.
constexpr std::size_t kBatchThreshold = 16;

// The bulkhead containers the resolver can map namespaces to: every state directory's records,
// including those removed a moment ago (their events may still be waiting to be read).
std::vector<capture::BulkheadContainer> list_bulkhead_containers(runtime::StateWatch& state) {
  std::vector<capture::BulkheadContainer> containers;
  for (auto& observed : state.list()) {
    runtime::ContainerRecord& record = observed.record;
    capture::BulkheadContainer container;
    container.id = std::move(record.id);
    container.name = std::move(record.name);
    container.rootfs = std::move(record.rootfs);
    container.monitor_pid = record.monitor_pid;
    container.init_pid = record.pid;
    container.init_start_ticks = record.pid_start_time;
    if (auto it = record.namespaces.find("pid"); it != record.namespaces.end())
      container.pid_namespace = it->second;
    if (auto it = record.namespaces.find("mnt"); it != record.namespaces.end())
      container.mount_namespace = it->second;
    container.removed_ns = observed.removed_ns;
    containers.push_back(std::move(container));
  }
  return containers;
}

capture::ContainerResolver resolver_for(runtime::StateWatch& state) {
  return capture::ContainerResolver::for_host([&state] { return list_bulkhead_containers(state); },
                                              [&state] { return state.generation(); });
}

// Blocks the signals the daemon handles (before any thread starts, so every thread inherits
// the mask) and delivers them through a signalfd; the previous mask comes back at exit.
class SignalChannel {
 public:
  explicit SignalChannel(std::initializer_list<int> signals) {
    sigemptyset(&set_);
    for (int signal : signals) sigaddset(&set_, signal);
    if (sigprocmask(SIG_BLOCK, &set_, &previous_) != 0) throw_errno("blocking signals");
    fd_.reset(signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) {
      int saved = errno;
      sigprocmask(SIG_SETMASK, &previous_, nullptr);
      errno = saved;
      throw_errno("creating a signalfd");
    }
  }
  ~SignalChannel() { sigprocmask(SIG_SETMASK, &previous_, nullptr); }
  SignalChannel(const SignalChannel&) = delete;
  SignalChannel& operator=(const SignalChannel&) = delete;

  int fd() const { return fd_.get(); }
  // The next pending signal, 0 when none.
  int next() {
    struct signalfd_siginfo info {};
    ssize_t n = read(fd_.get(), &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) {
      if (n < 0 && errno != EAGAIN && errno != EINTR) throw_errno("reading the signalfd");
      return 0;
    }
    return static_cast<int>(info.ssi_signo);
  }

 private:
  sigset_t set_{};
  sigset_t previous_{};
  UniqueFd fd_;
};

UniqueFd periodic_timer(std::chrono::milliseconds period) {
  UniqueFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!fd) throw_errno("creating a timer");
  struct itimerspec spec {};
  spec.it_interval.tv_sec = period.count() / 1000;
  spec.it_interval.tv_nsec = (period.count() % 1000) * 1'000'000;
  spec.it_value = spec.it_interval;
  if (timerfd_settime(fd.get(), 0, &spec, nullptr) != 0) throw_errno("arming a timer");
  return fd;
}

void drain_timer(int fd) {
  uint64_t expirations = 0;
  [[maybe_unused]] ssize_t n = read(fd, &expirations, sizeof expirations);
}

class Epoll {
 public:
  Epoll() : fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (!fd_) throw_errno("creating an epoll instance");
  }
  void add(int fd, uint32_t tag) {
    struct epoll_event event {};
    event.events = EPOLLIN;
    event.data.u32 = tag;
    if (epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &event) != 0) throw_errno("epoll_ctl");
  }
  // Tags of the ready descriptors as a bit set (tags are small numbers).
  uint32_t wait(int timeout_ms) {
    struct epoll_event events[8];
    int n = epoll_wait(fd_.get(), events, 8, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return 0;
      throw_errno("epoll_wait");
    }
    uint32_t ready = 0;
    for (int i = 0; i < n; ++i) ready |= 1u << events[i].data.u32;
    return ready;
  }

 private:
  UniqueFd fd_;
};

// The wait of both live loops (watch, capture -w): records in the ring buffer, signals, and a
// periodic tick. Two epoll sets: `idle_` includes the ring buffer, so the first record after a
// quiet spell wakes the loop at once; `busy_` does not: after a round that found many records
// the loop sleeps kBatchIntervalMs and lets records pile up, because a wakeup per record costs
// the traced process a cross-CPU wakeup on every interesting syscall.
class CaptureLoop {
 public:
  struct Ready {
    bool signal = false;
    bool tick = false;
  };
  CaptureLoop(int ring_fd, int signal_fd, std::chrono::milliseconds tick_period)
      : tick_(periodic_timer(tick_period)) {
    idle_.add(ring_fd, kRing);
    for (Epoll* set : {&idle_, &busy_}) {
      set->add(signal_fd, kSignal);
      set->add(tick_.get(), kTick);
    }
  }
  // Returns when records may be waiting, or with the signal or tick that ended the wait.
  Ready wait() {
    uint32_t ready = batching_ ? busy_.wait(kBatchIntervalMs) : idle_.wait(-1);
    if (ready & (1u << kTick)) drain_timer(tick_.get());
    return {(ready & (1u << kSignal)) != 0, (ready & (1u << kTick)) != 0};
  }
  // How many records the round after the last wait() consumed: it decides the next wait.
  void consumed(std::size_t records) { batching_ = records >= kBatchThreshold; }

 private:
  static constexpr uint32_t kRing = 0, kSignal = 1, kTick = 2;
  Epoll idle_, busy_;
  UniqueFd tick_;
  bool batching_ = false;
};

void log_line(const std::string& text) {
  std::fprintf(stderr, "bulkhead watch: %s\n", text.c_str());
  std::fflush(stderr);
}

std::bitset<capture::kEventTypeCount> capture_types(const detect::Engine& engine) {
  return engine.interesting_event_types() | capture::state_event_types();
}

std::unique_ptr<detect::Engine> build_engine(const std::vector<std::string>& files,
                                             const detect::EngineOptions& options) {
  detect::RuleSet set = load_rule_files(files);
  return std::make_unique<detect::Engine>(std::move(set), options);
}

// The daemon's state between events: the engine (replaced on reload), the capture, outputs.
class WatchDaemon {
 public:
  explicit WatchDaemon(const LiveWatchOptions& options)
      : options_(options),
        engine_(build_engine(options.rule_files, options.engine)),
        capture_(capture::LiveCaptureOptions{capture_types(*engine_), options.ring_buffer_bytes}),
        resolver_(resolver_for(state_watch_)),
        writer_(options.output_file) {
    drop_rule_.name = "Bulkhead internal: syscall event drop";
    drop_rule_.desc = "The kernel could not hand events to bulkhead watch fast enough.";
    drop_rule_.priority = detect::Priority::Critical;
    drop_rule_.source = "syscall";
    drop_rule_.tags = {"internal"};
    for (const auto& diagnostic : engine_->diagnostics())
      if (diagnostic.severity == detect::Diagnostic::Severity::Warning && options.stats)
        log_line(diagnostic.str());
    // The programs are attached before /proc is read, so a process started in between is seen
    // by one or the other (its events wait in the ring buffer until the table is seeded).
    capture::seed_from_proc(
        engine_->threads(), "/proc", [this](const capture::ThreadInfo& thread, int64_t pid) {
          return resolver_.resolve(engine_->threads(), pid, thread.pid_namespace,
                                   thread.mount_namespace, clock_now_ns());
        });
    if (!options.webhook_url.empty())
      webhook_ = std::make_unique<detect::WebhookSender>(http::parse_url(options.webhook_url),
                                                         kWebhookQueueCapacity);
    started_ = std::chrono::steady_clock::now();
    if (!options.metrics_address.empty()) {
      update_metrics();
      metrics_server_ = std::make_unique<http::Server>(
          http::parse_listen_address(options.metrics_address),
          [this](const http::Request& request) { return serve(request); });
    }
    sink_ = [this](const detect::Alert& alert) { emit(alert); };
    visitor_ = visit();
  }

  void run(SignalChannel& signals) {
    CaptureLoop loop(capture_.ring_buffer_fd(), signals.fd(), std::chrono::milliseconds(1000));
    log_line("ready (" + std::to_string(engine_->rules().size()) + " rules, " +
             std::to_string(capture_types(*engine_).count()) + " event types)");
    bool stopping = false;
    while (!stopping) {
      CaptureLoop::Ready ready = loop.wait();
      loop.consumed(consume());
      if (ready.signal) {
        while (int signal = signals.next()) {
          if (signal == SIGHUP) {
            reload();
          } else {
            stopping = true;
          }
        }
      }
      if (ready.tick) {
        check_drops();
        update_metrics();
      }
    }
    // Drain what the kernel already produced, then report.
    while (consume() > 0) {
    }
    writer_.flush();
    check_drops();
    if (webhook_) webhook_->close();
    if (options_.stats) print_stats();
  }

 private:
  std::function<void(const capture::Event&, const capture::LiveEventContext&)> visit() {
    return [this](const capture::Event& event, const capture::LiveEventContext& context) {
      resolver_.update(engine_->threads(), event.tid, event.pid, context.pid_namespace,
                       context.mount_namespace, event.timestamp_ns);
      if (event.type == EventType::procexit)
        if (const capture::ThreadInfo* thread = engine_->threads().find(event.tid))
          resolver_.on_exit(*thread);
      engine_->process(event, sink_);
    };
  }

  std::size_t consume() {
    std::size_t records = capture_.poll(0, visitor_);
    writer_.flush();
    return records;
  }

  void emit(const detect::Alert& alert) {
    std::string json;
    if (options_.json || webhook_) json = detect::alert_to_json(alert, options_.engine.hostname);
    writer_.line(options_.json ? json : detect::alert_to_text(alert));
    if (webhook_) webhook_->enqueue(std::move(json));
    // Counted here rather than read from the engine's rules, which a reload replaces.
    ++alert_counts_[{alert.rule->name, std::string(detect::priority_name(alert.rule->priority))}];
  }

  void reload() {
    try {
      auto next = build_engine(options_.rule_files, options_.engine);
      // Events that arrived while the new rules compiled are still in the ring buffer: the old
      // rules see everything up to here, the new ones everything after.
      consume();
      next->adopt_threads(*engine_);
      engine_ = std::move(next);
      capture_.set_event_types(capture_types(*engine_));
      ++reloads_ok_;
      log_line("rules reloaded (" + std::to_string(engine_->rules().size()) + " rules)");
    } catch (const Error& e) {
      ++reloads_failed_;
      log_line(std::string("reload failed, keeping the previous rules: ") + e.what());
    }
  }

  void check_drops() {
    capture::LiveCounters counters = capture_.counters();
    uint64_t dropped = counters.events_dropped - reported_drops_;
    uint64_t sent = counters.events_sent - reported_sent_;
    reported_drops_ = counters.events_dropped;
    reported_sent_ = counters.events_sent;
    if (dropped == 0 || dropped < options_.drop_alert_threshold) return;
    std::string drops = std::to_string(dropped), delivered = std::to_string(sent);
    std::string output = "Syscall event drop: " + drops +
                         " events dropped since the last check (ring buffer full; " + delivered +
                         " delivered)";
    detect::Alert::Field fields[] = {{"n_drops", drops, false, true},
                                     {"n_evts", delivered, false, true}};
    detect::Alert alert;
    alert.rule = &drop_rule_;
    alert.time_ns = clock_now_ns();
    alert.output = output;
    alert.fields = fields;
    log_line(output);
    emit(alert);
    writer_.flush();
  }

  detect::MetricsSnapshot snapshot() {
    detect::MetricsSnapshot snapshot;
    capture::LiveCounters counters = capture_.counters();
    snapshot.events_seen = counters.syscalls_seen;
    snapshot.events_received = counters.events_sent;
    snapshot.events_dropped = counters.events_dropped;
    snapshot.ring_buffer_bytes = capture_.ring_buffer_bytes();
    snapshot.ring_buffer_used = capture_.ring_buffer_used();
    for (const auto& [rule, count] : alert_counts_)
      snapshot.alerts.push_back({rule.first, rule.second, count});
    snapshot.rules_loaded = engine_->rules().size();
    snapshot.reloads_succeeded = reloads_ok_;
    snapshot.reloads_failed = reloads_failed_;
    snapshot.threads_tracked = engine_->threads().size();
    if (webhook_) {
      auto stats = webhook_->stats();
      snapshot.webhook_posted = stats.posted;
      snapshot.webhook_failed = stats.failed;
      snapshot.webhook_dropped = stats.dropped;
    }
    snapshot.process = detect::process_cpu_and_rss();
    snapshot.uptime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return snapshot;
  }

  void update_metrics() {
    if (options_.metrics_address.empty()) return;
    std::string text = detect::render_metrics(snapshot());
    std::lock_guard lock(metrics_mutex_);
    metrics_text_ = std::move(text);
    metrics_updated_ = std::chrono::steady_clock::now();
  }

  // Runs on the server's thread: only the rendered text crosses over, under the mutex.
  http::Response serve(const http::Request& request) {
    std::lock_guard lock(metrics_mutex_);
    if (request.path == "/metrics")
      return {200, std::string(detect::kPrometheusContentType), metrics_text_};
    if (request.path == "/healthz") {
      // Healthy while the event loop keeps refreshing the metrics (every second).
      bool alive = std::chrono::steady_clock::now() - metrics_updated_ < std::chrono::seconds(5);
      return {alive ? 200 : 503, "text/plain; charset=utf-8", alive ? "ok\n" : "stalled\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found\n"};
  }

  void print_stats() {
    capture::LiveCounters counters = capture_.counters();
    std::fprintf(stderr,
                 "syscalls seen: %llu, events sent: %llu, dropped: %llu, processed: %llu, "
                 "alerts: %llu\n",
                 static_cast<unsigned long long>(counters.syscalls_seen),
                 static_cast<unsigned long long>(counters.events_sent),
                 static_cast<unsigned long long>(counters.events_dropped),
                 static_cast<unsigned long long>(engine_->stats().events),
                 static_cast<unsigned long long>(engine_->stats().alerts));
    for (const auto& rule : engine_->rules())
      if (rule.matches > 0)
        std::fprintf(stderr, "  %s (%s): %llu\n", rule.name.c_str(),
                     std::string(detect::priority_name(rule.priority)).c_str(),
                     static_cast<unsigned long long>(rule.matches));
  }

  const LiveWatchOptions& options_;
  std::unique_ptr<detect::Engine> engine_;
  capture::LiveCapture capture_;
  runtime::StateWatch state_watch_;  // before resolver_, which lists through it
  capture::ContainerResolver resolver_;
  AlertWriter writer_;
  std::unique_ptr<detect::WebhookSender> webhook_;
  std::unique_ptr<http::Server> metrics_server_;
  detect::AlertSink sink_;
  std::function<void(const capture::Event&, const capture::LiveEventContext&)> visitor_;
  detect::CompiledRule drop_rule_;
  std::map<std::pair<std::string, std::string>, uint64_t> alert_counts_;  // (rule, priority)
  uint64_t reported_drops_ = 0, reported_sent_ = 0;
  uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::mutex metrics_mutex_;
  std::string metrics_text_;
  std::chrono::steady_clock::time_point metrics_updated_;
};

}  // namespace

void run_live_watch(const LiveWatchOptions& options) {
  // Signals are blocked before the daemon starts its threads (metrics server, webhook), so only
  // the event loop sees them.
  SignalChannel signals({SIGHUP, SIGTERM, SIGINT});
  WatchDaemon daemon(options);
  daemon.run(signals);
}

void run_live_record(const LiveRecordOptions& options) {
  SignalChannel signals({SIGTERM, SIGINT});
  std::bitset<capture::kEventTypeCount> types;
  types.set();
  if (!options.io) {
    for (EventType type : {EventType::read, EventType::write, EventType::sendto, EventType::sendmsg,
                           EventType::recvfrom, EventType::recvmsg})
      types.reset(static_cast<std::size_t>(type));
  }
  capture::LiveCapture capture(capture::LiveCaptureOptions{types, options.ring_buffer_bytes});
  capture::ThreadTable table;
  runtime::StateWatch state_watch;
  auto resolver = resolver_for(state_watch);
  capture::seed_from_proc(table, "/proc", [&](const capture::ThreadInfo& thread, int64_t pid) {
    return resolver.resolve(table, pid, thread.pid_namespace, thread.mount_namespace,
                            clock_now_ns());
  });
  capture::CaptureWriter writer(options.path);
  writer.write_snapshot(table);
  CaptureLoop loop(capture.ring_buffer_fd(), signals.fd(), std::chrono::milliseconds(200));
  auto write_event = [&](const capture::Event& event, const capture::LiveEventContext&) {
    writer.write(event);
  };
  auto started = std::chrono::steady_clock::now();
  std::fprintf(stderr, "bulkhead capture: recording to %s\n", options.path.c_str());
  std::fflush(stderr);
  for (;;) {
    CaptureLoop::Ready ready = loop.wait();
    loop.consumed(capture.poll(0, write_event));
    if (ready.signal && signals.next() != 0) break;
    if (options.duration_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
            options.duration_seconds)
      break;
  }
  while (capture.poll(0, write_event) > 0) {
  }
  writer.close();
  capture::LiveCounters counters = capture.counters();
  std::fprintf(stderr, "bulkhead capture: %llu events written, %llu dropped\n",
               static_cast<unsigned long long>(writer.events_written()),
               static_cast<unsigned long long>(counters.events_dropped));
  if (counters.events_dropped > 0)
    throw Error(std::to_string(counters.events_dropped) +
                " events were dropped (ring buffer full): the capture is incomplete; try a "
                "larger --ring-buffer-bytes");
}

}  // namespace bulkhead::cli
