#include "integration/watch_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "base/unique_fd.h"

namespace bulkhead::testing {

namespace {

void reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::vector<std::string> watch_command(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BULKHEAD_BINARY, "watch"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

// ---- WatchDaemon ----

WatchDaemon::WatchDaemon(const std::vector<std::string>& args, const RunAs& as)
    : process_(watch_command(args), as) {}

bool WatchDaemon::wait_for_stderr(const std::string& text, double deadline_seconds) {
  poll_until([&] { return exited() || contains(stderr_so_far(), text); }, deadline_seconds);
  return contains(stderr_so_far(), text);
}

bool WatchDaemon::wait_ready(double deadline_seconds) {
  return wait_for_stderr(kWatchReadyLine, deadline_seconds) && !exited();
}

CommandResult WatchDaemon::stop(double deadline_seconds) {
  send_signal(SIGTERM);
  if (!poll_until([&] { return exited(); }, deadline_seconds)) send_signal(SIGKILL);
  return wait();
}

// ---- Alerts ----

std::vector<nlohmann::json> read_alerts(const std::string& path) {
  std::vector<nlohmann::json> alerts;
  std::string text;
  try {
    text = read_text_file(path);
  } catch (const std::exception&) {
    return alerts;  // not created (yet)
  }
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = text.substr(start, end - start);
    if (line.empty()) continue;
    nlohmann::json alert = nlohmann::json::parse(line, nullptr, false);
    if (!alert.is_object()) alert = nlohmann::json{{"unparsable", line}};
    alerts.push_back(std::move(alert));
  }
  return alerts;
}

std::string alert_field(const nlohmann::json& alert, const std::string& field) {
  auto fields = alert.find("output_fields");
  if (fields == alert.end() || !fields->is_object()) return "";
  auto value = fields->find(field);
  if (value == fields->end()) return "";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_null()) return "<NA>";
  return value->dump();
}

std::string alert_rule(const nlohmann::json& alert) {
  auto rule = alert.find("rule");
  return rule != alert.end() && rule->is_string() ? rule->get<std::string>() : "";
}

std::vector<nlohmann::json> alerts_where(const std::vector<nlohmann::json>& alerts,
                                         const std::function<bool(const nlohmann::json&)>& pick) {
  std::vector<nlohmann::json> picked;
  for (const auto& alert : alerts)
    if (pick(alert)) picked.push_back(alert);
  return picked;
}

std::string describe(const std::vector<nlohmann::json>& alerts) {
  std::string text = std::to_string(alerts.size()) + " alert(s):\n";
  for (const auto& alert : alerts) text += alert.dump() + "\n";
  return text;
}

// ---- ScriptedContainer ----

ScriptedContainer::ScriptedContainer(const ContainerContext& context, const std::string& name,
                                     const std::string& rootfs,
                                     const std::vector<std::string>& flags,
                                     const std::string& script, bool terminal)
    : context_(context), name_(name) {
  control_dir_ = make_owned_temp_dir(context.uid(), context.gid(), 0755);
  std::string fifo = control_dir_ + "/go";
  if (mkfifo(fifo.c_str(), 0600) != 0 || chown(fifo.c_str(), context.uid(), context.gid()) != 0)
    throw std::runtime_error("mkfifo " + fifo + ": " + std::strerror(errno));
  std::string wrapped = "read line </watch-ctl/go\n{\n" + script +
                        "\n}\necho $? >/watch-ctl/done.tmp && mv /watch-ctl/done.tmp "
                        "/watch-ctl/done\nexec sleep 3600\n";
  std::vector<std::string> argv = {BULKHEAD_BINARY, "run"};
  if (terminal) argv.push_back("-t");
  argv.insert(argv.end(), {"--name", name, "-v", control_dir_ + ":/watch-ctl"});
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {rootfs, "sh", "-c", wrapped});
  RunAs as = context.run_as();
  if (terminal) {
    winsize size{};
    size.ws_row = 24;
    size.ws_col = 80;
    pty_pid_ = forkpty(&pty_master_, nullptr, nullptr, &size);
    if (pty_pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pty_pid_ == 0) become_and_exec(argv, as);
    // The terminal must be read or `bulkhead run` blocks once its buffer fills.
    pty_drain_ = std::thread([master = pty_master_] {
      char buffer[4096];
      for (;;) {
        ssize_t n = read(master, buffer, sizeof buffer);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        break;  // EIO: every slave descriptor is closed
      }
    });
  } else {
    run_ = std::make_unique<BackgroundProcess>(argv, as);
  }
  auto run_ended = [&] {
    if (run_) return run_->exited();
    int status = 0;
    return waitpid(pty_pid_, &status, WNOHANG) == pty_pid_ &&
           (stopped_ = CommandResult{status_of(status), "", ""}).has_value();
  };
  poll_until([&] {
    if (run_ended()) return true;
    CommandResult ps = context.bulkhead({"ps", "--json"});
    nlohmann::json records = nlohmann::json::parse(ps.out, nullptr, false);
    if (!records.is_array()) return false;
    for (const auto& record : records) {
      if (record.value("name", "") == name && record.value("status", "") == "running") {
        full_id_ = record.value("id", "");
        pid_ = record.value("pid", -1);
        return true;
      }
    }
    return false;
  });
  if (full_id_.empty()) {
    start_error_ = "container " + name + " did not start";
    if (run_ && run_->exited()) start_error_ += ": " + run_->wait().err;
    if (stopped_)
      start_error_ += ": bulkhead run -t ended with " + std::to_string(stopped_->status);
  }
}

