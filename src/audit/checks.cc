#include "audit/checks.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/catalogue.h"
#include "base/error.h"
#include "base/strings.h"
#include "caps/capabilities.h"

namespace bulkhead::audit {

namespace {

// ---------------------------------------------------------------------------------------------
// The lists the checks judge by. Kept together so a reviewer can see every policy decision in
// one place; each entry says why it is there.
// ---------------------------------------------------------------------------------------------

// Docker's (and containerd's, CRI-O's, Podman's close to it) default capability set. A runtime
// grants these without being asked, so only capabilities outside it count as "added" for
// BH-CAP-ADDED-OTHER.
constexpr std::string_view kRuntimeDefaultCaps[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
};

// Capabilities with a check of their own, because each is a known way out of a container.
struct NamedCapability {
  std::string_view name;      // canonical, without CAP_
  std::string_view check_id;  // the check that reports it
};
constexpr NamedCapability kNamedCaps[] = {
    // mount(2), cgroup v1 release_agent, many kernel interfaces: close to full root.
    {"SYS_ADMIN", "BH-CAP-SYSADMIN"},
    // ptrace any process it can see: with a host PID namespace, inject code into host processes.
    {"SYS_PTRACE", "BH-CAP-SYSPTRACE"},
    // load kernel modules: arbitrary kernel code.
    {"SYS_MODULE", "BH-CAP-SYSMODULE"},
    // iopl/ioperm and raw block/memory device access.
    {"SYS_RAWIO", "BH-CAP-SYSRAWIO"},
    // open_by_handle_at(2): read any host file ("shocker").
    {"DAC_READ_SEARCH", "BH-CAP-DACREADSEARCH"},
    // load BPF programs: read kernel memory, tamper with other processes' traffic.
    {"BPF", "BH-CAP-BPF"},
    // reconfigure networking of the namespace (and the host's with host networking).
    {"NET_ADMIN", "BH-CAP-NETADMIN"},
    // perf_event_open: kernel profiling, side channels, with BPF kernel memory reads.
    {"PERFMON", "BH-CAP-PERFMON"},
};

// The only capability an exact set may hold without BH-CAP-NOT-DROPPED: binding ports below
// 1024 is what ordinary services legitimately need, and it gives no way out.
constexpr std::string_view kHarmlessCaps[] = {"NET_BIND_SERVICE"};

// An exact capability set counts as "all" when it holds every capability up to CAP_AUDIT_READ
// (number 37, Linux 3.16). Later ones (PERFMON, BPF, CHECKPOINT_RESTORE) are missing from
// configs written for older kernels, which are just as much "all" as a newer config.
constexpr int kLastClassicCap = 37;

// Unix sockets of container runtimes: whoever can connect to one can start a privileged
// container with the host's / mounted, i.e. is root on the host. A read-only bind mount does
// not help: connect(2) on a socket ignores MS_RDONLY. Paths under /var/run are matched as /run
// (every current distribution makes /var/run a symlink to /run). "*" matches one path segment.
constexpr std::string_view kRuntimeSockets[] = {
    "/run/docker.sock",                        // Docker Engine
    "/run/user/*/docker.sock",                 // rootless Docker
    "/run/docker/containerd/containerd.sock",  // containerd embedded in older Docker releases
    "/run/containerd/containerd.sock",         // containerd (Docker, Kubernetes CRI)
    "/run/k3s/containerd/containerd.sock",     // containerd bundled with k3s
    "/run/crio/crio.sock",                     // CRI-O
    "/run/podman/podman.sock",                 // Podman service (rootful)
    "/run/user/*/podman/podman.sock",          // Podman service (rootless)
    "/run/cri-dockerd.sock",                   // cri-dockerd (Kubernetes on Docker Engine)
};

// Host paths that give a container a way to read secrets, change the host or reach the runtime
// when mounted: anything at or beneath one of these (and any directory containing one, such as
// /var or /var/lib) counts.
constexpr std::string_view kSensitivePaths[] = {
    "/etc",                 // passwd/shadow, sudoers, cron, systemd units, kubelet config
    "/proc",                // host processes; /proc/sys and /proc/sysrq-trigger change the kernel
    "/sys",                 // kernel and device settings, cgroup release_agent, uevent_helper
    "/dev",                 // raw disks and memory
    "/boot",                // kernel and initramfs: persistent code execution at next boot
    "/lib/modules",         // kernel modules loaded by the host
    "/usr",                 // host binaries and libraries run by root
    "/var/lib/docker",      // every container's filesystem and Docker's state
    "/var/lib/containerd",  // the same for containerd
    "/var/lib/kubelet",     // pod volumes, service-account tokens and secrets of every pod
    "/var/lib/containers",  // Podman/CRI-O storage
    "/var/log",             // host logs (secrets leak into them; symlink tricks on kubelet logs)
    "/root",                // root's home: SSH keys, shell history, credentials
    "/home/*/.ssh",         // users' SSH keys and authorized_keys
    "/home",                // users' homes: credentials, shell startup files
};

// Kubernetes' "safe" sysctls: namespaced, and isolated from the host and other pods. Anything
// else changes kernel behaviour beyond the container (or is not namespaced at all).
constexpr std::string_view kSafeSysctls[] = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
};

// Propagation modes that let mounts made in the container appear on the host (and the other
// way round). Kubernetes calls it "Bidirectional"; readers may pass that through as written.
constexpr std::string_view kSharedPropagation[] = {"shared", "rshared", "bidirectional"};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

template <class Range, class T>
bool contains(const Range& range, const T& value) {
  return std::find(std::begin(range), std::end(range), value) != std::end(range);
}

// "cap_sys_admin", " CAP_SYS_ADMIN", "sys_admin" -> "SYS_ADMIN"; readers should already give
// the canonical form, but a careless one must not make a capability invisible.
std::string canonical_cap(std::string_view name) {
  std::string upper = to_upper(trim(name));
  if (upper.starts_with("CAP_")) upper.erase(0, 4);
  return upper;
}

std::string cap_display(int cap) {
  std::string name = caps::cap_name(cap);
  return name.starts_with("CAP_") ? name.substr(4) : name;
}

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}.
// "." and ".." are resolved lexically: readers normalise sources already, but a path that
// escapes the comparison by "/srv/../etc" must not slip through.
std::vector<std::string> path_segments(std::string_view path) {
  std::vector<std::string> segments;
  for (auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(part);
  }
  return segments;
}

