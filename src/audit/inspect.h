// `bulkhead inspect`: run inside a container, finds out what that container may do, from the
// container's side: who root is on the host, which capabilities it holds, whether seccomp is on
// and which dangerous system calls get through it, no_new_privs, the Landlock, AppArmor and
// SELinux status, which container runtime sockets it can connect to and which host directories
// it can write.
//
// System calls are probed for real, but only with arguments the kernel rejects before doing
// anything (a NULL path, an invalid flag, a bad file descriptor, a wrong magic number), each in
// a forked child so a filter that kills instead of failing ends only the child. A call that gets
// past seccomp and the permission checks fails with EINVAL, EFAULT, EBADF or ESRCH: "allowed".
// EPERM or EACCES: "blocked" (by seccomp, or because the process lacks the privilege the
// kernel asks for first). ENOSYS: "blocked or not available" (seccomp profiles return it for
// unknown calls, and kernels built without the feature return it too).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/host_scan.h"
#include "caps/capabilities.h"

namespace bulkhead::audit {

struct UserNamespaceReport {
  std::vector<IdMapping> uid_map,
      gid_map;                           // as /proc/self/uid_map says (outside = the parent's ids)
  bool initial = false;                  // the identity map of the host's (initial) user namespace
  std::optional<uint64_t> root_outside;  // the uid root here has outside; nullopt: root unmapped
  std::string verdict;  // "root here is root on the host" / "root here is uid 100000 on the host"
};

struct CapabilityReport {
  caps::CapSet effective, permitted, inheritable, bounding, ambient;
  std::string verdict;
};

struct SeccompReport {
  int mode = 0;                // 0 disabled, 1 strict, 2 filter (/proc/self/status Seccomp)
  std::optional<int> filters;  // Seccomp_filters (Linux 5.9+)
  std::string verdict;
};

enum class ProbeResult {
  Allowed,      // reached argument checking: the call is usable here
  Blocked,      // EPERM / EACCES
  Unavailable,  // ENOSYS: blocked by a filter that says "not implemented", or not built in
  Killed,       // the probe's process was killed (SIGSYS: a killing seccomp filter)
  Unknown,      // anything else (an unexpected error, the probe could not run)
};
std::string probe_result_name(ProbeResult result);  // "allowed", "blocked", …

struct SyscallProbe {
  std::string name;  // "mount"
  std::string why;   // what it would give an attacker, one phrase
  ProbeResult result = ProbeResult::Unknown;
  std::string detail;  // the errno name ("EPERM") or what happened ("killed by signal 31")
};

struct LsmReport {
  int landlock_abi = 0;  // 0: Landlock not available
  // Whether this process is in a Landlock domain. The kernel offers no query for it, so this is
  // "unknown" unless Landlock is unavailable ("no").
  std::string landlock_restricted = "unknown";
  std::string apparmor;  // "not available", "unconfined", "docker-default (enforce)"
  std::string selinux;   // "not active", or the process's context
  std::string verdict;
};

struct RuntimeSocketReport {
  std::string path;
  bool is_socket = false;
  bool reachable = false;  // connect() succeeded (nothing was sent)
  std::string detail;      // why not: "ECONNREFUSED", "not a socket"
};

struct HostMountReport {
  std::string destination;  // where it is mounted here
  std::string source;       // the filesystem's source and the mount's root in it ("/dev/vda:/")
  std::string fs_type;
  bool read_only_mount = false;  // the mount's ro flag
  bool writable = false;         // access(W_OK) succeeds and the mount is not read-only
  std::string propagation;       // "shared", "slave", "private"
};

struct InspectReport {
  UserNamespaceReport user_namespace;
  CapabilityReport capabilities;
  SeccompReport seccomp;
  bool no_new_privs = false;
  std::vector<SyscallProbe> syscalls;  // empty when probing was turned off
  std::string syscalls_verdict;
  LsmReport lsm;
  std::vector<RuntimeSocketReport> runtime_sockets;  // the paths that exist
  std::string runtime_sockets_verdict;
  std::vector<HostMountReport> host_mounts;
  std::string host_mounts_verdict;
  bool read_only_root = false;
  std::string root_verdict;
  std::vector<std::string> notes;  // what could not be found out, and why
};

struct InspectOptions {
  std::string proc_self = "/proc/self";  // where status, uid_map, mountinfo, attr/ are read
  bool probe_syscalls = true;
};

// Looks at the calling process. Throws SystemError when /proc/self/status cannot be read (no
// /proc: nothing here could be told); anything else that cannot be read becomes a note.
InspectReport inspect_self(const InspectOptions& options = {});

// One line of verdict per area, then the details.
std::string render_inspect_text(const InspectReport& report);
nlohmann::json inspect_to_json(const InspectReport& report);

}  // namespace bulkhead::audit
