// Building events by hand (tests) and generating realistic synthetic event streams (tests,
// benchmarks, `bulkhead` capture tools).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "capture/event.h"
#include "capture/thread_table.h"

namespace bulkhead::capture {

// One event that owns its string/byte arguments, so it can be kept, copied and replayed.
// params[0] (the result) is set from `result`; every other param starts absent.
class OwnedEvent {
 public:
  OwnedEvent(EventType type, int64_t tid, int64_t pid, int64_t result, uint64_t timestamp_ns = 0);
  // Starts over as a new event, keeping the string buffers' capacity (generators reuse one).
  void reset(EventType type, int64_t tid, int64_t pid, int64_t result, uint64_t timestamp_ns);

  // Sets a param by its schema name; throws bulkhead::Error for a name the type does not have.
  OwnedEvent& set(std::string_view name, int64_t number);
  OwnedEvent& set_bytes(std::string_view name, std::string_view bytes);
  // argv/env style: NUL-separated.
  OwnedEvent& set_list(std::string_view name, const std::vector<std::string>& items);
  OwnedEvent& set_cpu(uint16_t cpu);
  OwnedEvent& set_timestamp(uint64_t timestamp_ns);

  // A view whose byte params point into this object; valid until this object changes or dies.
  const Event& event() const;

 private:
  std::size_t index_of(std::string_view name) const;

  mutable Event event_;
  std::array<std::string, kMaxParams> bytes_;
  std::array<bool, kMaxParams> has_bytes_{};
};

using EventSink = std::function<void(const Event&)>;

// A simulated host: processes (on the host or in containers) that make syscalls, each call
// emitted as one exit Event to the sink (the event is valid during the sink call only). It keeps
// its own model of processes and fds (independent of ThreadTable) so that what it emits is
// consistent: fds returned by open are the ones later read and closed, children inherit cwd,
// container and fds, and so on. Every EventType has an emitting method.
class SyntheticHost {
 public:
  explicit SyntheticHost(EventSink sink, uint64_t start_ns = 1'700'000'000'000'000'000);

  // --- state that exists before the first event (goes into the capture's snapshot) ---
  void add_container(ContainerInfo container);
  // A process that is already running: no events. `container_id` "" = host.
  int64_t add_process(int64_t parent, const std::string& exepath,
                      const std::vector<std::string>& args, const std::string& container_id = "",
                      uint32_t uid = 0, uint32_t tty = 0);
  // Writes every current process, its fds and the containers into `table`.
  void snapshot(ThreadTable& table) const;

  // --- process lifecycle ---
  // fork/clone (parent side, then child side) + execve; returns the child's pid. `via` is the
  // creating syscall (clone, clone3, fork or vfork). The child inherits the parent's container.
  int64_t spawn(int64_t parent, const std::string& exepath, const std::vector<std::string>& args,
                EventType via = EventType::clone);
  int64_t fork(int64_t parent, EventType via = EventType::clone, uint64_t clone_flags = 0x11);
  // A thread of `process` (clone with CLONE_THREAD|CLONE_FILES|CLONE_VM...); returns its tid.
  int64_t spawn_thread(int64_t process);
  void exec(int64_t pid, const std::string& exepath, const std::vector<std::string>& args,
            int64_t result = 0);
  // execveat(fd, "", AT_EMPTY_PATH), e.g. of a memfd (marks EXE_FROM_MEMFD when fd is one).
  void execveat(int64_t pid, int64_t dirfd, const std::string& pathname,
                const std::vector<std::string>& args);
  void exit(int64_t pid, int64_t status = 0);

  // --- files ---
  int64_t open(int64_t pid, const std::string& path, uint32_t flags, uint32_t mode = 0,
               EventType via = EventType::openat, int64_t dirfd = -100, int64_t result = 0);
  int64_t creat(int64_t pid, const std::string& path, uint32_t mode);
  void close(int64_t pid, int64_t fd);
  void read(int64_t pid, int64_t fd, uint64_t size, std::string_view data = {});
  void write(int64_t pid, int64_t fd, uint64_t size, std::string_view data = {});
  int64_t dup(int64_t pid, int64_t fd, EventType via = EventType::dup, int64_t newfd = -1,
              uint32_t flags = 0);
  int64_t fcntl_dupfd(int64_t pid, int64_t fd, bool cloexec);
  std::pair<int64_t, int64_t> pipe(int64_t pid, EventType via = EventType::pipe2,
                                   uint32_t flags = 02000000);
  int64_t memfd_create(int64_t pid, const std::string& name, uint32_t flags = 0);
  void chmod(int64_t pid, const std::string& path, uint32_t mode, EventType via = EventType::chmod,
             int64_t fd = -100);
  void unlink(int64_t pid, const std::string& path, EventType via = EventType::unlinkat,
              uint32_t flags = 0);
  void rename(int64_t pid, const std::string& from, const std::string& to,
              EventType via = EventType::renameat2, uint32_t flags = 0);
  void link(int64_t pid, const std::string& target, const std::string& path, bool symbolic,
            bool at_variant);
  void mkdir(int64_t pid, const std::string& path, uint32_t mode, bool at_variant = true);
  void chdir(int64_t pid, const std::string& path);
  void fchdir(int64_t pid, int64_t fd);