// Paths under /var/run are the same files as under /run (symlink on every current system).
// A script's `~/.ssh` or `~alice/.ssh` (the shell expands it to a home directory) is taken as
// a home directory, so it matches the /home entries below.
std::string canonical_host_path(std::string_view path) {
  auto segments = path_segments(path);
  if (path.starts_with("~") && !segments.empty()) segments.insert(segments.begin(), "home");
  if (segments.size() >= 2 && segments[0] == "var" && segments[1] == "run")
    segments.erase(segments.begin());  // var/run/x -> run/x
  return "/" + join(segments, "/");
}

bool segment_matches(std::string_view pattern, std::string_view segment) {
  return pattern == "*" || pattern == segment;
}

enum class PathRelation { Unrelated, Same, Beneath, Contains };

// How `path` relates to `pattern` ("*" matching one segment), by whole segments so that
// /etcetera is not /etc.
PathRelation relate(std::string_view path, std::string_view pattern) {
  auto p = path_segments(path);
  auto q = path_segments(pattern);
  size_t common = std::min(p.size(), q.size());
  for (size_t i = 0; i < common; ++i)
    if (!segment_matches(q[i], p[i])) return PathRelation::Unrelated;
  if (p.size() == q.size()) return PathRelation::Same;
  return p.size() > q.size() ? PathRelation::Beneath : PathRelation::Contains;
}

bool is_host_root(std::string_view source) {
  return path_segments(source).empty();
}

// The runtime socket a mount of `source` exposes: the socket itself, or a directory holding it.
std::optional<std::string_view> exposed_runtime_socket(std::string_view source) {
  std::string path = canonical_host_path(source);
  if (is_host_root(path)) return std::nullopt;  // reported as the host root instead
  for (std::string_view socket : kRuntimeSockets) {
    PathRelation relation = relate(path, socket);
    if (relation == PathRelation::Same || relation == PathRelation::Contains) return socket;
  }
  return std::nullopt;
}

