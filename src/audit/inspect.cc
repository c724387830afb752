#include "audit/inspect.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

#include "base/error.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace bulkhead::audit {

namespace {

// ---- Reading /proc ----

std::optional<std::string> try_read(const std::string& path) {
  try {
    return read_file(path);
  } catch (const SystemError&) {
    return std::nullopt;
  }
}

std::optional<uint64_t> status_hex(std::string_view status, std::string_view key) {
  std::string value = proc_status_field(status, key);
  if (value.empty()) return std::nullopt;
  return parse_uint64("0x" + value);
}

std::string errno_name(int error) {
  if (const char* name = ::strerrorname_np(error)) return name;
  return "errno " + std::to_string(error);
}

// ---- System call probes ----

// Probes never pass arguments the kernel could act on: each call below fails at its argument
// checks when seccomp and the permission checks let it through. The comment on each says
// which check stops it, so a reviewer can verify that nothing is ever mounted, loaded, set or
// rebooted. They also run in a forked child, so even a probe that succeeded against all
// expectation (or a namespace change) would end with that child.
struct ProbeSpec {
  const char* name;
  const char* why;
  int needs_cap;      // the capability the kernel demands first, -1 when none is always needed
  bool host_ns_only;  // that capability counts only in the host's user namespace
  long (*call)();     // returns the raw syscall result (-1 with errno set on failure)
  bool returns_fd;    // a success would hand back a descriptor: close it
  // What lacking `needs_cap` leaves possible, when not "nothing".
  const char* without_cap = nullptr;
};

// Invalid flag bits that no kernel defines for the calls below.
constexpr unsigned long kUnknownFlag = 0x40000000UL;

const ProbeSpec kProbes[] = {
    {"mount", "mount file systems: reach host devices, undo read-only and masked paths", 21, false,
     // NULL target: the path lookup fails with EFAULT before any permission check.
     [] { return syscall(SYS_mount, nullptr, nullptr, nullptr, 0UL, nullptr); }, false},
    {"umount2", "unmount the masks over /proc and /sys and see what they hide", 21, false,
     // Unknown flag: EINVAL before the path is even looked at.
     [] { return syscall(SYS_umount2, nullptr, kUnknownFlag | 0x80000000UL); }, false},
    {"unshare", "create namespaces: a user namespace opens kernel code meant for root", -1, false,
     // CLONE_PARENT is not an unshare flag: EINVAL before anything is unshared.
     [] {
       return syscall(SYS_unshare,
                      static_cast<unsigned long>(CLONE_NEWUSER | CLONE_NEWNS | CLONE_PARENT));
     },
     false},
    {"setns", "join other processes' namespaces (the host's, given a descriptor)", 21, false,
     // Descriptor -1: EBADF.
     [] { return syscall(SYS_setns, -1, 0); }, false},
    {"ptrace", "trace other processes and inject code into them", 19, false,
     // Read-only request on pid -1, which no process has: ESRCH.
     [] { return syscall(SYS_ptrace, PTRACE_PEEKDATA, -1, nullptr, nullptr); }, false,
     "without CAP_SYS_PTRACE only processes of the same user, as far as Yama allows"},
    {"bpf", "load BPF programs: read kernel memory, tamper with tracing and networking", -1, false,
     // Unknown command with an empty attribute: EINVAL.
     [] { return syscall(SYS_bpf, -1, nullptr, 0U); }, false},
    {"perf_event_open", "profile the kernel: side channels and kernel address leaks", -1, false,
     // NULL attribute: EFAULT while copying it in.
     [] { return syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0UL); }, true},
    {"init_module", "load code into the kernel", 16, true,
     // Zero-length image: ENOEXEC (shorter than an ELF header) after the permission check.
     [] { return syscall(SYS_init_module, nullptr, 0UL, ""); }, false},
    {"finit_module", "load code into the kernel from a file", 16, true,
     // Descriptor -1: EBADF after the permission check.
     [] { return syscall(SYS_finit_module, -1, "", 0); }, false},
    {"kexec_load", "replace the running kernel", 22, true,
     // Unknown flag and more segments than the kernel accepts (16): EINVAL either way.
     [] { return syscall(SYS_kexec_load, 0UL, 0x10000UL, nullptr, 0x8000UL); }, false},
    {"keyctl", "use the kernel keyring, which is not namespaced", -1, false,
     // Unknown operation: EOPNOTSUPP.
     [] { return syscall(SYS_keyctl, 0x7fffffff, 0UL, 0UL, 0UL, 0UL); }, false},
    {"add_key", "add keys to the kernel keyring, which is not namespaced", -1, false,
     // NULL key type: EFAULT while copying it in.
     [] { return syscall(SYS_add_key, nullptr, nullptr, nullptr, 0UL, 0); }, false},
    {"open_by_handle_at",
     "open host files by handle, around the mount namespace (the \"shocker\" escape)", 2, true,
     // Directory descriptor -1 and a NULL handle: EBADF or EFAULT.
     [] { return syscall(SYS_open_by_handle_at, -1, nullptr, O_RDONLY); }, true},
    {"name_to_handle_at", "obtain file handles for open_by_handle_at", -1, false,
     // Unknown flag: EINVAL (and a NULL path would give EFAULT).
     [] { return syscall(SYS_name_to_handle_at, AT_FDCWD, nullptr, nullptr, nullptr, 0x10000000); },
     false},
    {"pivot_root", "change the root file system", 21, false,
     // NULL paths: EFAULT after the permission check.
     [] { return syscall(SYS_pivot_root, nullptr, nullptr); }, false},
    {"swapon", "add swap space on a device", 21, true,
     // Unknown flag: EINVAL before the permission check.
     [] { return syscall(SYS_swapon, nullptr, kUnknownFlag); }, false},
    {"reboot", "reboot or halt the machine (or the pid namespace)", 22, false,
     // Wrong magic numbers and an undefined command: EINVAL after the permission check. (The
     // libc wrapper would supply the right magic: the raw call is used on purpose.)
     [] { return syscall(SYS_reboot, 0, 0, 0x0BAD0BADU, nullptr); }, false},
    {"clock_settime", "set the system clock, which is not namespaced", 25, true,
     // A clock id no kernel has: EINVAL (and a NULL time would give EFAULT).
     [] { return syscall(SYS_clock_settime, 0x3fff, nullptr); }, false},
    {"userfaultfd", "stall kernel page faults: a common step of kernel exploits", -1, false,
     // User-mode-only (allowed unprivileged) plus an unknown flag: EINVAL.
     [] { return syscall(SYS_userfaultfd, 1UL | kUnknownFlag); }, true},
    {"io_uring_setup", "io_uring: a large kernel attack surface that seccomp cannot filter", -1,
     false,
     // NULL parameters: EFAULT while copying them in.
     [] { return syscall(SYS_io_uring_setup, 1U, nullptr); }, true},
    {"fsopen", "mount file systems through the new mount API", 21, false,
     // Unknown flag: EINVAL after the permission check.
     [] { return syscall(SYS_fsopen, nullptr, kUnknownFlag); }, true},
};

