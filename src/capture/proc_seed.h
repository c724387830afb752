// Seeds a thread table from /proc at start-up in live mode, so that processes started before
// the event stream (and their open files and sockets) are known to the rules.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "capture/thread_table.h"

namespace bulkhead::capture {

// Maps a thread to the id of the container it runs in ("" = host). `pid` is its process id.
using ContainerIdMapper = std::function<std::string(const ThreadInfo& thread, int64_t pid)>;

// What a /proc/<pid>/cgroup file says about a container: Docker, Podman, containerd and CRI-O
// name a container's cgroup after its 64-hex id; Falco's container.id is the first 12 of them.
// nullopt when no cgroup line carries such an id (a host process).
struct CgroupContainer {
  std::string id;       // 12 hex characters
  std::string full_id;  // 64 hex characters
  std::string runtime;  // "docker", "podman", "containerd", "cri-o", or "" when unclear
};
std::optional<CgroupContainer> container_from_cgroup(std::string_view cgroup_file);

// The value of `key` in a /proc/<pid>/status text ("PPid" → "1234"), without the leading
// whitespace; empty when the key is missing.
std::string_view status_field(std::string_view status, std::string_view key);

// Reads every /proc/<pid>/task/<tid> under `proc_root` into `table`: parent, credentials and
// capabilities (status), comm, cmdline, exe and cwd links, loginuid, tty and session (stat),
// pid/mount namespace inodes, namespaced ids, and the open fds (sockets resolved through the
// process's /proc/<pid>/net tables, best effort). Processes that exit while being read are
// skipped. `container_id` defaults to reading /proc/<pid>/cgroup with container_from_cgroup;
// every id it returns gets a ContainerInfo in the table (only id and runtime known).
// Throws bulkhead::SystemError when `proc_root` itself cannot be read.
void seed_from_proc(ThreadTable& table, const std::string& proc_root = "/proc",
                    const ContainerIdMapper& container_id = {});

}  // namespace bulkhead::capture