// The sensitive path a mount of `source` exposes: one it is at or beneath (the most specific
// entry wins, so /home/alice/.ssh names the SSH entry), else one it contains (/var holds
// /var/lib/docker).
std::optional<std::string_view> exposed_sensitive_path(std::string_view source) {
  std::string path = canonical_host_path(source);
  if (is_host_root(path)) return std::nullopt;
  for (std::string_view sensitive : kSensitivePaths) {
    PathRelation relation = relate(path, sensitive);
    if (relation == PathRelation::Same || relation == PathRelation::Beneath) return sensitive;
  }
  for (std::string_view sensitive : kSensitivePaths)
    if (relate(path, sensitive) == PathRelation::Contains) return sensitive;
  return std::nullopt;
}

bool is_shared_propagation(std::string_view propagation) {
  return contains(kSharedPropagation, to_lower(trim(propagation)));
}

bool is_true(const std::optional<Located<bool>>& flag) {
  return flag && flag->value;
}

std::string lower_trimmed(std::string_view text) {
  return to_lower(trim(text));
}

// The user part of "user[:group]" names root: "0", "root", "0:0", "root:wheel".
bool user_is_root(std::string_view user) {
  std::string_view name = trim(user);
  name = name.substr(0, name.find(':'));
  return name.empty() || name == "0" || name == "root";
}

// A limit that does not limit: docker/compose accept 0 and -1 for "unlimited", cgroup v2 "max".
bool is_unlimited(std::string_view value) {
  std::string text = lower_trimmed(value);
  return text.empty() || text == "0" || text == "-1" || text == "max" || text == "unlimited";
}

// SELinux separation is off with label=disable, or with the unconfined container types.
bool selinux_disabled(std::string_view value) {
  std::string text = lower_trimmed(value);
  if (text == "disable" || text == "disabled") return true;
  for (auto& part : split(text, ':'))
    if (part == "spc_t" || part == "unconfined_t") return true;
  return false;
}

const char* access_word(bool read_only) {
  return read_only ? "read-only" : "writable";
}

// Collects findings for one workload, dropping checks that do not apply to its format.
class Reporter {
 public:
  explicit Reporter(const Workload& workload) : workload_(workload) {}

  void report(std::string_view check_id, const SourceLocation& where, std::string message) {
    const Check* check = find_check(check_id);
    // A misspelt id is a bug here; failing loudly beats silently losing findings.
    if (check == nullptr)
      throw Error("audit check " + std::string(check_id) + " is not in the catalogue");
    if (!check_applies_to(*check, workload_.format)) return;
    findings_.push_back(
        Finding{.check_id = check->id,
                .severity = check->severity,
                .format = workload_.format,
                .where = where.line > 0 || !where.file.empty() ? where : workload_.where,
                .object = workload_.object,
                .message = std::move(message)});
  }
  // For settings that are missing (or set to the weak value): the setting's place when it was
  // written, the object's otherwise.
  template <class T>
  const SourceLocation& where_of(const std::optional<Located<T>>& setting) const {
    return setting ? setting->where : workload_.where;
  }

  std::vector<Finding> take() { return std::move(findings_); }

 private:
  const Workload& workload_;
  std::vector<Finding> findings_;
};

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

bool uses_exact_cap_set(const Workload& workload) {
  return workload.capabilities.effective_set.has_value();
}

