// Helpers for the live detection tests: the `bulkhead watch` daemon in the background, its JSON
// alerts, containers whose script waits for the test's signal, a test host in a network
// namespace of the test's own, and a process entered into a container's namespaces.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/container_harness.h"
#include "support/loopback_port.h"

namespace bulkhead::testing {

// What the daemon prints on stderr once it captures (the tests act only after it).
inline constexpr const char* kWatchReadyLine = "bulkhead watch: ready";

// `bulkhead watch ARGS…` in the background; stdout and stderr go to memory files so nothing
// blocks on a full pipe. The destructor SIGKILLs and reaps it whatever happened in the test.
class WatchDaemon {
 public:
  WatchDaemon(const std::vector<std::string>& args, const RunAs& as);

  pid_t pid() const { return process_.pid(); }
  // Waits for the ready line; false when the daemon ended first or the deadline passed.
  bool wait_ready(double deadline_seconds = 120);
  // Waits until stderr contains `text`; false when the daemon ended first or the deadline passed.
  bool wait_for_stderr(const std::string& text, double deadline_seconds = 60);
  bool exited() { return process_.exited(); }
  void send_signal(int signal) { process_.send_signal(signal); }
  std::string stderr_so_far() const { return process_.errors_so_far(); }
  // SIGTERM, then waits for the exit (SIGKILL after `deadline_seconds`, so a hung daemon ends
  // the test with status 128 + 9 instead of hanging it).
  CommandResult stop(double deadline_seconds = 60);
  // Waits for it to end by itself.
  CommandResult wait() { return process_.wait(); }

 private:
  BackgroundProcess process_;  // SIGKILLed and reaped on destruction if still running
};

// The alerts in a JSON alert file, one object per complete line (a line still being written is
// left out). A line that is not a JSON object becomes {"unparsable": LINE} so a test shows it.
std::vector<nlohmann::json> read_alerts(const std::string& path);
// output_fields[field] as text: strings as they are, numbers and booleans printed, null as
// "<NA>", "" when the alert has no such field.
std::string alert_field(const nlohmann::json& alert, const std::string& field);
std::string alert_rule(const nlohmann::json& alert);
// The alerts for which `pick` is true.
std::vector<nlohmann::json> alerts_where(const std::vector<nlohmann::json>& alerts,
                                         const std::function<bool(const nlohmann::json&)>& pick);
// All alerts, one per line, for failure messages.
std::string describe(const std::vector<nlohmann::json>& alerts);

// A container started with `bulkhead run --name NAME FLAGS… ROOTFS sh -c …` whose script first
// waits on a FIFO bind-mounted at /watch-ctl/go, then runs SCRIPT, writes its status to
// /watch-ctl/done and sleeps until the test kills it. So the test learns the container's id
// (from `bulkhead ps --json`) before anything happens in it, and knows when SCRIPT is over.
// With `terminal`, `bulkhead run -t` runs on a new pseudo-terminal (its output is drained).
class ScriptedContainer {
 public:
  ScriptedContainer(const ContainerContext& context, const std::string& name,
                    const std::string& rootfs, const std::vector<std::string>& flags,
                    const std::string& script, bool terminal = false);
  ScriptedContainer(const ScriptedContainer&) = delete;
  ScriptedContainer& operator=(const ScriptedContainer&) = delete;
  ~ScriptedContainer();

  // Empty when the container did not come up; then start_error() says why.
  const std::string& full_id() const { return full_id_; }
  std::string short_id() const { return full_id_.substr(0, 12); }
  const std::string& start_error() const { return start_error_; }
  // The host pid of the container's first process (from the state record).
  pid_t pid() const { return pid_; }
  // Lets SCRIPT run and waits until it has finished; returns its exit status (nullopt when the
  // deadline passed or the container ended).
  std::optional<int> release(double deadline_seconds = 60);
  // SIGKILLs the container (through `bulkhead kill`) and returns `bulkhead run`'s result.
  CommandResult stop();

 private:
  const ContainerContext& context_;
  std::string name_;
  std::string control_dir_;
  std::string full_id_;
  std::string start_error_;
  pid_t pid_ = -1;
  std::unique_ptr<BackgroundProcess> run_;
  // The terminal variant: forkpty'd `bulkhead run -t` and the thread draining its terminal.
  pid_t pty_pid_ = -1;
  int pty_master_ = -1;
  std::thread pty_drain_;
  std::optional<CommandResult> stopped_;
};

// A test host: network namespace `bhwatch-PID` joined to the host by a veth pair,
// 198.51.100.1/24 on the host side and 198.51.100.2/24 inside, with a TCP listener on
// 198.51.100.2:`port` (a forked child in the namespace) that accepts and closes connections.
// 198.51.100.0/24 is TEST-NET-2: routed nowhere else, outside the shipped allow-list. Destroyed
// with the object. ready() is false (and error() says why) when any step failed.
class TestNetworkHost {
 public:
  static constexpr const char* kHostAddress = "198.51.100.1";
  static constexpr const char* kPeerAddress = "198.51.100.2";
  explicit TestNetworkHost(int port = 8080);
  TestNetworkHost(const TestNetworkHost&) = delete;
  TestNetworkHost& operator=(const TestNetworkHost&) = delete;
  ~TestNetworkHost();

  bool ready() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }

 private:
  std::string namespace_name_;
  std::string host_link_;
  std::string peer_link_;
  int port_;
  pid_t listener_ = -1;
  std::string error_;
};

// Runs `argv` (a program of the container's file system) as a process in the pid and mount
// namespaces of `container_pid`, as `nsenter` would, after copying the program into an anonymous
// memory file (memfd_create) and executing that (fexecve): fileless execution inside the
// container. Returns the program's status and output.
CommandResult memfd_exec_in_container(pid_t container_pid, const std::vector<std::string>& argv);

// GET http://127.0.0.1:PORT/PATH; the whole response (status line, headers, body), or "" when
// nothing answered.
std::string http_get_loopback(int port, const std::string& path);

// Why live capture cannot be tested here (not root, no BTF, …); nullopt when it can.
std::optional<std::string> live_capture_unavailable();

}  // namespace bulkhead::testing

// Skips outside CI when the machine lacks what live capture needs; fails in CI.
#define BULKHEAD_REQUIRE_LIVE_CAPTURE()                                                 \
  do {                                                                                  \
    if (auto why = ::bulkhead::testing::live_capture_unavailable()) {                   \
      if (std::getenv("CI")) FAIL() << "live capture cannot be tested in CI: " << *why; \
      GTEST_SKIP() << *why;                                                             \
    }                                                                                   \
  } while (0)
