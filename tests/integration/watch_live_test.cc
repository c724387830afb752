// `bulkhead watch` live, on the real kernel: the daemon is started with its eBPF capture, the
// test acts inside containers started by `bulkhead run` (and on the host for the negative
// cases), then stops the daemon with SIGTERM (which drains the ring buffer) and reads the Falco
// JSON alerts it wrote. Each detection is checked for its rule, the container's id (the one
// `bulkhead ps --json` reports, shortened to Falco's 12 characters) and name, the process and the
// file or address. Also: a benign workload raises nothing, rule reloads (good and malformed),
// a malformed rule file at start, and a forced ring-buffer overflow that shows in the drop
// counters.
//
// The daemon sees the whole machine, other tests' containers included: every assertion picks
// alerts by this test's container name and id or by a marker in the command line.
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "integration/container_harness.h"
#include "integration/watch_harness.h"

namespace bulkhead::testing {
namespace {

using nlohmann::json;

constexpr const char* kBusybox = "builtin:busybox";

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

class WatchLive : public ::testing::Test {
 protected:
  void SetUp() override {
    BULKHEAD_REQUIRE_LIVE_CAPTURE();
    context_ = std::make_unique<ContainerContext>(Privilege::Root);
    work_dir_ = context_->host_dir();
    alerts_path_ = work_dir_ + "/alerts.json";
  }
  void TearDown() override {
    // Whatever happened, no daemon outlives its test.
    daemon_.reset();
  }

  // A container name unique to this test and process (other tests may run at the same time).
  std::string container_name(const std::string& what) const {
    return "watch-" + what + "-" + std::to_string(getpid());
  }

  // Starts `bulkhead watch -o json --output-file ALERTS EXTRA…` with the context's state
  // directory and waits for its ready line.
  void start_daemon(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"-o", "json", "--output-file", alerts_path_};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<WatchDaemon>(args, context_->run_as());
    ASSERT_TRUE(daemon_->wait_ready()) << "bulkhead watch did not become ready; stderr:\n"
                                       << daemon_->stderr_so_far();
  }

  // Waits (with a generous deadline, never a timing assertion) until an alert `pick` selects
  // is in the file; the alerts so far.
  std::vector<json> wait_for_alert(const std::function<bool(const json&)>& pick,
                                   double deadline_seconds = 30) {
    std::vector<json> alerts;
    poll_until(
        [&] {
          alerts = read_alerts(alerts_path_);
          return !alerts_where(alerts, pick).empty() || daemon_->exited();
        },
        deadline_seconds);
    return alerts;
  }

  // SIGTERM (the daemon drains what the kernel has produced), exit status 0, the alerts.
  std::vector<json> stop_daemon() {
    CommandResult stopped = daemon_->stop();
    EXPECT_EQ(stopped.status, 0) << "bulkhead watch did not exit cleanly; stderr:\n" << stopped.err;
    return read_alerts(alerts_path_);
  }

  // The alerts of one container: by its name, or by its id.
  static std::vector<json> alerts_of(const std::vector<json>& alerts,
                                     const ScriptedContainer& container, const std::string& name) {
    return alerts_where(alerts, [&](const json& alert) {
      return alert_field(alert, "container.name") == name ||
             alert_field(alert, "container.id") == container.short_id();
    });
  }

  // Asserts that `rule` was raised for the container `name` with its id, by `process`, and
  // returns that alert (the first one) for further checks.
  json expect_container_alert(const std::vector<json>& alerts, const ScriptedContainer& container,
                              const std::string& name, const std::string& rule,
                              const std::string& process) {
    auto matching = alerts_where(alerts, [&](const json& alert) {
      return alert_rule(alert) == rule && alert_field(alert, "container.name") == name;
    });
    // On failure, the same rule's alerts for other containers too: an event attributed to the
    // wrong container shows up there.
    auto same_rule =
        alerts_where(alerts, [&](const json& alert) { return alert_rule(alert) == rule; });
    EXPECT_FALSE(matching.empty())
        << "no \"" << rule << "\" alert for container " << name << " (id " << container.short_id()
        << "); " << describe(alerts_of(alerts, container, name)) << "\"" << rule
        << "\" alerts for any container: " << describe(same_rule) << "daemon stderr:\n"
        << daemon_->stderr_so_far();
    if (matching.empty()) return json();
    const json& alert = matching.front();
    EXPECT_EQ(alert_field(alert, "container.id"), container.short_id()) << alert.dump();
    EXPECT_EQ(alert_field(alert, "proc.name"), process) << alert.dump();
    EXPECT_TRUE(contains(alert.value("output", ""), "container_name=" + name)) << alert.dump();
    EXPECT_EQ(alert.value("source", ""), "syscall") << alert.dump();
    return alert;
  }

