#include "capture/container_resolver.h"

#include <sys/stat.h>

#include <tuple>
#include <utility>

#include "base/error.h"
#include "base/strings.h"
#include "capture/proc_seed.h"

namespace bulkhead::capture {
namespace {

// How long a namespace pair that matched no container is trusted before it is looked up again
// (at once when the bulkhead records changed): a container engine may name its cgroup a moment
// after the process exists.
constexpr uint64_t kRetryAfterNs = 100'000'000;
// Ancestors walked to find a bulkhead monitor (runtime -> init -> shell -> command ...).
constexpr int kMaxAncestors = 32;
// Ended inits remembered; a record outlives its init by the monitor's cleanup, not by thousands
// of container exits.
constexpr std::size_t kEndedInitsKept = 4096;

// The host's namespace of `kind`: pid 1's, or this process's when pid 1's cannot be looked at
// (a sandboxed pid 1 may deny even root; the daemon then runs in the namespaces it watches
// from, which is where a host daemon runs anyway).
uint64_t host_namespace_inode(const std::string& proc_root, const std::string& kind) {
  struct stat info {};
  std::string path = proc_root + "/1/ns/" + kind;
  if (::stat(path.c_str(), &info) == 0) return info.st_ino;
  path = proc_root + "/self/ns/" + kind;
  if (::stat(path.c_str(), &info) != 0) throw_errno("reading the namespace " + path);
  return info.st_ino;
}

}  // namespace

ContainerResolver::ContainerResolver(uint64_t host_pid_namespace, uint64_t host_mount_namespace,
                                     BulkheadContainerLister list_bulkhead, std::string proc_root,
                                     BulkheadGeneration bulkhead_generation)
    : host_pid_namespace_(host_pid_namespace),
      host_mount_namespace_(host_mount_namespace),
      list_bulkhead_(std::move(list_bulkhead)),
      proc_root_(std::move(proc_root)),
      bulkhead_generation_(std::move(bulkhead_generation)) {}

ContainerResolver ContainerResolver::for_host(BulkheadContainerLister list_bulkhead,
                                              BulkheadGeneration bulkhead_generation,
                                              const std::string& proc_root) {
  return ContainerResolver(host_namespace_inode(proc_root, "pid"),
                           host_namespace_inode(proc_root, "mnt"), std::move(list_bulkhead),
                           proc_root, std::move(bulkhead_generation));
}

void ContainerResolver::update(ThreadTable& table, int64_t tid, int64_t pid, uint64_t pid_namespace,
                               uint64_t mount_namespace, uint64_t now_ns) {
  ThreadInfo* thread = table.get(tid);
  if (thread != nullptr && thread->pid_namespace == pid_namespace &&
      thread->mount_namespace == mount_namespace &&
      (!thread->container_id.empty() || pid_namespace == host_pid_namespace_))
    return;
  // Also here: a thread in another pid namespace that no container claimed yet. Its container
  // may have been made a moment ago (an engine moves its init into the container's cgroup
  // after the clone), and what the thread's children inherit is decided now; resolve()'s
  // cache keeps this to a lookup per event until the retry delay has passed.
  std::string id = resolve(table, pid, pid_namespace, mount_namespace, now_ns);
  if (thread == nullptr) {
    ThreadInfo info;
    info.tid = tid;
    info.pid = pid;
    thread = &table.insert(std::move(info));
  }
  thread->pid_namespace = pid_namespace;
  thread->mount_namespace = mount_namespace;
  thread->container_id = std::move(id);
}

std::string ContainerResolver::resolve(ThreadTable& table, int64_t pid, uint64_t pid_namespace,
                                       uint64_t mount_namespace, uint64_t now_ns) {
  Key key{pid_namespace, mount_namespace};
  uint64_t generation = bulkhead_generation_ ? bulkhead_generation_() : 0;
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    Cached& entry = it->second;
    if (entry.final) {
      // Looked up again only when it came from a record that may no longer be this
      // namespace's.
      if (!entry.from_record || (generation == entry.generation &&
                                 !init_left_namespace(entry.init_pid, pid, pid_namespace)))
        return entry.id;
    } else if (generation == entry.generation && now_ns - entry.checked_ns < kRetryAfterNs) {
      // Nothing new on disk and not time to look again, but the table may know more now.
      if (!entry.creating.empty())
        if (const BulkheadContainer* found =
                created_by_monitor(table, pid, entry.creating, /*use_proc=*/false)) {
          entry.id = adopt(table, *found, key);
          entry.final = entry.from_record = true;
          entry.init_pid = found->init_pid;
          entry.creating.clear();
        }
      return entry.id;
    }
  }
  Cached& entry = cache_[key];
  entry.creating.clear();
  entry.from_record = false;
  entry.init_pid = 0;
  entry.id = lookup(table, pid, key, now_ns, entry);
  entry.checked_ns = now_ns;
  entry.generation = generation;
  // In the host's pid namespace the answer does not change; elsewhere an empty answer may be a
  // container whose record is not written yet.
  entry.final = !entry.id.empty() || pid_namespace == host_pid_namespace_;
  if (entry.final) entry.creating.clear();
  return entry.id;
}