// How long a probe may take: a seccomp filter that hands the call to a user-space supervisor
// (SECCOMP_RET_USER_NOTIF) could keep it waiting; the child is ended by SIGALRM.
constexpr unsigned kProbeTimeoutSeconds = 5;

SyscallProbe run_probe(const ProbeSpec& spec) {
  SyscallProbe probe;
  probe.name = spec.name;
  probe.why = spec.why;
  pid_t child = ::fork();
  if (child < 0) {
    probe.result = ProbeResult::Unknown;
    probe.detail = "could not fork a probe process: " + errno_name(errno);
    return probe;
  }
  if (child == 0) {
    // Only async-signal-safe calls here: the parent may have had threads.
    ::alarm(kProbeTimeoutSeconds);
    errno = 0;
    long result = spec.call();
    if (result >= 0) {
      if (spec.returns_fd) ::close(static_cast<int>(result));
      ::_exit(0);
    }
    ::_exit(errno > 0 && errno < 255 ? errno : 255);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      probe.result = ProbeResult::Unknown;
      probe.detail = "lost the probe process: " + errno_name(errno);
      return probe;
    }
  }
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    if (signal == SIGSYS) {
      probe.result = ProbeResult::Killed;
      probe.detail = "process killed by SIGSYS (a seccomp filter that kills)";
    } else if (signal == SIGALRM) {
      probe.result = ProbeResult::Unknown;
      probe.detail = "no answer within " + std::to_string(kProbeTimeoutSeconds) + " s";
    } else {
      probe.result = ProbeResult::Unknown;
      probe.detail = std::string("process killed by signal ") + ::strsignal(signal);
    }
    return probe;
  }
  int code = WEXITSTATUS(status);
  if (code == 0) {
    probe.result = ProbeResult::Allowed;
    probe.detail = "succeeded";
  } else if (code == 255) {
    probe.result = ProbeResult::Unknown;
    probe.detail = "failed without an error number";
  } else if (code == EPERM || code == EACCES) {
    probe.result = ProbeResult::Blocked;
    probe.detail = errno_name(code);
  } else if (code == ENOSYS) {
    probe.result = ProbeResult::Unavailable;
    probe.detail = errno_name(code);
  } else {
    // EINVAL, EFAULT, EBADF, ESRCH, EOPNOTSUPP, ENOEXEC: the kernel got as far as the
    // arguments.
    probe.result = ProbeResult::Allowed;
    probe.detail = errno_name(code);
  }
  return probe;
}

