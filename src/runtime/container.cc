#include "runtime/container.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "runtime/cgroup.h"
#include "runtime/console.h"
#include "runtime/mounts.h"
#include "runtime/process_security.h"
#include "runtime/relay.h"
#include "runtime/state.h"
#include "runtime/sync_socket.h"
#include "runtime/userns.h"

namespace bulkhead::runtime {

namespace {

unsigned long clone_flags(const spec::Linux& linux) {
  unsigned long flags = 0;
  for (const spec::Namespace& ns : linux.namespaces) {
    if (!ns.path.empty()) {
      throw Error("joining an existing " + std::string(spec::namespace_type_name(ns.type)) +
                  " namespace (linux.namespaces path) is not supported by bulkhead run");
    }
    switch (ns.type) {
      case spec::NamespaceType::Pid:
        flags |= CLONE_NEWPID;
        break;
      case spec::NamespaceType::Network:
        flags |= CLONE_NEWNET;
        break;
      case spec::NamespaceType::Mount:
        flags |= CLONE_NEWNS;
        break;
      case spec::NamespaceType::Ipc:
        flags |= CLONE_NEWIPC;
        break;
      case spec::NamespaceType::Uts:
        flags |= CLONE_NEWUTS;
        break;
      case spec::NamespaceType::User:
        flags |= CLONE_NEWUSER;
        break;
      case spec::NamespaceType::Cgroup:
        flags |= CLONE_NEWCGROUP;
        break;
      case spec::NamespaceType::Time:
        flags |= CLONE_NEWTIME;
        break;
    }
  }
  if (!(flags & CLONE_NEWNS)) {
    throw Error("a container needs its own mount namespace (linux.namespaces has no \"mount\")");
  }
  return flags;
}

void bring_up_loopback() {
  UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("socket for configuring lo");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) throw_errno("reading the flags of lo");
  request.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0) throw_errno("bringing lo up");
}

// "pid=4026531836 mnt=…": the child's namespaces, as it reports them to the monitor.
std::string namespace_inodes_text(pid_t pid) {
  std::string text;
  for (const auto& [name, inode] : namespace_inodes(pid)) {
    text += name + "=" + std::to_string(inode) + " ";
  }
  return text;
}

std::map<std::string, uint64_t> parse_namespace_inodes_text(const std::string& text) {
  std::map<std::string, uint64_t> inodes;
  for (const std::string& item : split(text, ' ')) {
    size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    if (auto inode = parse_uint64(item.substr(eq + 1))) inodes[item.substr(0, eq)] = *inode;
  }
  return inodes;
}

// Everything the child needs, fixed before clone so the child only applies.
struct ChildPlan {
  const spec::Spec* spec;
  const PreparedProcess* prepared;
  unsigned long flags;
  bool new_cgroup_namespace;
  bool interactive;
};