  // Starts a scripted container (see ScriptedContainer) and fails the test when it does not
  // come up.
  std::unique_ptr<ScriptedContainer> container(const std::string& name, const std::string& rootfs,
                                               const std::vector<std::string>& flags,
                                               const std::string& script, bool terminal = false) {
    auto started =
        std::make_unique<ScriptedContainer>(*context_, name, rootfs, flags, script, terminal);
    EXPECT_FALSE(started->full_id().empty()) << started->start_error();
    return started;
  }

  std::unique_ptr<ContainerContext> context_;
  std::string work_dir_;
  std::string alerts_path_;
  // The common shape of a detection test: the daemon, a container running `script`, the
  // alert of `rule` for that container, checked by expect_container_alert (null when missing).
  json detect_in_container(const std::string& what, const std::string& script,
                           const std::string& rule, const std::string& process,
                           bool terminal = false) {
    start_daemon();
    if (::testing::Test::HasFatalFailure()) return json();
    std::string name = container_name(what);
    auto box = container(name, kBusybox, {}, script, terminal);
    EXPECT_FALSE(box->full_id().empty());
    if (box->full_id().empty()) return json();
    EXPECT_EQ(box->release(), 0) << "the script in the container failed: " << script;
    wait_for_alert([&](const json& alert) {
      return alert_rule(alert) == rule && alert_field(alert, "container.name") == name;
    });
    box->stop();
    auto alerts = stop_daemon();
    return expect_container_alert(alerts, *box, name, rule, process);
  }

