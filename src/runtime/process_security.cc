#include "runtime/process_security.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "mac/labels.h"
#include "runtime/console.h"
#include "runtime/seccomp_cache.h"
#include "seccomp/compiler.h"
#include "seccomp/filter.h"

namespace bulkhead::runtime {

namespace {

const std::map<std::string, int>& rlimit_numbers() {
  static const std::map<std::string, int> numbers = {
      {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},
      {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
      {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  };
  return numbers;
}

unsigned seccomp_flag_bits(const std::vector<std::string>& flags) {
  unsigned bits = 0;
  for (const std::string& flag : flags) {
    if (flag == "SECCOMP_FILTER_FLAG_TSYNC") {
      bits |= SECCOMP_FILTER_FLAG_TSYNC;
    } else if (flag == "SECCOMP_FILTER_FLAG_LOG") {
      bits |= SECCOMP_FILTER_FLAG_LOG;
    } else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
      bits |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else {
      // NEW_LISTENER and WAIT_KILLABLE_RECV only make sense with a notify agent, which
      // Bulkhead does not run: refusing beats loading a filter whose NOTIFY rules would
      // fail every call they match with ENOSYS.
      throw Error("seccomp flag " + flag + " is not supported by bulkhead run");
    }
  }
  return bits;
}

void set_capabilities(const std::optional<spec::Capabilities>& wanted) {
  spec::Capabilities sets;  // absent → every set empty
  if (wanted) sets = *wanted;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  auto fill = [&](uint64_t mask, uint32_t __user_cap_data_struct::*field) {
    data[0].*field = static_cast<uint32_t>(mask);
    data[1].*field = static_cast<uint32_t>(mask >> 32);
  };
  fill(sets.effective.mask(), &__user_cap_data_struct::effective);
  fill(sets.permitted.mask(), &__user_cap_data_struct::permitted);
  fill(sets.inheritable.mask(), &__user_cap_data_struct::inheritable);
  if (syscall(SYS_capset, &header, data) != 0) throw_errno("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    throw_errno("clearing ambient capabilities");
  }
  for (int cap = 0; cap <= caps::kLastCap; ++cap) {
    if (!sets.ambient.has(cap)) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      throw_errno("raising ambient capability " + caps::cap_name(cap) +
                  " (it must also be permitted and inheritable)");
    }
  }
}

void drop_bounding_set(const std::optional<spec::Capabilities>& wanted) {
  // Every number a capability can have, not just those this build or /proc names: a kernel
  // newer than both must not leave its new capabilities in the set. PR_CAPBSET_READ fails for
  // numbers the kernel does not have.
  constexpr int kHighestPossibleCap = 63;
  for (int cap = 0; cap <= kHighestPossibleCap; ++cap) {
    if (wanted && cap <= caps::kLastCap && wanted->bounding.has(cap)) continue;
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) <= 0) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      throw_errno("dropping " + caps::cap_name(cap) + " from the bounding set");
    }
  }
}

void switch_user(const PreparedProcess& prepared) {
  const spec::User& user = prepared.process.user;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) throw_errno("PR_SET_KEEPCAPS");
  std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
  if (prepared.setgroups_allowed) {
    if (setgroups(groups.size(), groups.data()) != 0) throw_errno("setgroups");
  } else if (!groups.empty()) {
    throw Error(
        "additional groups need setgroups(2), which this user namespace denies (its gid map "
        "was written without newgidmap)");
  }
  if (setresgid(user.gid, user.gid, user.gid) != 0) {
    throw_errno("setresgid(" + std::to_string(user.gid) + ")");
  }
  if (setresuid(user.uid, user.uid, user.uid) != 0) {
    throw_errno("setresuid(" + std::to_string(user.uid) + ")");
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) throw_errno("PR_SET_KEEPCAPS");
}

void set_rlimits(const std::vector<spec::Rlimit>& rlimits) {
  for (const spec::Rlimit& limit : rlimits) {
    auto it = rlimit_numbers().find(limit.type);
    if (it == rlimit_numbers().end()) throw Error("unknown rlimit " + limit.type);
    rlimit value{limit.soft, limit.hard};
    if (setrlimit(it->second, &value) != 0) {
      throw_errno("setting " + limit.type + " to " + std::to_string(limit.soft) + ":" +
                  std::to_string(limit.hard) +
                  " (raising a hard limit needs CAP_SYS_RESOURCE on the host)");
    }
  }
}