// ---- LSMs ----

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  // attr files may end in a NUL.
  line.erase(std::find(line.begin(), line.end(), '\0'), line.end());
  return std::string(trim(line));
}

LsmReport inspect_lsms(const std::string& proc_self, std::vector<std::string>& notes) {
  LsmReport lsm;
  constexpr unsigned kLandlockCreateRulesetVersion = 1U << 0;
  long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0UL, kLandlockCreateRulesetVersion);
  if (abi > 0) {
    lsm.landlock_abi = static_cast<int>(abi);
  } else {
    int error = errno;
    lsm.landlock_restricted = "no";
    if (error == EPERM || error == EACCES)
      notes.push_back("landlock_create_ruleset was refused (" + errno_name(error) +
                      "): Landlock may exist but this process cannot use it");
  }
  if (lsm.landlock_abi > 0)
    notes.push_back(
        "whether this process is restricted by Landlock cannot be told from inside: the kernel "
        "offers no query for it");

  std::optional<std::string> apparmor = try_read(proc_self + "/attr/apparmor/current");
  bool apparmor_module = ::access("/sys/module/apparmor", F_OK) == 0;
  if (!apparmor && apparmor_module) apparmor = try_read(proc_self + "/attr/current");
  lsm.apparmor = apparmor ? first_line(*apparmor) : "not available";
  if (lsm.apparmor.empty()) lsm.apparmor = "unconfined";

  bool selinux_fs = ::access("/sys/fs/selinux/enforce", R_OK) == 0;
  std::optional<std::string> context;
  if (!apparmor) context = try_read(proc_self + "/attr/current");
  // An SELinux context is user:role:type:level.
  bool looks_like_context =
      context && std::count(context->begin(), context->end(), ':') >= 3 && !apparmor;
  if (selinux_fs || looks_like_context) {
    std::string mode;
    if (auto enforce = try_read("/sys/fs/selinux/enforce"))
      mode = first_line(*enforce) == "1" ? " (enforcing)" : " (permissive)";
    lsm.selinux = (context ? first_line(*context) : std::string("context unknown")) + mode;
  } else {
    lsm.selinux = "not active";
  }
  std::string landlock =
      lsm.landlock_abi > 0
          ? "Landlock ABI " + std::to_string(lsm.landlock_abi) +
                " (whether this process is restricted: " + lsm.landlock_restricted + ")"
          : std::string("Landlock not available");
  lsm.verdict = landlock + "; AppArmor " + lsm.apparmor + "; SELinux " + lsm.selinux;
  return lsm;
}

// ---- Runtime sockets ----

// The sockets of Docker, containerd, CRI-O and Podman (rootful; the rootless ones are found
// under /run/user/*): whoever can connect to one can start a privileged container.
constexpr std::string_view kRuntimeSocketPaths[] = {
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/docker/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/run/cri-dockerd.sock",
    "/var/run/cri-dockerd.sock",
};