void check_capabilities_add_drop(const Workload& workload, Reporter& out) {
  const auto& added = workload.capabilities.added;
  const auto& dropped = workload.capabilities.dropped;

  for (const auto& cap : added) {
    if (canonical_cap(cap.value) == "ALL") {
      // Everything else about capabilities is implied; one finding says it all.
      out.report("BH-CAP-ALL", cap.where, "all capabilities added (ALL)");
      return;
    }
  }

  for (const auto& cap : added) {
    std::string name = canonical_cap(cap.value);
    auto named = std::find_if(std::begin(kNamedCaps), std::end(kNamedCaps),
                              [&](const NamedCapability& c) { return c.name == name; });
    if (named != std::end(kNamedCaps)) {
      out.report(named->check_id, cap.where, "capability " + name + " added");
    } else if (!caps::cap_from_name(name)) {
      out.report("BH-CAP-ADDED-OTHER", cap.where, "unknown capability " + name + " added");
    } else if (!contains(kRuntimeDefaultCaps, name)) {
      out.report("BH-CAP-ADDED-OTHER", cap.where,
                 "capability " + name + " added (not in the runtime's default set)");
    }
  }

  bool drops_all = std::any_of(dropped.begin(), dropped.end(),
                               [](const auto& cap) { return canonical_cap(cap.value) == "ALL"; });
  if (!drops_all) {
    const SourceLocation& where = dropped.empty() ? workload.where : dropped.front().where;
    out.report("BH-CAP-NOT-DROPPED", where,
               dropped.empty() ? "capabilities not dropped (ALL is not dropped)"
                               : "only some capabilities dropped (ALL is not dropped)");
  }
}

void check_capabilities_exact(const Workload& workload, Reporter& out) {
  const auto& set = *workload.capabilities.effective_set;
  const char* held =
      workload.format == InputFormat::Host ? "in the effective set" : "in the capability set";

  bool all = true;
  for (int cap = 0; cap <= kLastClassicCap; ++cap) all = all && set.value.has(cap);
  if (all) {
    out.report("BH-CAP-ALL", set.where, std::string("all capabilities ") + held);
    return;
  }

  bool beyond_harmless = false;
  for (int cap = 0; cap <= caps::kLastCap; ++cap) {
    if (!set.value.has(cap)) continue;
    std::string name = cap_display(cap);
    if (!contains(kHarmlessCaps, name)) beyond_harmless = true;
    auto named = std::find_if(std::begin(kNamedCaps), std::end(kNamedCaps),
                              [&](const NamedCapability& c) { return c.name == name; });
    if (named != std::end(kNamedCaps)) {
      out.report(named->check_id, set.where, "capability " + name + " " + held);
    } else if (!contains(kRuntimeDefaultCaps, name)) {
      out.report("BH-CAP-ADDED-OTHER", set.where,
                 "capability " + name + " " + held + " (not in the runtime's default set)");
    }
  }
  if (beyond_harmless) {
    out.report("BH-CAP-NOT-DROPPED", set.where,
               std::string("capabilities beyond NET_BIND_SERVICE ") + held);
  }
}

void check_privileged_and_capabilities(const Workload& workload, Reporter& out) {
  if (is_true(workload.privileged)) {
    // Privileged means every capability, every device, no seccomp/AppArmor: reporting each
    // capability as well would bury the one finding that matters.
    out.report("BH-PRIVILEGED", workload.privileged->where, "container runs privileged");
    return;
  }
  if (uses_exact_cap_set(workload))
    check_capabilities_exact(workload, out);
  else
    check_capabilities_add_drop(workload, out);
}

void check_no_new_privileges(const Workload& workload, Reporter& out) {
  if (is_true(workload.no_new_privileges)) return;
  std::string_view setting;
  switch (workload.format) {
    case InputFormat::Kubernetes:
      setting = "securityContext.allowPrivilegeEscalation is not false";
      break;
    case InputFormat::OciConfig:
      setting = "process.noNewPrivileges is not true";
      break;
    case InputFormat::Host:
      setting = "NoNewPrivs is 0";
      break;
    default:
      setting = "no-new-privileges is not set";
      break;
  }
  out.report("BH-NO-NEW-PRIVS", out.where_of(workload.no_new_privileges),
             "setuid programs can gain privileges: " + std::string(setting));
}

void check_seccomp(const Workload& workload, Reporter& out) {
  if (workload.seccomp && !trim(workload.seccomp->value).empty()) {
    if (lower_trimmed(workload.seccomp->value) == "unconfined")
      out.report("BH-SECCOMP-UNCONFINED", workload.seccomp->where,
                 "seccomp disabled (unconfined): every system call is allowed");
    return;
  }
  // Docker and compose apply the runtime's default profile when nothing is said; Kubernetes
  // (unless the kubelet is told otherwise) and a bare OCI config apply none.
  if (workload.format == InputFormat::Kubernetes || workload.format == InputFormat::OciConfig)
    out.report("BH-SECCOMP-MISSING", out.where_of(workload.seccomp),
               workload.format == InputFormat::Kubernetes
                   ? "no seccomp profile (securityContext.seccompProfile not set)"
                   : "no seccomp profile (linux.seccomp not set)");
}