  // --- network ---
  int64_t socket(int64_t pid, uint32_t domain, uint32_t type, uint32_t proto = 0);
  std::pair<int64_t, int64_t> socketpair(int64_t pid);
  // `ip` is dotted IPv4 or IPv6 text, or a path for AF_UNIX sockets.
  void connect(int64_t pid, int64_t fd, const std::string& ip, uint16_t port, int64_t result = 0);
  void bind(int64_t pid, int64_t fd, const std::string& ip, uint16_t port);
  void listen(int64_t pid, int64_t fd, int backlog = 511);
  int64_t accept(int64_t pid, int64_t listen_fd, const std::string& peer_ip, uint16_t peer_port,
                 EventType via = EventType::accept4);
  void send(int64_t pid, int64_t fd, uint64_t size, EventType via = EventType::sendto);
  void receive(int64_t pid, int64_t fd, uint64_t size, EventType via = EventType::recvfrom);

  // --- privileges, namespaces, kernel ---
  void setuid(int64_t pid, uint32_t uid, EventType via = EventType::setuid);
  void setgid(int64_t pid, uint32_t gid, EventType via = EventType::setgid);
  void capset(int64_t pid, uint64_t effective, uint64_t permitted);
  void ptrace(int64_t pid, uint64_t request, int64_t target);
  void mount(int64_t pid, const std::string& dev, const std::string& dir, const std::string& type,
             uint64_t flags, int64_t result = 0);
  void umount(int64_t pid, const std::string& dir, uint64_t flags = 0);
  void unshare(int64_t pid, uint64_t flags, int64_t result = 0);
  void setns(int64_t pid, int64_t fd, uint64_t nstype, int64_t result = 0);
  void init_module(int64_t pid, uint64_t length, const std::string& args);
  void finit_module(int64_t pid, int64_t fd, const std::string& args);
  int64_t bpf(int64_t pid, uint64_t cmd);
  int64_t userfaultfd(int64_t pid);
  void kill(int64_t pid, int64_t target, int signal, bool thread_directed = false);
  void prctl(int64_t pid, uint64_t option, const std::string& arg);

  // Gives a process a controlling terminal (setsid + TIOCSCTTY; no event of its own).
  void set_tty(int64_t pid, uint32_t tty) { process(pid).tty = tty; }

  // Processes currently alive (host model).
  bool alive(int64_t pid) const { return processes_.contains(pid); }
  const std::string& container_of(int64_t pid) const;
  uint64_t now() const { return now_; }
  uint64_t events_emitted() const { return emitted_; }
  // Advances the clock (each event also advances it a little).
  void advance(uint64_t ns) { now_ += ns; }

 private:
  struct Fd {
    FdType type = FdType::File;
    std::string name;
    uint32_t flags = 0;
  };
  struct Process {
    int64_t pid = 0, tid = 0, ppid = 0;
    std::string comm, exe, exepath, cwd = "/", container_id;
    std::vector<std::string> args;
    uint32_t uid = 0, gid = 0, tty = 0;
    uint64_t cap_effective = 0x1ffffffffffull, cap_permitted = 0x1ffffffffffull;
    bool from_memfd = false;
    std::shared_ptr<std::map<int64_t, Fd>> fds;
    std::string local_ip = "10.0.0.1";
  };

  Process& process(int64_t pid);
  OwnedEvent& begin(EventType type, const Process& caller, int64_t result);
  void emit();
  int64_t lowest_free_fd(const Process& p) const;
  int64_t add_fd(Process& p, Fd fd, int64_t at = -1);
  std::string resolve(const Process& p, const std::string& path) const;
  void set_exec_params(OwnedEvent& event, const Process& p);
  void set_clone_params(OwnedEvent& event, const Process& p, uint64_t flags);

  EventSink sink_;
  uint64_t now_;
  uint64_t emitted_ = 0;
  int64_t next_pid_ = 1000;
  std::map<int64_t, Process> processes_;
  std::map<int64_t, int64_t> threads_;  // extra thread tid -> process pid
  std::vector<ContainerInfo> containers_;
  OwnedEvent scratch_;
};

// Workload weights for the generator (relative; 0 disables a kind).
struct WorkloadMix {
  double shell = 20;           // interactive shells running coreutils, pipes, redirections
  double package_manager = 3;  // apt/dpkg unpacking under /usr, /var/lib/dpkg
  double web_server = 60;      // nginx/busybox httpd accept/read/write/close loops
  double compiler = 15;        // make/gcc/cc1/as/ld reading headers, writing objects
  double attack = 0.5;         // the attack scenarios, in turn
};

struct GeneratorOptions {
  uint64_t seed = 1;
  uint64_t events = 100'000;  // exactly this many events are produced
  WorkloadMix mix;
  uint32_t containers = 4;  // containers besides the host
  uint64_t start_ns = 1'700'000'000'000'000'000;
};

// The attack scenarios the generator interleaves, by name (for tests and docs).
std::vector<std::string_view> attack_scenario_names();
// Runs one named attack scenario on `host` from `shell` (a host process; scenarios that need a
// container use `container_shell`). Throws bulkhead::Error for an unknown name.
void run_attack_scenario(SyntheticHost& host, std::string_view name, int64_t shell,
                         int64_t container_shell);

// Deterministic for a given options value: fills `initial` with the processes alive before the
// first event, then calls `sink` for each event.
void generate_events(const GeneratorOptions& options, ThreadTable& initial, const EventSink& sink);
// generate_events into a capture file (snapshot first), flagged kCaptureSynthetic.
void generate_capture(const std::string& path, const GeneratorOptions& options);

}  // namespace bulkhead::capture