std::vector<std::string> runtime_socket_candidates(const std::vector<MountInfoEntry>& mounts) {
  std::vector<std::string> paths(std::begin(kRuntimeSocketPaths), std::end(kRuntimeSocketPaths));
  for (const char* run_user : {"/run/user", "/var/run/user"}) {
    UniqueDir dir(::opendir(run_user));
    if (!dir) continue;
    while (const dirent* entry = ::readdir(dir.get())) {
      std::string uid = entry->d_name;
      if (uid == "." || uid == "..") continue;
      paths.push_back(std::string(run_user) + "/" + uid + "/docker.sock");
      paths.push_back(std::string(run_user) + "/" + uid + "/podman/podman.sock");
    }
  }
  // A host directory mounted here may hold a socket: with the host's / at /host,
  // /host/run/docker.sock. The mount's root (its directory within its file system) stands in
  // for the host path, which is exact for the host's root file system.
  std::vector<std::string> below_mounts;
  for (const MountInfoEntry& mount : mounts) {
    if (mount.mount_point == "/" || is_standard_pseudo_mount(mount)) continue;
    for (const std::string& socket : paths) {
      std::string root = normalise_host_path(mount.root);
      if (root == "/" || socket.starts_with(root + "/")) {
        std::string rest = root == "/" ? socket : socket.substr(root.size());
        below_mounts.push_back(normalise_host_path(mount.mount_point + "/" + rest));
      }
    }
  }
  paths.insert(paths.end(), below_mounts.begin(), below_mounts.end());
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

std::optional<RuntimeSocketReport> probe_socket(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;  // not there: nothing to report
  RuntimeSocketReport report;
  report.path = path;
  report.is_socket = S_ISSOCK(info.st_mode);
  if (!report.is_socket) {
    report.detail = "not a socket";
    return report;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    report.detail = "path too long to connect to";
    return report;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    report.detail = "socket(): " + errno_name(errno);
    return report;
  }
  // Connect only: nothing is sent, the connection is closed right away.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    report.reachable = true;
    report.detail = "connected";
  } else if (errno == EAGAIN || errno == EINPROGRESS) {
    // A listener whose backlog is full: it is there and would accept later.
    report.reachable = true;
    report.detail = "listening (backlog full)";
  } else {
    report.detail = errno_name(errno);
  }
  return report;
}

// ---- Host mounts as seen from inside ----

// Device nodes the runtime binds into every container, and over masked paths.
constexpr std::string_view kStandardDeviceRoots[] = {"/null",   "/zero",    "/full",
                                                     "/random", "/urandom", "/tty"};
// Files the runtime provides from its own directory.
constexpr std::string_view kRuntimeFiles[] = {"/etc/resolv.conf", "/etc/hostname", "/etc/hosts",
                                              "/run/.containerenv", "/dev/termination-log"};
// File systems a runtime (or the user) makes afresh for the container: a new instance holds
// nothing of the host's.
constexpr std::string_view kFreshFsTypes[] = {"tmpfs", "ramfs", "mqueue", "devpts"};