void check_mac(const Workload& workload, Reporter& out) {
  if (workload.apparmor && lower_trimmed(workload.apparmor->value) == "unconfined")
    out.report("BH-APPARMOR-UNCONFINED", workload.apparmor->where, "AppArmor profile unconfined");
  if (workload.selinux && selinux_disabled(workload.selinux->value))
    out.report("BH-SELINUX-DISABLED", workload.selinux->where,
               "SELinux separation disabled (" + std::string(trim(workload.selinux->value)) + ")");
}

// What to add to a mount's description so the reader sees why it matters: nothing when the
// source is the listed path itself, ", inside /home/alice/.ssh" or ", which contains the runtime
// socket /run/docker.sock" otherwise. "*" segments show the source's own segment where it has one.
std::string exposure_note(std::string_view source, std::string_view entry,
                          std::string_view entry_kind) {
  std::string path = canonical_host_path(source);
  auto path_parts = path_segments(path);
  auto entry_parts = path_segments(entry);
  for (size_t i = 0; i < entry_parts.size() && i < path_parts.size(); ++i)
    if (entry_parts[i] == "*") entry_parts[i] = path_parts[i];
  std::string shown = "/" + join(entry_parts, "/");
  switch (relate(path, entry)) {
    case PathRelation::Beneath:
      return ", inside " + std::string(entry_kind) + shown;
    case PathRelation::Contains:
      return ", which contains " + std::string(entry_kind) + shown;
    default:
      return "";
  }
}

void check_host_mounts(const Workload& workload, Reporter& out) {
  for (const auto& mount : workload.host_mounts) {
    std::string description =
        "host path " + mount.source +
        (mount.destination.empty() ? "" : " mounted at " + mount.destination) + " (" +
        access_word(mount.read_only) + ")";
    if (is_host_root(canonical_host_path(mount.source))) {
      out.report(mount.read_only ? "BH-MOUNT-HOST-ROOT" : "BH-MOUNT-HOST-ROOT-RW", mount.where,
                 "host root filesystem: " + description);
    } else if (auto socket = exposed_runtime_socket(mount.source)) {
      out.report("BH-RUNTIME-SOCKET", mount.where,
                 description + exposure_note(mount.source, *socket, "the runtime socket "));
    } else if (auto sensitive = exposed_sensitive_path(mount.source)) {
      out.report(mount.read_only ? "BH-MOUNT-SENSITIVE" : "BH-MOUNT-SENSITIVE-RW", mount.where,
                 description + exposure_note(mount.source, *sensitive, ""));
    }
    if (is_shared_propagation(mount.propagation))
      out.report(
          "BH-MOUNT-PROPAGATION-SHARED", mount.where,
          "host path " + mount.source + " mounted with " + mount.propagation + " propagation");
  }
  for (const auto& volume : workload.volumes) {
    if (is_shared_propagation(volume.propagation))
      out.report("BH-MOUNT-PROPAGATION-SHARED", volume.where,
                 "volume " + volume.name +
                     (volume.destination.empty() ? "" : " at " + volume.destination) +
                     " mounted with " + volume.propagation + " propagation");
  }
  if (workload.rootfs_propagation && is_shared_propagation(workload.rootfs_propagation->value))
    out.report("BH-MOUNT-PROPAGATION-SHARED", workload.rootfs_propagation->where,
               "root filesystem propagation " + workload.rootfs_propagation->value);
}

void check_host_namespaces(const Workload& workload, Reporter& out) {
  const auto& ns = workload.host_namespaces;
  if (is_true(ns.pid)) out.report("BH-HOST-PID", ns.pid->where, "host PID namespace shared");
  if (is_true(ns.ipc)) out.report("BH-HOST-IPC", ns.ipc->where, "host IPC namespace shared");
  if (is_true(ns.network))
    out.report("BH-HOST-NETWORK", ns.network->where, "host network namespace shared");
  if (is_true(ns.uts)) out.report("BH-HOST-UTS", ns.uts->where, "host UTS namespace shared");
  if (is_true(ns.user)) out.report("BH-HOST-USERNS", ns.user->where, "host user namespace used");
}

