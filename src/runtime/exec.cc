#include "runtime/exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "runtime/cgroup.h"
#include "runtime/console.h"
#include "runtime/container.h"
#include "runtime/process_security.h"
#include "runtime/relay.h"
#include "runtime/state.h"
#include "runtime/sync_socket.h"

namespace bulkhead::runtime {

namespace {

struct NamespaceToJoin {
  std::string name;  // as in /proc/PID/ns
  int clone_flag;
  UniqueFd fd;
};

// Opens the container's namespaces now, checking each is the one recorded at start: the pid
// may have been reused by an unrelated process since.
std::vector<NamespaceToJoin> open_namespaces(const ContainerRecord& record) {
  // The user namespace first: joining it is what grants the rights to join the others.
  const std::pair<const char*, int> order[] = {
      {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},
      {"net", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"pid", CLONE_NEWPID},
      {"mnt", CLONE_NEWNS},
  };
  std::map<std::string, uint64_t> live = namespace_inodes(record.pid);
  std::map<std::string, uint64_t> mine = namespace_inodes(getpid());
  std::vector<NamespaceToJoin> result;
  for (const auto& [name, flag] : order) {
    auto recorded = record.namespaces.find(name);
    if (recorded == record.namespaces.end()) continue;
    if (live[name] != recorded->second) {
      throw Error("container " + record.name + " is no longer running (its namespaces changed)");
    }
    if (mine[name] == recorded->second) continue;  // shared with the host (e.g. --network host)
    std::string path = "/proc/" + std::to_string(record.pid) + "/ns/" + name;
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("opening " + path);
    result.push_back({name, flag, std::move(fd)});
  }
  return result;
}

// The intermediate child: joins the cgroup and namespaces, then clones the real process as a
// sibling (CLONE_PARENT) so the monitor waits for it directly, and exits.
[[noreturn]] void enter_and_spawn(const ContainerRecord& record,
                                  std::vector<NamespaceToJoin>& namespaces,
                                  const PreparedProcess& prepared, const ExecOptions& options,
                                  SyncSocket& channel) {
  run_child_setup(channel, [&] {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    Cgroup::join(record.cgroup_paths, getpid());
    for (NamespaceToJoin& ns : namespaces) {
      if (setns(ns.fd.get(), ns.clone_flag) != 0)
        throw_errno("joining the " + ns.name + " namespace");
      ns.fd.reset();
    }
    long pid = syscall(SYS_clone, CLONE_PARENT, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) throw_errno("creating the process in the container");
    if (pid > 0) {
      channel.send(SyncMessage::Pid, std::to_string(pid));
      _exit(0);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    setsid();
    const spec::Process& process = prepared.process;
    attach_stdio(channel, process, options.interactive);
    std::string cwd = process.cwd.empty() ? "/" : process.cwd;
    if (chdir(cwd.c_str()) != 0) throw_errno("chdir " + cwd);
    apply_and_exec(prepared, channel.fd());
  });
}

}  // namespace

int exec_in_container(const std::string& name_or_id, const ExecOptions& options) {
  if (options.args.empty()) throw Error("exec needs a command");
  StateStore store(options.state_dir.empty() ? default_state_dir() : options.state_dir);
  std::optional<ContainerRecord> found = store.find(name_or_id);
  if (!found) throw Error("no such container: " + name_or_id);
  ContainerRecord record = *found;
  if (record.status != "running" || !store.is_alive(record)) {
    throw Error("container " + record.name + " is not running");
  }
  spec::Spec spec = spec::parse_spec(record.spec.dump(), store.dir() + "/" + record.id);
  spec.process.args = options.args;
  spec.process.terminal = options.tty;
  if (options.tty) spec.process.env.push_back("TERM=xterm");
  for (const std::string& entry : options.env) spec.process.env.push_back(entry);
  if (!options.cwd.empty()) spec.process.cwd = options.cwd;
  if (options.user) spec.process.user = *options.user;
  spec.annotations.erase(spec::kInitAnnotation);
  PreparedProcess prepared = prepare_process(spec, store.dir() + "/seccomp-cache");
  // setgroups is denied in a user namespace whose gid map was written directly by an
  // unprivileged user; the same holds for processes joining it.
  if (spec.linux.has_namespace(spec::NamespaceType::User) && geteuid() != 0) {
    std::string setgroups = "deny";
    try {
      setgroups = read_file("/proc/" + std::to_string(record.pid) + "/setgroups");
    } catch (const Error&) {
    }
    prepared.setgroups_allowed = setgroups.find("allow") != std::string::npos;
  }
  std::vector<NamespaceToJoin> namespaces = open_namespaces(record);

  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD}) {
    sigaddset(&forwarded, sig);
  }
  sigset_t previous;
  sigprocmask(SIG_BLOCK, &forwarded, &previous);
  struct MaskRestore {
    sigset_t mask;
    ~MaskRestore() { sigprocmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};
  UniqueFd signal_fd(signalfd(-1, &forwarded, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd) throw_errno("signalfd");

  auto [parent_end, child_end] = SyncSocket::pair();
  pid_t helper = fork();
  if (helper < 0) throw_errno("fork");
  if (helper == 0) {
    parent_end.close();
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    enter_and_spawn(record, namespaces, prepared, options, child_end);
  }
  child_end.close();
  namespaces.clear();
  pid_t process = -1;
  UniqueFd console;
  std::optional<Received> failure;
  for (;;) {
    std::optional<Received> message = parent_end.receive();
    if (!message) break;
    if (message->kind == SyncMessage::Pid) process = std::atoi(message->text.c_str());
    if (message->kind == SyncMessage::Console) console = std::move(message->fd);
    if (message->kind == SyncMessage::Error || message->kind == SyncMessage::ExecFailed) {
      failure = std::move(message);
    }
  }
  while (waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (failure) {
    if (process > 0) {
      kill(process, SIGKILL);
      waitpid(process, nullptr, 0);
    }
    raise_child_failure(*failure, "exec in " + record.name + " failed");
  }
  if (process <= 0) throw Error("exec in " + record.name + " failed before the process started");
  return exit_status_of(relay_until_exit(process, signal_fd.get(), console, options.interactive));
}

}  // namespace bulkhead::runtime