std::optional<int> ScriptedContainer::release(double deadline_seconds) {
  if (full_id_.empty()) return std::nullopt;
  // Opening the FIFO for writing blocks until the container's `read` has it open: so open it
  // non-blocking in a loop, which also notices a container that ended.
  std::string fifo = control_dir_ + "/go";
  UniqueFd writer;
  poll_until(
      [&] {
        writer.reset(open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        return writer.valid();
      },
      deadline_seconds);
  if (!writer) return std::nullopt;
  if (write(writer.get(), "go\n", 3) != 3) return std::nullopt;
  writer.reset();
  std::string done = control_dir_ + "/done";
  if (!poll_until([&] { return access(done.c_str(), F_OK) == 0; }, deadline_seconds))
    return std::nullopt;
  return std::atoi(read_text_file(done).c_str());
}

CommandResult ScriptedContainer::stop() {
  if (stopped_ && !run_) return *stopped_;
  if (!full_id_.empty()) context_.bulkhead({"kill", name_, "KILL"});
  CommandResult result;
  if (run_) {
    result = run_->wait();
    run_.reset();
  } else if (pty_pid_ > 0) {
    int status = 0;
    while (waitpid(pty_pid_, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = status_of(status);
  }
  if (pty_drain_.joinable()) pty_drain_.join();
  if (pty_master_ >= 0) close(pty_master_);
  pty_master_ = -1;
  pty_pid_ = -1;
  stopped_ = result;
  return result;
}

ScriptedContainer::~ScriptedContainer() {
  if (!stopped_ || run_ || pty_pid_ > 0) {
    if (!full_id_.empty()) context_.bulkhead({"kill", name_, "KILL"});
    if (pty_pid_ > 0) {
      // `bulkhead kill` failed or never ran: end `bulkhead run` itself.
      if (!poll_until([&] { return waitpid(pty_pid_, nullptr, WNOHANG) == pty_pid_; }, 30)) {
        kill(pty_pid_, SIGKILL);
        reap(pty_pid_);
      }
      pty_pid_ = -1;
    }
    run_.reset();  // SIGKILLs and reaps it when still running
  }
  if (pty_drain_.joinable()) pty_drain_.join();
  if (pty_master_ >= 0) close(pty_master_);
  remove_tree(control_dir_);
}

// ---- TestNetworkHost ----

TestNetworkHost::TestNetworkHost(int port) : port_(port) {
  std::string id = std::to_string(getpid());
  namespace_name_ = "bhwatch-" + id;
  host_link_ = "bhw" + id + "a";
  peer_link_ = "bhw" + id + "b";
  auto step = [&](const std::vector<std::string>& argv) {
    if (!error_.empty()) return;
    CommandResult result = run_program(argv);
    if (result.status != 0) {
      std::string command;
      for (const auto& arg : argv) command += arg + " ";
      error_ = command + "failed: " + result.err;
    }
  };
  std::string ns = namespace_name_;
  step({"ip", "netns", "add", ns});
  step({"ip", "link", "add", host_link_, "type", "veth", "peer", "name", peer_link_});
  step({"ip", "link", "set", peer_link_, "netns", ns});
  step({"ip", "addr", "add", std::string(kHostAddress) + "/24", "dev", host_link_});
  step({"ip", "link", "set", host_link_, "up"});
  step({"ip", "netns", "exec", ns, "ip", "addr", "add", std::string(kPeerAddress) + "/24", "dev",
        peer_link_});
  step({"ip", "netns", "exec", ns, "ip", "link", "set", peer_link_, "up"});
  step({"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"});
  if (!error_.empty()) return;
  // Never let a test connect anywhere but here: the host must route the peer through the veth.
  CommandResult route = run_program({"ip", "route", "get", kPeerAddress});
  if (!contains(route.out, "dev " + host_link_)) {
    error_ = "198.51.100.2 is not routed through " + host_link_ + ": " + route.out;
    return;
  }
  UniqueFd netns(open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) {
    error_ = "cannot open /run/netns/" + ns + ": " + std::strerror(errno);
    return;
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  listener_ = fork();
  if (listener_ < 0) {
    error_ = "fork failed";
    return;
  }
  if (listener_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(ready[0]);
    if (setns(netns.get(), CLONE_NEWNET) != 0) _exit(1);
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    inet_pton(AF_INET, kPeerAddress, &address.sin_addr);
    int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (server < 0 || bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(server, 16) != 0)
      _exit(1);
    if (write(ready[1], "y", 1) != 1) _exit(1);
    for (;;) {
      int client = accept(server, nullptr, nullptr);
      if (client >= 0) close(client);
    }
  }
  close(ready[1]);
  char answer = 0;
  ssize_t n = read(ready[0], &answer, 1);
  close(ready[0]);
  if (n != 1 || answer != 'y') error_ = "the listener in " + ns + " did not start";
}

TestNetworkHost::~TestNetworkHost() {
  if (listener_ > 0) {
    kill(listener_, SIGKILL);
    reap(listener_);
  }
  run_program({"ip", "link", "del", host_link_});
  run_program({"ip", "netns", "del", namespace_name_});
}

// ---- A fileless execution inside a container ----

CommandResult memfd_exec_in_container(pid_t container_pid, const std::vector<std::string>& argv) {
  UniqueFd pid_ns(
      open(("/proc/" + std::to_string(container_pid) + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd mount_ns(
      open(("/proc/" + std::to_string(container_pid) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if (!pid_ns || !mount_ns)
    throw std::runtime_error("cannot open the namespaces of pid " + std::to_string(container_pid));
  UniqueFd output(memfd_create("memfd-exec-out", MFD_CLOEXEC));
  if (!output) throw std::runtime_error("memfd_create failed");
  pid_t entering = fork();
  if (entering < 0) throw std::runtime_error("fork failed");
  if (entering == 0) {
    // Joining a pid namespace applies to children: this process enters, its child is in it.
    if (setns(mount_ns.get(), CLONE_NEWNS) != 0 || setns(pid_ns.get(), CLONE_NEWPID) != 0)
      _exit(120);
    pid_t inside = fork();
    if (inside < 0) _exit(121);
    if (inside == 0) {
      if (dup2(output.get(), 1) < 0 || dup2(output.get(), 2) < 0) _exit(122);
      int program = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
      int memory = memfd_create("bulkhead-watch-test", MFD_CLOEXEC);
      if (program < 0 || memory < 0) _exit(123);
      char buffer[65536];
      for (;;) {
        ssize_t n = read(program, buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0 || write(memory, buffer, n) != n) _exit(124);
      }
      close(program);
      std::vector<char*> args;
      for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      char* no_environment[] = {nullptr};
      fexecve(memory, args.data(), no_environment);
      _exit(125);
    }
    int status = 0;
    while (waitpid(inside, &status, 0) < 0 && errno == EINTR) {
    }
    _exit(status_of(status));
  }
  int status = 0;
  while (waitpid(entering, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.status = status_of(status);
  result.out = read_all_from_start(output.get());
  return result;
}

// ---- Loopback HTTP ----

std::string http_get_loopback(int port, const std::string& path) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return "";
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    return "";
  std::string response;
  char buffer[8192];
  for (;;) {
    pollfd wait_for{fd.get(), POLLIN, 0};
    if (poll(&wait_for, 1, 30000) <= 0) break;  // a generous deadline, not a measurement
    ssize_t n = recv(fd.get(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    response.append(buffer, n);
  }
  return response;
}

std::optional<std::string> live_capture_unavailable() {
  if (geteuid() != 0) return "live capture needs root";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return "the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load";
  if (auto why = containers_unavailable()) return why;
  for (const char* tool : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (access(tool, X_OK) == 0) return std::nullopt;
  return "iproute2's ip is missing (the outbound test builds a network namespace with it)";
}

}  // namespace bulkhead::testing
