// `bulkhead audit --host`: the containers running on this host, found through /proc and described
// as Workloads (format Host) so the same checks judge them as judge configuration files.
//
// Every process is read (status, namespaces, and for one process per container its mount table,
// uid map and cgroup). Processes in the host's pid and mount namespaces are the host, not a
// container, and are skipped. The others are grouped by their (pid, mount) namespace pair and
// named by the runtime that made them: bulkhead's state records (by namespace inode or init
// pid), Docker/Podman/containerd/CRI-O by the container id in the cgroup path. A group no
// runtime claims is still reported, as "process PID (COMM)".
//
// The host's namespaces are PID 1's. Some sandboxes deny even root a look at /proc/1/ns; then
// this process's namespaces stand in for the host's (a host-wide scan runs in the host's
// namespaces anyway) and a note says so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/workload.h"
#include "caps/capabilities.h"

namespace bulkhead::audit {

struct HostScanOptions {
  std::string proc_root = "/proc";
  // The bulkhead state directory whose records name bulkhead containers; "" = every directory
  // runtime::observed_state_dirs() lists.
  std::string state_root;
};

struct HostScan {
  std::vector<Workload> workloads;  // one per container, in order of the container's first pid
  // What the reader should know about how complete the scan is: processes that exited while
  // being read, processes whose files could not be read, the fallback for the host's
  // namespaces.
  std::vector<std::string> notes;
};

// Scans `options.proc_root`. Throws SystemError when the /proc tree itself cannot be listed or
// neither PID 1's nor this process's namespaces can be read; a single process that cannot be
// read is a note, never an error (processes come and go while the scan runs).
HostScan scan_host(const HostScanOptions& options);

// ---- Pieces shared with `bulkhead inspect` and the tests ----

// One line of /proc/<pid>/mountinfo (proc(5)).
struct MountInfoEntry {
  int mount_id = 0;
  int parent_id = 0;
  unsigned major = 0, minor = 0;
  std::string root;         // the mount's root within its filesystem ("/" or a bind's directory)
  std::string mount_point;  // relative to the process's root
  std::vector<std::string> mount_options;    // per-mount: "rw", "nosuid", …
  std::vector<std::string> optional_fields;  // "shared:1", "master:2", "propagate_from:3"
  std::string fs_type;
  std::string source;  // "/dev/vda", "proc", "none"
  std::vector<std::string> super_options;

  bool read_only() const;
  // "shared" (also when it is a slave as well), "slave", or "private".
  std::string propagation() const;
};

// Octal escapes (\040 for a space, \011, \012, \134) decoded. Throws Error naming `source` and
// the line for a line with too few fields (the kernel never writes one).
std::vector<MountInfoEntry> parse_mountinfo(std::string_view text, const std::string& source);

// One line of /proc/<pid>/uid_map or gid_map: ids [inside, inside+count) of the namespace are
// [outside, outside+count) in the namespace of whoever reads the file.
struct IdMapping {
  uint64_t inside = 0;
  uint64_t outside = 0;
  uint64_t count = 0;
};
std::vector<IdMapping> parse_id_map(std::string_view text, const std::string& source);
// Where `inside` maps to outside; nullopt when it is not mapped.
std::optional<uint64_t> map_to_outside(const std::vector<IdMapping>& map, uint64_t inside);
// Which inside id `outside` is; nullopt when no inside id maps to it.
std::optional<uint64_t> map_to_inside(const std::vector<IdMapping>& map, uint64_t outside);
// The map of the initial user namespace: every id is itself ("0 0 4294967295").
bool is_identity_map(const std::vector<IdMapping>& map);

// "pid:[4026531836]" (what readlink of /proc/<pid>/ns/pid says) → 4026531836; nullopt when the
// text has another shape.
std::optional<uint64_t> namespace_inode_from_link(std::string_view link_text);

// The value of `key` in a /proc/<pid>/status text ("CapEff" → "000001fffeffffff"), trimmed; ""
// when absent.
std::string proc_status_field(std::string_view status, std::string_view key);
// A capability mask as /proc shows it (bit N = capability N); bits beyond caps::kLastCap are
// dropped.
caps::CapSet cap_set_from_mask(uint64_t mask);

// The pseudo file systems a runtime mounts in every container at their usual places (proc at
// /proc, sysfs at /sys, cgroup under /sys/fs/cgroup, mqueue, devpts, securityfs): never a host
// path the user chose, even when the kernel hands the container the host's superblock.
bool is_standard_pseudo_mount(const MountInfoEntry& mount);

}  // namespace bulkhead::audit