  std::unique_ptr<WatchDaemon> daemon_;
};

// ---- The detections, each in a container started by `bulkhead run` ----

TEST_F(WatchLive, TerminalShellInContainer) {
  // `bulkhead run -t` on a pseudo-terminal: the container's `sh -c` has the terminal.
  json alert = detect_in_container("tty", "true", "Terminal shell in container", "sh",
                                   /*terminal=*/true);
  if (!alert.is_null()) {
    EXPECT_NE(alert_field(alert, "proc.tty"), "0") << alert.dump();
    EXPECT_NE(alert_field(alert, "proc.tty"), "") << alert.dump();
    EXPECT_EQ(alert.value("priority", ""), "Notice") << alert.dump();
  }
}

TEST_F(WatchLive, FileCreatedBelowBin) {
  json alert = detect_in_container("bin", "touch /bin/bulkhead-watch-planted",
                                   "Write below binary directory", "touch");
  if (!alert.is_null()) {
    EXPECT_EQ(alert_field(alert, "fd.name"), "/bin/bulkhead-watch-planted") << alert.dump();
    EXPECT_EQ(alert.value("priority", ""), "Error") << alert.dump();
  }
}

TEST_F(WatchLive, ShadowReadInContainer) {
  json alert =
      detect_in_container("shadow", "cat /etc/shadow >/dev/null", "Sensitive file read", "cat");
  if (!alert.is_null()) {
    EXPECT_EQ(alert_field(alert, "fd.name"), "/etc/shadow") << alert.dump();
  }
}

TEST_F(WatchLive, OutboundConnectionToTestHost) {
  // The destination is a network namespace this test makes; `bulkhead run` offers only an
  // empty network namespace (loopback) or the host's, so the container uses the host's, where
  // the veth to the test host is.
  TestNetworkHost host;
  ASSERT_TRUE(host.ready()) << host.error();
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  std::string name = container_name("net");
  std::string target = std::string(TestNetworkHost::kPeerAddress);
  std::string port = std::to_string(host.port());
  auto box = container(name, kBusybox, {"--network", "host"},
                       "nc -w 10 " + target + " " + port + " </dev/null");
  ASSERT_FALSE(box->full_id().empty());
  ASSERT_EQ(box->release(), 0) << "the container could not connect to the test host";
  // The same connection from the host: the rule is for containers only.
  CommandResult from_host = run_program({builtin_rootfs_dir() + "/bin/busybox", "nc", "-w", "10",
                                         target, port, "bulkhead-watch-host-connect"});
  wait_for_alert([&](const json& alert) {
    return alert_rule(alert) == "Outbound connection to unexpected destination" &&
           alert_field(alert, "container.name") == name;
  });
  box->stop();
  auto alerts = stop_daemon();
  json alert = expect_container_alert(alerts, *box, name,
                                      "Outbound connection to unexpected destination", "nc");
  if (!alert.is_null()) {
    EXPECT_EQ(alert_field(alert, "fd.sip"), target) << alert.dump();
    EXPECT_EQ(alert_field(alert, "fd.sport"), port) << alert.dump();
    EXPECT_TRUE(contains(alert_field(alert, "fd.name"), target + ":" + port)) << alert.dump();
  }
  auto host_side = alerts_where(alerts, [&](const json& alert) {
    return alert_rule(alert) == "Outbound connection to unexpected destination" &&
           contains(alert_field(alert, "proc.cmdline"), "bulkhead-watch-host-connect");
  });
  EXPECT_TRUE(host_side.empty()) << "a host process raised the container rule: "
                                 << describe(host_side);
}

TEST_F(WatchLive, MountAttemptInContainer) {
  // Refused (the default seccomp profile allows mount only with CAP_SYS_ADMIN), but attempted;
  // the script fails if the mount succeeded.
  json alert = detect_in_container(
      "mount", "mount -t tmpfs bulkhead-watch-mount /tmp 2>/dev/null; test $? -ne 0",
      "Mount in container", "mount");
  if (!alert.is_null()) {
    EXPECT_EQ(alert_field(alert, "evt.type"), "mount") << alert.dump();
    EXPECT_EQ(alert_field(alert, "evt.arg.dev"), "bulkhead-watch-mount") << alert.dump();
    EXPECT_EQ(alert_field(alert, "evt.arg.dir"), "/tmp") << alert.dump();
    EXPECT_EQ(alert_field(alert, "evt.arg.type"), "tmpfs") << alert.dump();
    EXPECT_TRUE(contains(alert_field(alert, "evt.res"), "EPERM")) << alert.dump();
  }
}

TEST_F(WatchLive, PtraceAttachInContainer) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  std::string name = container_name("ptrace");
  // The static probe (tests/probe) forks a child under another uid and PTRACE_ATTACHes to it;
  // the container lacks CAP_SYS_PTRACE, so the kernel refuses, but the attempt is the event.
  std::string rootfs = context_->rootfs();
  auto box = container(name, rootfs, {}, "/bin/bulkhead_probe ptrace-attach >/watch-ctl/probe.out");
  ASSERT_FALSE(box->full_id().empty());
  ASSERT_EQ(box->release(), 0);
  wait_for_alert([&](const json& alert) {
    return alert_rule(alert) == "Ptrace attach" && alert_field(alert, "container.name") == name;
  });
  box->stop();
  auto alerts = stop_daemon();
  json alert = expect_container_alert(alerts, *box, name, "Ptrace attach", "bulkhead_probe");
  if (!alert.is_null()) {
    EXPECT_EQ(alert_field(alert, "evt.arg.request"), "PTRACE_ATTACH") << alert.dump();
  }
}