bool below(std::string_view path, std::string_view dir) {
  return path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

template <class Range>
bool one_of(const Range& range, std::string_view value) {
  return std::find(std::begin(range), std::end(range), value) != std::end(range);
}

// Mounts that came from the host: not the root file system, not the runtime's pseudo file
// systems, masks, device nodes or resolv.conf, and not a fresh tmpfs.
bool looks_like_host_mount(const MountInfoEntry& mount) {
  if (mount.mount_point == "/" || is_standard_pseudo_mount(mount)) return false;
  if (one_of(kRuntimeFiles, mount.mount_point)) return false;
  bool in_kernel_tree = below(mount.mount_point, "/proc") || below(mount.mount_point, "/sys");
  // Masks and read-only paths: /dev/null or an empty tmpfs over a /proc or /sys entry, and
  // read-only re-binds of parts of the container's own /proc and /sys.
  if (in_kernel_tree && (mount.fs_type == "tmpfs" || mount.fs_type == "proc" ||
                         mount.fs_type == "sysfs" || one_of(kStandardDeviceRoots, mount.root)))
    return false;
  if (below(mount.mount_point, "/dev") && one_of(kStandardDeviceRoots, mount.root)) return false;
  if (one_of(kFreshFsTypes, mount.fs_type) && mount.root == "/") return false;
  return true;
}

std::vector<HostMountReport> inspect_host_mounts(const std::vector<MountInfoEntry>& mounts) {
  std::vector<HostMountReport> reports;
  for (const MountInfoEntry& mount : mounts) {
    if (!looks_like_host_mount(mount)) continue;
    HostMountReport report;
    report.destination = mount.mount_point;
    report.source = mount.source + ":" + mount.root;
    report.fs_type = mount.fs_type;
    report.read_only_mount = mount.read_only();
    report.propagation = mount.propagation();
    report.writable = !report.read_only_mount &&
                      ::faccessat(AT_FDCWD, mount.mount_point.c_str(), W_OK, AT_EACCESS) == 0;
    // A later mount on the same point hides an earlier one: keep only the visible one.
    std::erase_if(reports,
                  [&](const HostMountReport& r) { return r.destination == report.destination; });
    reports.push_back(std::move(report));
  }
  return reports;
}

// ---- Verdicts ----

// Capabilities that are a known way out of a container (or into the kernel).
constexpr int kDangerousCaps[] = {
    21 /*SYS_ADMIN*/, 19 /*SYS_PTRACE*/, 16 /*SYS_MODULE*/, 17 /*SYS_RAWIO*/, 2 /*DAC_READ_SEARCH*/,
    39 /*BPF*/,       12 /*NET_ADMIN*/,  38 /*PERFMON*/,    22 /*SYS_BOOT*/,  25 /*SYS_TIME*/};

std::string capability_verdict(const CapabilityReport& caps, bool no_new_privs) {
  std::vector<std::string> dangerous;
  for (int cap : kDangerousCaps)
    if (caps.effective.has(cap)) dangerous.push_back(caps::cap_name(cap));
  size_t count = caps.effective.names().size();
  std::string verdict;
  if (count == 0) {
    verdict = "no capabilities in effect";
    size_t bounding = caps.bounding.names().size();
    if (bounding > 0 && !no_new_privs)
      verdict += " (but " + std::to_string(bounding) +
                 " in the bounding set: a setuid or file-capability program could gain them, "
                 "no_new_privs is off)";
  } else {
    verdict = std::to_string(count) + " capabilities in effect";
    verdict += dangerous.empty() ? ", none of them known escape routes"
                                 : "; dangerous: " + join(dangerous, ", ");
  }
  return verdict;
}

// "a, b, c, d, e and 14 more": a verdict stays one readable line; the details list them all.
std::string first_few(const std::vector<std::string>& items) {
  constexpr size_t kListed = 5;
  if (items.size() <= kListed) return join(items, ", ");
  std::vector<std::string> head(items.begin(), items.begin() + kListed);
  return join(head, ", ") + " and " + std::to_string(items.size() - kListed) + " more";
}

std::string syscall_verdict(const std::vector<SyscallProbe>& probes) {
  std::vector<std::string> allowed, unknown;
  size_t blocked = 0;
  for (const SyscallProbe& probe : probes) {
    if (probe.result == ProbeResult::Allowed) allowed.push_back(probe.name);
    if (probe.result == ProbeResult::Unknown) unknown.push_back(probe.name);
    if (probe.result == ProbeResult::Blocked || probe.result == ProbeResult::Unavailable ||
        probe.result == ProbeResult::Killed)
      ++blocked;
  }
  std::string verdict =
      std::to_string(blocked) + " of " + std::to_string(probes.size()) + " dangerous calls blocked";
  if (!allowed.empty()) verdict += "; reach the kernel: " + join(allowed, ", ");
  if (!unknown.empty()) verdict += "; unknown: " + join(unknown, ", ");
  return verdict;
}

}  // namespace

std::string probe_result_name(ProbeResult result) {
  switch (result) {
    case ProbeResult::Allowed:
      return "allowed";
    case ProbeResult::Blocked:
      return "blocked";
    case ProbeResult::Unavailable:
      return "blocked or not available";
    case ProbeResult::Killed:
      return "blocked (kills the process)";
    case ProbeResult::Unknown:
      break;
  }
  return "unknown";
}

