// Live mode's answer to "which container made this syscall". In hybrid cgroup mode the kernel
// gives every process the same cgroup id, so the capture reports each event's pid and mount
// namespace inodes instead, and this class maps them to a container:
//   - bulkhead containers, from their state records (the pid namespace inode the runtime wrote
//     down, or, while a container is still being set up, its monitor process as an ancestor in
//     the table or in /proc), including records removed after the event was made;
//   - Docker, Podman, containerd and CRI-O containers, from the cgroup path in /proc/<pid>/cgroup;
//   - anything else in the host's namespaces is the host.
// Results are cached per namespace pair, so the cost per event is one comparison of the thread's
// known namespaces with the event's.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "capture/thread_table.h"

namespace bulkhead::capture {

// What the resolver needs to know of a bulkhead container (from its state record).
struct BulkheadContainer {
  std::string id;  // 64 hex
  std::string name;
  std::string rootfs;  // as given to `bulkhead run` ("builtin:busybox", a directory)
  int64_t monitor_pid = 0;
  uint64_t pid_namespace = 0;  // 0 while the container is being created
  uint64_t mount_namespace = 0;
  // The container's init as the host sees it (0 until it runs) and its start time (clock ticks
  // after boot, /proc/<pid>/stat field 22): which of two records naming one namespace inode
  // held it first, and whose end the event stream has shown.
  int64_t init_pid = 0;
  uint64_t init_start_ticks = 0;
  // When its record was found gone (realtime ns), 0 while it exists: a removed container still
  // names the events from before that time, which an observer may read late.
  uint64_t removed_ns = 0;
};
using BulkheadContainerLister = std::function<std::vector<BulkheadContainer>()>;
// Changes whenever the lister's answer may have (optional: without it, only time tells).
using BulkheadGeneration = std::function<uint64_t()>;

class ContainerResolver {
 public:
  // `host_pid_namespace`/`host_mount_namespace`: the inodes of the host's namespaces (those of
  // /proc/1/ns). `proc_root` is where cgroup files are read.
  ContainerResolver(uint64_t host_pid_namespace, uint64_t host_mount_namespace,
                    BulkheadContainerLister list_bulkhead, std::string proc_root = "/proc",
                    BulkheadGeneration bulkhead_generation = {});

  // The host's namespaces as this process sees /proc/1.
  static ContainerResolver for_host(BulkheadContainerLister list_bulkhead,
                                    BulkheadGeneration bulkhead_generation = {},
                                    const std::string& proc_root = "/proc");

  // Brings the event's thread up to date before the rules see the event: a thread first seen,
  // or seen in other namespaces than before, gets the container of its namespaces (and the
  // container is added to the table). Cheap when nothing changed.
  void update(ThreadTable& table, int64_t tid, int64_t pid, uint64_t pid_namespace,
              uint64_t mount_namespace, uint64_t now_ns);

  // Resolves a namespace pair for process `pid`: the container's full id, "" for the host.
  std::string resolve(ThreadTable& table, int64_t pid, uint64_t pid_namespace,
                      uint64_t mount_namespace, uint64_t now_ns);

  // Call with a thread about to exit (its procexit event): when it is the init of its pid
  // namespace, what was cached for that namespace is forgotten, and a record naming that init
  // no longer claims the namespace's inode for the events that follow in the stream.
  void on_exit(const ThreadInfo& thread);
  void forget_pid_namespace(uint64_t pid_namespace);

  uint64_t host_pid_namespace() const { return host_pid_namespace_; }

 private:
  struct Key {
    uint64_t pid_namespace, mount_namespace;
    auto operator<=>(const Key&) const = default;
  };
  struct Cached {
    std::string id;
    uint64_t checked_ns = 0;  // when an unresolved pair was last looked up
    uint64_t generation = 0;  // the bulkhead generation it was looked up at
    bool final = false;       // a container (or the host): not looked up again, except…
    // …when a bulkhead record named it and the records changed since, or its init left the
    // namespace: a namespace inode the stream did not see freed (its init's exit lost) may be
    // another container's by now.
    bool from_record = false;
    // The init of the record it came from (0 when not known yet): a new process in the
    // namespace while that init is not in it shows the answer is of an earlier namespace.
    int64_t init_pid = 0;
    // Unresolved: the containers being created when it was looked up. Until the next lookup,
    // each event checks the table's ancestry against their monitors again (the table learns a
    // new process's parent from the event after the one it was first seen in).
    std::vector<BulkheadContainer> creating;
  };
  std::string lookup(ThreadTable& table, int64_t pid, Key key, uint64_t now_ns, Cached& entry);
  // The container whose monitor is an ancestor of `pid`, among `creating`; `use_proc` also asks
  // /proc for parents the table does not know.
  const BulkheadContainer* created_by_monitor(const ThreadTable& table, int64_t pid,
                                              const std::vector<BulkheadContainer>& creating,
                                              bool use_proc) const;
  std::string adopt(ThreadTable& table, const BulkheadContainer& container, Key key);
  // Among records still naming the same pid namespace inode for an event (see lookup()), the
  // one that held it first.
  static const BulkheadContainer* namespace_holder(
      const std::vector<const BulkheadContainer*>& claimants);
  // The inode of /proc/<pid>/ns/pid, 0 when the process is gone.
  uint64_t pid_namespace_of(int64_t pid) const;
  // Whether `init` (a record's) no longer runs in `pid_namespace` while `pid` does: then the
  // record is of an earlier namespace with that inode.
  bool init_left_namespace(int64_t init, int64_t pid, uint64_t pid_namespace) const;
  // The parent of process `pid` from the table, else (with `use_proc`) from /proc; 0 when
  // neither knows.
  int64_t parent_pid(const ThreadTable& table, int64_t pid, bool use_proc) const;

  uint64_t host_pid_namespace_;
  uint64_t host_mount_namespace_;
  BulkheadContainerLister list_bulkhead_;
  std::string proc_root_;
  BulkheadGeneration bulkhead_generation_;
  std::map<Key, Cached> cache_;
  // Inits whose exit the stream has shown, as (pid namespace, host pid), oldest first in
  // `ended_order_` so the set stays bounded.
  std::set<std::pair<uint64_t, int64_t>> ended_inits_;
  std::deque<std::pair<uint64_t, int64_t>> ended_order_;
};

}  // namespace bulkhead::capture