// The child: waits until its id maps and cgroup are in place, builds the container around
// itself, then hands over to the command. Any failure goes back to the parent as text.
[[noreturn]] void child_main(const ChildPlan& plan, SyncSocket& channel) {
  run_child_setup(channel, [&] {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    std::optional<Received> go = channel.receive();
    if (!go || go->kind != SyncMessage::Go) throw Error("the monitor gave up before setup");
    const spec::Spec& spec = *plan.spec;
    if (plan.flags & CLONE_NEWUSER) {
      // Become the namespace's root. A rootless child already is (its uid is the one mapped to
      // 0); root with --userns=auto is not, as host root is not mapped at all.
      if (setresgid(0, 0, 0) != 0) throw_errno("becoming gid 0 in the user namespace");
      if (setresuid(0, 0, 0) != 0) throw_errno("becoming uid 0 in the user namespace");
    }
    // A session of its own: terminal signals reach the container only through the monitor,
    // which forwards them once.
    setsid();
    // The cgroup namespace is made now, after the parent moved us into the container's
    // cgroup, so that cgroup is the namespace's root: the container sees "/" in
    // /proc/self/cgroup, not the host's hierarchy.
    if (plan.new_cgroup_namespace && unshare(CLONE_NEWCGROUP) != 0) {
      throw_errno("creating the cgroup namespace");
    }
    // Report the namespaces now, while the monitor could not necessarily read them later (a
    // rootless container's process may switch to a subordinate uid, or exit at once), and wait
    // until they are in the state record: `bulkhead watch` names a container by the namespaces
    // in its record, so none of the command's events may come before them.
    channel.send(SyncMessage::Namespaces, namespace_inodes_text(0));
    std::optional<Received> recorded = channel.receive();
    if (!recorded || recorded->kind != SyncMessage::Go)
      throw Error("the monitor gave up before recording the container's namespaces");
    if (plan.flags & CLONE_NEWUTS) {
      if (sethostname(spec.hostname.c_str(), spec.hostname.size()) != 0) {
        throw_errno("sethostname " + spec.hostname);
      }
    }
    if (plan.flags & CLONE_NEWNET) bring_up_loopback();
    enter_root_filesystem(spec);
    finish_root_filesystem(spec);
    attach_stdio(channel, spec.process, plan.interactive);
    const std::string& cwd = spec.process.cwd.empty() ? std::string("/") : spec.process.cwd;
    if (chdir(cwd.c_str()) != 0) {
      if (errno != ENOENT) throw_errno("chdir " + cwd);
      // Docker creates a missing working directory.
      std::string prefix;
      for (const std::string& part : split(cwd, '/')) {
        if (part.empty()) continue;
        prefix += "/" + part;
        if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + prefix);
      }
      if (chdir(cwd.c_str()) != 0) throw_errno("chdir " + cwd);
    }
    apply_and_exec(*plan.prepared, channel.fd());
  });
}

// fork() semantics (no new stack) with namespace flags. With a cgroup v2 directory, the child
// is born in it (CLONE_INTO_CGROUP): moving a running process by writing cgroup.procs waits
// for an RCU grace period, which costs more than the rest of a container's start together.
pid_t clone_child(unsigned long flags, int cgroup_fd) {
  clone_args args{};
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
  }
  long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid < 0 && errno == ENOSYS) {
    pid = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  }
  if (pid < 0) {
    int err = errno;
    std::string hint;
    if (err == EPERM && !(flags & CLONE_NEWUSER) && geteuid() != 0) {
      hint = " (an unprivileged user needs a user namespace)";
    } else if (err == ENOSPC || err == EUSERS) {
      hint = " (namespace limit in /proc/sys/user reached)";
    }
    throw SystemError("creating the container's namespaces" + hint, err);
  }
  return static_cast<pid_t>(pid);
}

const int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Blocks the signals the monitor handles through a signalfd; restores the mask when done.
class MonitorSignals {
 public:
  MonitorSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kForwardedSignals) sigaddset(&set, sig);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, &previous_) != 0) throw_errno("sigprocmask");
    fd_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw_errno("signalfd");
  }
  ~MonitorSignals() { sigprocmask(SIG_SETMASK, &previous_, nullptr); }
  int fd() const { return fd_.get(); }
  const sigset_t& previous() const { return previous_; }

 private:
  sigset_t previous_{};
  UniqueFd fd_;
};

// Removes the container's state record when the monitor is done, whatever the path out.
class StateRecordGuard {
 public:
  StateRecordGuard(StateStore& store, std::string id) : store_(store), id_(std::move(id)) {}
  ~StateRecordGuard() {
    try {
      store_.remove(id_);
    } catch (...) {
    }
  }

 private:
  StateStore& store_;
  std::string id_;
};

// Kills and reaps the child if setup fails after clone.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  void release() { pid_ = -1; }

 private:
  pid_t pid_;
};

}  // namespace

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