InspectReport inspect_self(const InspectOptions& options) {
  InspectReport report;
  const std::string& self = options.proc_self;
  std::string status = read_file(self + "/status");

  // User namespace.
  UserNamespaceReport& userns = report.user_namespace;
  auto read_map = [&](const std::string& name, std::vector<IdMapping>& map) {
    std::string path = self + "/" + name;
    if (auto text = try_read(path))
      map = parse_id_map(*text, path);
    else
      report.notes.push_back("cannot read " + path);
  };
  read_map("uid_map", userns.uid_map);
  read_map("gid_map", userns.gid_map);
  userns.initial = is_identity_map(userns.uid_map);
  userns.root_outside = map_to_outside(userns.uid_map, 0);
  if (userns.uid_map.empty())
    userns.verdict = "unknown (no uid_map)";
  else if (userns.initial)
    userns.verdict = "root here is root on the host (no user namespace)";
  else if (!userns.root_outside)
    userns.verdict = "root is not mapped in this user namespace";
  else if (*userns.root_outside == 0)
    userns.verdict = "root here is root on the host (a user namespace that maps root to root)";
  else
    userns.verdict = "root here is uid " + std::to_string(*userns.root_outside) +
                     " on the host (user namespace)";

  // Capabilities, seccomp, no_new_privs.
  CapabilityReport& caps = report.capabilities;
  caps.effective = cap_set_from_mask(status_hex(status, "CapEff").value_or(0));
  caps.permitted = cap_set_from_mask(status_hex(status, "CapPrm").value_or(0));
  caps.inheritable = cap_set_from_mask(status_hex(status, "CapInh").value_or(0));
  caps.bounding = cap_set_from_mask(status_hex(status, "CapBnd").value_or(0));
  caps.ambient = cap_set_from_mask(status_hex(status, "CapAmb").value_or(0));
  report.no_new_privs = proc_status_field(status, "NoNewPrivs") == "1";
  caps.verdict = capability_verdict(caps, report.no_new_privs);

  SeccompReport& seccomp = report.seccomp;
  seccomp.mode = static_cast<int>(parse_uint64(proc_status_field(status, "Seccomp")).value_or(0));
  if (auto filters = parse_uint64(proc_status_field(status, "Seccomp_filters")))
    seccomp.filters = static_cast<int>(*filters);
  if (seccomp.mode == 0)
    seccomp.verdict = "disabled: every system call reaches the kernel";
  else if (seccomp.mode == 1)
    seccomp.verdict = "strict mode: only read, write, _exit and sigreturn";
  else
    seccomp.verdict =
        "filter mode" + (seccomp.filters ? " (" + std::to_string(*seccomp.filters) +
                                               (*seccomp.filters == 1 ? " filter)" : " filters)")
                                         : std::string());

  // Dangerous system calls.
  if (options.probe_syscalls) {
    for (const ProbeSpec& spec : kProbes) {
      SyscallProbe probe = run_probe(spec);
      if (probe.result == ProbeResult::Allowed && spec.needs_cap >= 0) {
        // Seccomp let it through; whether it is usable depends on a capability first.
        std::string cap = caps::cap_name(spec.needs_cap);
        if (spec.host_ns_only && !userns.initial && !userns.uid_map.empty())
          probe.detail += "; needs " + cap +
                          " in the host's user namespace, which a process in a "
                          "user namespace never has";
        else if (!caps.effective.has(spec.needs_cap))
          probe.detail += spec.without_cap != nullptr
                              ? "; " + std::string(spec.without_cap)
                              : "; needs " + cap + ", which this process lacks";
      }
      report.syscalls.push_back(std::move(probe));
    }
    report.syscalls_verdict = syscall_verdict(report.syscalls);
  } else {
    report.syscalls_verdict = "not probed";
  }

  // LSMs.
  report.lsm = inspect_lsms(self, report.notes);

  // Mounts: host directories, sockets, the root file system.
  std::vector<MountInfoEntry> mounts;
  std::string mountinfo_path = self + "/mountinfo";
  if (auto text = try_read(mountinfo_path))
    mounts = parse_mountinfo(*text, mountinfo_path);
  else
    report.notes.push_back("cannot read " + mountinfo_path + ": host mounts unknown");
  report.host_mounts = inspect_host_mounts(mounts);
  std::vector<std::string> writable;
  for (const HostMountReport& mount : report.host_mounts)
    if (mount.writable) writable.push_back(mount.destination + " (" + mount.source + ")");
  report.host_mounts_verdict =
      writable.empty()
          ? (report.host_mounts.empty()
                 ? std::string("none")
                 : std::to_string(report.host_mounts.size()) + " mounted, none writable")
          : std::to_string(writable.size()) + " writable: " + first_few(writable);

  for (const std::string& path : runtime_socket_candidates(mounts)) {
    bool well_known = std::find(std::begin(kRuntimeSocketPaths), std::end(kRuntimeSocketPaths),
                                path) != std::end(kRuntimeSocketPaths);
    auto socket = probe_socket(path);
    // Below a host directory only real sockets are worth a line (a bind's placeholder file in
    // another container's root is not).
    if (socket && (well_known || socket->is_socket))
      report.runtime_sockets.push_back(std::move(*socket));
  }
  std::vector<std::string> reachable;
  for (const RuntimeSocketReport& socket : report.runtime_sockets)
    if (socket.reachable) reachable.push_back(socket.path);
  report.runtime_sockets_verdict = reachable.empty()
                                       ? "none reachable"
                                       : "REACHABLE: " + join(reachable, ", ") +
                                             " (whoever can talk to a runtime controls the host)";

  struct statvfs root {};
  if (::statvfs("/", &root) == 0) {
    report.read_only_root = (root.f_flag & ST_RDONLY) != 0;
    report.root_verdict = report.read_only_root ? "read-only" : "writable";
  } else {
    report.root_verdict = "unknown";
    report.notes.push_back("statvfs(\"/\") failed: " + errno_name(errno));
  }
  return report;
}