void load_seccomp(const seccomp::Program& program, unsigned flags) {
  sock_fprog fprog{static_cast<unsigned short>(program.insns.size()),
                   const_cast<sock_filter*>(program.insns.data())};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog) != 0) {
    throw_errno("loading the seccomp filter");
  }
}

[[noreturn]] void exec_command(const spec::Process& process) {
  std::vector<char*> argv;
  for (const std::string& arg : process.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : process.env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  int first_error = ENOENT;
  bool seen_other = false;
  for (const std::string& candidate : executable_candidates(process)) {
    execve(candidate.c_str(), argv.data(), envp.data());
    // Like execvp: remember the first error that is not "no such file here".
    if (errno != ENOENT && errno != ENOTDIR && !seen_other) {
      first_error = errno;
      seen_other = true;
    }
  }
  throw ExecFailure("executing " + process.args.front(), first_error);
}

// pid 1 of the container when --init is asked for: the command is its child; it forwards the
// signals a container receives and reaps every zombie re-parented to it.
[[noreturn]] void run_init(const spec::Process& process, int setup_channel_fd) {
  sigset_t all;
  sigfillset(&all);
  sigset_t previous;
  sigprocmask(SIG_SETMASK, &all, &previous);
  pid_t child = fork();
  if (child < 0) throw_errno("fork for --init");
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    setsid();
    exec_command(process);
  }
  close(setup_channel_fd);
  int exit_status = 0;
  for (;;) {
    siginfo_t info{};
    if (sigwaitinfo(&all, &info) < 0) continue;
    if (info.si_signo != SIGCHLD) {
      kill(child, info.si_signo);
      continue;
    }
    for (;;) {
      int status = 0;
      pid_t reaped = waitpid(-1, &status, WNOHANG);
      if (reaped <= 0) break;
      if (reaped != child) continue;
      exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      _exit(exit_status);
    }
  }
}

}  // namespace

void run_child_setup(const SyncSocket& channel, const std::function<void()>& setup) {
  constexpr int kSetupFailedStatus = 127;
  try {
    setup();
  } catch (const ExecFailure& e) {
    try {
      channel.send(SyncMessage::ExecFailed, std::to_string(e.code()) + " " + e.what());
    } catch (...) {
    }
  } catch (const std::exception& e) {
    try {
      channel.send(SyncMessage::Error, e.what());
    } catch (...) {
    }
  }
  _exit(kSetupFailedStatus);
}

void raise_child_failure(const Received& message, const std::string& context) {
  if (message.kind != SyncMessage::ExecFailed) throw Error(context + ": " + message.text);
  size_t space = message.text.find(' ');
  int err = std::atoi(message.text.substr(0, space).c_str());
  std::string what = space == std::string::npos ? message.text : message.text.substr(space + 1);
  throw ExitStatusError(what, err == ENOENT || err == ENOTDIR ? 127 : 126);
}

void attach_stdio(const SyncSocket& channel, const spec::Process& process, bool interactive) {
  if (process.terminal) {
    attach_container_console(channel, process.console_size);
  } else if (!interactive) {
    UniqueFd null(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null || dup2(null.get(), STDIN_FILENO) < 0) throw_errno("stdin from /dev/null");
  }
}

std::vector<std::string> executable_candidates(const spec::Process& process) {
  const std::string& command = process.args.front();
  if (command.find('/') != std::string::npos) return {command};
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& entry : process.env) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  std::vector<std::string> candidates;
  for (const std::string& dir : split(path, ':')) {
    candidates.push_back((dir.empty() ? "." : dir) + "/" + command);
  }
  return candidates;
}