TEST_F(WatchLive, MemfdExecInContainer) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  std::string name = container_name("memfd");
  auto box = container(name, kBusybox, {}, "true");
  ASSERT_FALSE(box->full_id().empty());
  ASSERT_EQ(box->release(), 0);
  // busybox cannot execute from memory, so a process of the test joins the container's pid and
  // mount namespaces (as `bulkhead exec` and nsenter do), copies the container's /bin/busybox
  // into a memfd and fexecve()s it; the program prints its own name, which the alert must carry.
  CommandResult executed = memfd_exec_in_container(box->pid(), {"cat", "/proc/self/comm"});
  ASSERT_EQ(executed.status, 0) << executed.out;
  std::string comm = trim(executed.out);
  ASSERT_FALSE(comm.empty());
  wait_for_alert([&](const json& alert) {
    return alert_rule(alert) == "Fileless execution via memfd" &&
           alert_field(alert, "container.id") == box->short_id();
  });
  box->stop();
  auto alerts = stop_daemon();
  json alert = expect_container_alert(alerts, *box, name, "Fileless execution via memfd", comm);
  if (!alert.is_null()) {
    EXPECT_TRUE(contains(alert_field(alert, "proc.exepath"), "memfd:bulkhead-watch-test"))
        << alert.dump();
    EXPECT_EQ(alert.value("priority", ""), "Critical") << alert.dump();
  }
}

// ---- What must not raise alerts ----