// ---- Rendering ----

namespace {

nlohmann::json names_of(const caps::CapSet& set) {
  return set.names();
}

nlohmann::json map_json(const std::vector<IdMapping>& map) {
  nlohmann::json out = nlohmann::json::array();
  for (const IdMapping& range : map)
    out.push_back({{"inside", range.inside}, {"outside", range.outside}, {"count", range.count}});
  return out;
}

std::string map_text(const std::vector<IdMapping>& map) {
  std::vector<std::string> lines;
  for (const IdMapping& range : map)
    lines.push_back(std::to_string(range.inside) + " " + std::to_string(range.outside) + " " +
                    std::to_string(range.count));
  return lines.empty() ? "(unknown)" : join(lines, "; ");
}

std::string list_or_none(const caps::CapSet& set) {
  std::vector<std::string> names = set.names();
  return names.empty() ? "(none)" : join(names, " ");
}

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace

nlohmann::json inspect_to_json(const InspectReport& report) {
  nlohmann::json out;
  const UserNamespaceReport& userns = report.user_namespace;
  out["user_namespace"] = {
      {"uid_map", map_json(userns.uid_map)},
      {"gid_map", map_json(userns.gid_map)},
      {"host_user_namespace", userns.initial},
      {"root_outside",
       userns.root_outside ? nlohmann::json(*userns.root_outside) : nlohmann::json(nullptr)},
      {"verdict", userns.verdict}};
  const CapabilityReport& caps = report.capabilities;
  out["capabilities"] = {
      {"effective", names_of(caps.effective)},     {"permitted", names_of(caps.permitted)},
      {"inheritable", names_of(caps.inheritable)}, {"bounding", names_of(caps.bounding)},
      {"ambient", names_of(caps.ambient)},         {"verdict", caps.verdict}};
  static const char* const kModes[] = {"disabled", "strict", "filter"};
  out["seccomp"] = {
      {"mode", report.seccomp.mode >= 0 && report.seccomp.mode <= 2 ? kModes[report.seccomp.mode]
                                                                    : "unknown"},
      {"filters",
       report.seccomp.filters ? nlohmann::json(*report.seccomp.filters) : nlohmann::json(nullptr)},
      {"verdict", report.seccomp.verdict}};
  out["no_new_privs"] = report.no_new_privs;
  nlohmann::json syscalls = nlohmann::json::array();
  for (const SyscallProbe& probe : report.syscalls)
    syscalls.push_back({{"name", probe.name},
                        {"result", probe_result_name(probe.result)},
                        {"blocked", probe.result == ProbeResult::Blocked ||
                                        probe.result == ProbeResult::Unavailable ||
                                        probe.result == ProbeResult::Killed},
                        {"detail", probe.detail},
                        {"why", probe.why}});
  out["syscalls"] = {{"probes", syscalls}, {"verdict", report.syscalls_verdict}};
  out["lsm"] = {{"landlock_abi", report.lsm.landlock_abi},
                {"landlock_restricted", report.lsm.landlock_restricted},
                {"apparmor", report.lsm.apparmor},
                {"selinux", report.lsm.selinux},
                {"verdict", report.lsm.verdict}};
  nlohmann::json sockets = nlohmann::json::array();
  for (const RuntimeSocketReport& socket : report.runtime_sockets)
    sockets.push_back({{"path", socket.path},
                       {"socket", socket.is_socket},
                       {"reachable", socket.reachable},
                       {"detail", socket.detail}});
  out["runtime_sockets"] = {{"sockets", sockets}, {"verdict", report.runtime_sockets_verdict}};
  nlohmann::json mounts = nlohmann::json::array();
  for (const HostMountReport& mount : report.host_mounts)
    mounts.push_back({{"destination", mount.destination},
                      {"source", mount.source},
                      {"fs_type", mount.fs_type},
                      {"read_only", mount.read_only_mount},
                      {"writable", mount.writable},
                      {"propagation", mount.propagation}});
  out["host_mounts"] = {{"mounts", mounts}, {"verdict", report.host_mounts_verdict}};
  out["root_filesystem"] = {{"read_only", report.read_only_root}, {"verdict", report.root_verdict}};
  out["notes"] = report.notes;
  return out;
}

std::string render_inspect_text(const InspectReport& report) {
  constexpr size_t kLabelWidth = 18;
  std::string out;
  auto line = [&](const std::string& label, const std::string& text) {
    out += padded(label, kLabelWidth) + text + "\n";
  };
  line("User namespace", report.user_namespace.verdict);
  line("Capabilities", report.capabilities.verdict);
  line("Seccomp", report.seccomp.verdict);
  line("Dangerous calls", report.syscalls_verdict);
  line("no_new_privs", report.no_new_privs
                           ? std::string("on: setuid and file capabilities cannot raise privileges")
                           : std::string("off: setuid programs can gain privileges"));
  line("LSM", report.lsm.verdict);
  line("Runtime sockets", report.runtime_sockets_verdict);
  line("Host mounts", report.host_mounts_verdict);
  line("Root filesystem", report.root_verdict);

  out += "\nUser namespace\n";
  out += "  uid_map: " + map_text(report.user_namespace.uid_map) + "\n";
  out += "  gid_map: " + map_text(report.user_namespace.gid_map) + "\n";
  out += "\nCapabilities\n";
  const CapabilityReport& caps = report.capabilities;
  out += "  effective:   " + list_or_none(caps.effective) + "\n";
  out += "  permitted:   " + list_or_none(caps.permitted) + "\n";
  out += "  inheritable: " + list_or_none(caps.inheritable) + "\n";
  out += "  bounding:    " + list_or_none(caps.bounding) + "\n";
  out += "  ambient:     " + list_or_none(caps.ambient) + "\n";
  if (!report.syscalls.empty()) {
    out += "\nDangerous system calls (probed with arguments the kernel rejects)\n";
    for (const SyscallProbe& probe : report.syscalls)
      out += "  " + padded(probe.name, 19) + padded(probe_result_name(probe.result), 28) + "(" +
             probe.detail + ") " + probe.why + "\n";
  }
  if (!report.runtime_sockets.empty()) {
    out += "\nRuntime sockets\n";
    for (const RuntimeSocketReport& socket : report.runtime_sockets)
      out += "  " + socket.path + ": " + (socket.reachable ? "REACHABLE" : "not reachable") + " (" +
             socket.detail + ")\n";
  }
  if (!report.host_mounts.empty()) {
    out += "\nHost mounts\n";
    for (const HostMountReport& mount : report.host_mounts)
      out += "  " + mount.destination + " from " + mount.source + " (" + mount.fs_type + ", " +
             (mount.read_only_mount ? "read-only"
              : mount.writable      ? "WRITABLE"
                                    : "rw mount, no write access") +
             (mount.propagation == "private" ? "" : ", " + mount.propagation + " propagation") +
             ")\n";
  }
  if (!report.notes.empty()) {
    out += "\nNotes\n";
    for (const std::string& note : report.notes) out += "  " + note + "\n";
  }
  return out;
}

}  // namespace bulkhead::audit