PreparedProcess prepare_process(const spec::Spec& spec, const std::string& seccomp_cache_dir) {
  PreparedProcess prepared;
  prepared.process = spec.process;
  if (prepared.process.args.empty()) throw Error("process.args is empty: nothing to run");
  for (const spec::Rlimit& limit : prepared.process.rlimits) {
    if (!rlimit_numbers().count(limit.type)) throw Error("unknown rlimit " + limit.type);
    if (limit.soft > limit.hard) {
      throw Error(limit.type + ": soft limit " + std::to_string(limit.soft) +
                  " is above the hard limit " + std::to_string(limit.hard));
    }
  }
  if (spec.linux.seccomp) {
    const seccomp::Profile& profile = *spec.linux.seccomp;
    if (!profile.listener_path.empty()) {
      throw Error("seccomp listenerPath is not supported by bulkhead run (no notify agent)");
    }
    prepared.seccomp_flags = seccomp_flag_bits(profile.flags);
    // A notify rule needs an agent answering on a listener fd, which bulkhead does not run.
    bool notify = profile.default_action == seccomp::ActionKind::Notify;
    for (const seccomp::SyscallRule& rule : profile.syscalls) {
      notify |= rule.action == seccomp::ActionKind::Notify;
    }
    if (notify) {
      throw Error(
          "the seccomp profile uses SCMP_ACT_NOTIFY, which needs a notify agent that "
          "bulkhead run does not provide");
    }
    seccomp::ResolveOptions options;
    if (spec.process.capabilities) options.caps = spec.process.capabilities->bounding;
    prepared.seccomp = compile_seccomp_cached(profile, options, seccomp_cache_dir);
  }
  auto landlock = spec.annotations.find(spec::kLandlockAnnotation);
  if (landlock != spec.annotations.end()) {
    prepared.landlock = mac::parse_landlock_policy(
        landlock->second, std::string("annotation ") + spec::kLandlockAnnotation);
    int kernel_abi = mac::landlock_abi();
    if (!prepared.landlock->best_effort && prepared.landlock->required_abi() > kernel_abi) {
      throw Error(
          "the Landlock policy " + prepared.landlock->source + " needs Landlock ABI " +
          std::to_string(prepared.landlock->required_abi()) + " but this kernel has " +
          (kernel_abi == 0 ? std::string("no Landlock") : "ABI " + std::to_string(kernel_abi)) +
          " (set best_effort: true to run with what the kernel supports)");
    }
  }
  mac::check_label_support(spec.process.apparmor_profile, spec.process.selinux_label);
  auto init = spec.annotations.find(spec::kInitAnnotation);
  prepared.init = init != spec.annotations.end() && init->second == "true";
  return prepared;
}

void apply_and_exec(const PreparedProcess& prepared, int setup_channel_fd) {
  const spec::Process& process = prepared.process;
  if (process.user.umask) umask(*process.user.umask);
  set_rlimits(process.rlimits);
  if (process.oom_score_adj) {
    write_file("/proc/self/oom_score_adj", std::to_string(*process.oom_score_adj));
  }
  // Labels are written through /proc, so before Landlock, which may not grant /proc.
  mac::apply_exec_labels(process.apparmor_profile, process.selinux_label);
  // Landlock needs CAP_SYS_ADMIN or no_new_privs: apply it while capabilities are still held,
  // so a spec without no_new_privs still gets its policy.
  if (prepared.landlock) mac::apply_landlock(*prepared.landlock);
  drop_bounding_set(process.capabilities);
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while this process is
  // still root with every capability (the user switch below may clear them), as runc does. The
  // filter then also governs the remaining setup calls, which the default profile allows. With
  // no_new_privs, load it last so that setup's own syscalls are not filtered.
  if (prepared.seccomp && !process.no_new_privileges) {
    load_seccomp(*prepared.seccomp, prepared.seccomp_flags);
  }
  switch_user(prepared);
  set_capabilities(process.capabilities);
  if (process.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    throw_errno("PR_SET_NO_NEW_PRIVS");
  }
  // setuid cleared the parent-death signal; a container must not outlive its monitor.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (prepared.seccomp && process.no_new_privileges) {
    load_seccomp(*prepared.seccomp, prepared.seccomp_flags);
  }
  if (prepared.init) run_init(process, setup_channel_fd);
  exec_command(process);
}

}  // namespace bulkhead::runtime