void check_run_as_root(const Workload& workload, Reporter& out) {
  if (is_true(workload.run_as_non_root)) return;  // the kubelet refuses to start uid 0
  bool said = workload.user && !trim(workload.user->value).empty();
  if (said && !user_is_root(workload.user->value)) return;
  // OCI configs and live processes say whether a user namespace maps root to an unprivileged
  // host uid; then root in the container is nobody on the host. (A config without a user
  // namespace is marked by the reader as using the host's: host_namespaces.user.)
  if ((workload.format == InputFormat::OciConfig || workload.format == InputFormat::Host) &&
      !is_true(workload.host_namespaces.user))
    return;
  if (said) {
    out.report("BH-RUN-AS-ROOT", workload.user->where,
               "runs as root (user " + std::string(trim(workload.user->value)) + ")");
  } else if (workload.run_as_non_root) {  // written, and false
    out.report("BH-RUN-AS-ROOT", workload.run_as_non_root->where,
               "runAsNonRoot is false and no non-root user is set");
  } else {
    out.report("BH-RUN-AS-ROOT", workload.where,
               workload.format == InputFormat::Kubernetes
                   ? "no runAsNonRoot or non-root runAsUser: the image's user (usually root) runs"
                   : "no user set: the image's user (usually root) runs");
  }
}

void check_rootfs_and_limits(const Workload& workload, Reporter& out) {
  if (!is_true(workload.read_only_rootfs))
    out.report("BH-ROOTFS-WRITABLE", out.where_of(workload.read_only_rootfs),
               "root filesystem is writable");
  if (!workload.memory_limit || is_unlimited(workload.memory_limit->value))
    out.report("BH-NO-MEMORY-LIMIT", out.where_of(workload.memory_limit),
               workload.memory_limit
                   ? "memory limit " + workload.memory_limit->value + " is unlimited"
                   : std::string("no memory limit"));
  if (!workload.pids_limit || is_unlimited(workload.pids_limit->value))
    out.report("BH-NO-PIDS-LIMIT", out.where_of(workload.pids_limit),
               workload.pids_limit ? "pids limit " + workload.pids_limit->value + " is unlimited"
                                   : std::string("no pids limit"));
}

void check_devices_proc_sysctls(const Workload& workload, Reporter& out) {
  for (const auto& device : workload.devices) {
    std::string what =
        device.host_path == "*" || lower_trimmed(device.host_path) == "all"
            ? std::string("every host device passed through")
            : "host device " + device.host_path + " passed through" +
                  (device.container_path.empty() || device.container_path == device.host_path
                       ? ""
                       : " as " + device.container_path);
    out.report("BH-DEVICE", device.where, what);
  }
  if (is_true(workload.proc_unmasked))
    out.report("BH-PROC-UNMASKED", workload.proc_unmasked->where,
               "/proc is unmasked: kernel interfaces such as /proc/sysrq-trigger are exposed");
  for (const auto& sysctl : workload.sysctls) {
    std::string name(trim(sysctl.name));
    std::replace(name.begin(), name.end(), '/', '.');
    if (!contains(kSafeSysctls, name))
      out.report("BH-SYSCTL-UNSAFE", sysctl.where,
                 "unsafe sysctl " + name + (sysctl.value.empty() ? "" : "=" + sysctl.value));
  }
}

}  // namespace

std::vector<Finding> evaluate_checks(const Workload& workload) {
  Reporter out(workload);
  check_privileged_and_capabilities(workload, out);
  check_no_new_privileges(workload, out);
  check_seccomp(workload, out);
  check_mac(workload, out);
  check_host_mounts(workload, out);
  check_host_namespaces(workload, out);
  check_run_as_root(workload, out);
  check_rootfs_and_limits(workload, out);
  check_devices_proc_sysctls(workload, out);
  return out.take();
}

}  // namespace bulkhead::audit