int run_container(const spec::Spec& requested, const RunOptions& options) {
  spec::Spec spec = requested;
  struct stat root_info {};
  if (stat(spec.root.path.c_str(), &root_info) != 0 || !S_ISDIR(root_info.st_mode)) {
    throw Error("root filesystem " + spec.root.path + " is not a directory");
  }
  unsigned long flags = clone_flags(spec.linux);
  bool user_namespace = flags & CLONE_NEWUSER;
  if (!user_namespace && geteuid() != 0) {
    throw Error("running a container without a user namespace needs root");
  }
  std::optional<IdMapWriter> map_writer;
  if (user_namespace) {
    if (spec.linux.uid_mappings.empty() || spec.linux.gid_mappings.empty()) {
      throw Error("a user namespace needs linux.uidMappings and linux.gidMappings");
    }
    map_writer = choose_id_map_writer(spec.linux);
  }
  StateStore store(options.state_dir.empty() ? default_state_dir() : options.state_dir);
  PreparedProcess prepared = prepare_process(spec, store.dir() + "/seccomp-cache");
  if (map_writer) prepared.setgroups_allowed = setgroups_allowed(*map_writer);

  std::string id = generate_container_id();
  if (spec.hostname.empty()) {
    spec.hostname = id.substr(0, 12);
    bool has_hostname_env = false;
    for (const std::string& entry : spec.process.env) {
      has_hostname_env |= entry.rfind("HOSTNAME=", 0) == 0;
    }
    if (!has_hostname_env) spec.process.env.push_back("HOSTNAME=" + spec.hostname);
    prepared.process.env = spec.process.env;
  }
  ContainerRecord record;
  record.id = id;
  record.name = options.name.empty() ? default_name(id) : options.name;
  record.rootfs = spec.root.path;
  record.created = current_time_rfc3339();
  record.owner_uid = geteuid();
  record.monitor_pid = getpid();
  record.spec = spec::spec_to_json(spec);
  record.status = "creating";
  store.create(record);
  StateRecordGuard state_guard(store, id);

  Cgroup cgroup = Cgroup::create(id, spec.linux.resources.value_or(spec::Resources{}));
  record.cgroup_paths = cgroup.paths();

  MonitorSignals signals;
  auto [parent_end, child_end] = SyncSocket::pair();
  ChildPlan plan{&spec, &prepared, flags, static_cast<bool>(flags & CLONE_NEWCGROUP),
                 options.interactive};
  // The v2 cgroup (if any) is joined at birth; v1 ones (hybrid hosts) through cgroup.procs.
  UniqueFd unified_cgroup;
  if (auto unified = cgroup.unified_path()) {
    unified_cgroup.reset(open(unified->c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!unified_cgroup) throw_errno("opening cgroup " + *unified);
  }
  pid_t pid =
      clone_child(flags & ~static_cast<unsigned long>(CLONE_NEWCGROUP), unified_cgroup.get());
  if (pid == 0) {
    parent_end.close();
    sigprocmask(SIG_SETMASK, &signals.previous(), nullptr);
    child_main(plan, child_end);
  }
  ChildGuard child_guard(pid);
  child_end.close();

  if (map_writer) write_id_maps(pid, spec.linux, *map_writer);
  cgroup.add_process(pid, /*born_in_unified=*/unified_cgroup.valid());
  unified_cgroup.reset();
  parent_end.send(SyncMessage::Go);

  UniqueFd console;
  for (;;) {
    std::optional<Received> message = parent_end.receive();
    if (!message) break;  // the command's exec closed the channel: it runs
    if (message->kind == SyncMessage::Console) {
      console = std::move(message->fd);
    } else if (message->kind == SyncMessage::Namespaces) {
      record.namespaces = parse_namespace_inodes_text(message->text);
      // Recorded before the child goes on (it waits for this Go), not when the command runs:
      // `bulkhead watch` names a container by the namespaces in its record.
      store.update(record);
      parent_end.send(SyncMessage::Go);
    } else if (message->kind == SyncMessage::Error || message->kind == SyncMessage::ExecFailed) {
      raise_child_failure(*message, "container setup failed");
    }
  }
  parent_end.close();

  record.pid = pid;
  record.pid_start_time = process_start_time(pid);
  record.status = "running";
  store.update(record);

  child_guard.release();
  int status = relay_until_exit(pid, signals.fd(), console, options.interactive);
  return exit_status_of(status);
}

}  // namespace bulkhead::runtime
