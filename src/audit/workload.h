// One container as every input describes it: a `docker run` line, a compose service, a
// Kubernetes container (pod-level securityContext already merged in, container level winning),
// an OCI config.json, or a group of processes found running on this host. Readers fill what
// their format says, with the place it says it; the checks (checks.h) look only at this.
//
// "Not said" and "said to be the default" differ for some checks (Kubernetes runs as root unless
// told otherwise; Docker applies its seccomp profile unless told otherwise), so settings a
// format may leave out are optional. Each reader documents its defaults in its header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"
#include "caps/capabilities.h"

namespace bulkhead::audit {

template <class T>
struct Located {
  T value{};
  SourceLocation where;
};

struct HostMount {          // a host path (or runtime socket) made visible in the container
  std::string source;       // host path, absolute and normalised ("/var/run/docker.sock")
  std::string destination;  // path in the container
  bool read_only = false;
  std::string propagation;  // "shared", "rshared", "slave", "rslave", "private", "rprivate" or ""
  SourceLocation where;
};

// A host path in the form HostMount.source holds and the checks compare: absolute, "." and ".."
// resolved lexically (".." at the root stays at the root, as the kernel resolves it), no
// repeated or trailing slash.
std::string normalise_host_path(std::string_view path);

struct VolumeMount {  // anything else mounted (named volume, tmpfs, emptyDir…): only propagation
  std::string name;   // volume name or type
  std::string destination;
  std::string propagation;  // as HostMount
  SourceLocation where;
};

struct Device {                // a host device node passed through
  std::string host_path;       // "/dev/fuse"; "*" or "all" for every device (cgroup rule "a")
  std::string container_path;  // "" when the same
  SourceLocation where;
};

struct Sysctl {
  std::string name;  // "net.ipv4.ip_forward" (dots, not slashes)
  std::string value;
  SourceLocation where;
};

// How a runtime's namespace is shared with the host: set when the input asks for the host's
// namespace (docker --pid=host, hostPID: true, an OCI config without that namespace, a live
// process in PID 1's namespace).
struct HostNamespaces {
  std::optional<Located<bool>> pid, ipc, uts, network, user;
};

// Capabilities come in two shapes. Docker, compose and Kubernetes describe changes to the
// runtime's default set (cap_add / cap_drop, names without CAP_, "ALL" allowed). OCI configs and
// live processes give the resulting set itself.
struct Capabilities {
  std::vector<Located<std::string>> added;    // "SYS_ADMIN", "ALL" (canonical: upper case, no CAP_)
  std::vector<Located<std::string>> dropped;  // "NET_RAW", "ALL"
  std::optional<Located<caps::CapSet>> effective_set;  // exact set, when the input gives it
                                                       // (OCI: the bounding set; host: CapEff)
};

struct Workload {
  InputFormat format = InputFormat::DockerRun;
  std::string object;  // "docker run (line 12)", "service web", "Deployment prod/api container app"
  SourceLocation where;  // where the object is defined (findings about missing settings point here)

  std::optional<Located<bool>> privileged;
  Capabilities capabilities;
  std::optional<Located<bool>>
      no_new_privileges;  // docker: no-new-privileges; k8s:
                          // !allowPrivilegeEscalation; OCI: noNewPrivileges
  // "unconfined", "default" (runtime's default profile), "localhost/…"/a file name for a
  // custom profile. nullopt: not said (docker default applies; Kubernetes: none before 1.27-ish
  // unless the kubelet default is on, so treated as missing).
  std::optional<Located<std::string>> seccomp;
  std::optional<Located<std::string>> apparmor;  // "unconfined", "runtime/default", a name
  std::optional<Located<std::string>> selinux;   // "disable", "spc_t", a type or label
  std::vector<HostMount> host_mounts;
  std::vector<VolumeMount> volumes;
  HostNamespaces host_namespaces;
  // The user the process runs as, as written: "0", "root", "1000:1000", "nobody". nullopt:
  // not said (the image decides, usually root).
  std::optional<Located<std::string>> user;
  std::optional<Located<bool>> run_as_non_root;  // Kubernetes runAsNonRoot
  std::optional<Located<bool>> read_only_rootfs;
  std::optional<Located<std::string>> memory_limit;  // as written ("512m", "1Gi", "536870912")
  std::optional<Located<std::string>> pids_limit;
  std::vector<Device> devices;
  std::optional<Located<bool>> proc_unmasked;  // procMount: Unmasked, systempaths=unconfined,
                                               // OCI without maskedPaths
  std::vector<Sysctl> sysctls;
  std::optional<Located<std::string>> rootfs_propagation;  // OCI linux.rootfsPropagation
};

}  // namespace bulkhead::audit