// The workload is followed by one detection (a control) so the test cannot pass on a daemon
// that sees nothing: the control must be the container's only alert.
TEST_F(WatchLive, BenignWorkloadRaisesNoAlert) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  std::string name = container_name("benign");
  // A web server answering requests over the container's loopback, a "build" (many sources
  // turned into outputs, archived and compressed) and file copies.
  auto box = container(name, kBusybox, {}, R"sh(
set -e
mkdir -p /tmp/www /tmp/src /tmp/build /tmp/fetched
echo '<html><body>hello</body></html>' >/tmp/www/index.html
httpd -p 127.0.0.1:8080 -h /tmp/www
i=0
while [ $i -lt 20 ]; do
  wget -q -O /tmp/fetched/page.$i http://127.0.0.1:8080/index.html
  i=$((i + 1))
done
grep -q hello /tmp/fetched/page.19
i=0
while [ $i -lt 200 ]; do
  echo "int f$i(void) { return $i; }" >/tmp/src/f$i.c
  i=$((i + 1))
done
for source in /tmp/src/*.c; do
  sed 's/return/yield/' "$source" >"/tmp/build/$(basename "$source" .c).o"
done
tar -cf /tmp/build.tar -C /tmp build
gzip -9 /tmp/build.tar
test "$(gunzip -c /tmp/build.tar.gz | tar -tf - | grep -c '\.o$')" -eq 200
cp -r /tmp/src /tmp/src-copy
cp /tmp/build.tar.gz /tmp/release.tar.gz
cmp /tmp/build.tar.gz /tmp/release.tar.gz
kill $(pidof httpd)
# The control: one detection after the workload, so a daemon that saw nothing cannot pass.
cat /etc/shadow >/dev/null
)sh");
  ASSERT_FALSE(box->full_id().empty());
  ASSERT_EQ(box->release(), 0) << "the benign workload failed";
  box->stop();
  auto alerts = stop_daemon();
  auto ours = alerts_of(alerts, *box, name);
  ASSERT_FALSE(ours.empty()) << "not even the control (cat /etc/shadow) raised an alert";
  EXPECT_EQ(ours.size(), 1u) << "the benign workload raised " << describe(ours);
  const json& control = ours.back();
  EXPECT_EQ(alert_rule(control), "Sensitive file read") << control.dump();
  EXPECT_EQ(alert_field(control, "proc.name"), "cat") << control.dump();
  EXPECT_EQ(alert_field(control, "container.id"), box->short_id()) << control.dump();
}

TEST_F(WatchLive, HostSideNegatives) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  // Falco's proc.cmdline is the process name and its arguments, so each host process is marked
  // by an argument naming a file of this test. `cat` (copied under a name of its own) reading
  // /etc/shadow on the host is a sensitive read (the rule covers the host); the same read by a
  // trusted credential reader (chpasswd) is not.
  std::string bin = context_->host_dir();
  std::string marker = bin + "/bhwatch-marker";
  write_text_file(marker, "marker\n");
  ASSERT_EQ(run_program({"cp", "/bin/cat", bin + "/bhwatch-reader"}).status, 0);
  ASSERT_EQ(run_program({"cp", "/bin/cat", bin + "/chpasswd"}).status, 0);
  ASSERT_EQ(run_program({bin + "/chpasswd", "/etc/shadow", marker}).status, 0);
  ASSERT_EQ(run_program({bin + "/bhwatch-reader", "/etc/shadow", marker}).status, 0);
  // A shell with a terminal on the host: the terminal-shell rule is for containers.
  int master = -1;
  pid_t shell = forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(shell, 0);
  if (shell == 0) {
    execl("/bin/sh", "sh", "-c", "true bulkhead-watch-host-tty", static_cast<char*>(nullptr));
    _exit(127);
  }
  char drain[256];
  while (read(master, drain, sizeof drain) > 0) {
  }
  close(master);
  int status = 0;
  waitpid(shell, &status, 0);
  // A mount attempt on the host (its target does not exist, so it changes nothing).
  run_program({"mount", "-t", "tmpfs", "bulkhead-watch-host-mount", bin + "/no-such-dir"});

  auto is_control = [&](const json& alert) {
    return alert_rule(alert) == "Sensitive file read" &&
           alert_field(alert, "proc.name") == "bhwatch-reader" &&
           contains(alert_field(alert, "proc.cmdline"), marker);
  };
  wait_for_alert(is_control);
  auto alerts = stop_daemon();
  auto control = alerts_where(alerts, is_control);
  ASSERT_FALSE(control.empty()) << "the host's cat /etc/shadow raised nothing: "
                                << describe(alerts);
  EXPECT_EQ(alert_field(control.front(), "container.id"), "host") << control.front().dump();
  EXPECT_EQ(alert_field(control.front(), "fd.name"), "/etc/shadow") << control.front().dump();

  auto wrongly_raised = alerts_where(alerts, [&](const json& alert) {
    std::string command = alert_field(alert, "proc.cmdline");
    return (alert_field(alert, "proc.name") == "chpasswd" && contains(command, marker)) ||
           contains(command, "bulkhead-watch-host-tty") ||
           contains(command, "bulkhead-watch-host-mount") ||
           contains(alert.value("output", ""), "bulkhead-watch-host-mount");
  });
  EXPECT_TRUE(wrongly_raised.empty()) << describe(wrongly_raised);
  auto container_rules_on_host = alerts_where(alerts, [&](const json& alert) {
    return contains(alert_field(alert, "proc.cmdline"), bin) &&
           alert_field(alert, "container.id") != "host";
  });
  EXPECT_TRUE(container_rules_on_host.empty())
      << "host processes were taken for a container: " << describe(container_rules_on_host);
}

// ---- Rule files ----

// A rule that fires when a file named `marker_prefix`N is opened, printing the file.
std::string marker_rule(const std::string& rule_name, const std::string& marker_prefix) {
  return "- rule: " + rule_name +
         "\n"
         "  desc: test rule for reloads\n"
         "  condition: evt.type in (open, openat, openat2) and fd.name startswith \"" +
         marker_prefix +
         "\"\n"
         "  output: " +
         rule_name +
         " saw file=%fd.name process=%proc.name\n"
         "  priority: WARNING\n";
}

// Replaces `path` in one step, as an editor or a config manager does.
void replace_file(const std::string& path, const std::string& content) {
  write_text_file(path + ".new", content);
  ASSERT_EQ(rename((path + ".new").c_str(), path.c_str()), 0) << std::strerror(errno);
}

TEST_F(WatchLive, SighupReloadsRules) {
  std::string markers = work_dir_ + "/marker-";
  for (int i = 0; i < 60; ++i) write_text_file(markers + std::to_string(i), "x\n");
  write_text_file(markers + "final", "x\n");
  std::string rules = work_dir_ + "/rules.yaml";
  write_text_file(rules, marker_rule("Watch test rule A", markers));
  ASSERT_NO_FATAL_FAILURE(start_daemon({"-r", rules}));
  auto opened = [&](const std::string& file) {
    return [file](const json& alert) { return alert_field(alert, "fd.name") == file; };
  };

  ASSERT_EQ(run_program({"cat", markers + "0"}).status, 0);
  auto alerts = wait_for_alert(opened(markers + "0"));
  auto before = alerts_where(alerts, opened(markers + "0"));
  ASSERT_FALSE(before.empty()) << "rule A did not fire before the reload: " << describe(alerts)
                               << daemon_->stderr_so_far();
  EXPECT_EQ(alert_rule(before.front()), "Watch test rule A");

  ASSERT_NO_FATAL_FAILURE(replace_file(rules, marker_rule("Watch test rule B", markers)));
  daemon_->send_signal(SIGHUP);
  // Until the reload has happened an open may still meet rule A: open marker-1, marker-2, …
  // until rule B answers; no event may be lost on the way (each open gets an alert).
  int first_b = -1;
  for (int i = 1; i < 60 && first_b < 0; ++i) {
    std::string file = markers + std::to_string(i);
    ASSERT_EQ(run_program({"cat", file}).status, 0);
    alerts = wait_for_alert(opened(file));
    auto seen = alerts_where(alerts, opened(file));
    ASSERT_FALSE(seen.empty()) << "no alert for " << file
                               << " during the reload: " << describe(alerts)
                               << daemon_->stderr_so_far();
    if (alert_rule(seen.front()) == "Watch test rule B") first_b = i;
  }
  ASSERT_GE(first_b, 1) << "rule B never fired after SIGHUP; stderr:\n" << daemon_->stderr_so_far();
  ASSERT_EQ(run_program({"cat", markers + "final"}).status, 0);
  wait_for_alert(opened(markers + "final"));
  alerts = stop_daemon();
  auto final_alerts = alerts_where(alerts, opened(markers + "final"));
  ASSERT_EQ(final_alerts.size(), 1u) << describe(alerts);
  EXPECT_EQ(alert_rule(final_alerts.front()), "Watch test rule B");
  auto late_a = alerts_where(alerts, [&](const json& alert) {
    if (alert_rule(alert) != "Watch test rule A") return false;
    std::string file = alert_field(alert, "fd.name");
    std::string suffix = file.substr(std::min(file.size(), markers.size()));
    return suffix == "final" ||
           (!suffix.empty() && std::isdigit(suffix[0]) && std::stoi(suffix) >= first_b);
  });
  EXPECT_TRUE(late_a.empty()) << "rule A still fired after rule B had replaced it: "
                              << describe(late_a);
  EXPECT_TRUE(contains(daemon_->stderr_so_far(), "rules reloaded")) << daemon_->stderr_so_far();
  EXPECT_FALSE(contains(daemon_->stderr_so_far(), "reload failed")) << daemon_->stderr_so_far();
}

TEST_F(WatchLive, MalformedRulesAtStartRefused) {
  std::string bad = work_dir_ + "/bad.yaml";
  write_text_file(bad,
                  "- rule: r\n  desc: d\n  condition: evt.type = open and proc.nmae = x\n"
                  "  output: o\n  priority: INFO\n");
  daemon_ = std::make_unique<WatchDaemon>(
      std::vector<std::string>{"-o", "json", "--output-file", alerts_path_, "-r", bad},
      context_->run_as());
  // A generous deadline; a daemon that starts anyway is stopped and fails the test below.
  if (!poll_until([&] { return daemon_->exited(); }, 120)) daemon_->send_signal(SIGKILL);
  CommandResult result = daemon_->wait();
  EXPECT_NE(result.status, 0) << result.err;
  EXPECT_NE(result.status, 128 + SIGKILL) << "the daemon started with a malformed rule file";
  EXPECT_TRUE(contains(result.err, "bad.yaml:3:")) << result.err;
  EXPECT_FALSE(contains(result.err, kWatchReadyLine)) << result.err;
}

TEST_F(WatchLive, MalformedRulesAtReloadKeepTheOldRules) {
  std::string markers = work_dir_ + "/marker-";
  for (int i = 0; i < 2; ++i) write_text_file(markers + std::to_string(i), "x\n");
  std::string rules = work_dir_ + "/rules.yaml";
  write_text_file(rules, marker_rule("Watch test rule A", markers));
  ASSERT_NO_FATAL_FAILURE(start_daemon({"-r", rules}));
  auto opened = [&](const std::string& file) {
    return [file](const json& alert) { return alert_field(alert, "fd.name") == file; };
  };
  ASSERT_EQ(run_program({"cat", markers + "0"}).status, 0);
  auto alerts = wait_for_alert(opened(markers + "0"));
  ASSERT_FALSE(alerts_where(alerts, opened(markers + "0")).empty()) << describe(alerts);

  ASSERT_NO_FATAL_FAILURE(replace_file(rules, "- rule: [unclosed\n"));
  daemon_->send_signal(SIGHUP);
  ASSERT_TRUE(daemon_->wait_for_stderr("reload failed")) << daemon_->stderr_so_far();
  EXPECT_FALSE(daemon_->exited()) << "the daemon ended on a bad reload";
  std::string err = daemon_->stderr_so_far();
  EXPECT_TRUE(contains(err.substr(err.find("reload failed")), rules)) << err;

  ASSERT_EQ(run_program({"cat", markers + "1"}).status, 0);
  wait_for_alert(opened(markers + "1"));
  alerts = stop_daemon();
  auto after = alerts_where(alerts, opened(markers + "1"));
  ASSERT_EQ(after.size(), 1u) << "the old rule did not fire after the failed reload: "
                              << describe(alerts);
  EXPECT_EQ(alert_rule(after.front()), "Watch test rule A");
}

// ---- Drops ----

// The value of an unlabelled Prometheus sample `name` in `text`; nullopt when absent.
std::optional<double> metric(const std::string& text, const std::string& name) {
  std::smatch match;
  std::regex line("(^|\n)" + name + " ([0-9.eE+-]+)");
  if (!std::regex_search(text, match, line)) return std::nullopt;
  return std::stod(match[2].str());
}

TEST_F(WatchLive, RingBufferOverflowIsCounted) {
  int port = free_loopback_port();
  // The smallest ring buffer (one page), so a burst overflows it.
  ASSERT_NO_FATAL_FAILURE(
      start_daemon({"--ring-buffer-bytes", "4096", "--metrics", "127.0.0.1:" + std::to_string(port),
                    "--drop-alert-threshold", "1"}));
  std::string before = http_get_loopback(port, "/metrics");
  ASSERT_TRUE(contains(before, "200")) << before;
  ASSERT_TRUE(metric(before, "bulkhead_events_dropped_total").has_value()) << before;

  // A burst of opens of a sensitive file (what the shipped rules capture), many more than a page
  // of records holds, as fast as this process can make them.
  std::string metrics_text;
  bool dropped = poll_until(
      [&] {
        for (int i = 0; i < 200000; ++i) {
          int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
          if (fd >= 0) close(fd);
        }
        metrics_text = http_get_loopback(port, "/metrics");
        return metric(metrics_text, "bulkhead_events_dropped_total").value_or(0) > 0;
      },
      60);
  EXPECT_TRUE(dropped) << "no drops counted after the bursts:\n" << metrics_text;
  auto alerts = wait_for_alert([](const json& alert) {
    return alert_rule(alert) == "Bulkhead internal: syscall event drop";
  });
  std::string err = daemon_->stderr_so_far();
  alerts = stop_daemon();
  auto drop_alerts = alerts_where(alerts, [](const json& alert) {
    return alert_rule(alert) == "Bulkhead internal: syscall event drop";
  });
  ASSERT_FALSE(drop_alerts.empty()) << "no drop alert; stderr:\n" << err;
  EXPECT_EQ(drop_alerts.front().value("priority", ""), "Critical") << drop_alerts.front().dump();
  EXPECT_GT(std::stoll(alert_field(drop_alerts.front(), "n_drops")), 0)
      << drop_alerts.front().dump();
  EXPECT_TRUE(contains(err, "events dropped")) << "drops not logged on stderr:\n" << err;
}

}  // namespace
}  // namespace bulkhead::testing
