// Resource limits for a container: one cgroup per container, in cgroup v2 where the controller
// is there and in the controller's v1 hierarchy otherwise (hybrid hosts). It is nested under the
// cgroup of the process that creates it, so the container stays inside whatever limits and
// accounting already apply to its caller, unless that cgroup cannot pass the controllers down
// (it holds processes, as a systemd session scope does): then it goes below the hierarchy's root.
//
// A requested limit is never dropped: when no writable hierarchy offers its controller,
// create() throws an Error naming the limit and what it found. Without limits, the v2 cgroup
// is still made when it can be (so the container's processes are grouped and killable
// together), but a host where it cannot (rootless) is not an error.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/spec.h"

namespace bulkhead::runtime {

class Cgroup {
 public:
  // Creates the container's cgroup(s) named `id` (<hierarchy>/<caller's cgroup>/bulkhead/<id>,
  // or <hierarchy>/bulkhead/<id>) and writes and reads back the limits. Throws Error when a
  // requested limit cannot be applied or a value is invalid; nothing is left behind then.
  static Cgroup create(const std::string& id, const spec::Resources& resources);

  Cgroup() = default;
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  Cgroup(Cgroup&& other) noexcept;
  Cgroup& operator=(Cgroup&& other) noexcept;
  // Kills what is left in the cgroups and removes them; errors are swallowed (use remove() to
  // see them).
  ~Cgroup();

  // Moves `pid` into every cgroup of the container. The parent calls it for the child before
  // the child execs, so nothing the container runs escapes the limits. `born_in_unified`: the
  // child was cloned straight into the v2 cgroup (clone3 CLONE_INTO_CGROUP), so only the v1
  // cgroups are written.
  void add_process(pid_t pid, bool born_in_unified = false);
  // The v2 cgroup's directory, when the container has one (for CLONE_INTO_CGROUP).
  std::optional<std::string> unified_path() const;
  // The container's cgroup directories (absolute), for the state record; empty when no cgroup
  // could be made and none was needed.
  std::vector<std::string> paths() const;
  // Moves `pid` into cgroups made earlier (from a state record), for `bulkhead exec`.
  static void join(const std::vector<std::string>& paths, pid_t pid);

  // SIGKILLs every process left in the cgroups (cgroup.kill where the kernel has it), waits
  // briefly for them to exit, removes the directories and then the `bulkhead` parents that are
  // empty. Throws when a directory cannot be removed. Idempotent.
  void remove();

 private:
  struct Dir {
    std::string path;    // .../bulkhead/<id>
    std::string parent;  // .../bulkhead, removed when it is empty afterwards
    bool unified = false;
  };
  std::vector<Dir> dirs_;  // v2 first, when there is one
};

// ---- The parts below are exposed for unit tests; the runtime uses Cgroup. ----

// One mounted cgroup hierarchy, from /proc/self/mountinfo.
struct CgroupMount {
  std::string mount_point;               // "/sys/fs/cgroup/memory"
  std::string root;                      // the hierarchy path mounted there ("/" normally)
  std::vector<std::string> controllers;  // v1: "cpu", "cpuacct"; empty for v2
};

struct CgroupMounts {
  std::optional<CgroupMount> unified;  // the cgroup2 mount (preferring /sys/fs/cgroup)
  std::vector<CgroupMount> v1;         // one per v1 hierarchy that has controllers

  const CgroupMount* v1_for(std::string_view controller) const;
};

CgroupMounts parse_cgroup_mounts(std::string_view mountinfo);

// One line of /proc/<pid>/cgroup: "4:memory:/a/b" → {{"memory"}, "/a/b"}; "0::/x" → {{}, "/x"}.
struct ProcCgroup {
  bool unified = false;                  // the v2 line ("0::/x")
  std::vector<std::string> controllers;  // sorted, without "name=…" entries
  std::string path;
};
std::vector<ProcCgroup> parse_proc_cgroup(std::string_view text);

// The directory of the caller's cgroup (`proc`'s path for that hierarchy) in `mount`: the mount
// point plus the path below the mount's root (the mount point itself when the path is outside
// what is mounted).
std::string cgroup_directory(const CgroupMount& mount, const std::string& proc_path);

// The controllers the requested limits need, in the order "memory", "pids", "cpu".
std::vector<std::string> controllers_for(const spec::Resources& resources);

enum class CgroupVersion { V1, V2 };

// A file to write in the container's cgroup and the value to write.
struct CgroupWrite {
  std::string file;  // "memory.max"
  std::string value;
};

// The writes that apply `resources`' limits for `controller`, in the order they must be made.
// Throws Error for a value no kernel would take the way the spec means it (e.g. memory.swap
// below memory.limit, cpu.shares out of 2..262144).
std::vector<CgroupWrite> limit_writes(CgroupVersion version, std::string_view controller,
                                      const spec::Resources& resources);

// Whether `read_back` from `file` shows `written` in force. Memory values are rounded down to
// whole pages by the kernel; "max"/-1 read back as "max" (v2) or a huge number (v1).
bool cgroup_value_matches(std::string_view file, std::string_view written,
                          std::string_view read_back, uint64_t page_size);

// cpu.shares (v1, 2..262144) → cpu.weight (v2, 1..10000), the conversion OCI runtimes use.
uint64_t cpu_shares_to_weight(uint64_t shares);

}  // namespace bulkhead::runtime
