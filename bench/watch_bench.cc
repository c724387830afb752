// Workloads for benchmarking `bulkhead watch` (bench/run_watch_bench.sh drives them):
//
//   cost     ns per uninteresting syscall (getppid) and per interesting one (openat+close of a
//            file; a TCP connect to a loopback listener, with its socket and close), pinned to one
//            CPU, fastest and median batch. One run is one round: the runner interleaves the
//            configurations (no watcher, empty programs, the daemon) round by round.
//   load     openat+close pairs at a paced rate for a while, counting what was done, so the
//            daemon's drop counters can be read before and after.
//   latency  opens uniquely named files (/tmp/bh-latency-<pid>-<seq>) at a low rate while reading
//            the daemon's alerts, and reports syscall-to-alert latency percentiles. Starts the
//            daemon itself (the command after `--`) with its stdout piped in, and waits for
//            "bulkhead watch: ready" on its stderr.
//   threads  a process with N sleeping threads, for the daemon's /proc seeding and memory.
//
// Output is `key=value` words (cost: one line per syscall), easy to parse from a script.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/error.h"
#include "base/unique_fd.h"

namespace {

using bulkhead::Error;
using bulkhead::throw_errno;
using bulkhead::UniqueFd;

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void sleep_until_ns(int64_t deadline) {
  timespec ts{};
  ts.tv_sec = deadline / 1'000'000'000;
  ts.tv_nsec = deadline % 1'000'000'000;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void pin_to_cpu(int cpu) {
  if (cpu < 0) return;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(cpu, &cpus);
  if (sched_setaffinity(0, sizeof cpus, &cpus) != 0)
    throw_errno("pinning to CPU " + std::to_string(cpu));
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Nearest rank on sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// A scratch file for the open benchmarks, removed on every path.
class TempFile {
 public:
  explicit TempFile(std::string prefix) : path_(std::move(prefix) + std::to_string(getpid())) {
    UniqueFd fd(open(path_.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) throw_errno("creating " + path_);
  }
  ~TempFile() { unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------------------------
// cost

// A TCP listener on 127.0.0.1 whose thread accepts and closes connections as they come, counting
// them so the client can keep the accept queue short: a full queue drops SYNs, and a dropped SYN
// costs the client a one-second retransmission that would swamp the figure.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd_) throw_errno("socket for the loopback listener");
    int one = 1;
    setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw_errno("binding the loopback listener");
    if (listen(fd_.get(), 4096) != 0) throw_errno("listen");
    socklen_t len = sizeof address_;
    if (getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address_), &len) != 0)
      throw_errno("getsockname");
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~LoopbackListener() {
    // Wakes the blocked accept() with EINVAL.
    shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
  }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  const sockaddr_in& address() const { return address_; }
  uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }

 private:
  void accept_loop() {
    for (;;) {
      int conn = accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      close(conn);
      accepted_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  UniqueFd fd_;
  sockaddr_in address_{};
  std::atomic<uint64_t> accepted_{0};
  std::thread thread_;
};

struct CostOptions {
  int cpu = -1;
  size_t calls = 200000;  // per syscall kind, split into batches
  size_t connect_calls = 20000;
  size_t batches = 20;
  size_t warmup = 5000;
};

struct CostResult {
  double fastest = 0;
  double median = 0;
};

// Times `op` in batches of calls/batches; ns per call for the fastest and the median batch.
CostResult time_batches(size_t calls, size_t batches, size_t warmup,
                        const std::function<void()>& op) {
  for (size_t i = 0; i < warmup; ++i) op();
  size_t per_batch = std::max<size_t>(1, calls / batches);
  std::vector<double> ns;
  for (size_t b = 0; b < batches; ++b) {
    int64_t start = monotonic_ns();
    for (size_t i = 0; i < per_batch; ++i) op();
    ns.push_back(static_cast<double>(monotonic_ns() - start) / static_cast<double>(per_batch));
  }
  return {*std::min_element(ns.begin(), ns.end()), median(ns)};
}

int run_cost(const CostOptions& options) {
  TempFile file("/tmp/bh-cost-");
  // Before pinning: the listener's thread keeps the affinity the process started with, so it
  // accepts on whichever CPU is free instead of competing with the timed loop.
  LoopbackListener listener;
  pin_to_cpu(options.cpu);

  auto print = [](const char* label, const CostResult& r) {
    std::printf("syscall=%s fastest_ns=%.1f median_ns=%.1f\n", label, r.fastest, r.median);
    std::fflush(stdout);
  };

  print("getppid", time_batches(options.calls, options.batches, options.warmup, [] {
          if (syscall(SYS_getppid) <= 0) throw_errno("getppid");
        }));

  const char* path = file.path().c_str();
  print("openat+close", time_batches(options.calls, options.batches, options.warmup, [path] {
          int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
          if (fd < 0) throw_errno(std::string("openat ") + path);
          close(fd);
        }));

  const sockaddr_in address = listener.address();
  uint64_t connects = 0;
  auto connect_cycle = [&] {
    while (connects - listener.accepted() > 256) sched_yield();
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("socket");
    UniqueFd owned(fd);
    // Reset instead of FIN on close: no TIME_WAIT, so a long run never runs out of ports.
    linger reset{1, 0};
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) != 0)
      throw_errno("setsockopt(SO_LINGER)");
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      throw_errno("connect to the loopback listener");
    ++connects;
  };
  print("socket+connect+close",
        time_batches(options.connect_calls, options.batches,
                     std::min(options.warmup, options.connect_calls), connect_cycle));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// load

struct LoadOptions {
  double rate = 100000;  // openat+close pairs per second, all threads together
  double seconds = 5;
  int threads = 1;
  std::string path = "/dev/null";
};

// Paced in 1 ms ticks: by the end of tick k a thread has done rate*(k+1)/1000 pairs, then it
// sleeps to the next tick. A thread that falls behind catches up by at most two ticks' worth, so
// a stall does not turn into a burst far above the asked rate; what was lost shows in the count.
uint64_t paced_opens(double rate, int64_t start, int64_t end, const char* path) {
  constexpr int64_t kTick = 1'000'000;
  const double per_tick = rate * static_cast<double>(kTick) / 1e9;
  uint64_t done = 0;
  double given_up = 0;  // pairs that fell more than two ticks behind
  for (int64_t now = monotonic_ns(); now < end; now = monotonic_ns()) {
    if (now < start) {
      sleep_until_ns(start);
      continue;
    }
    int64_t tick = (now - start) / kTick;
    double due = static_cast<double>(tick + 1) * per_tick - given_up;
    if (due - static_cast<double>(done) > 2 * per_tick) {
      given_up += due - static_cast<double>(done) - 2 * per_tick;
      due = static_cast<double>(done) + 2 * per_tick;
    }
    while (static_cast<double>(done) < due) {
      int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw_errno(std::string("openat ") + path);
      close(fd);
      ++done;
    }
    sleep_until_ns(start + (tick + 1) * kTick);
  }
  return done;
}

int run_load(const LoadOptions& options) {
  if (options.rate <= 0 || options.seconds <= 0 || options.threads < 1)
    throw Error("load: --rate, --seconds and --threads must be positive");
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // wake at the tick, not 50 µs later
  const int64_t start = monotonic_ns() + 2'000'000;
  const int64_t end = start + static_cast<int64_t>(options.seconds * 1e9);
  std::vector<uint64_t> done(static_cast<size_t>(options.threads));
  std::vector<std::exception_ptr> failures(done.size());
  {
    std::vector<std::jthread> workers;
    for (size_t t = 0; t < done.size(); ++t) {
      workers.emplace_back([&, t] {
        try {
          done[t] = paced_opens(options.rate / options.threads, start, end, options.path.c_str());
        } catch (...) {
          failures[t] = std::current_exception();
        }
      });
    }
  }
  for (auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  double elapsed = static_cast<double>(monotonic_ns() - start) / 1e9;
  uint64_t total = 0;
  for (uint64_t d : done) total += d;
  std::printf("requested_per_s=%.0f achieved_per_s=%.0f opens=%" PRIu64
              " seconds=%.3f threads=%d\n",
              options.rate, static_cast<double>(total) / elapsed, total, elapsed, options.threads);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// latency

struct LatencyOptions {
  size_t count = 5000;
  double rate = 1000;
  double drain_seconds = 5;
  double ready_seconds = 120;
  std::vector<std::string> command;  // the daemon
};

// The daemon as a child with its stdout and stderr piped to us; SIGTERM and reaped on every path.
class Daemon {
 public:
  explicit Daemon(const std::vector<std::string>& command) {
    if (command.empty()) throw Error("latency: give the daemon's command after --");
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw_errno("pipe2");
    stdout_ = UniqueFd(out[0]);
    UniqueFd out_write(out[1]);
    stderr_ = UniqueFd(err[0]);
    UniqueFd err_write(err[1]);
    std::vector<char*> argv;
    for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::fflush(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0) {
      dup2(out_write.get(), STDOUT_FILENO);
      dup2(err_write.get(), STDERR_FILENO);
      execvp(argv[0], argv.data());
      std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
  }
  ~Daemon() { stop(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int stdout_fd() const { return stdout_.get(); }

  // Reads stderr (echoed to ours) until the ready line; throws on exit or timeout.
  void wait_ready(double seconds) {
    const int64_t deadline = monotonic_ns() + static_cast<int64_t>(seconds * 1e9);
    std::string pending;
    char buf[4096];
    for (;;) {
      int64_t left_ms = (deadline - monotonic_ns()) / 1'000'000;
      if (left_ms <= 0) throw Error("latency: the daemon did not print its ready line in time");
      pollfd p{stderr_.get(), POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(left_ms));
      if (r < 0 && errno != EINTR) throw_errno("poll");
      if (r <= 0) continue;
      ssize_t n = read(stderr_.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error("latency: the daemon exited before it was ready");
      fwrite(buf, 1, static_cast<size_t>(n), stderr);
      pending.append(buf, static_cast<size_t>(n));
      if (pending.find("bulkhead watch: ready") != std::string::npos) break;
      if (pending.size() > 65536) pending.erase(0, pending.size() - 64);
    }
    // From now on stderr is only copied, so the daemon never blocks on a full pipe.
    stderr_copier_ = std::thread([fd = stderr_.get()] {
      char b[4096];
      for (;;) {
        ssize_t n = read(fd, b, sizeof b);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        fwrite(b, 1, static_cast<size_t>(n), stderr);
      }
    });
  }

  // SIGTERM, then reap; returns the wait status (or -1 if already stopped).
  int stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (stderr_copier_.joinable()) stderr_copier_.join();
    return status;
  }

 private:
  pid_t pid_ = -1;
  UniqueFd stdout_;
  UniqueFd stderr_;
  std::thread stderr_copier_;
};

int run_latency(const LatencyOptions& options) {
  if (options.count == 0 || options.rate <= 0)
    throw Error("latency: --count and --rate must be > 0");
  const std::string prefix = "/tmp/bh-latency-" + std::to_string(getpid()) + "-";
  // Both sides of the call: the alert can be read before the opening thread is back in user
  // space (the daemon runs on another CPU while this one finishes the syscall), so latency from
  // the return may be slightly negative; from the entry it never is.
  std::vector<int64_t> entered(options.count, 0);
  std::vector<int64_t> sent(options.count, 0);
  std::vector<int64_t> arrived(options.count, 0);
  std::atomic<size_t> arrivals{0};
  uint64_t unrelated_lines = 0;

  Daemon daemon(options.command);
  daemon.wait_ready(options.ready_seconds);

  // Alert lines are timestamped as they are read; each names its file, whose suffix is the seq.
  std::thread reader([&] {
    std::string pending;
    char buf[65536];
    for (;;) {
      ssize_t n = read(daemon.stdout_fd(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      int64_t now = monotonic_ns();
      pending.append(buf, static_cast<size_t>(n));
      size_t line_start = 0;
      for (size_t nl; (nl = pending.find('\n', line_start)) != std::string::npos;
           line_start = nl + 1) {
        std::string_view line(pending.data() + line_start, nl - line_start);
        size_t at = line.find(prefix);
        if (at == std::string_view::npos) {
          ++unrelated_lines;
          continue;
        }
        size_t seq = 0;
        bool digits = false;
        for (size_t i = at + prefix.size(); i < line.size() && line[i] >= '0' && line[i] <= '9';
             ++i) {
          seq = seq * 10 + static_cast<size_t>(line[i] - '0');
          digits = true;
        }
        if (digits && seq < arrived.size() && arrived[seq] == 0) {
          arrived[seq] = now;
          arrivals.fetch_add(1, std::memory_order_release);
        }
      }
      pending.erase(0, line_start);
    }
  });

  // On every path out of here (an exception included) the daemon stops first, which closes its
  // stdout and so ends the reader.
  struct StopThenJoin {
    Daemon& daemon;
    std::thread& reader;
    int status = -1;
    ~StopThenJoin() { finish(); }
    void finish() {
      if (!reader.joinable()) return;
      status = daemon.stop();
      reader.join();
    }
  } stop_then_join{daemon, reader};

  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  const int64_t start = monotonic_ns() + 1'000'000;
  const double interval = 1e9 / options.rate;
  for (size_t seq = 0; seq < options.count; ++seq) {
    sleep_until_ns(start + static_cast<int64_t>(static_cast<double>(seq) * interval));
    std::string path = prefix + std::to_string(seq);
    entered[seq] = monotonic_ns();
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    sent[seq] = monotonic_ns();
    if (fd < 0) throw_errno("creating " + path);
    close(fd);
    unlink(path.c_str());
  }
  const int64_t drain_deadline = monotonic_ns() + static_cast<int64_t>(options.drain_seconds * 1e9);
  while (arrivals.load(std::memory_order_acquire) < options.count &&
         monotonic_ns() < drain_deadline)
    usleep(10000);
  stop_then_join.finish();
  int status = stop_then_join.status;

  std::vector<double> us, from_entry;
  for (size_t seq = 0; seq < options.count; ++seq) {
    if (arrived[seq] == 0) continue;
    us.push_back(static_cast<double>(arrived[seq] - sent[seq]) / 1e3);
    from_entry.push_back(static_cast<double>(arrived[seq] - entered[seq]) / 1e3);
  }
  std::sort(us.begin(), us.end());
  std::sort(from_entry.begin(), from_entry.end());
  std::printf(
      "sent=%zu alerts=%zu missing=%zu p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f "
      "max_us=%.1f entry_p50_us=%.1f entry_p99_us=%.1f entry_max_us=%.1f other_lines=%" PRIu64
      " daemon_exit=%d\n",
      options.count, us.size(), options.count - us.size(), percentile(us, 50), percentile(us, 90),
      percentile(us, 99), percentile(us, 99.9), us.empty() ? 0.0 : us.back(),
      percentile(from_entry, 50), percentile(from_entry, 99),
      from_entry.empty() ? 0.0 : from_entry.back(), unrelated_lines,
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return us.size() == options.count ? 0 : 3;
}

// ---------------------------------------------------------------------------------------------
// threads

int run_threads(int count, size_t stack_kib) {
  // Every thread inherits the blocked set, so only the sigwait below sees SIGTERM/SIGINT.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0)
    throw Error("pthread_sigmask failed");

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, std::max<size_t>(stack_kib * 1024, PTHREAD_STACK_MIN));
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  auto sleeper = [](void*) -> void* {
    for (;;) pause();
  };
  for (int i = 0; i < count; ++i) {
    pthread_t thread;
    int err = pthread_create(&thread, &attr, sleeper, nullptr);
    if (err != 0) {
      pthread_attr_destroy(&attr);
      throw bulkhead::SystemError(
          "creating thread " + std::to_string(i + 1) + " of " + std::to_string(count), err);
    }
  }
  pthread_attr_destroy(&attr);
  std::printf("ready threads=%d pid=%d\n", count, getpid());
  std::fflush(stdout);
  int signal = 0;
  while (sigwait(&stop_signals, &signal) != 0) {
  }
  // exit() would run static destructors under 10 K running threads; nothing needs flushing.
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Workloads for benchmarking bulkhead watch"};
  app.require_subcommand(1);

  CostOptions cost;
  auto* cost_cmd = app.add_subcommand("cost", "ns per getppid, openat+close, connect cycle");
  cost_cmd->add_option("--cpu", cost.cpu, "CPU to pin the timed loop to (-1: none)");
  cost_cmd->add_option("--calls", cost.calls, "timed getppid and openat+close calls");
  cost_cmd->add_option("--connect-calls", cost.connect_calls, "timed connect cycles");
  cost_cmd->add_option("--batches", cost.batches, "batches per kind")->check(CLI::Range(1, 1000));
  cost_cmd->add_option("--warmup", cost.warmup, "untimed calls first");

  LoadOptions load;
  auto* load_cmd = app.add_subcommand("load", "openat+close pairs at a paced rate");
  load_cmd->add_option("--rate", load.rate, "pairs per second, all threads together");
  load_cmd->add_option("--seconds", load.seconds, "duration");
  load_cmd->add_option("--threads", load.threads, "generator threads");
  load_cmd->add_option("--path", load.path, "file to open");

  LatencyOptions latency;
  auto* latency_cmd =
      app.add_subcommand("latency", "syscall-to-alert latency; the daemon's command after --");
  latency_cmd->add_option("--count", latency.count, "files to open");
  latency_cmd->add_option("--rate", latency.rate, "opens per second");
  latency_cmd->add_option("--drain-seconds", latency.drain_seconds,
                          "how long to wait for the last alerts");
  latency_cmd->add_option("--ready-seconds", latency.ready_seconds,
                          "how long to wait for the daemon's ready line");
  latency_cmd->add_option("command", latency.command, "the daemon, e.g. bulkhead watch -o json")
      ->required();

  int thread_count = 10000;
  size_t stack_kib = 64;
  auto* threads_cmd = app.add_subcommand("threads", "hold N sleeping threads until SIGTERM");
  threads_cmd->add_option("--count", thread_count, "threads")->check(CLI::Range(1, 100000));
  threads_cmd->add_option("--stack-kib", stack_kib, "stack size per thread");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*cost_cmd) return run_cost(cost);
    if (*load_cmd) return run_load(load);
    if (*latency_cmd) return run_latency(latency);
    if (*threads_cmd) return run_threads(thread_count, stack_kib);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bulkhead_watch_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
