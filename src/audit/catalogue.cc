#include "audit/catalogue.h"

#include <algorithm>

namespace bulkhead::audit {

namespace {

using enum InputFormat;
using enum Severity;

// Formats that describe a container's run-time settings. A function, not a global vector: other
// translation units' static initialisers may ask for the catalogue before this one's globals exist.
std::vector<InputFormat> runtime_formats() {
  return {DockerRun, Compose, Kubernetes, OciConfig, Host};
}

// Reference helpers: the scheme names are part of the JSON/SARIF output, so they are spelled once.
Reference cis(std::string id) {
  return {"CIS-Docker", std::move(id)};
}  // CIS Docker Benchmark 1.6.0
Reference pss(std::string id) {
  return {"PSS", std::move(id)};
}  // Kubernetes Pod Security Standards
Reference trivy(std::string id) {
  return {"Trivy", std::move(id)};
}  // Trivy misconfiguration ids

// Said once, because every capability check ends the same way.
constexpr const char* kCapabilityRemediation =
    "Drop every capability and add back only what the program needs. docker run: `--cap-drop ALL` "
    "and no `--cap-add` of it; compose: `cap_drop: [ALL]` and remove it from `cap_add`; "
    "Kubernetes: `securityContext.capabilities.drop: [\"ALL\"]` and remove it from "
    "`capabilities.add`; OCI config.json: remove it from every list under `process.capabilities` "
    "(bounding, effective, permitted, inheritable, ambient). On a running host, recreate the "
    "container from a fixed definition.";

std::vector<Check> build_catalogue() {
  // Listed by theme (privilege, mounts, capabilities, confinement, namespaces, user and limits,
  // Dockerfile); catalogue() is sorted by id below.
  std::vector<Check> checks = {
      // ---- Privilege -----------------------------------------------------------------------
      {"BH-PRIVILEGED",
       Critical,
       "Container runs privileged",
       "A privileged container gets every capability, every host device node, no seccomp filter, "
       "no AppArmor/SELinux confinement and a writable /sys and /proc. Root inside it can mount "
       "the host's disk (`mount /dev/sda1 /mnt`) and edit any file, load a kernel module, or "
       "write a cgroup release_agent that the host kernel runs as root: escaping takes one "
       "command, so the container is no boundary at all.",
       "Do not run it privileged; grant the few capabilities or devices it actually needs. "
       "docker run: remove `--privileged`; compose: remove `privileged: true`; Kubernetes: set "
       "`securityContext.privileged: false` (or leave it out); OCI config.json: there is no single "
       "flag, so keep `process.capabilities` small, keep `linux.seccomp`, `linux.maskedPaths` and "
       "`linux.readonlyPaths`, and do not allow all devices in `linux.resources.devices`.",
       {cis("5.5"), pss("baseline/privileged"), trivy("KSV017")},
       runtime_formats()},

      // ---- Host mounts ---------------------------------------------------------------------
      {"BH-RUNTIME-SOCKET",
       Critical,
       "Container runtime socket mounted into the container",
       "Whoever can connect to the Docker, containerd, CRI-O or Podman API socket can ask the "
       "runtime to start a new privileged container with the host's / bind-mounted, and so "
       "becomes root on the host; no exploit is needed, only the documented API. Mounting the "
       "socket read-only changes nothing, because connecting to a Unix socket is not a write. "
       "Mounting a directory that holds the socket (/run, /var/run, /run/containerd) exposes it "
       "just the same.",
       "Remove the mount. If the container really has to manage containers, give it a narrowly "
       "filtering API proxy rather than the socket itself. docker run: remove the `-v`/`--mount` "
       "of the socket or its directory; compose: remove it from `volumes`; Kubernetes: remove the "
       "`hostPath` volume and its `volumeMounts` entry; OCI config.json: remove the bind entry "
       "from `mounts`.",
       {cis("5.32"), pss("baseline/hostpath-volumes"), trivy("KSV006")},
       runtime_formats()},
      {"BH-MOUNT-HOST-ROOT-RW",
       Critical,
       "Host root filesystem mounted writable",
       "With the host's / mounted writable, the container can change anything the host runs: "
       "add a root cron job or systemd unit, put a key into /root/.ssh/authorized_keys, replace "
       "binaries under /usr, or chroot into the mount and act as the host. Any process that "
       "takes over the container takes over the machine.",
       "Mount only the specific directory the workload needs, read-only where possible. docker "
       "run: replace `-v /:…` with a narrow path (add `:ro`); compose: replace the `/:…` entry of "
       "`volumes` with a narrow path (add `:ro`); Kubernetes: replace the `hostPath` `path: /` "
       "volume, and set `readOnly: true` on the "
       "`volumeMounts` entry; OCI config.json: replace the `mounts` entry with source \"/\" and "
       "add the \"ro\" option.",
       {cis("5.6"), pss("baseline/hostpath-volumes"), trivy("KSV121"), trivy("KSV023")},
       runtime_formats()},
      {"BH-MOUNT-HOST-ROOT",
       High,
       "Host root filesystem mounted read-only",
       "Read-only still means readable: /etc/shadow, SSH host keys, kubelet and cloud "
       "credentials, other containers' data under /var/lib are all disclosed. The runtime "
       "sockets under /run stay connectable through a read-only mount, so an attacker can "
       "still reach the container runtime and start a privileged container.",
       "Mount only the specific directory the workload needs. docker run: replace `-v /:…:ro` "
       "with a narrow path; compose: replace the `/:…:ro` entry of `volumes` with a narrow path; "
       "Kubernetes: replace the `hostPath` "
       "volume with `path: /`; OCI config.json: replace the `mounts` entry whose source is \"/\".",
       {cis("5.6"), pss("baseline/hostpath-volumes"), trivy("KSV121"), trivy("KSV023")},
       runtime_formats()},
      {"BH-MOUNT-SENSITIVE-RW",
       High,
       "Sensitive host path mounted writable",
       "Host paths such as /etc, /root, /boot, /usr, /var/lib/docker or /var/lib/kubelet hold "
       "what the host trusts. Write access lets the container add a user to /etc/passwd, drop a "
       "cron job, plant a kernel or initramfs for the next boot, alter another container's "
       "filesystem, or read and change other pods' secrets; writing to /proc or /sys changes "
       "kernel settings (core_pattern, uevent_helper) that the host then runs as root.",
       "Mount a dedicated directory or a named volume instead, and read-only when the data is "
       "only read. docker run: change the `-v`/`--mount` source and add `:ro`/`readonly`; "
       "compose: change the `volumes` entry's source and add `:ro` (`read_only: true` in the long "
       "syntax); Kubernetes: "
       "replace the `hostPath` volume (prefer emptyDir, configMap, secret or a PVC) and set "
       "`readOnly: true` on the `volumeMounts` entry; OCI config.json: change the `mounts` "
       "entry's source and add the \"ro\" option.",
       {cis("5.6"), pss("baseline/hostpath-volumes"), trivy("KSV121"), trivy("KSV023")},
       runtime_formats()},
      {"BH-MOUNT-SENSITIVE",
       Medium,
       "Sensitive host path mounted read-only",
       "Even read-only, sensitive host paths leak what an attacker needs next: password "
       "hashes in /etc/shadow, private keys in ~/.ssh and /root, service-account tokens and "
       "secrets of every pod under /var/lib/kubelet, other containers' files under "
       "/var/lib/docker, and the host's process list and environment through /proc.",
       "Mount only the files the workload needs (a single config file, a configMap or secret), "
       "not the host directory. docker run: narrow the `-v`/`--mount` source; compose: narrow "
       "the `volumes` entry's source; Kubernetes: replace the `hostPath` volume with a configMap, "
       "secret or "
       "projected volume; OCI config.json: narrow the `mounts` entry's source.",
       {cis("5.6"), pss("baseline/hostpath-volumes"), trivy("KSV121"), trivy("KSV023")},
       runtime_formats()},
      {"BH-MOUNT-PROPAGATION-SHARED",
       Medium,
       "Mount propagation shared with the host",
       "With shared (rshared, Kubernetes Bidirectional) propagation, mounts made inside the "
       "container appear in the host's mount namespace, and the host's new mounts appear in the "
       "container. A container that can mount (CAP_SYS_ADMIN) can thus cover host paths with "
       "its own content, for example hide or replace what other services read, and it keeps "
       "seeing every filesystem the host mounts later.",
       "Use private or slave propagation. docker run: remove `shared`/`rshared` from the `-v` "
       "options or `bind-propagation=` in `--mount`; compose: remove `bind.propagation: rshared` "
       "(long volume syntax); Kubernetes: set `volumeMounts[].mountPropagation` to None or "
       "HostToContainer; OCI config.json: replace \"shared\"/\"rshared\" in the mount's `options` "
       "and in `linux.rootfsPropagation` with \"rslave\" or \"rprivate\".",
       {cis("5.20")},
       runtime_formats()},

      // ---- Capabilities --------------------------------------------------------------------
      {"BH-CAP-ALL",
       Critical,
       "All capabilities added",
       "Every capability at once is root's full power over the kernel: CAP_SYS_ADMIN to mount "
       "host disks and cgroup filesystems, CAP_SYS_MODULE to load kernel code, CAP_SYS_RAWIO and "
       "CAP_SYS_PTRACE, and the rest. Only the namespaces and the remaining LSM/seccomp "
       "confinement stand between the container and the host, and several of these "
       "capabilities are designed to get around exactly those.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), pss("restricted/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-SYSADMIN",
       High,
       "CAP_SYS_ADMIN added",
       "CAP_SYS_ADMIN is the catch-all administration capability: it allows mount(2), and with "
       "it a container can mount a cgroup v1 hierarchy and set a release_agent that the host "
       "kernel executes as root, or mount a host block device it can see and edit the host's "
       "files. It also unlocks many other kernel interfaces (keyrings, quotas, namespace "
       "operations) that have repeatedly been the way out of containers.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV005"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-SYSPTRACE",
       High,
       "CAP_SYS_PTRACE added",
       "CAP_SYS_PTRACE lets a process trace, read and write the memory of any process it can "
       "see, whatever its owner. Inside the container that already defeats user separation; "
       "combined with the host PID namespace (or a shared pod namespace) it allows injecting "
       "code into host or sibling processes running as root.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-SYSMODULE",
       High,
       "CAP_SYS_MODULE added",
       "CAP_SYS_MODULE allows loading and unloading kernel modules. A module runs as kernel "
       "code with no namespace around it, so loading one is a complete host compromise: the "
       "attacker can disable every protection, read any memory and start processes on the host.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV120"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-SYSRAWIO",
       High,
       "CAP_SYS_RAWIO added",
       "CAP_SYS_RAWIO permits raw I/O: I/O port access (iopl/ioperm), raw SCSI commands, and "
       "access to device and memory nodes such as /dev/mem when they are present. With a device "
       "node at hand it reads and writes host disks and memory underneath every filesystem "
       "permission.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-DACREADSEARCH",
       High,
       "CAP_DAC_READ_SEARCH added",
       "CAP_DAC_READ_SEARCH bypasses read permission checks and allows open_by_handle_at(2). "
       "With the latter a container can open files on a bind-mounted host filesystem by inode "
       "handle, walking out of the mounted directory to any file of that filesystem, such as "
       "/etc/shadow (the published \"shocker\" escape).",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-BPF",
       High,
       "CAP_BPF added",
       "CAP_BPF allows loading BPF programs and maps; with CAP_PERFMON or CAP_NET_ADMIN these "
       "can attach to kernel tracing and networking hooks host-wide, read kernel memory and "
       "other processes' data, and tamper with traffic. The BPF verifier is a large attack "
       "surface in its own right, with a history of privilege-escalation bugs.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-NETADMIN",
       Medium,
       "CAP_NET_ADMIN added",
       "CAP_NET_ADMIN allows reconfiguring the network namespace: interfaces, routes, firewall "
       "rules, traffic mirroring. In its own namespace that lets it bypass network policy "
       "enforced inside the pod; with the host network it can rewrite the host's firewall and "
       "routes, intercept other workloads' traffic, and reach kernel networking code that has "
       "had many exploitable bugs.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-PERFMON",
       Medium,
       "CAP_PERFMON added",
       "CAP_PERFMON allows perf_event_open(2) system-wide monitoring and, together with CAP_BPF, "
       "attaching tracing BPF programs. Performance counters and kernel tracing leak kernel "
       "addresses and other processes' activity, helping side-channel attacks and the next "
       "kernel exploit.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-ADDED-OTHER",
       Medium,
       "Capability outside the runtime default set added",
       "Every capability beyond the runtime's default set widens what root in the container "
       "may ask of the kernel: SYS_TIME changes the host clock, SYS_BOOT reboots, SYS_RESOURCE "
       "defeats limits, MAC_ADMIN rewrites the LSM policy, LINUX_IMMUTABLE and SYSLOG touch "
       "host-wide state. Each one is host-wide, because capabilities are checked against the "
       "kernel, not against the container.",
       kCapabilityRemediation,
       {cis("5.4"), pss("baseline/capabilities"), trivy("KSV022")},
       runtime_formats()},
      {"BH-CAP-NOT-DROPPED",
       Low,
       "Capabilities not dropped",
       "Runtimes grant a default set (CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW, "
       "MKNOD, …) that most programs never use. An attacker who gets code execution uses them: "
       "NET_RAW for ARP/ICMP spoofing on the container network, DAC_OVERRIDE and FOWNER to "
       "ignore file permissions, MKNOD and SETFCAP to prepare the next step, and each of them "
       "is one more kernel path a kernel exploit can start from.",
       "Drop all capabilities and add back only NET_BIND_SERVICE or what the program really "
       "uses. docker run: `--cap-drop ALL` (plus `--cap-add` for what is needed); compose: "
       "`cap_drop: [ALL]`; Kubernetes: `securityContext.capabilities.drop: [\"ALL\"]`; OCI "
       "config.json: empty every list under `process.capabilities` except what is needed.",
       {cis("5.4"), pss("restricted/capabilities"), trivy("KSV003"), trivy("KSV106")},
       runtime_formats()},

      // ---- Confinement ---------------------------------------------------------------------
      {"BH-NO-NEW-PRIVS",
       Medium,
       "Privilege escalation not prevented (no_new_privs off)",
       "Without no_new_privs, executing a setuid or setgid binary, or one with file "
       "capabilities, raises the process's privileges. An attacker who lands as an unprivileged "
       "user in the container can become root there through any setuid program in the image "
       "(su, sudo, ping on some images, or a vulnerable one), and root then has every "
       "capability the container was given.",
       "Set no_new_privs. docker run: `--security-opt no-new-privileges`; compose: `security_opt: "
       "[\"no-new-privileges:true\"]`; Kubernetes: `securityContext.allowPrivilegeEscalation: "
       "false`; OCI config.json: `process.noNewPrivileges: true`.",
       {cis("5.26"), pss("restricted/privilege-escalation"), trivy("KSV001")},
       runtime_formats()},
      {"BH-SECCOMP-UNCONFINED",
       High,
       "Seccomp disabled (unconfined)",
       "Seccomp is what keeps rarely needed and historically exploitable system calls (keyctl, "
       "unshare of new user namespaces, bpf, userfaultfd, kexec_load, open_by_handle_at, mount) "
       "away from the container. Unconfined, every kernel bug reachable by a system call is "
       "reachable from the container, and capability-gated calls are limited by capabilities "
       "alone.",
       "Use the runtime's default profile or a custom one. docker run: remove `--security-opt "
       "seccomp=unconfined` (or pass `seccomp=<profile.json>`); compose: remove "
       "`seccomp:unconfined` from `security_opt`; Kubernetes: set "
       "`securityContext.seccompProfile.type: RuntimeDefault` (or Localhost); OCI config.json: "
       "add a `linux.seccomp` section (for example from `bulkhead seccomp`).",
       {cis("5.22"), pss("baseline/seccomp"), trivy("KSV104")},
       runtime_formats()},
      {"BH-SECCOMP-MISSING",
       Medium,
       "No seccomp profile set",
       "Kubernetes (unless the kubelet's seccomp default is turned on) and a bare OCI config "
       "run the container without any seccomp filter. Every system call the kernel offers is "
       "then available to an attacker, including the ones the runtime's default profile blocks "
       "because they have led to container escapes and kernel exploits.",
       "Kubernetes: set `securityContext.seccompProfile.type: RuntimeDefault` (or Localhost with "
       "a profile) on the pod or the container; OCI config.json: add a `linux.seccomp` section "
       "(for example Docker's default profile, or one made with `bulkhead seccomp`).",
       {pss("restricted/seccomp"), trivy("KSV030")},
       {Kubernetes, OciConfig}},
      {"BH-APPARMOR-UNCONFINED",
       Medium,
       "AppArmor disabled (unconfined)",
       "The runtime's default AppArmor profile denies mounting, writing to most of /proc and "
       "/sys, and similar moves that turn a foothold into an escape. Unconfined, those are "
       "limited only by capabilities and seccomp, and a mistake in either is no longer caught.",
       "Keep the default profile or use a custom one. docker run: remove `--security-opt "
       "apparmor=unconfined`; compose: remove `apparmor:unconfined` from `security_opt`; "
       "Kubernetes: set `securityContext.appArmorProfile.type: RuntimeDefault` (or remove the "
       "`container.apparmor.security.beta.kubernetes.io/<container>: unconfined` annotation); OCI "
       "config.json: set `process.apparmorProfile` to a loaded profile.",
       {cis("5.2"), pss("baseline/apparmor"), trivy("KSV002")},
       {DockerRun, Compose, Kubernetes, OciConfig}},
      {"BH-SELINUX-DISABLED",
       Medium,
       "SELinux separation disabled",
       "On SELinux hosts, container processes run as container_t with a per-container category "
       "pair, which keeps them from host files and from each other even when they are root and "
       "a mount exposes host paths. Disabling labelling, or running as spc_t or unconfined_t, "
       "removes that layer.",
       "Keep the runtime's labels. docker run: remove `--security-opt label=disable` or "
       "`label=type:spc_t`; compose: remove them from `security_opt`; Kubernetes: remove "
       "`seLinuxOptions.type` values other than container_t, container_init_t or container_kvm_t; "
       "OCI config.json: set `process.selinuxLabel` to a container_t label.",
       {cis("5.3"), pss("baseline/selinux"), trivy("KSV025")},
       {DockerRun, Compose, Kubernetes, OciConfig}},

      // ---- Namespaces ----------------------------------------------------------------------
      {"BH-HOST-PID",
       High,
       "Host PID namespace shared",
       "In the host PID namespace the container sees every process on the host, their command "
       "lines and, as root, their environments (secrets) and /proc/<pid>/root (their "
       "filesystems). It can signal host processes, and with CAP_SYS_PTRACE inject code into "
       "them; nsenter into PID 1's namespaces is then an escape.",
       "Keep the container's own PID namespace. docker run: remove `--pid=host`; compose: "
       "remove `pid: host`; Kubernetes: remove `hostPID: true`; OCI config.json: add "
       "`{\"type\": \"pid\"}` to `linux.namespaces`.",
       {cis("5.16"), pss("baseline/host-namespaces"), trivy("KSV010")},
       runtime_formats()},
      {"BH-HOST-IPC",
       High,
       "Host IPC namespace shared",
       "The host IPC namespace shares System V shared memory, semaphores and POSIX message "
       "queues with every host process. The container can read or corrupt shared-memory "
       "segments of host services (databases and caches keep data there) and interfere with "
       "their synchronisation.",
       "Keep the container's own IPC namespace. docker run: remove `--ipc=host`; compose: remove "
       "`ipc: host`; Kubernetes: remove `hostIPC: true`; OCI config.json: add `{\"type\": "
       "\"ipc\"}` to `linux.namespaces`.",
       {cis("5.17"), pss("baseline/host-namespaces"), trivy("KSV008")},
       runtime_formats()},
      {"BH-HOST-NETWORK",
       High,
       "Host network namespace shared",
       "With the host network the container binds host ports, reaches services listening only "
       "on the host's loopback (kubelet, runtime APIs, metadata proxies, databases), sniffs "
       "host traffic with NET_RAW and, with NET_ADMIN, changes the host's firewall and routes. "
       "Network policies no longer apply to it.",
       "Use a container network and publish only the needed ports. docker run: remove "
       "`--network host`/`--net=host` and use `-p`; compose: remove `network_mode: host`; "
       "Kubernetes: remove `hostNetwork: true` and use a Service; OCI config.json: add "
       "`{\"type\": \"network\"}` to `linux.namespaces`.",
       {cis("5.10"), pss("baseline/host-namespaces"), trivy("KSV009")},
       runtime_formats()},
      {"BH-HOST-UTS",
       Medium,
       "Host UTS namespace shared",
       "In the host UTS namespace a container with CAP_SYS_ADMIN can change the host's hostname "
       "and NIS domain name, which confuses logging, monitoring and anything that identifies "
       "hosts by name; it also tells the attacker which host it landed on.",
       "Keep the container's own UTS namespace. docker run: remove `--uts=host`; compose: remove "
       "`uts: host`; OCI config.json: add `{\"type\": \"uts\"}` to `linux.namespaces`.",
       {cis("5.21")},
       {DockerRun, Compose, OciConfig, Host}},
      {"BH-HOST-USERNS",
       Low,
       "Host user namespace used",
       "Without a user namespace, uid 0 in the container is uid 0 on the host. Any escape (a "
       "writable host mount, a kernel bug, a runtime bug such as the runc /proc/self/exe "
       "overwrite) then lands as real root; with a user namespace it would land as an "
       "unprivileged host uid.",
       "Run the container in a user namespace that maps root to an unprivileged host uid. docker "
       "run: remove `--userns=host` (and enable `userns-remap` in the daemon); compose: remove "
       "`userns_mode: host`; Kubernetes: set `spec.hostUsers: false`; OCI config.json: add "
       "`{\"type\": \"user\"}` to `linux.namespaces` with `linux.uidMappings` and "
       "`linux.gidMappings`.",
       {cis("5.31")},
       runtime_formats()},

      // ---- User, filesystem and limits -----------------------------------------------------
      {"BH-RUN-AS-ROOT",
       Medium,
       "Container runs as root",
       "Root in the container owns every file of the image, holds every capability the "
       "container was given, and is root on the host as soon as anything lets it out (a "
       "writable host mount, a runtime or kernel bug). An application compromised while running "
       "as an unprivileged user has much less to work with.",
       "Run as an unprivileged uid. docker run: `--user 1000:1000`; compose: `user: "
       "\"1000:1000\"`; Kubernetes: `securityContext.runAsNonRoot: true` with a non-zero "
       "`runAsUser`; OCI config.json: a non-zero `process.user.uid`, or a user namespace mapping "
       "root to an unprivileged host uid; Dockerfile: a `USER` instruction naming a non-root "
       "user after the last step that needs root.",
       {cis("4.1"), pss("restricted/running-as-non-root"),
        pss("restricted/running-as-non-root-user"), trivy("KSV012"), trivy("KSV105"),
        trivy("DS002")},
       {DockerRun, Compose, Kubernetes, OciConfig, Dockerfile, Host}},
      {"BH-ROOTFS-WRITABLE",
       Low,
       "Root filesystem writable",
       "A writable root filesystem lets an attacker drop tools and persistent backdoors into "
       "the container, replace its binaries or libraries, and edit its configuration, so the "
       "running container stops matching the image that was reviewed.",
       "Mount the root filesystem read-only and give writable tmpfs or volumes only where the "
       "program writes. docker run: `--read-only` (plus `--tmpfs /tmp`); compose: `read_only: "
       "true`; Kubernetes: `securityContext.readOnlyRootFilesystem: true` (plus emptyDir "
       "volumes); OCI config.json: `root.readonly: true`.",
       {cis("5.13"), trivy("KSV014")},
       runtime_formats()},
      {"BH-NO-MEMORY-LIMIT",
       Low,
       "No memory limit",
       "Without a memory limit one container can take all of the host's memory, by a leak or "
       "on purpose, and the kernel's OOM killer then picks victims among other containers and "
       "host services: a denial of service for everything on the machine.",
       "Set a memory limit. docker run: `--memory 512m`; compose: `mem_limit` or "
       "`deploy.resources.limits.memory`; Kubernetes: `resources.limits.memory`; OCI "
       "config.json: `linux.resources.memory.limit`.",
       {cis("5.11"), trivy("KSV018")},
       {DockerRun, Compose, Kubernetes, OciConfig}},
      {"BH-NO-PIDS-LIMIT",
       Low,
       "No process (pids) limit",
       "Without a pids limit a fork bomb inside the container exhausts the host's process "
       "table, and then nothing on the host can start a process, not even an administrator's "
       "shell to stop it.",
       "Set a pids limit. docker run: `--pids-limit 512`; compose: `pids_limit` (or "
       "`deploy.resources.limits.pids`); OCI config.json: `linux.resources.pids.limit`.",
       {cis("5.29")},
       {DockerRun, Compose, OciConfig}},
      {"BH-DEVICE",
       Medium,
       "Host device passed through",
       "A host device node gives the container direct access to a kernel driver and the "
       "hardware behind it: a disk device exposes the host's filesystems below every "
       "permission check, /dev/kmsg or /dev/mem leak kernel state, and every driver adds "
       "attack surface. Allowing all devices is close to running privileged.",
       "Pass through only the device the workload needs, and only with the access it needs. "
       "docker run: remove `--device` (or narrow it with `:r`); compose: remove the entry from "
       "`devices`; Kubernetes: remove the CharDevice/BlockDevice `hostPath` volume (use a "
       "device plugin instead); OCI config.json: remove the entry from `linux.devices` and the "
       "matching allow rule from `linux.resources.devices`.",
       {cis("5.18"), pss("baseline/hostpath-volumes")},
       {DockerRun, Compose, Kubernetes, OciConfig}},
      {"BH-PROC-UNMASKED",
       High,
       "/proc unmasked",
       "Runtimes mask or make read-only the parts of /proc and /sys that control the host "
       "kernel: /proc/sysrq-trigger, /proc/sys, /proc/kcore, /sys/firmware and others. "
       "Unmasked, root in the container can crash or reboot the host through sysrq, set "
       "kernel.core_pattern to a program the host runs as root on the next crash, and read "
       "kernel memory.",
       "Keep the default masks. docker run: remove `--security-opt systempaths=unconfined`; "
       "compose: remove `systempaths=unconfined` from `security_opt`; Kubernetes: remove "
       "`securityContext.procMount: Unmasked`; OCI config.json: restore `linux.maskedPaths` "
       "and `linux.readonlyPaths`.",
       {pss("baseline/proc-mount"), trivy("KSV027")},
       runtime_formats()},
      {"BH-SYSCTL-UNSAFE",
       Medium,
       "Unsafe sysctl set",
       "Only a few sysctls are both namespaced and isolated from other containers; the rest "
       "either change the host kernel for everyone or weaken protections, for example "
       "kernel.core_pattern runs a host program as root, net.ipv4.ip_forward turns the "
       "container into a router, and kernel.* memory or IPC settings affect every process.",
       "Set only the safe sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, "
       "net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range "
       "and the other namespaced net.ipv4 keys Kubernetes lists) and configure anything else on "
       "the host. docker run: remove the `--sysctl`; compose: remove the entry from `sysctls`; "
       "Kubernetes: remove it from `spec.securityContext.sysctls`; OCI config.json: remove it "
       "from `linux.sysctl`.",
       {pss("baseline/sysctls"), trivy("KSV026")},
       {DockerRun, Compose, Kubernetes, OciConfig}},

      // ---- Dockerfile ----------------------------------------------------------------------
      {"BH-DOCKERFILE-ADD-URL",
       Low,
       "ADD downloads a remote URL",
       "ADD with a URL fetches whatever the server returns at build time, with no checksum "
       "unless --checksum is given: a compromised or spoofed server, or a changed release "
       "file, puts attacker-chosen content into the image, and builds stop being reproducible.",
       "Dockerfile: download with RUN and verify a pinned checksum (`curl -fsSLo f URL && echo "
       "\"<sha256>  f\" | sha256sum -c`), use `ADD --checksum=sha256:…`, or COPY a file "
       "fetched and verified outside the build.",
       {cis("4.9")},
       {Dockerfile}},
      {"BH-DOCKERFILE-CURL-PIPE-SH",
       Medium,
       "Remote script piped into a shell",
       "`curl … | sh` runs whatever the server sends, as root during the build, without any "
       "verification; the server (or anyone who can tamper with it, its DNS or an unpinned "
       "mirror) decides what code ends up in the image. A truncated download is executed too.",
       "Dockerfile: download the script to a file, verify it against a pinned checksum or "
       "signature, then run it; better, install from the distribution's signed packages.",
       {cis("4.11")},
       {Dockerfile}},
      {"BH-DOCKERFILE-SECRET-ENV",
       High,
       "Secret in ENV or ARG",
       "ENV values and ARG values used by a RUN end up in the image's metadata and layer "
       "history: anyone who can pull the image reads them with `docker history` or `docker "
       "inspect`, and ENV values are also visible in every container's environment (and so "
       "in /proc/<pid>/environ and crash reports).",
       "Dockerfile: pass build-time secrets with `RUN --mount=type=secret,id=…` (BuildKit) and "
       "provide run-time secrets through the orchestrator's secret mechanism (compose "
       "`secrets`, Kubernetes Secret volumes) instead of ENV or ARG; rotate any secret that "
       "was already baked into an image.",
       {cis("4.10"), trivy("DS031")},
       {Dockerfile}},
  };
  std::sort(checks.begin(), checks.end(),
            [](const Check& a, const Check& b) { return a.id < b.id; });
  return checks;
}

}  // namespace

std::span<const Check> catalogue() {
  static const std::vector<Check> checks = build_catalogue();
  return checks;
}

const Check* find_check(std::string_view id) {
  auto all = catalogue();
  auto it = std::lower_bound(all.begin(), all.end(), id,
                             [](const Check& c, std::string_view key) { return c.id < key; });
  return it != all.end() && it->id == id ? &*it : nullptr;
}

bool check_applies_to(const Check& check, InputFormat format) {
  return std::find(check.applies_to.begin(), check.applies_to.end(), format) !=
         check.applies_to.end();
}

}  // namespace bulkhead::audit