void ContainerResolver::forget_pid_namespace(uint64_t pid_namespace) {
  std::erase_if(cache_, [pid_namespace](const auto& entry) {
    return entry.first.pid_namespace == pid_namespace;
  });
}

void ContainerResolver::on_exit(const ThreadInfo& thread) {
  // The init of a pid namespace takes the namespace with it, and the kernel hands the freed
  // inode numbers to the next namespaces it makes: the next container may get the same pair
  // while the old one's record is still on disk (its monitor removes it after cleaning up).
  // The init's exit comes before the next container's events in the stream, so from here on
  // that record no longer claims the inode.
  if (thread.vtid != 1 || thread.pid_namespace == host_pid_namespace_ || thread.pid_namespace == 0)
    return;
  forget_pid_namespace(thread.pid_namespace);
  std::pair<uint64_t, int64_t> ended{thread.pid_namespace, thread.pid};
  if (!ended_inits_.insert(ended).second) return;
  ended_order_.push_back(ended);
  if (ended_order_.size() > kEndedInitsKept) {
    ended_inits_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

uint64_t ContainerResolver::pid_namespace_of(int64_t pid) const {
  struct stat info {};
  std::string path = proc_root_ + "/" + std::to_string(pid) + "/ns/pid";
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

bool ContainerResolver::init_left_namespace(int64_t init, int64_t pid,
                                            uint64_t pid_namespace) const {
  // A pid namespace lives as long as its init: one that runs in it now is its own.
  return init != 0 && pid_namespace_of(init) != pid_namespace &&
         pid_namespace_of(pid) == pid_namespace;
}

const BulkheadContainer* ContainerResolver::namespace_holder(
    const std::vector<const BulkheadContainer*>& claimants) {
  // The event may have been read late: the namespace is still the one of the record that held
  // it first, as the stream has not shown its init's exit (those are filtered out). Inits that
  // started earlier held it earlier; one not started yet is the newest; on a tie an existing
  // record goes before a removed one.
  auto order = [](const BulkheadContainer* c) {
    return std::tuple(c->init_pid == 0, c->init_pid == 0 ? 0 : c->init_start_ticks,
                      c->removed_ns != 0);
  };
  const BulkheadContainer* holder = claimants.front();
  for (const BulkheadContainer* claimant : claimants)
    if (order(claimant) < order(holder)) holder = claimant;
  return holder;
}

int64_t ContainerResolver::parent_pid(const ThreadTable& table, int64_t pid, bool use_proc) const {
  if (const ThreadInfo* thread = table.find(pid); thread != nullptr && thread->ppid > 0)
    return thread->ppid;
  if (!use_proc) return 0;
  // Not known to the table yet: a new process's first event can be read before its parent's
  // clone returns (the two run on different CPUs), and the resolver sees each event before the
  // table learns anything from it.
  std::string status;
  try {
    status = read_file(proc_root_ + "/" + std::to_string(pid) + "/status");
  } catch (const Error&) {
    return 0;  // gone
  }
  auto parent = parse_uint64(status_field(status, "PPid"));
  return parent && *parent <= INT64_MAX ? static_cast<int64_t>(*parent) : 0;
}

const BulkheadContainer* ContainerResolver::created_by_monitor(
    const ThreadTable& table, int64_t pid, const std::vector<BulkheadContainer>& creating,
    bool use_proc) const {
  int64_t process = pid;
  for (int depth = 0; depth < kMaxAncestors; ++depth) {
    int64_t parent = parent_pid(table, process, use_proc);
    if (parent <= 0 || parent == process) return nullptr;
    for (const auto& container : creating)
      if (container.monitor_pid == parent) return &container;
    process = parent;
  }
  return nullptr;
}

std::string ContainerResolver::adopt(ThreadTable& table, const BulkheadContainer& container,
                                     Key key) {
  ContainerInfo info;
  info.id = container.id;
  info.name = container.name;
  info.image = container.rootfs;
  info.image_repository = container.rootfs;
  info.runtime = "bulkhead";
  info.pid_namespace = key.pid_namespace;
  info.mount_namespace = key.mount_namespace;
  table.add_container(std::move(info));
  return container.id;
}

std::string ContainerResolver::lookup(ThreadTable& table, int64_t pid, Key key, uint64_t now_ns,
                                      Cached& entry) {
  if (key.pid_namespace == host_pid_namespace_ && key.mount_namespace == host_mount_namespace_)
    return {};
  if (key.pid_namespace != host_pid_namespace_ && list_bulkhead_) {
    std::vector<BulkheadContainer> containers = list_bulkhead_();
    // A removed container names only events from before it was found gone: a namespace inode
    // (or monitor pid) the kernel has handed on since is someone else's.
    std::erase_if(containers, [now_ns](const BulkheadContainer& container) {
      return container.removed_ns != 0 && container.removed_ns < now_ns;
    });
    // Records naming this namespace inode, but not one whose init the stream saw exit: the
    // inode was handed on after that.
    std::vector<const BulkheadContainer*> claimants;
    for (const auto& container : containers)
      if (container.pid_namespace == key.pid_namespace &&
          (container.init_pid == 0 ||
           ended_inits_.count({container.pid_namespace, container.init_pid}) == 0))
        claimants.push_back(&container);
    // A process that still runs in the namespace shows which one it is: a pid namespace lives
    // as long as its init, so a record whose init does not run in it now is of an earlier
    // namespace that had the inode (its exit not seen: before the capture started, or lost).
    std::erase_if(claimants, [&](const BulkheadContainer* claimant) {
      return init_left_namespace(claimant->init_pid, pid, key.pid_namespace);
    });
    if (!claimants.empty()) {
      const BulkheadContainer* holder = namespace_holder(claimants);
      entry.from_record = true;
      entry.init_pid = holder->init_pid;
      return adopt(table, *holder, key);
    }
    // Still being created: its record has no namespaces yet, but its monitor is an ancestor.
    for (auto& container : containers)
      if (container.pid_namespace == 0 && container.monitor_pid > 0)
        entry.creating.push_back(std::move(container));
    if (!entry.creating.empty())
      if (const BulkheadContainer* creator =
              created_by_monitor(table, pid, entry.creating, /*use_proc=*/true)) {
        entry.from_record = true;
        entry.init_pid = creator->init_pid;
        return adopt(table, *creator, key);
      }
  }
  std::string cgroup;
  try {
    cgroup = read_file(proc_root_ + "/" + std::to_string(pid) + "/cgroup");
  } catch (const Error&) {
    return {};  // the process is gone: nothing more to learn
  }
  auto container = container_from_cgroup(cgroup);
  if (!container) return {};
  if (table.container(container->full_id) == nullptr) {
    ContainerInfo info;
    info.id = container->full_id;
    info.runtime = container->runtime;
    info.pid_namespace = key.pid_namespace;
    info.mount_namespace = key.mount_namespace;
    table.add_container(std::move(info));
  }
  return container->full_id;
}

}  // namespace bulkhead::capture
